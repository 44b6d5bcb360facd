package promote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/change"
	"github.com/gitops-actions/gitops-actions/internal/gate"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/mdtext"
	"github.com/gitops-actions/gitops-actions/internal/promotion"
	"github.com/gitops-actions/gitops-actions/internal/release"
)

// mark is the trailer promote's commits carry, which the pull-request
// machinery recognises its own commits by.
const mark = "Promoted-By"

// promoter is the second half of a run: a promotion or a rollback,
// through the pull-request machinery.
type promoter struct {
	r  *cli.Run
	in inputs
	// gh is the GitHub client of a run with a token (nil on a checkout);
	// repo reads the repository, through it or through git.
	gh   *forge.Client
	repo repository
	base string
	prov change.Provenance
	// now is the clock; verdict what the gates said of the last content
	// built, and timed whether windows or freezes applied (gates.go).
	now     func() time.Time
	verdict *gate.Verdict
	timed   bool
}

func newPromoter(r *cli.Run, in inputs, gh *forge.Client, repo repository, base string, ev event) *promoter {
	prov := change.Provenance{Repository: r.Getenv("GITHUB_REPOSITORY"), Commit: r.Getenv("GITHUB_SHA")}
	if ev.Pull != nil && ev.Pull.MergeCommit != "" {
		prov.Commit = ev.Pull.MergeCommit
	}
	prov.RunURL = cli.RunURL(r.Getenv)
	return &promoter{r: r, in: in, gh: gh, repo: repo, base: base, prov: prov, now: time.Now}
}

// request is the machinery's request for a pull request on branch.
func (x *promoter) request(branch string, build change.Build) change.Request {
	in := x.in
	return change.Request{
		Base: x.base, Branch: branch, Build: build,
		Labels: in.Labels, Reviewers: in.Reviewers, TeamReviewers: in.TeamReviewers, Assignees: in.Assignees,
		Draft: in.Draft, AutoMerge: in.AutoMerge,
	}
}

var unsafeBranchChars = regexp.MustCompile(`[^A-Za-z0-9._/-]+`)

// branchFor is the deterministic branch of a kind of pull request for a
// directory: gitops-actions/promote/environments/production.
func branchFor(kind, dir string) string {
	b := "gitops-actions/" + kind + "/" + strings.Trim(unsafeBranchChars.ReplaceAllString(dir, "-"), "/")
	for strings.Contains(b, "..") {
		b = strings.ReplaceAll(b, "..", ".")
	}
	return strings.TrimSuffix(strings.ReplaceAll(b, "/.", "/-"), ".lock")
}

// fail maps the errors of a promotion or rollback to exit codes: bad
// inputs the repository shows (a directory that does not exist) are usage
// errors; conflicts and the machinery declining a branch fail the job.
func (x *promoter) fail(err error) error {
	var ie *promotion.InputError
	var ce *promotion.ConflictError
	var exit *cli.ExitError
	switch {
	case errors.As(err, &exit):
		return err
	case errors.As(err, &ie):
		return cli.UsageError(err)
	case errors.As(err, &ce), errors.As(err, new(*change.RefusedError)):
		return cli.FailedError(err)
	case x.in.Local:
		return localFailure(err)
	}
	return x.in.APIError(err)
}

// files turns the engine's files into the commit's, keeping modes.
func files(snap *forge.Snapshot, fs []promotion.File) []forge.File {
	var out []forge.File
	for _, f := range fs {
		mode := "100644"
		if snap != nil {
			mode = snap.Mode(f.Path)
		}
		out = append(out, forge.File{Path: f.Path, Content: f.Content, Delete: f.Delete, Mode: mode})
	}
	return out
}

// directories promotes from to to: one commit on
// gitops-actions/promote/<to>, one pull request, as the machinery keeps
// it.
func (x *promoter) directories(ctx context.Context) error {
	in := x.in
	opts := x.promotionOptions()
	var res *promotion.Result
	build := func(ctx context.Context, head change.Head) (change.Content, error) {
		// The whole repository: the drift renders overlays, which name
		// bases outside the two directories. The machinery reads it with
		// the branch's state when it can; the archive is the way when it
		// could not.
		snap := head.Files
		if snap == nil {
			var err error
			if snap, err = x.gh.ReadArchive(ctx, head.SHA, []string{"."}); err != nil {
				return change.Content{}, err
			}
		}
		var err error
		if res, err = promotion.Directories(ctx, snap.FS, opts); err != nil {
			return change.Content{}, err
		}
		if len(res.Files) == 0 && len(res.AllHeld) > 0 {
			return change.Content{CloseComment: fmt.Sprintf("Closing: what %s would promote to %s at %s is held by hold comments (%s), so this pull request has nothing left to do. Remove the comments, in a pull request, to release them.", mdtext.Code(in.From, 250), mdtext.Code(in.To, 250), short(head.SHA), mdtext.Text(strings.Join(heldBy(res.AllHeld, res.Held), "; "), 2000))}, nil
		}
		if len(res.Files) == 0 {
			return change.Content{CloseComment: fmt.Sprintf("Closing: %s at %s holds what %s would promote, so this pull request has nothing left to do.", mdtext.Code(in.To, 250), short(head.SHA), mdtext.Code(in.From, 250))}, nil
		}
		if err := promotion.Origins(ctx, x.repo, head.SHA, res.Promoted); err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("where the versions under %s came from could not be read: %v", in.From, err))
		}
		text := promotion.PromotionText(res, in.Mode, x.prov.RunURL)
		return x.gate(ctx, snap, res, change.Content{
			Files: files(snap, res.Files), Title: text.Title, Body: text.Body,
			Message: change.WithTrailers(text.Message, x.prov, mark),
		})
	}
	req := x.request(branchFor("promote", in.To), build)
	req.Trees, req.TipTrees = []string{"."}, []string{in.To}
	out, err := change.Propose(ctx, x.gh, req)
	x.warn(out.Warnings)
	if g := gatedBy(err); g != nil {
		return x.gatedRun(ctx, g, res)
	}
	if err != nil {
		return x.fail(err)
	}
	x.warn(res.Warnings)
	x.reportHeld(res.Held)
	x.setPull(out, x.promotionDetail(res))
	if err := x.settleGates(ctx, out); err != nil {
		return err
	}
	x.reportPromotion(res)
	return nil
}

// promotionDetail says in Markdown what a directory promotion moves, and
// the drift it leaves.
func (x *promoter) promotionDetail(res *promotion.Result) string {
	return fmt.Sprintf("Promotes %s to %s:\n\n%s\n%s", mdtext.Code(x.in.From, 200), mdtext.Code(x.in.To, 200), promotion.ImagesMarkdown(res.Promoted, x.in.To), promotion.DriftMarkdown(res.Drift))
}

// reportPromotion records what a directory promotion moves and holds, and
// the drift it leaves.
func (x *promoter) reportPromotion(res *promotion.Result) {
	x.setPromoted(res.Promoted)
	x.setHeld(res.Held)
	x.r.SetOutput("drift", strconv.Itoa(res.Drift.Count()))
	x.r.Logf("drift between %s and %s: %d difference(s)", x.in.From, x.in.To, res.Drift.Count())
	x.reportAllHeld(res.AllHeld, res.Held, len(res.Promoted) > 0)
}

// heldBy names, for each image, what holds it.
func heldBy(images []string, hs []manifest.Hold) []string {
	out := make([]string, len(images))
	for i, im := range images {
		out[i] = im + ": " + manifest.HeldBy(hs, im)
	}
	return out
}

// reportAllHeld says which images a hold keeps whole under to: an
// expected state while a rollback stands, so a notice and a line of the
// summary, not a failure; the other images were promoted.
func (x *promoter) reportAllHeld(images []string, hs []manifest.Hold, others bool) {
	if len(images) == 0 {
		return
	}
	rest := ""
	if others {
		rest = " The other images are promoted."
	}
	var lines []string
	for _, im := range images {
		msg := fmt.Sprintf("%s is not promoted to %s: every reference of it there is held by %s.%s To release it, remove the hold comment in a pull request, or set force.", im, x.in.To, manifest.HeldBy(hs, im), rest)
		x.r.Notice(msg)
		lines = append(lines, "- "+mdtext.Text(msg, 1000))
	}
	x.r.Summary("\n**Held**:\n\n" + strings.Join(lines, "\n") + "\n")
}

// branches promotes from-branch into to-branch: a pull request between
// the two, whose head the tool never writes.
func (x *promoter) branches(ctx context.Context) error {
	in := x.in
	heads := map[string]string{}
	for _, b := range []struct{ input, name string }{{"from-branch", in.FromBranch}, {"to-branch", in.ToBranch}} {
		sha, ok, err := x.gh.BranchSHA(ctx, b.name)
		if err != nil {
			return x.fail(err)
		}
		if !ok {
			return cli.Usagef("input %q: branch %q does not exist in %s/%s", b.input, b.name, in.Owner, in.Repo)
		}
		heads[b.name] = sha
	}
	from, to := heads[in.FromBranch], heads[in.ToBranch]
	ahead, err := x.gh.Compare(ctx, to, from)
	if err != nil {
		return x.fail(err)
	}
	behind, err := x.gh.Compare(ctx, from, to)
	if err != nil {
		return x.fail(err)
	}
	bin := promotion.BranchInput{From: in.FromBranch, To: in.ToBranch, FromSHA: from, ToSHA: to}
	for _, c := range ahead.Commits {
		bin.Ahead = append(bin.Ahead, promotion.Commit{SHA: c.SHA, Subject: subject(c.Message)})
	}
	for _, c := range behind.Commits {
		bin.Behind = append(bin.Behind, promotion.Commit{SHA: c.SHA, Subject: subject(c.Message)})
	}
	empty := len(ahead.Commits) == 0
	br := &promotion.Branches{From: in.FromBranch, To: in.ToBranch, Behind: bin.Behind}
	if !empty {
		for _, f := range ahead.Files {
			bin.Files = append(bin.Files, release.File{Path: f.Path, Status: f.Status, Previous: f.Previous})
		}
		if !ahead.Complete {
			br.Warnings = append(br.Warnings, "GitHub lists part of the files only; image changes in the others are not shown")
		}
		blobs := release.BlobsFor(&release.Commit{SHA: from, Parents: []string{to}, Files: bin.Files})
		facts, err := x.repo.Lookup(ctx, release.Lookup{Blobs: blobs})
		if err != nil {
			return x.fail(err)
		}
		bin.Blobs = facts.Blobs
		warnings := br.Warnings
		if br, err = promotion.CompareBranches(ctx, bin); err != nil {
			return x.fail(err)
		}
		br.Warnings = append(warnings, br.Warnings...)
		if err := promotion.Origins(ctx, x.repo, from, br.Promoted); err != nil {
			br.Warnings = append(br.Warnings, fmt.Sprintf("where the versions on %s came from could not be read: %v", in.FromBranch, err))
		}
	}
	text := promotion.BranchText(br, x.prov.RunURL)
	content := change.Content{Title: text.Title, Body: text.Body,
		CloseComment: fmt.Sprintf("Closing: %s has no commit that %s lacks, so there is nothing left to promote.", mdtext.Code(in.FromBranch, 250), mdtext.Code(in.ToBranch, 250))}
	req := x.request(in.FromBranch, nil)
	req.Base = in.ToBranch
	out, err := change.Open(ctx, x.gh, req, content, empty)
	x.warn(out.Warnings)
	if err != nil {
		return x.fail(err)
	}
	for _, w := range br.Warnings {
		x.r.Warning("", 0, w)
	}
	for _, h := range br.Held {
		x.r.Warning(h.File, h.Line, fmt.Sprintf("%s holds a hold comment (%s) in a file the pull request changes: merging it overrides the hold", in.ToBranch, h.Reason))
	}
	x.setPull(out, fmt.Sprintf("Promotes branch %s into %s: %d commit(s).\n\n%s", mdtext.Code(in.FromBranch, 200), mdtext.Code(in.ToBranch, 200), len(ahead.Commits), promotion.ImagesMarkdown(br.Promoted, in.ToBranch)))
	x.setPromoted(br.Promoted)
	x.setHeld(br.Held)
	x.r.SetOutput("drift", strconv.Itoa(len(br.Behind)))
	return nil
}

func subject(msg string) string {
	s, _, _ := strings.Cut(msg, "\n")
	return s
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

func (x *promoter) warn(ws []string) {
	for _, w := range ws {
		x.r.Warning("", 0, w)
	}
}

// reportHeld gives each held reference its notice.
func (x *promoter) reportHeld(hs []manifest.Hold) {
	for _, h := range hs {
		why := "a hold comment"
		if h.Reason != "" {
			why += " (" + h.Reason + ")"
		}
		msg := fmt.Sprintf("held by %s: the file is left as it is. Remove the comment to release it, or set force.", why)
		if h.Image != "" {
			msg = fmt.Sprintf("%s stays at %s, held by %s; not promoted to %s. Remove the comment to release it, or set force.", h.Image, h.Version, why, h.Wanted)
		}
		x.r.NoticeAt(h.File, h.Line, msg)
	}
}

// setNone records the outputs of a run that promoted nothing.
func (x *promoter) setNone() {
	x.r.SetOutput("promotion-pull-request-operation", string(change.None))
	x.r.SetOutput("promoted", "[]")
	x.r.SetOutput("held", "[]")
	x.r.SetOutput("drift", "0")
}

// setPull records the pull request, and says in the job summary what
// happened to it and what it does (detail, Markdown).
func (x *promoter) setPull(out change.Result, detail string) {
	x.r.SetOutput("promotion-pull-request-operation", string(out.Op))
	msg := "promotion pull request: " + string(out.Op)
	pull := "the pull request"
	if out.Pull != nil {
		x.r.SetOutput("promotion-pull-request-number", strconv.Itoa(out.Pull.Number))
		x.r.SetOutput("promotion-pull-request-url", out.Pull.URL)
		msg += fmt.Sprintf(" #%d %s", out.Pull.Number, out.Pull.URL)
		pull = mdtext.Link(fmt.Sprintf("#%d", out.Pull.Number), out.Pull.URL)
	}
	x.r.Logf("%s", msg)
	var what string
	switch out.Op {
	case change.Created:
		what = "Opened pull request " + pull + "."
	case change.Updated:
		what = "Updated pull request " + pull + "."
	case change.Unchanged:
		what = "Pull request " + pull + " holds this already: left as it is."
	case change.Closed:
		what = "Closed pull request " + pull + ": the base holds the change already."
	default:
		what = "No pull request: nothing to change."
	}
	x.r.Summary("\n### promotion\n\n" + what + "\n\n" + detail)
}

// setPromoted records the images that move.
func (x *promoter) setPromoted(ps []promotion.Promotion) {
	if ps == nil {
		ps = []promotion.Promotion{}
	}
	for _, p := range ps {
		x.r.Logf("%s: %s → %s", p.Image, p.FromVersion, p.ToVersion)
	}
	js, _ := json.Marshal(ps)
	x.r.SetOutput("promoted", string(js))
}

func (x *promoter) setHeld(hs []manifest.Hold) {
	if hs == nil {
		hs = []manifest.Hold{}
	}
	js, _ := json.Marshal(hs)
	x.r.SetOutput("held", string(js))
}
