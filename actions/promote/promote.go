// Package promote is the promote action. On every merge to the base
// branch it tags the merge exactly once, with an annotated tag that names
// the pull request, its approvers and the image changes it carried, and
// publishes its release (internal/release); then, when from and to (or
// from-branch and to-branch) are set, it opens or updates the pull request
// that promotes one environment's versions to the next, with the drift
// between them (internal/promotion). A run with rollback or rollback-to
// opens a pull request that rolls an environment back, marking what it
// restores with hold comments, and tags nothing. It turns the inputs and
// the workflow event into engine calls over the GitHub client, and the
// results into outputs, a step summary and log lines.
package promote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/mdtext"
	"github.com/gitops-actions/gitops-actions/internal/promotion"
	"github.com/gitops-actions/gitops-actions/internal/release"
)

// spec is the contract of promote: its flags, action.yml and README table.
var spec = cli.Spec{
	Name:        "promote",
	Description: "Tag every merge to the base branch exactly once and publish its release; promote one environment's image versions (or files) to the next by pull request, with the drift between them; roll an environment back by pull request, with hold comments that keep automated bumps from undoing it.",
	Inputs: []cli.Input{
		{Name: "token", Secret: true, Description: "A token that may write the repository's contents (tags, releases, the promotion's branch) and pull requests: secrets.GITHUB_TOKEN with permissions contents: write and pull-requests: write, or a PAT. Tags, releases and pull requests made with GITHUB_TOKEN start no other workflow; to start a deploy workflow on the tag or checks on the promotion pull request, use app-id instead. Without token and app-id, promote works on the git checkout it runs in: it tags HEAD and edits the working tree (see the reference)."},
		{Name: "app-id", Description: "A GitHub App's ID, with app-private-key, instead of token: the action mints an installation token, and tags, releases and pull requests made as the App start the workflows that listen for them."},
		{Name: "app-private-key", Secret: true, Description: "The GitHub App's private key (PEM), with app-id."},
		{Name: "repository", Description: "The repository to tag and promote in, OWNER/NAME. Default: the repository running the workflow (GITHUB_REPOSITORY)."},
		{Name: "github-api-url", Description: "The REST API root, e.g. https://HOST/api/v3 for GitHub Enterprise Server (GraphQL is derived from it). Default: GITHUB_API_URL, else https://api.github.com."},
		{Name: "base", Description: "The branch whose merges are tagged and on which environment directories are promoted and rolled back; events about other branches do nothing. Default: the repository's default branch (on a checkout without token: the branch checked out; the run works on HEAD)."},
		{Name: "sha", Description: "workflow_dispatch (and runs outside Actions): the commit to tag, a full or abbreviated SHA. Default: the head of base (on a checkout without token: HEAD)."},
		{Name: "tag-format", Default: release.FormatTimestamp, Description: "timestamp: tag-prefix and the merge time in UTC as %Y%m%d%H%M%S (v20260501120000); semver: tag-prefix and the next version after the highest existing one (labels release:major, release:minor, release:patch, release:none, else a Conventional Commits title, else default-bump); anything else: a strftime pattern over the merge time, e.g. release-%Y.%m.%d-%H%M (%Y %y %m %d %j %H %M %S %s %%). Two merges that get the same name are told apart by -1, -2, ..."},
		{Name: "tag-prefix", Default: "v", Description: "What timestamp and semver tags start with; may be empty."},
		{Name: "default-bump", Default: "patch", Description: "semver: the bump of a change whose labels and title say none: major, minor, patch, or none (no tag)."},
		{Name: "create-release", Default: "true", Kind: cli.Bool, Description: "Publish a GitHub release for each tag, with notes: the pull request, its author, approvers and labels, the image changes per environment (image, old → new, file), and a compare link to the previous tag. A release that exists is left as it is."},
		{Name: "release-draft", Default: "false", Kind: cli.Bool, Description: "Create releases as drafts."},
		{Name: "prerelease", Default: "false", Kind: cli.Bool, Description: "Mark releases as pre-releases."},
		{Name: "from", Description: "The environment directory to promote from, relative to the repository root, e.g. environments/staging. With to, after tagging, the run opens or updates the pull request that promotes it (branch gitops-actions/promote/<to>)."},
		{Name: "to", Description: "The environment directory to promote to (with from), or to roll back (with rollback or rollback-to), e.g. environments/production."},
		{Name: "from-branch", Description: "Branch promotion, instead of from and to: the branch to promote from (an environment per branch, e.g. develop)."},
		{Name: "to-branch", Description: "Branch promotion: the branch to promote into (e.g. main); the pull request goes from from-branch into it."},
		{Name: "promotion", Default: string(promotion.Images), Description: "images: set each image referenced under to to its version under from (pod templates, kustomize images:, Helm values, Flux setters, panda.yaml), byte-minimally; files: make to a copy of from (files added, changed and removed) except exclude-paths."},
		{Name: "images", Kind: cli.List, Description: "promotion: images: the repositories that move, names or globs (ghcr.io/acme/app, ghcr.io/acme/*; * does not cross /). Default: every image referenced under from."},
		{Name: "exclude-images", Kind: cli.List, Description: "promotion: images: repositories that never move, names or globs."},
		{Name: "exclude-paths", Kind: cli.List, Description: "promotion: files: paths relative to from and to, globs, that stay as they are on both sides (secrets, *.env); a directory covers what is in it."},
		{Name: "rollback", Description: "Open a pull request that reverts a change on top of the current head: a tag, a commit SHA, a pull request number (#12 or 12), or last (the latest merged change under to, or on base). Each file it touched gets its content from before back; a file changed again since is a conflict (exit 1, nothing changed). Tags nothing."},
		{Name: "rollback-to", Description: "Open a pull request that sets to back to its content at this tag. Tags nothing."},
		{Name: "force", Default: "false", Kind: cli.Bool, Description: "Promote references held by a hold comment (# gitops-actions: hold (reason), which rollbacks write) too. Without it a held reference is left as it is, with a notice and the output held, and the other images are promoted: a held image is an expected state, not a failure."},
		{Name: "labels", Kind: cli.List, Description: "Labels to add to the promotion or rollback pull request."},
		{Name: "reviewers", Kind: cli.List, Description: "Logins to request reviews of the promotion or rollback pull request from, when it is opened."},
		{Name: "team-reviewers", Kind: cli.List, Description: "Team slugs to request reviews from, when the pull request is opened."},
		{Name: "assignees", Kind: cli.List, Description: "Logins to assign the pull request to."},
		{Name: "draft", Default: "false", Kind: cli.Bool, Description: "Open the pull request as a draft."},
		{Name: "auto-merge", Description: "Enable auto-merge of the pull request with this method: merge, squash or rebase. A repository that does not allow it gives a warning, not a failure."},
		{Name: "require-statuses", Kind: cli.Lines, Description: "Gate: commit status contexts and check run names, one a line, globs allowed (kustomization/apps-staging/*; * does not cross /), that must be success on the commit where from's current versions landed (the merge of the pull request that brought the newest of them) before the promotion pull request is opened or updated. Pending or missing: gated (exit 0); failed: exit 1, naming the context and its link."},
		{Name: "min-soak", Description: "Gate: how long from's current versions must have been merged before they are promoted: 30m, 2h, 1d, 1d12h (units w, d, h, m, s)."},
		{Name: "windows", Kind: cli.Lines, Description: "Gate: when promotion pull requests may be opened or updated, one rule a line: DAYS HH:MM-HH:MM ZONE, e.g. Mon-Thu 09:00-16:00 Europe/Berlin (days Mon..Sun, ranges, lists or daily; the end exclusive; an IANA time zone or UTC). Outside every window: gated, and an open promotion pull request gets the pending commit status gitops-actions/promotion-window."},
		{Name: "freezes", Kind: cli.Lines, Description: "Gate: periods when promotion pull requests may not be opened or updated, one a line: START..END [ZONE] [REASON], e.g. 2026-12-20..2027-01-04 end-of-year freeze (dates include the end day; YYYY-MM-DDTHH:MM for times; UTC unless a zone is given). Added to those of .gitops-actions/freezes.yaml in the repository."},
		{Name: "force-reason", Description: "Why force overrides the gates; required when force is true and a gate would hold the promotion, and recorded in the pull request, the job summary and the status."},
		{Name: "deployments", Default: "false", Kind: cli.Bool, Description: "On each merge to base, record a GitHub Deployment (on the merge commit, with a success status) for every environment directory the merge changed, with the versions it brought, the pull request and its approvers in the payload; rollbacks too. The token needs deployments: write."},
		{Name: "dry-run", Default: "false", Kind: cli.Bool, Description: "On a git checkout (no token nor app-id): change nothing; print the tag that would be made with its message and release notes (on standard error) and what the working tree would get as a git-style diff (on standard output). Not available with token or app-id."},
		{Name: "environments", Kind: cli.List, Description: "The environment directories deployments records and the names of their GitHub environments: DIR or DIR=NAME (environments/production=prod). Default: from, to and every directory under environments/, each named by its last path element."},
	},
	Outputs: []cli.Output{
		{Name: "tag", Description: "The merge's tag, made by this run or found on the commit (the newest, when the event brought several merges); empty when nothing was tagged."},
		{Name: "previous-tag", Description: "The tag of the same format before it (the compare link's base); empty for the first."},
		{Name: "version", Description: "semver: the tag's version, without tag-prefix."},
		{Name: "sha", Description: "The tagged commit."},
		{Name: "pull-request-number", Description: "The merged pull request the tag is for; empty for a commit pushed without one. (The promotion's pull request is promotion-pull-request-number.)"},
		{Name: "release-url", Description: "The release's web address."},
		{Name: "release-id", Description: "The release's ID."},
		{Name: "created", Description: "true only when this run created the tag; false when it existed (a re-run) or nothing was tagged."},
		{Name: "tags", Description: "JSON array of every merge the run tagged (or found tagged), oldest first: the merges before the event's that an earlier run left untagged, then every merge the event brought; objects with tag, sha, pull-request-number, created and release-url, and caught-up: true for the first kind."},
		{Name: "promotion-pull-request-number", Description: "The promotion's (or rollback's) pull request; empty when there is none."},
		{Name: "promotion-pull-request-url", Description: "Its web address."},
		{Name: "promotion-pull-request-operation", Description: "created, updated, unchanged, closed (nothing left to promote) or none."},
		{Name: "promoted", Description: "JSON array of the images the pull request moves: objects with image, from-version (what to holds now) and to-version (what it gets: from's version, or for a rollback the restored one)."},
		{Name: "drift", Description: "The number of differences between the environments that the promotion does not carry: resources on one side only, fields that differ, images only to names (for branches: the commits to-branch has that from-branch lacks)."},
		{Name: "held", Description: "JSON array of the references hold comments kept as they are (for a rollback: the ones it holds): objects with file, line, image, version, wanted and reason."},
		{Name: "gated", Description: "true when a gate (require-statuses, min-soak, windows, freezes) held the promotion back, so that no pull request changed; else false."},
		{Name: "gate-reason", Description: "What held the promotion back, each gate with what it waits for; empty when nothing did."},
		{Name: "deployment-id", Description: "The ID of the newest Deployment this run recorded (or found recorded by an earlier run of the same merge); empty when none."},
		{Name: "deployments", Description: "JSON array of the Deployments of the merges: objects with environment, directory, id, sha and created (false when an earlier run had recorded it)."},
	},
}

// Command is the promote subcommand.
var Command = NewCommand(Deps{})

// Deps are what the command depends on besides its inputs and environment.
type Deps = cli.Deps

// NewCommand returns the promote command with its dependencies.
func NewCommand(d Deps) cli.Command {
	return cli.Command{Spec: spec, Run: func(ctx context.Context, r *cli.Run) error { return run(ctx, r, d) }}
}

// inputs are promote's inputs, parsed and checked.
type inputs struct {
	cli.GitHub
	// Local is a run without token and app-id: on the git checkout it runs
	// in (local.go). DryRun previews one.
	Local, DryRun            bool
	Base                     string
	SHA                      string
	Format                   release.Format
	DefaultBump              release.Bump
	CreateRelease            bool
	ReleaseDraft, Prerelease bool
	promotionInputs
}

// promotionInputs are the inputs of promotion and rollback.
type promotionInputs struct {
	// From and To are environment directories, cleaned; FromBranch and
	// ToBranch environment branches.
	From, To, FromBranch, ToBranch string
	Mode                           promotion.Mode
	Images, ExcludeImages          []string
	ExcludePaths                   []string
	Rollback, RollbackTo           string
	Force                          bool
	Labels, Reviewers              []string
	TeamReviewers, Assignees       []string
	Draft                          bool
	AutoMerge                      string
	// Gates hold promotions back; Deploy records merges (gates.go,
	// deploy.go).
	Gates  gates
	Deploy deploy
}

// directories reports whether the run promotes a directory; branches
// whether it promotes a branch; rollingBack whether it rolls back.
func (p promotionInputs) directories() bool {
	return p.From != "" && p.Rollback == "" && p.RollbackTo == ""
}
func (p promotionInputs) branches() bool    { return p.FromBranch != "" }
func (p promotionInputs) rollingBack() bool { return p.Rollback != "" || p.RollbackTo != "" }

var hexSHA = regexp.MustCompile(`^[0-9a-fA-F]{7,40}$`)

// readInputs parses and checks the inputs; every error is a usage error
// that names the input.
func readInputs(v cli.Values, getenv func(string) string) (inputs, error) {
	var in inputs
	var set bool
	var err error
	if in.GitHub, set, err = cli.ReadGitHub(v, getenv); err != nil {
		return in, err
	}
	in.Local = !set
	if in.DryRun, err = v.Bool("dry-run"); err != nil {
		return in, err
	}
	if in.DryRun && !in.Local {
		return in, cli.Usagef("input \"dry-run\" previews a run on a git checkout, which runs without token and app-id; through the GitHub API there is nothing to preview with. Drop token (or app-id) and run it in a clone of the repository")
	}
	in.Base = strings.TrimPrefix(v.String("base"), "refs/heads/")
	if in.SHA = v.String("sha"); in.SHA != "" && !hexSHA.MatchString(in.SHA) {
		return in, cli.Usagef("input \"sha\": %q is not a commit SHA (7 to 40 hexadecimal digits)", in.SHA)
	}
	if err := release.CheckPrefix(v.String("tag-prefix")); err != nil {
		return in, cli.Usagef("input \"tag-prefix\": %v", err)
	}
	if in.Format, err = release.ParseFormat(v.String("tag-format"), v.String("tag-prefix")); err != nil {
		return in, cli.Usagef("input \"tag-format\": %v", err)
	}
	if in.DefaultBump, err = release.ParseBump(v.String("default-bump")); err != nil {
		return in, cli.Usagef("input \"default-bump\": %v", err)
	}
	if in.CreateRelease, err = v.Bool("create-release"); err != nil {
		return in, err
	}
	if in.ReleaseDraft, err = v.Bool("release-draft"); err != nil {
		return in, err
	}
	if in.Prerelease, err = v.Bool("prerelease"); err != nil {
		return in, err
	}
	in.promotionInputs, err = readPromotion(v)
	return in, err
}

func run(ctx context.Context, r *cli.Run, d Deps) error {
	in, err := readInputs(r.Inputs, r.Getenv)
	if err != nil {
		return err
	}
	ev, err := readEvent(r.Getenv, in.SHA)
	if err != nil {
		return err
	}
	if in.Local {
		return runLocal(ctx, r, in, ev, d)
	}
	full := in.Owner + "/" + in.Repo
	if ev.Repository != "" && !strings.EqualFold(ev.Repository, full) && ev.Name != "workflow_dispatch" {
		return cli.Usagef("input \"repository\": the %s event is about %s, not %s; promote tags the repository whose merges it sees", ev.Name, ev.Repository, full)
	}
	c, err := in.Client(ctx, r, d)
	if err != nil {
		return err
	}
	base := in.Base
	if base == "" && strings.EqualFold(ev.Repository, full) {
		base = ev.DefaultBranch
	}
	if base == "" {
		if base, err = c.DefaultBranch(ctx); err != nil {
			return in.APIError(err)
		}
	}
	x := newPromoter(r, in, c, forgeGitHub{c}, base, ev)
	x.now = d.Clock()
	r.SetOutput("gated", "false")
	if in.rollingBack() {
		return x.rollback(ctx)
	}
	merged, err := tagMerges(ctx, r, in, ev, forgeGitHub{c}, base, webURL(ev, r.Getenv, in.APIURL, full))
	if err == nil {
		err = x.recordDeployments(ctx, merged)
	}
	if err != nil {
		return err
	}
	return x.promote(ctx, x, merged, ev)
}

// promotions are the two kinds of promotion of a run: through GitHub
// (promoter) or on a checkout (localRun).
type promotions interface {
	branches(ctx context.Context) error
	directories(ctx context.Context) error
}

// promote is the second half of a run, after the merges were tagged: the
// promotion of branches or directories, when the inputs ask for one and
// the event merged something.
func (x *promoter) promote(ctx context.Context, p promotions, merged []*release.Result, ev event) error {
	if !(x.in.directories() || x.in.branches()) {
		return nil
	}
	// A scheduled run brings no merge; it judges the gates again and
	// promotes what base holds, so that a window that opens is used.
	if len(merged) == 0 && ev.Name != "schedule" {
		x.r.Notice("no merge to act on, so no promotion either")
		x.setNone()
		return nil
	}
	if x.in.branches() {
		return p.branches(ctx)
	}
	return p.directories(ctx)
}

// tagMerges is the first half of a run: the merges the event brought to
// base, each tagged and released, through GitHub or on a checkout. It
// returns what became of each.
func tagMerges(ctx context.Context, r *cli.Run, in inputs, ev event, gh release.GitHub, base, repoURL string) ([]*release.Result, error) {
	merges, none, err := release.Plan(ctx, gh, ev.Event, base)
	if err != nil {
		return nil, failure(err, in, base)
	}
	if none != "" {
		r.Notice(none)
		r.Summary("### promote\n\nNothing tagged: " + mdtext.Text(none, 1000) + "\n")
		r.SetOutput("created", "false")
		r.SetOutput("tags", "[]")
		return nil, nil
	}
	opts := release.Options{
		Format: in.Format, DefaultBump: in.DefaultBump, Base: base,
		CreateRelease: in.CreateRelease, Draft: in.ReleaseDraft, Prerelease: in.Prerelease,
		RepoURL: repoURL,
	}
	tagged, err := release.Tag(ctx, gh, merges, opts)
	logCatchUp(r, tagged.CatchUp)
	for _, res := range tagged.Results {
		logResult(r, res, in.DryRun)
	}
	setOutputs(r, tagged.Results)
	if err != nil {
		return tagged.Results, failure(err, in, base)
	}
	return tagged.Results, nil
}

// logCatchUp says what the run found on base before the event's merges:
// a notice when it tagged merges an earlier run missed, a warning when it
// left some untagged, else a line of the log.
func logCatchUp(r *cli.Run, cu release.CatchUp) {
	switch {
	case cu.Note == "":
	case cu.Warn:
		r.Warning("", 0, cu.Note)
	case cu.Missed > 0:
		r.Notice(cu.Note)
	default:
		r.Logf("%s", cu.Note)
	}
}

// failure maps the engine's errors to exit codes.
func failure(err error, in inputs, base string) error {
	var unknown *release.UnknownCommitError
	var rel *release.ReleaseError
	where := in.Owner + "/" + in.Repo
	if in.Local {
		where = "the repository"
	}
	switch {
	case errors.As(err, &unknown) && in.SHA != "" && unknown.Ref == in.SHA:
		return cli.Usagef("input \"sha\": commit %q does not exist in %s", in.SHA, where)
	case errors.As(err, &unknown) && unknown.Ref == "heads/"+base:
		return cli.Usagef("input \"base\": branch %q does not exist in %s", base, where)
	case errors.As(err, &rel):
		return cli.Failedf("%v", err)
	case in.Local:
		return localFailure(err)
	}
	return in.APIError(err)
}

// logResult says on stderr what happened to one merge; every value goes
// through Logf, so none from the repository can start a workflow command.
func logResult(r *cli.Run, res *release.Result, dryRun bool) {
	what := "commit " + res.SHA
	if res.Pull != nil {
		what = fmt.Sprintf("#%d %q (%s)", res.Pull.Number, res.Pull.Title, res.SHA)
	}
	late := ""
	if res.CaughtUp {
		late = " (an earlier run left it untagged)"
	}
	for _, name := range res.Taken {
		r.Logf("tag %q is held by another commit; %s takes the next name", name, what)
	}
	for _, w := range res.Warnings {
		r.Warning("", 0, w)
	}
	switch {
	case res.Skipped != "":
		r.Notice(res.Skipped)
	case res.Created && dryRun:
		r.Logf("dry run: %s would be tagged %q%s", what, res.Tag, late)
	case res.Created:
		r.Logf("tagged %s: %q%s", what, res.Tag, late)
	default:
		r.Logf("%s is tagged %q already; no tag made", what, res.Tag)
	}
	if res.Bump != release.BumpNone {
		r.Logf("version bump: %s (%s)", res.Bump.String(), res.BumpReason)
	}
	if res.Release != nil {
		state := "exists, left as it is"
		if res.ReleaseCreated {
			state = "published"
		}
		r.Logf("release of %q %s: %s", res.Tag, state, res.Release.URL)
	}
}

// tagsSummary says, for the job summary, what happened to each merge:
// the tag made (or found, or why none), the pull request and commit it
// came from, and its release.
func tagsSummary(results []*release.Result) string {
	var b strings.Builder
	b.WriteString("### promote\n\n| merge | tag | release |\n|---|---|---|\n")
	for _, res := range results {
		merge := mdtext.Code(short(res.SHA), 40)
		if res.Pull != nil {
			merge = mdtext.Link(fmt.Sprintf("#%d", res.Pull.Number), res.Pull.URL) + " " + mdtext.Text(res.Pull.Title, 120) + " · " + merge
		}
		if res.CaughtUp {
			merge += " (left untagged by an earlier run)"
		}
		var tag string
		switch {
		case res.Skipped != "":
			tag = "not tagged: " + mdtext.Text(res.Skipped, 500)
		case res.Created:
			tag = mdtext.Code(res.Tag, 200) + " tagged"
		default:
			tag = mdtext.Code(res.Tag, 200) + " (tagged before; left as it is)"
		}
		rel := "—"
		if res.Release != nil {
			state := "exists"
			if res.ReleaseCreated {
				state = "published"
			}
			rel = mdtext.Link("release", res.Release.URL) + " " + state
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", merge, tag, rel)
	}
	return b.String()
}

// setOutputs records the outputs of the newest merge, the list of all,
// and the step summary.
func setOutputs(r *cli.Run, results []*release.Result) {
	type entry struct {
		Tag        string `json:"tag"`
		SHA        string `json:"sha"`
		Pull       string `json:"pull-request-number"`
		Created    bool   `json:"created"`
		ReleaseURL string `json:"release-url"`
		CaughtUp   bool   `json:"caught-up,omitempty"`
	}
	list := []entry{}
	for _, res := range results {
		e := entry{Tag: res.Tag, SHA: res.SHA, Created: res.Created, CaughtUp: res.CaughtUp}
		if res.Pull != nil {
			e.Pull = strconv.Itoa(res.Pull.Number)
		}
		if res.Release != nil {
			e.ReleaseURL = res.Release.URL
		}
		list = append(list, e)
	}
	js, _ := json.Marshal(list)
	r.SetOutput("tags", string(js))
	if len(results) == 0 {
		r.SetOutput("created", "false")
		return
	}
	r.Summary(tagsSummary(results))
	last := results[len(results)-1]
	r.SetOutput("tag", last.Tag)
	r.SetOutput("previous-tag", last.Previous)
	r.SetOutput("version", last.Version)
	r.SetOutput("sha", last.SHA)
	r.SetOutput("created", strconv.FormatBool(last.Created))
	if last.Pull != nil {
		r.SetOutput("pull-request-number", strconv.Itoa(last.Pull.Number))
	}
	if last.Release != nil {
		r.SetOutput("release-url", last.Release.URL)
		r.SetOutput("release-id", strconv.FormatInt(last.Release.ID, 10))
	}
}
