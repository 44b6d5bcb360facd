package bumpimage

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
)

// remoteInputs are the inputs of the remote mode, declared here and listed
// in Spec after the local ones.
var remoteInputs = []cli.Input{
	{Name: "token", Secret: true, Description: "A token that may write to the config repository (contents and pull requests). Setting it, or app-id, switches to the remote mode: the repository is read and changed through the GitHub API, without a checkout."},
	{Name: "app-id", Description: "A GitHub App's ID, with app-private-key: the action mints an installation token for the repository's owner. Commits made so show as Verified."},
	{Name: "app-private-key", Secret: true, Description: "The GitHub App's private key (PEM), with app-id."},
	{Name: "repository", Description: "Remote mode: the config repository, OWNER/NAME. Default: the repository running the workflow (GITHUB_REPOSITORY)."},
	{Name: "github-api-url", Description: "Remote mode: the REST API root, e.g. https://HOST/api/v3 for GitHub Enterprise Server (GraphQL is derived from it). Default: GITHUB_API_URL, else https://api.github.com."},
	{Name: "base", Description: "Remote mode: the branch to read and to open the pull request against (or to push to). Default: the repository's default branch."},
	{Name: "mode", Default: "pull-request", Description: "Remote mode: pull-request opens or updates a pull request from a branch of the tool's; push commits on the base branch itself, retrying when it moves."},
	{Name: "branch", Default: DefaultBranchTemplate, Description: "Remote mode, pull-request: the head branch, a Go template (see the README for the fields). Deterministic, so a later bump of the same images updates the same pull request."},
	{Name: "title", Default: DefaultTitleTemplate, Description: "Remote mode: the pull request's title, a Go template."},
	{Name: "body", Description: "Remote mode: the pull request's body, a Go template. Default: a table of every change (file, line, old → new) and a link to the workflow run."},
	{Name: "commit-message", Description: "Remote mode: the commit message, a Go template. Default: the title and one line per change. Provenance trailers (Source-Repository, Source-Commit, Workflow-Run, Bumped-By) are always appended."},
	{Name: "labels", Kind: cli.List, Description: "Remote mode: labels to add to the pull request."},
	{Name: "reviewers", Kind: cli.List, Description: "Remote mode: logins to request reviews from when the pull request is opened."},
	{Name: "team-reviewers", Kind: cli.List, Description: "Remote mode: team slugs to request reviews from when the pull request is opened."},
	{Name: "assignees", Kind: cli.List, Description: "Remote mode: logins to assign the pull request to."},
	{Name: "draft", Default: "false", Kind: cli.Bool, Description: "Remote mode: open the pull request as a draft."},
	{Name: "auto-merge", Description: "Remote mode: enable auto-merge with this method: merge, squash or rebase. A repository that does not allow it gives a warning, not a failure."},
}

// remoteOutputs are the outputs only the remote mode sets.
var remoteOutputs = []cli.Output{
	{Name: "pull-request-number", Description: "Remote mode: the pull request's number (empty when there is none)."},
	{Name: "pull-request-url", Description: "Remote mode: the pull request's URL."},
	{Name: "pull-request-operation", Description: "Remote mode: created, updated, unchanged, closed or none."},
	{Name: "branch", Description: "Remote mode: the head branch (pull-request), or the base branch (push)."},
	{Name: "commit-sha", Description: "Remote mode: the commit holding the change (the pull request's head when unchanged)."},
	{Name: "commit-verified", Description: "Remote mode: true when GitHub verified the commit's signature."},
}

// Deps are what the command depends on besides its inputs and environment;
// tests shorten the waits and count the requests.
type Deps struct {
	// Retry is the GitHub client's retry policy; zero means forge.DefaultRetry.
	Retry forge.Retry
	// Transport carries the GitHub requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// PushTries bounds the tries of mode push; zero means 30.
	PushTries int
}

// NewCommand returns the bump-image command with its dependencies.
func NewCommand(d Deps) cli.Command {
	return cli.Command{Spec: Spec, Run: func(ctx context.Context, r *cli.Run) error { return run(ctx, r, d) }}
}

// Modes of the remote mode.
const (
	ModePullRequest = "pull-request"
	ModePush        = "push"
)

// Operations reported in pull-request-operation.
const (
	OpCreated   = "created"
	OpUpdated   = "updated"
	OpUnchanged = "unchanged"
	OpClosed    = "closed"
	OpNone      = "none"
)

// RemoteInputs are the inputs of the remote mode, parsed and checked.
type RemoteInputs struct {
	Owner, Repo   string
	Token         string
	AppID         int64
	AppPrivateKey string
	APIURL        string
	Base          string
	Mode          string
	Templates     Templates
	Labels        []string
	Reviewers     []string
	TeamReviewers []string
	Assignees     []string
	Draft         bool
	AutoMerge     string
	Source        Source
}

// ReadRemoteInputs reads the remote mode's inputs. It reports false when
// neither token nor app-id is set: the local mode then runs as before.
func ReadRemoteInputs(v cli.Values, getenv func(string) string) (RemoteInputs, bool, error) {
	var in RemoteInputs
	in.Token = v.String("token")
	appID := v.String("app-id")
	in.AppPrivateKey = v.String("app-private-key")
	if in.Token == "" && appID == "" {
		if in.AppPrivateKey != "" {
			return in, false, cli.Usagef("input \"app-private-key\" is set without \"app-id\"")
		}
		return in, false, nil
	}
	if in.Token != "" && appID != "" {
		return in, true, cli.Usagef("set token, or app-id and app-private-key, not both")
	}
	if appID != "" {
		id, err := strconv.ParseInt(appID, 10, 64)
		if err != nil || id <= 0 {
			return in, true, cli.Usagef("input \"app-id\": %q is not a GitHub App ID (a positive number)", appID)
		}
		if in.AppPrivateKey == "" {
			return in, true, cli.Usagef("input \"app-id\" needs \"app-private-key\"")
		}
		in.AppID = id
	}
	repo := v.String("repository")
	if repo == "" {
		repo = getenv("GITHUB_REPOSITORY")
	}
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		if repo == "" {
			return in, true, cli.Usagef("input \"repository\" is empty and GITHUB_REPOSITORY is not set: give the config repository as OWNER/NAME")
		}
		return in, true, cli.Usagef("input \"repository\": %q is not OWNER/NAME", repo)
	}
	in.Owner, in.Repo = owner, name
	in.APIURL = v.String("github-api-url")
	if in.APIURL == "" {
		in.APIURL = getenv("GITHUB_API_URL")
	}
	if _, err := forge.GraphQLURL(in.APIURL); err != nil {
		return in, true, cli.Usagef("input \"github-api-url\": %v", err)
	}
	in.Base = strings.TrimPrefix(v.String("base"), "refs/heads/")
	in.Mode = v.String("mode")
	if in.Mode != ModePullRequest && in.Mode != ModePush {
		return in, true, cli.Usagef("input \"mode\": %q is neither pull-request nor push", in.Mode)
	}
	var err error
	if in.Templates, err = ParseTemplates(v); err != nil {
		return in, true, err
	}
	in.Labels, in.Reviewers, in.TeamReviewers, in.Assignees = v.List("labels"), v.List("reviewers"), v.List("team-reviewers"), v.List("assignees")
	if in.Draft, err = v.Bool("draft"); err != nil {
		return in, true, err
	}
	in.AutoMerge = strings.ToLower(v.String("auto-merge"))
	switch in.AutoMerge {
	case "", "merge", "squash", "rebase":
	default:
		return in, true, cli.Usagef("input \"auto-merge\": %q is not merge, squash or rebase", in.AutoMerge)
	}
	in.Source = SourceFrom(getenv)
	return in, true, nil
}

// RemoteRoots checks the paths of the remote mode: relative to the
// repository root, inside it.
func RemoteRoots(paths []string) ([]string, error) {
	var roots []string
	for _, p := range paths {
		q := path.Clean(strings.ReplaceAll(p, "\\", "/"))
		if path.IsAbs(q) || q == ".." || strings.HasPrefix(q, "../") {
			return nil, cli.Usagef("input \"path\": %q is outside the repository; give a path relative to its root", p)
		}
		roots = append(roots, q)
	}
	return roots, nil
}

// remote is one run of the remote mode.
type remote struct {
	r      *cli.Run
	in     Inputs
	rin    RemoteInputs
	deps   Deps
	gh     *forge.Client
	roots  []string
	base   string
	data   TemplateData
	branch string
}

func runRemote(ctx context.Context, r *cli.Run, in Inputs, rin RemoteInputs, deps Deps) error {
	roots, err := RemoteRoots(in.Paths)
	if err != nil {
		return err
	}
	var key []byte
	if rin.AppPrivateKey != "" {
		key = []byte(rin.AppPrivateKey)
	}
	// Each installation token is a secret the runner has not seen; an App's
	// is replaced before it expires, so every new one is masked.
	mask := func(token string) {
		if r.InActions() {
			fmt.Fprintf(r.Stdout, "::add-mask::%s\n", token)
		}
	}
	gh, err := forge.New(ctx, forge.Config{
		APIURL: rin.APIURL, Token: rin.Token, AppID: rin.AppID, AppPrivateKey: key, OnToken: mask,
		Owner: rin.Owner, Repo: rin.Repo, Version: r.Version, Transport: deps.Transport, Retry: deps.Retry,
	})
	if err != nil {
		return apiError(err, rin)
	}
	x := &remote{r: r, in: in, rin: rin, deps: deps, gh: gh, roots: roots, base: rin.Base}
	if x.base == "" {
		if x.base, err = gh.DefaultBranch(ctx); err != nil {
			return apiError(err, rin)
		}
	}
	x.data = newTemplateData(rin.Owner+"/"+rin.Repo, x.base, "", in.Paths, in.Images, rin.Source)
	if rin.Mode == ModePush {
		return x.push(ctx)
	}
	if x.branch, err = render(rin.Templates.Branch, x.data); err != nil {
		return err
	}
	x.branch = strings.TrimSpace(x.branch)
	if err := checkBranchName(x.branch); err != nil {
		return err
	}
	if x.branch == x.base {
		return cli.Usagef("input \"branch\": %q is the base branch; use mode push to commit on it", x.branch)
	}
	return x.pullRequest(ctx)
}

// apiError maps the GitHub client's errors to exit codes and adds the hint
// a user needs.
func apiError(err error, rin RemoteInputs) error {
	var ae *forge.AuthError
	var nf *forge.NotFoundError
	switch {
	case errors.As(err, &ae), forge.IsAuth(err):
		return cli.Failedf("%w (check that token or app-id and app-private-key may write to %s/%s)", err, rin.Owner, rin.Repo)
	case errors.As(err, &nf):
		return cli.Failedf("%w (check the repository and base inputs, and that the credentials can see %s/%s)", err, rin.Owner, rin.Repo)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case forge.StatusCode(err) != 0:
		return cli.FailedError(err)
	}
	var ee *cli.ExitError
	if errors.As(err, &ee) {
		return err
	}
	return cli.FailedError(fmt.Errorf("talking to GitHub: %w", err))
}

// read resolves the base branch, reads the files under the paths at its
// head and runs the engine on them.
func (x *remote) read(ctx context.Context) (forge.Commit, *forge.Snapshot, *manifest.Result, error) {
	head, err := x.gh.BranchHead(ctx, x.base)
	if err != nil {
		return head, nil, nil, apiError(err, x.rin)
	}
	snap, err := x.gh.ReadArchive(ctx, head.SHA, x.roots)
	if err != nil {
		return head, nil, nil, apiError(err, x.rin)
	}
	for i, root := range x.roots {
		if _, err := fs.Stat(snap.FS, root); err != nil {
			return head, nil, nil, cli.Usagef("input \"path\": %q does not exist in %s/%s at %s (%s)", x.in.Paths[i], x.rin.Owner, x.rin.Repo, x.base, short(head.SHA))
		}
	}
	res, err := manifest.Bump(ctx, snap.FS, x.roots, x.in.Options())
	if err != nil {
		if res != nil {
			x.warn(res)
		}
		return head, nil, nil, EngineError(err)
	}
	x.data = x.data.withResult(head.SHA, res)
	return head, snap, res, nil
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// warn reports the engine's warnings: once per run, for the snapshot the
// run ends on (mode push may read several).
func (x *remote) warn(res *manifest.Result) {
	for _, w := range res.Warnings {
		x.r.Warning(w.File, w.Line, w.Message)
	}
}

// report prints the warnings and the changes and records part 1's outputs.
func (x *remote) report(res *manifest.Result) error {
	x.warn(res)
	if x.in.DryRun {
		if _, err := fmt.Fprint(x.r.Stdout, Diff(res.Files)); err != nil {
			return err
		}
	}
	for _, c := range res.Changes {
		fmt.Fprintf(x.r.Stderr, "%s:%d: %s → %s (%s)\n", c.File, c.Line, c.Old, c.New, c.Kind)
	}
	SetOutputs(x.r, res)
	return nil
}

// files turns the engine's edits into the files of a commit, keeping modes.
func files(snap *forge.Snapshot, res *manifest.Result) []forge.File {
	var out []forge.File
	for _, f := range res.Files {
		out = append(out, forge.File{Path: f.Path, Content: f.New, Mode: snap.Mode(f.Path)})
	}
	return out
}

// texts renders the title, the body and the commit message.
func (x *remote) texts() (title, body, message string, err error) {
	if title, err = render(x.rin.Templates.Title, x.data); err != nil {
		return
	}
	title = strings.Join(strings.Fields(title), " ")
	if len(title) > 250 {
		title = title[:247] + "..."
	}
	d := x.data
	d.Title = title
	if body, err = render(x.rin.Templates.Body, d); err != nil {
		return
	}
	message, err = CommitMessage(x.rin.Templates.CommitMessage, d)
	return
}

func (x *remote) setCommit(c forge.Commit) {
	x.r.SetOutput("commit-sha", c.SHA)
	x.r.SetOutput("commit-verified", strconv.FormatBool(c.Verified))
}

func (x *remote) setPull(op string, pr *forge.PullRequest) {
	x.r.SetOutput("pull-request-operation", op)
	if pr != nil {
		x.r.SetOutput("pull-request-number", strconv.Itoa(pr.Number))
		x.r.SetOutput("pull-request-url", pr.URL)
	}
	msg := "pull request: " + op
	if pr != nil {
		msg += fmt.Sprintf(" #%d %s", pr.Number, pr.URL)
	}
	fmt.Fprintln(x.r.Stderr, msg)
	if pr != nil {
		x.r.Summary(fmt.Sprintf("\nPull request [#%d](%s): **%s**\n", pr.Number, pr.URL, op))
	} else {
		x.r.Summary(fmt.Sprintf("\nPull request: **%s**\n", op))
	}
}

// pullRequest is mode pull-request.
func (x *remote) pullRequest(ctx context.Context) error {
	x.r.SetOutput("branch", x.branch)
	const tries = 3
	for try := 1; ; try++ {
		head, snap, res, err := x.read(ctx)
		if err != nil {
			return err
		}
		title, body, message, err := x.texts()
		if err != nil {
			return err
		}
		if x.in.DryRun {
			return x.report(res)
		}
		out, err := x.applyPull(ctx, head, snap, res, title, body, message)
		if err != nil {
			return err
		}
		if out.superseded && try < tries {
			// Another run moved the branch between this run's write and
			// its pull request edit: do it again on what is there now, so
			// that the pull request's text and its branch tell the same
			// version.
			if err := forge.Sleep(ctx, forge.Jitter(x.retryPolicy().WaitMin, x.retryPolicy().WaitMax, try)); err != nil {
				return err
			}
			continue
		}
		if out.superseded {
			x.r.Warning("", 0, fmt.Sprintf("branch %q kept being moved by other runs; the pull request may describe another run's version", x.branch))
		}
		if err := x.report(res); err != nil {
			return err
		}
		if out.commit != nil {
			x.setCommit(*out.commit)
		}
		x.setPull(out.op, out.pr)
		return nil
	}
}

func (x *remote) retryPolicy() forge.Retry {
	if x.deps.Retry == (forge.Retry{}) {
		return forge.DefaultRetry
	}
	return x.deps.Retry
}

// pullOutcome is what one pass of mode pull-request did.
type pullOutcome struct {
	op     string
	pr     *forge.PullRequest
	commit *forge.Commit
	// superseded says the branch no longer held this run's commit after
	// the pull request was written: a concurrent run moved it.
	superseded bool
}

// applyPull makes the pull request match the engine's result.
func (x *remote) applyPull(ctx context.Context, head forge.Commit, snap *forge.Snapshot, res *manifest.Result, title, body, message string) (pullOutcome, error) {
	pr, err := x.gh.OpenPull(ctx, x.branch, x.base)
	if err != nil {
		return pullOutcome{}, apiError(err, x.rin)
	}

	if !res.Changed() {
		if pr == nil {
			return pullOutcome{op: OpNone}, nil
		}
		// Everything the bump asks for is in the base already: the open
		// pull request is obsolete. Close it, if it is still only ours.
		if err := x.checkOwned(ctx, head.SHA, pr.HeadSHA); err != nil {
			return pullOutcome{}, err
		}
		comment := fmt.Sprintf("Closing: `%s` at %s already holds %s, so this pull request has nothing left to do.", x.base, short(head.SHA), x.data.ImageSummary())
		if x.rin.Source.RunURL != "" {
			comment += " ([workflow run](" + x.rin.Source.RunURL + "))"
		}
		if err := x.gh.ClosePull(ctx, pr.Number, comment); err != nil {
			return pullOutcome{}, apiError(err, x.rin)
		}
		return pullOutcome{op: OpClosed, pr: pr}, nil
	}

	fs := files(snap, res)
	if pr != nil {
		cmp, err := x.gh.Compare(ctx, head.SHA, pr.HeadSHA)
		if err != nil {
			return pullOutcome{}, apiError(err, x.rin)
		}
		if err := x.owned(cmp, pr.HeadSHA); err != nil {
			return pullOutcome{}, err
		}
		if sameChange(cmp, fs) {
			tip := cmp.Commits[len(cmp.Commits)-1]
			tip.SHA = pr.HeadSHA
			return pullOutcome{op: OpUnchanged, pr: pr, commit: &tip}, nil
		}
		commit, err := x.gh.CreateCommit(ctx, head, fs, message)
		if err != nil {
			return pullOutcome{}, apiError(err, x.rin)
		}
		// The branch holds only the tool's commits (checked above), so
		// moving it to a commit on the new base may force.
		if err := x.gh.UpdateBranch(ctx, x.branch, commit.SHA, true); err != nil {
			return pullOutcome{}, apiError(err, x.rin)
		}
		edited, err := x.gh.EditPull(ctx, pr.Number, title, body)
		if err != nil {
			return pullOutcome{}, apiError(err, x.rin)
		}
		if err := x.decorate(ctx, pr, false); err != nil {
			return pullOutcome{}, err
		}
		return pullOutcome{op: OpUpdated, pr: pr, commit: &commit, superseded: x.superseded(ctx, edited, commit.SHA)}, nil
	}

	commit, err := x.gh.CreateCommit(ctx, head, fs, message)
	if err != nil {
		return pullOutcome{}, apiError(err, x.rin)
	}
	err = x.gh.CreateBranch(ctx, x.branch, commit.SHA)
	var exists *forge.RefExistsError
	if errors.As(err, &exists) {
		// A branch left by a closed or merged pull request, or made by a
		// concurrent run: reuse it only if nobody else committed on it.
		if err := x.checkOwned(ctx, head.SHA, exists.SHA); err != nil {
			return pullOutcome{}, err
		}
		err = x.gh.UpdateBranch(ctx, x.branch, commit.SHA, true)
	}
	if err != nil {
		return pullOutcome{}, apiError(err, x.rin)
	}
	pr, err = x.gh.CreatePull(ctx, forge.NewPull{Head: x.branch, Base: x.base, Title: title, Body: body, Draft: x.rin.Draft})
	if err != nil {
		return pullOutcome{}, apiError(err, x.rin)
	}
	latest := pr
	if pr.Title != title || pr.Body != body {
		// A concurrent run opened the pull request meanwhile (CreatePull
		// adopted it): the branch holds this run's commit, so should the
		// text.
		if latest, err = x.gh.EditPull(ctx, pr.Number, title, body); err != nil {
			return pullOutcome{}, apiError(err, x.rin)
		}
	}
	if err := x.decorate(ctx, pr, true); err != nil {
		return pullOutcome{}, err
	}
	return pullOutcome{op: OpCreated, pr: pr, commit: &commit, superseded: x.superseded(ctx, latest, commit.SHA)}, nil
}

// superseded reports whether the branch moved away from sha after the pull
// request was written. The pull request's answer usually says so for free;
// GitHub updates a pull request's head asynchronously, so only a mismatch
// costs one more request, to the ref itself.
func (x *remote) superseded(ctx context.Context, pr *forge.PullRequest, sha string) bool {
	if pr != nil && pr.HeadSHA == sha {
		return false
	}
	got, ok, err := x.gh.BranchSHA(ctx, x.branch)
	return err == nil && ok && got != sha
}

// checkOwned compares the base with the branch tip and fails unless every
// commit on the branch is the tool's.
func (x *remote) checkOwned(ctx context.Context, baseSHA, tip string) error {
	cmp, err := x.gh.Compare(ctx, baseSHA, tip)
	if err != nil {
		return apiError(err, x.rin)
	}
	return x.owned(cmp, tip)
}

// owned fails, leaving the branch alone, when a commit on it was not made by
// the tool: a person's work is never overwritten.
func (x *remote) owned(cmp *forge.Comparison, tip string) error {
	if !cmp.Complete {
		return cli.Failedf("branch %q of %s/%s has more commits than GitHub lists; it is not the tool's, so it is left alone (delete it or set another branch)", x.branch, x.rin.Owner, x.rin.Repo)
	}
	for _, c := range cmp.Commits {
		if !IsBotCommit(c.Message) {
			subject, _, _ := strings.Cut(c.Message, "\n")
			return cli.Failedf("branch %q of %s/%s holds commit %s (%q) that gitops-actions did not make; leaving the branch and its pull request alone. Merge or close that pull request, or delete the branch, and run again", x.branch, x.rin.Owner, x.rin.Repo, short(c.SHA), subject)
		}
	}
	return nil
}

// sameChange reports whether the comparison (base...branch) changes exactly
// the files to commit, to exactly their new content: then the pull request
// already holds this bump.
func sameChange(cmp *forge.Comparison, files []forge.File) bool {
	if !cmp.Complete || len(cmp.Commits) == 0 || len(cmp.Files) != len(files) {
		return false
	}
	want := map[string]string{}
	for _, f := range files {
		want[f.Path] = BlobSHA(f.Content)
	}
	for _, f := range cmp.Files {
		if f.Status != "modified" || want[f.Path] != f.SHA {
			return false
		}
	}
	return true
}

// BlobSHA is the git object name of a blob with content b.
func BlobSHA(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// decorate adds labels and assignees, requests reviews (on a new pull
// request only: asking again would notify again) and enables auto-merge.
func (x *remote) decorate(ctx context.Context, pr *forge.PullRequest, created bool) error {
	if created {
		if err := x.gh.RequestReviewers(ctx, pr.Number, x.rin.Reviewers, x.rin.TeamReviewers); err != nil {
			return apiError(err, x.rin)
		}
	}
	if err := x.gh.AddLabels(ctx, pr.Number, x.rin.Labels); err != nil {
		return apiError(err, x.rin)
	}
	if err := x.gh.AddAssignees(ctx, pr.Number, x.rin.Assignees); err != nil {
		return apiError(err, x.rin)
	}
	if x.rin.AutoMerge != "" {
		err := x.gh.EnableAutoMerge(ctx, pr, x.rin.AutoMerge)
		var am *forge.AutoMergeError
		if errors.As(err, &am) {
			x.r.Warning("", 0, fmt.Sprintf("pull request #%d: %v", pr.Number, err))
		} else if err != nil {
			return apiError(err, x.rin)
		}
	}
	return nil
}

// push is mode push: commit on the base branch itself. The ref moves only
// by fast-forward; when another writer got there first, the head is read
// again, the engine runs again on it, and the commit is remade, a bounded
// number of times with growing, jittered waits.
func (x *remote) push(ctx context.Context) error {
	x.r.SetOutput("branch", x.base)
	tries := x.deps.PushTries
	if tries <= 0 {
		tries = 30
	}
	retry := x.deps.Retry
	if retry == (forge.Retry{}) {
		retry = forge.DefaultRetry
	}
	for attempt := 0; attempt < tries; attempt++ {
		head, snap, res, err := x.read(ctx)
		if err != nil {
			return err
		}
		if !res.Changed() || x.in.DryRun {
			return x.report(res)
		}
		_, _, message, err := x.texts()
		if err != nil {
			return err
		}
		commit, err := x.gh.CreateCommit(ctx, head, files(snap, res), message)
		if err != nil {
			return apiError(err, x.rin)
		}
		err = x.gh.UpdateBranch(ctx, x.base, commit.SHA, false)
		if err == nil {
			x.setCommit(commit)
			fmt.Fprintf(x.r.Stderr, "pushed %s to %s\n", short(commit.SHA), x.base)
			return x.report(res)
		}
		if !errors.Is(err, forge.ErrNotFastForward) {
			return apiError(err, x.rin)
		}
		// A try whose answer was lost may have landed, and another run may
		// have built on it since: then the branch contains the commit.
		if in, err := x.gh.Contains(ctx, x.base, commit.SHA); err == nil && in {
			x.setCommit(commit)
			fmt.Fprintf(x.r.Stderr, "pushed %s to %s\n", short(commit.SHA), x.base)
			return x.report(res)
		}
		wait := forge.Jitter(retry.WaitMin, min(retry.WaitMax, 10*time.Second), attempt)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return cli.Failedf("branch %q of %s/%s kept moving: gave up after %d tries", x.base, x.rin.Owner, x.rin.Repo, tries)
}
