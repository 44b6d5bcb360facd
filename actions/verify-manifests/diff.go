package verifymanifests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/archive"
	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/diffpreview"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/localgit"
	"github.com/gitops-actions/gitops-actions/internal/mdtext"
	"github.com/gitops-actions/gitops-actions/internal/verify"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// GitHub's limits: a comment holds 65,536 characters, a step's summary
// 1 MiB. Markdown counts bytes, so a body within these in bytes is within
// them in characters too.
const (
	maxComment = 65536
	maxSummary = 1 << 20
	// summaryMargin keeps room for the line that separates the diff from
	// verify's summary, and for the redaction of secrets into ***.
	summaryMargin = 1024
)

// diffInputs are the inputs of the diff preview, parsed and checked.
type diffInputs struct {
	// Base is a ref read through the API archive; BasePath a directory of
	// the working tree holding the base. At most one is set; neither means
	// no diff.
	Base, BasePath string
	Ignore         []string
	File           string
	GitHub         cli.GitHub
	// HasGitHub is true when token or app-id is set.
	HasGitHub bool
}

func (d diffInputs) enabled() bool { return d.Base != "" || d.BasePath != "" }

// unused names a diff input set without a base, or "". A workflow that
// runs on pushes and pull requests passes
// github.event.pull_request.base.sha, empty on a push: that is no error,
// but worth a notice.
func (d diffInputs) unused() string {
	switch {
	case d.enabled():
		return ""
	case d.File != "":
		return "diff-file"
	case len(d.Ignore) > 0:
		return "diff-ignore"
	}
	return ""
}

// readDiffInputs reads diff-base, diff-base-path, diff-ignore, diff-file
// and the GitHub inputs; every error is a usage error that says what to do.
func readDiffInputs(v cli.Values, getenv func(string) string) (diffInputs, error) {
	d := diffInputs{Base: v.String("diff-base"), BasePath: v.String("diff-base-path"), Ignore: v.List("diff-ignore"), File: v.String("diff-file")}
	var err error
	if d.GitHub, d.HasGitHub, err = cli.ReadGitHub(v, getenv); err != nil {
		return d, err
	}
	switch {
	case d.Base != "" && d.BasePath != "":
		return d, cli.Usagef("input \"diff-base\" and \"diff-base-path\" are both set: give the base as a ref read through the GitHub API (diff-base) or as a directory of its files (diff-base-path), not both")
	case d.Base != "" && d.HasGitHub && !forge.ValidBranchName(d.Base):
		return d, cli.Usagef("input \"diff-base\": %q is not a git ref or commit SHA, which the GitHub API needs (in a pull_request workflow: ${{ github.event.pull_request.base.sha }}); without token, any revision git understands is read from the local repository", d.Base)
	}
	// A bad field path is bad input: said before any work, not after
	// verifying the tree.
	if err := diffpreview.CheckIgnore(d.Ignore); err != nil {
		return d, cli.Usagef("input \"diff-ignore\": %s", strings.TrimPrefix(err.Error(), "diff-ignore: "))
	}
	return d, nil
}

// diffPlan is where the diff's inputs point in the working tree. Both
// trees are compared whole, from the repository's root: a kustomization
// under path may build bases outside it.
type diffPlan struct {
	// Environments are the environments input, resolved; none means the
	// engine finds them, and only those under Under are kept.
	Environments []string
	Under        string
	// BasePath is diff-base-path resolved; File diff-file ("" for none).
	BasePath, File string
}

// resolveDiff checks diff-base-path and diff-file against the tree, by
// the rule every path input follows (workspace.Tree.Path).
func resolveDiff(tree *workspace.Tree, d diffInputs, p string, envs []string) (diffPlan, error) {
	plan := diffPlan{Environments: envs, Under: p}
	var err error
	if d.BasePath != "" {
		if plan.BasePath, err = tree.Path("diff-base-path", d.BasePath, false); err != nil {
			return plan, cli.UsageError(err)
		}
		if st, err := tree.Stat(plan.BasePath); err != nil || !st.IsDir() {
			return plan, cli.Usagef("input \"diff-base-path\": %q is not a directory (give the directory the base is checked out in)", d.BasePath)
		}
		if plan.BasePath == "." {
			return plan, cli.Usagef("input \"diff-base-path\": %q is the working directory itself, the head: give the directory the base is checked out in", d.BasePath)
		}
	}
	if d.File != "" {
		if plan.File, err = tree.Path("diff-file", d.File, true); err != nil {
			return plan, cli.UsageError(err)
		}
	}
	return plan, nil
}

// within reports whether the slash path name is dir or inside it.
func within(name, dir string) bool {
	return dir == "." || name == dir || strings.HasPrefix(name, dir+"/")
}

// base is the base tree, and what was left out of it.
type base struct {
	FS      fs.FS
	Skipped []archive.Skipped
	// Label names the base in the log and the comment.
	Label string
}

// readBase reads the base tree: through the API archive (two requests,
// whatever the number of files) when a token or an app is given, else from
// the local git repository the working directory is in (git archive, any
// revision git understands), or from diff-base-path in the working tree.
func readBase(ctx context.Context, d diffInputs, plan diffPlan, tree *workspace.Tree, gh *forge.Client, maxFileSize int64, getenv func(string) string) (*base, error) {
	if d.BasePath != "" {
		sub, err := fs.Sub(tree, plan.BasePath)
		if err != nil {
			return nil, fmt.Errorf("reading the base at %q: %w", plan.BasePath, err)
		}
		return &base{FS: sub, Label: d.BasePath}, nil
	}
	opts := archive.Options{Limits: archive.Limits{MaxFileSize: maxFileSize}}
	if gh == nil {
		res, err := readLocalBase(ctx, d.Base, tree.Dir(), opts, getenv)
		if err != nil {
			return nil, err
		}
		return &base{FS: res.FS, Label: d.Base, Skipped: plan.readable(res.Skipped)}, nil
	}
	snap, err := gh.ReadTree(ctx, d.Base, opts)
	var nf *forge.NotFoundError
	switch {
	case errors.As(err, &nf):
		return nil, cli.Usagef("input \"diff-base\": %v: give a branch, tag or commit SHA of %s/%s (a private repository answers the same to a token that may not read it)", err, d.GitHub.Owner, d.GitHub.Repo)
	case errors.Is(err, archive.ErrTooLarge), errors.Is(err, archive.ErrUnsafeName), errors.Is(err, archive.ErrConflict):
		return nil, cli.Failedf("input \"diff-base\": %w", err)
	case err != nil:
		return nil, d.GitHub.APIError(err)
	}
	return &base{FS: snap.FS, Label: d.Base, Skipped: plan.readable(snap.Skipped)}, nil
}

// readLocalBase reads rev of the git repository dir is in with the git
// command: the way a laptop or another CI, with a checkout and no token,
// gets the base.
func readLocalBase(ctx context.Context, rev, dir string, opts archive.Options, getenv func(string) string) (*archive.Result, error) {
	repo, err := localgit.Open(ctx, dir, getenv)
	switch {
	case errors.Is(err, localgit.ErrNoGit):
		return nil, cli.Usagef("input \"diff-base\": without token, the base %q is read from the local git repository with the git command, and there is no git on PATH: install git, or set token to read the base through the GitHub API (in GitHub Actions: token: ${{ secrets.GITHUB_TOKEN }}), or check the base out and give its directory as diff-base-path", rev)
	case errors.Is(err, localgit.ErrNotWorkTree):
		return nil, cli.Usagef("input \"diff-base\": without token, the base %q is read from the local git repository, and the working directory is not in one (%v): run in a clone, set token to read the base through the GitHub API, or give a checkout of the base as diff-base-path", rev, err)
	case err != nil:
		return nil, fmt.Errorf("reading the base %q with git: %w", rev, err)
	}
	sha, err := repo.Resolve(ctx, rev)
	switch {
	case errors.Is(err, localgit.ErrUnknownRevision):
		return nil, cli.Usagef("input \"diff-base\": git knows no commit %q in this repository: give a revision git understands (HEAD~1, a branch, a tag, a SHA); a shallow clone may lack it (fetch more history, e.g. actions/checkout with fetch-depth: 0)", rev)
	case err != nil:
		return nil, cli.Usagef("input \"diff-base\": %v", err)
	}
	res, err := repo.Archive(ctx, sha, opts)
	switch {
	case errors.Is(err, archive.ErrTooLarge), errors.Is(err, archive.ErrUnsafeName), errors.Is(err, archive.ErrConflict):
		return nil, cli.Failedf("input \"diff-base\": %w", err)
	case err != nil:
		return nil, fmt.Errorf("reading the base %q with git: %w", rev, err)
	}
	return res, nil
}

// readable keeps the entries left out of the base that the comparison may
// read: under path, or in an environment.
func (plan diffPlan) readable(skipped []archive.Skipped) []archive.Skipped {
	var out []archive.Skipped
	for _, s := range skipped {
		keep := within(s.Name, plan.Under)
		for _, e := range plan.Environments {
			keep = keep || within(s.Name, e)
		}
		if keep {
			out = append(out, s)
		}
	}
	return out
}

// skippedText says what the base left out, by reason, for a warning.
func skippedText(sk []archive.Skipped) string {
	by := map[archive.Reason][]string{}
	var reasons []string
	for _, s := range sk {
		if len(by[s.Reason]) == 0 {
			reasons = append(reasons, string(s.Reason))
		}
		by[s.Reason] = append(by[s.Reason], s.Name)
	}
	sort.Strings(reasons)
	var parts []string
	for _, r := range reasons {
		names := by[archive.Reason(r)]
		shown := names
		if len(shown) > 5 {
			shown = shown[:5]
		}
		quoted := make([]string, len(shown))
		for i, n := range shown {
			quoted[i] = strconv.Quote(n)
		}
		more := ""
		if len(names) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(names)-len(shown))
		}
		what := r
		if r == string(archive.ReasonTooLarge) {
			what = "over max-file-size"
		}
		parts = append(parts, fmt.Sprintf("%d %s (%s%s)", len(names), what, strings.Join(quoted, ", "), more))
	}
	return strings.Join(parts, "; ")
}

// runDiff compares the base with the working tree at the plan's root and
// puts the result in the step summary, the pull request's comment,
// diff-file and the outputs; a share of a sharded run compares its share
// of the environments, writes diff-file and the outputs, and returns its
// part for its result file: the merge publishes the whole. Its findings
// never decide the exit code; bad input and a base that cannot be read
// do.
func runDiff(ctx context.Context, r *cli.Run, in inputs, plan diffPlan, tree *workspace.Tree, b *base, gh *forge.Client, check *diffpreview.Check, fetcher chartref.Fetcher) (*diffpreview.Preview, error) {
	if len(b.Skipped) > 0 {
		r.Warning("", 0, fmt.Sprintf("diff-base: left out of the base: %s", skippedText(b.Skipped)))
	}
	pv, err := diffpreview.Compare(ctx, b.FS, tree, diffpreview.Options{Environments: plan.Environments, Ignore: in.Diff.Ignore, MaxFileSize: in.MaxFileSize,
		KubernetesVersion: in.KubernetesVersion, APIVersions: in.APIVersions, Fetcher: fetcher, Repository: in.Repository, Shard: in.Shard})
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("stopped before the end (a signal, or the step's time limit): %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("comparing with the base %q: %w", b.Label, err)
	}
	if len(plan.Environments) == 0 {
		pv = onlyUnder(pv, plan)
	}
	if in.sharded() {
		added, removed, changed := pv.Counts()
		r.Logf("verify-manifests: shard %s against %s: %d added, %d removed, %d changed in %d environment(s); the merge job shows the whole diff", in.Shard, b.Label, added, removed, changed, len(pv.Environments))
		return pv, diffOutputs(r, pv, tree, plan.File)
	}
	return pv, publishDiff(ctx, r, in, tree, plan.File, b.Label, pv, gh, check)
}

// publishDiff puts a preview in the step summary, diff-file (file, ""
// for none), the outputs and the pull request's comment.
func publishDiff(ctx context.Context, r *cli.Run, in inputs, tree *workspace.Tree, file, label string, pv *diffpreview.Preview, gh *forge.Client, check *diffpreview.Check) error {
	added, removed, changed := pv.Counts()
	r.Logf("verify-manifests: against %s: %d added, %d removed, %d changed in %d environment(s)", label, added, removed, changed, len(pv.Environments))
	runURL := cli.RunURL(r.Getenv)
	if budget := maxSummary - summaryMargin - r.SummaryLen(); budget >= summaryMargin {
		r.Summary("\n" + pv.Markdown(budget, runURL))
	} else {
		r.Notice("the job summary is full with the findings: the diff is left out of it (see diff-file and the pull request's comment)")
	}
	if err := diffOutputs(r, pv, tree, file); err != nil {
		return err
	}
	return comment(ctx, r, in, label, pv, gh, runURL, check)
}

// diffOutputs writes the whole diff to file ("" for none) and sets the
// diff outputs.
func diffOutputs(r *cli.Run, pv *diffpreview.Preview, tree *workspace.Tree, file string) error {
	if file != "" {
		var buf bytes.Buffer
		if err := pv.WriteText(&buf); err != nil {
			return err
		}
		if err := tree.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("writing the diff to %q: %w", file, err)
		}
	}
	added, removed, changed := pv.Counts()
	r.SetOutput("diff-added", strconv.Itoa(added))
	r.SetOutput("diff-removed", strconv.Itoa(removed))
	r.SetOutput("diff-changed", strconv.Itoa(changed))
	return nil
}

// checkOf is verify's verdict as the comment shows it.
func checkOf(res *verify.Result) *diffpreview.Check {
	c := &diffpreview.Check{Errors: res.Errors, Warnings: res.Warnings, ByEnvironment: map[string]diffpreview.Tally{}}
	for _, e := range res.Environments {
		c.ByEnvironment[e.Name] = diffpreview.Tally{Errors: e.Errors, Warnings: e.Warnings}
	}
	return c
}

// onlyUnder keeps the environments the engine found under path, but not
// in the base's own checkout (diff-base-path inside the working tree).
func onlyUnder(pv *diffpreview.Preview, plan diffPlan) *diffpreview.Preview {
	out := &diffpreview.Preview{}
	for _, e := range pv.Environments {
		if within(e.Name, plan.Under) && (plan.BasePath == "" || !within(e.Name, plan.BasePath)) {
			out.Environments = append(out.Environments, e)
		}
	}
	return out
}

// event is the part of a webhook payload the comment needs.
type event struct {
	Number      int `json:"number"`
	PullRequest *struct {
		Number int `json:"number"`
		Head   struct {
			SHA string `json:"sha"`
		} `json:"head"`
	} `json:"pull_request"`
	Repository struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
}

// marker starts the pull-request comment of verify-manifests' diff for
// path: hidden, and distinct per path, so that two jobs verifying
// different paths keep a comment each.
func marker(p string) string {
	// Query-escaped, the path cannot end the HTML comment ("-->").
	return "<!-- gitops-actions:verify-manifests:diff path=" + url.QueryEscape(p) + " -->"
}

// comment creates or updates the pull request's one comment. Only a
// pull_request or pull_request_target event has a pull request; any other
// gets a notice. Every failure is a warning: the comment repeats the
// summary, and the check's verdict is the findings'.
func comment(ctx context.Context, r *cli.Run, in inputs, label string, pv *diffpreview.Preview, gh *forge.Client, runURL string, check *diffpreview.Check) error {
	if !r.InActions() {
		return nil
	}
	var ev event
	name, err := cli.ReadEvent(r.Getenv, &ev)
	if err != nil {
		r.Warning("", 0, fmt.Sprintf("no pull-request comment: %v", err))
		return nil
	}
	number := ev.Number
	if ev.PullRequest != nil && ev.PullRequest.Number != 0 {
		number = ev.PullRequest.Number
	}
	switch {
	case name == "":
		r.Notice("no pull-request comment: no workflow event (GITHUB_EVENT_NAME is empty); the diff is in the job summary")
		return nil
	case name != "pull_request" && name != "pull_request_target":
		r.Notice(fmt.Sprintf("no pull-request comment: the %s event is about no pull request; the diff is in the job summary", name))
		return nil
	case number <= 0:
		r.Notice(fmt.Sprintf("no pull-request comment: the %s event's payload names no pull request", name))
		return nil
	case gh == nil:
		r.Notice("no pull-request comment: set token (with permissions pull-requests: write) for one; the diff is in the job summary")
		return nil
	case ev.Repository.FullName != "" && !strings.EqualFold(ev.Repository.FullName, in.Diff.GitHub.Owner+"/"+in.Diff.GitHub.Repo):
		r.Notice(fmt.Sprintf("no pull-request comment: the pull request is in %s, the repository input is %s/%s", ev.Repository.FullName, in.Diff.GitHub.Owner, in.Diff.GitHub.Repo))
		return nil
	}
	mark := marker(in.Path)
	// The verdict comes first; the hidden marker before it shows nothing.
	head := mark + "\n"
	about := fmt.Sprintf("<sub>verify-manifests · %s against %s</sub>", mdtext.Code(in.Path, 200), mdtext.Code(label, 100))
	body := head + pv.MarkdownWith(diffpreview.MarkdownOptions{Limit: maxComment - len(head), RunURL: runURL, Check: check, About: about})
	// A pull request that changes no rendered resource gets no new
	// comment; one it had is updated to say so.
	op, cm, err := gh.UpsertComment(ctx, number, mark, body, hasNews(pv))
	switch {
	case err != nil && ctx.Err() != nil:
		return err
	case err != nil && forge.StatusCode(err) == http.StatusForbidden && forge.IsAuth(err):
		r.Warning("", 0, fmt.Sprintf("no pull-request comment on #%d: GitHub refused it (%v): the token needs pull-requests: write (permissions: pull-requests: write in the workflow); a pull request from a fork gets a read-only token, so its diff is in the job summary only", number, err))
	case err != nil:
		r.Warning("", 0, fmt.Sprintf("no pull-request comment on #%d: %v", number, err))
	case op == forge.CommentNone:
		r.Logf("verify-manifests: no rendered change and no earlier comment on #%d: none made", number)
	default:
		r.Logf("verify-manifests: pull-request comment %s: %s", op, cm.URL)
	}
	return nil
}

// hasNews reports whether the preview has anything to show: a change, or
// an environment that did not render.
func hasNews(pv *diffpreview.Preview) bool {
	added, removed, changed := pv.Counts()
	if added+removed+changed > 0 {
		return true
	}
	for _, e := range pv.Environments {
		if e.BaseError != "" || e.HeadError != "" || len(e.Notes) > 0 {
			return true
		}
	}
	return false
}
