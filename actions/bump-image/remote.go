package bumpimage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/change"
	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/mdtext"
	"github.com/gitops-actions/gitops-actions/internal/memfs"
)

// remoteSpec are the inputs of the remote mode, declared here and listed
// in spec after the local ones.
var remoteSpec = []cli.Input{
	{Name: "token", Secret: true, Description: "A token that may write to the config repository (contents and pull requests). Setting it, or app-id, switches to the remote mode: the repository is read and changed through the GitHub API, without a checkout."},
	{Name: "app-id", Description: "A GitHub App's ID, with app-private-key: the action mints an installation token for the repository's owner. Commits made so show as Verified."},
	{Name: "app-private-key", Secret: true, Description: "The GitHub App's private key (PEM), with app-id."},
	{Name: "repository", Description: "Remote mode: the config repository, OWNER/NAME. Default: the repository running the workflow (GITHUB_REPOSITORY)."},
	{Name: "github-api-url", Description: "Remote mode: the REST API root, e.g. https://HOST/api/v3 for GitHub Enterprise Server (GraphQL is derived from it). Default: GITHUB_API_URL, else https://api.github.com."},
	{Name: "base", Description: "Remote mode: the branch to read and to open the pull request against (or to push to). Default: the repository's default branch."},
	{Name: "mode", Default: "pull-request", Description: "Remote mode: pull-request opens or updates a pull request from a branch of the tool's; push commits on the base branch itself, retrying when it moves."},
	{Name: "branch", Default: defaultBranchTemplate, Description: "Remote mode, pull-request: the head branch, a Go template (see the README for the fields). Deterministic, so a later bump of the same images updates the same pull request."},
	{Name: "title", Default: defaultTitleTemplate, Description: "Remote mode: the pull request's title, a Go template."},
	{Name: "body", Description: "Remote mode: the pull request's body, a Go template. Default: a table of the changes, one row per image and environment with the places it is set in, and links to the application commit, to what changed in it since the previous bump and to the workflow run."},
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
	{Name: "superseded", Description: "Remote mode, pull-request: JSON array of the images and charts the pull request already proposes at a newer version than this run's, and keeps: objects with image (or chart), version (what the pull request keeps), wanted (what this run asked for) and pull-request (its number). Such a run succeeds: a late build is not a failure."},
}

// Deps are what the command depends on besides its inputs and environment;
// tests shorten the waits and count the requests.
type Deps struct {
	cli.Deps
	// PushTries bounds the tries of mode push; zero means 30.
	PushTries int
}

// NewCommand returns the bump-image command with its dependencies.
func NewCommand(d Deps) cli.Command {
	return cli.Command{Spec: spec, Run: func(ctx context.Context, r *cli.Run) error { return run(ctx, r, d) }}
}

// Modes of the remote mode.
const (
	modePullRequest = "pull-request"
	modePush        = "push"
)

// Operations reported in pull-request-operation.
const (
	opCreated   = string(change.Created)
	opUpdated   = string(change.Updated)
	opUnchanged = string(change.Unchanged)
	opClosed    = string(change.Closed)
	opNone      = string(change.None)
)

// remoteInputs are the inputs of the remote mode, parsed and checked.
type remoteInputs struct {
	cli.GitHub
	Base          string
	Mode          string
	templates     templates
	Labels        []string
	Reviewers     []string
	TeamReviewers []string
	Assignees     []string
	Draft         bool
	AutoMerge     string
	source        source
}

// readRemoteInputs reads the remote mode's inputs. It reports false when
// neither token nor app-id is set: the local mode then runs as before.
func readRemoteInputs(v cli.Values, getenv func(string) string) (remoteInputs, bool, error) {
	var in remoteInputs
	var remote bool
	var err error
	if in.GitHub, remote, err = cli.ReadGitHub(v, getenv); err != nil || !remote {
		return in, remote, err
	}
	in.Base = strings.TrimPrefix(v.String("base"), "refs/heads/")
	in.Mode = v.String("mode")
	if in.Mode != modePullRequest && in.Mode != modePush {
		return in, true, cli.Usagef("input \"mode\": %q is neither pull-request nor push", in.Mode)
	}
	if in.templates, err = parseTemplates(v); err != nil {
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
	in.source = sourceFrom(getenv)
	return in, true, nil
}

// remoteRoots checks the paths of the remote mode: relative to the
// repository root, inside it.
func remoteRoots(paths []string) ([]string, error) {
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
	in     inputs
	rin    remoteInputs
	deps   Deps
	gh     *forge.Client
	roots  []string
	base   string
	data   templateData
	branch string
	// superseded are the images and charts the branch already proposes
	// at a newer version, as the last build found them.
	superseded []superseded
}

// superseded is an image or a chart of the run that the pull request
// already proposes at a newer version, which it keeps.
type superseded struct {
	// Image is the image's repository; Chart, instead, a chart's name.
	Image string `json:"image,omitempty"`
	Chart string `json:"chart,omitempty"`
	// Version is what the pull request keeps, Wanted what the run asked
	// for; both whole references (REPOSITORY:TAG, or a chart as the input
	// gave it: NAME@VERSION, REPOSITORY/NAME@VERSION).
	Version string `json:"version"`
	Wanted  string `json:"wanted"`
	// Pull is the pull request's number; 0 for a branch whose pull
	// request a concurrent run has not opened yet.
	Pull int `json:"pull-request,omitempty"`
}

func runRemote(ctx context.Context, r *cli.Run, in inputs, rin remoteInputs, deps Deps) error {
	roots, err := remoteRoots(in.Paths)
	if err != nil {
		return err
	}
	gh, err := rin.Client(ctx, r, deps.Deps)
	if err != nil {
		return err
	}
	x := &remote{r: r, in: in, rin: rin, deps: deps, gh: gh, roots: roots, base: rin.Base}
	if x.base == "" {
		if x.base, err = gh.DefaultBranch(ctx); err != nil {
			return apiError(err, rin)
		}
	}
	x.data = newTemplateData(rin.Owner+"/"+rin.Repo, x.base, "", in.Paths, in.Images, in.Charts, rin.source)
	if rin.Mode == modePush {
		return x.push(ctx)
	}
	if x.branch, err = render(rin.templates.Branch, x.data); err != nil {
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
// a user needs; the pull-request machinery declining to touch a branch
// fails the job as it is.
func apiError(err error, rin remoteInputs) error {
	if errors.As(err, new(*change.RefusedError)) {
		return cli.FailedError(err)
	}
	return rin.APIError(err)
}

// snapshot reads the files under the paths at head.
func (x *remote) snapshot(ctx context.Context, head forge.Commit) (*forge.Snapshot, error) {
	snap, err := x.gh.ReadArchive(ctx, head.SHA, x.roots)
	if err != nil {
		return nil, err
	}
	for i, root := range x.roots {
		if _, err := fs.Stat(snap.FS, root); err != nil {
			return nil, cli.Usagef("input \"path\": %q does not exist in %s/%s at %s (%s)", x.in.Paths[i], x.rin.Owner, x.rin.Repo, x.base, short(head.SHA))
		}
	}
	return snap, nil
}

// bump runs the engine on the snapshot with the versions of in (the run's
// inputs, or what a pass keeps of them) and keeps its result in the
// template data.
func (x *remote) bump(ctx context.Context, snap *forge.Snapshot, head forge.Commit, in inputs) (*manifest.Result, error) {
	res, err := manifest.Bump(ctx, snap.FS, x.roots, in.Options())
	if err != nil {
		if res != nil {
			x.warn(res)
		}
		return nil, engineError(err)
	}
	x.data = newTemplateData(x.rin.Owner+"/"+x.rin.Repo, x.base, "", x.in.Paths, in.Images, in.Charts, x.rin.source).withResult(head.SHA, res)
	return res, nil
}

// templateUses reports whether a template names a field: a custom body
// that does not show the comparison does not pay the request it costs.
func templateUses(t *template.Template, field string) bool {
	return t != nil && t.Tree != nil && strings.Contains(t.Tree.Root.String(), "."+field)
}

// previousSource is the source commit of the last bump from the same
// repository under the first path, read from its provenance trailers, for
// the body's link to what changed in the app since: "" when there is
// none or GitHub does not say (the link is left out).
func (x *remote) previousSource(ctx context.Context, sha string, res *manifest.Result) string {
	src := x.rin.source
	if src.Repository == "" || src.SHA == "" || len(res.Files) == 0 {
		return ""
	}
	root := x.roots[0]
	if root == "." {
		root = ""
	}
	commits, err := x.gh.ListCommits(ctx, sha, root, 20)
	if err != nil {
		return ""
	}
	for _, c := range commits {
		if p, ok := change.ParseProvenance(c.Message); ok && p.Repository == src.Repository && p.Commit != "" {
			return p.Commit
		}
	}
	return ""
}

// build is the change machinery's Build: the engine's result on the head
// as the files, texts and closing comment of a commit and pull request.
// Each image and chart goes to the version asked for, unless the branch
// the change goes onto proposes a newer one already: then it keeps that
// one (superseded). The engine's result is kept for the report.
func (x *remote) build(res **manifest.Result) change.Build {
	return func(ctx context.Context, h change.Head) (change.Content, error) {
		snap, err := x.snapshot(ctx, h.Commit)
		if err != nil {
			return change.Content{}, err
		}
		in, sup, err := x.versions(ctx, snap, h)
		if err != nil {
			return change.Content{}, err
		}
		r, err := x.bump(ctx, snap, h.Commit, in)
		var exit *cli.ExitError
		if err != nil && h.Proposed != nil && h.SHA == h.Proposed.Tip.SHA && errors.As(err, &exit) && exit.Code == cli.ExitFailed {
			// Built on top of people's commits, the bump does not apply.
			return change.Content{}, h.Proposed.Refuse(err)
		}
		if err != nil {
			return change.Content{}, err
		}
		*res, x.superseded = r, sup
		if x.rin.Mode == modePush && (!r.Changed() || x.in.DryRun) {
			// Mode push renders its message only for a commit it makes.
			return change.Content{}, nil
		}
		if x.rin.Mode == modePullRequest && templateUses(x.rin.templates.Body, "CompareURL") {
			x.data.Source = x.rin.source.withPrevious(x.previousSource(ctx, h.SHA, r))
		}
		title, body, message, err := x.texts()
		if err != nil {
			return change.Content{}, err
		}
		base := mdtext.Code(x.base, 250)
		comment := fmt.Sprintf("Closing: %s at %s already holds %s, so this pull request has nothing left to do.", base, short(h.SHA), mdtext.Text(x.data.ImageSummary(), 1000))
		if held := r.AllHeld(); len(held) > 0 {
			comment = fmt.Sprintf("Closing: every reference of %s in %s at %s is held by a hold comment (`# gitops-actions: hold`), so this pull request has nothing left to do. Remove the comments to release them.", mdtext.Text(strings.Join(held, ", "), 1000), base, short(h.SHA))
		} else if refused := r.AllRefused(); len(refused) > 0 {
			comment = fmt.Sprintf("Closing: every place of %s in %s at %s is pinned by digest (or has no digest field for one), and the new version would drop or miss the pin, so this pull request has nothing left to do. Give the version as tag@digest, or set allow-unpin.", mdtext.Text(strings.Join(refused, ", "), 1000), base, short(h.SHA))
		}
		if x.rin.source.RunURL != "" {
			comment += " ([workflow run](" + x.rin.source.RunURL + "))"
		}
		return change.Content{Files: files(snap, r), Title: title, Body: body, Message: message, CloseComment: comment}, nil
	}
}

// versions are the inputs to bump h with: the versions asked for, except
// the images and charts the branch the change goes onto proposes at a
// newer version already, which keep that version. Newer is what the
// engine's downgrade guard says (one call of it on the branch's files), so
// the ordering is the guard's (tag-order for images, semver for charts);
// with allow-downgrade nothing is superseded. The branch's files are the
// ones the engine finds the images and charts in on h, with the
// HelmRepositories that say where a chart comes from: read in one request,
// or, built on the branch's tip, already at hand.
func (x *remote) versions(ctx context.Context, snap *forge.Snapshot, h change.Head) (inputs, []superseded, error) {
	if h.Proposed == nil || x.in.AllowDowngrade {
		return x.in, nil, nil
	}
	tip, roots := fs.FS(snap.FS), x.roots
	if h.SHA != h.Proposed.Tip.SHA {
		on, err := manifest.Bump(ctx, snap.FS, x.roots, x.in.Options())
		if err != nil {
			// The bump that follows fails the same way, and says so.
			return x.in, nil, nil
		}
		blobs, err := h.Proposed.Read(ctx, referencing(on))
		if err != nil {
			return inputs{}, nil, err
		}
		files := map[string]*memfs.File{}
		roots = nil
		for p, b := range blobs {
			if b.Found && !b.Binary && !b.Truncated {
				files[p] = &memfs.File{Data: []byte(b.Text), Mode: 0o644}
				roots = append(roots, p)
			}
		}
		if len(roots) == 0 {
			return x.in, nil, nil
		}
		sort.Strings(roots)
		tip = memfs.New(files)
	}
	return supersede(ctx, tip, roots, x.in, h.Proposed)
}

// referencing lists the files the engine found the images and charts in,
// and those holding the HelmRepositories it matched charts by.
func referencing(res *manifest.Result) []string {
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, c := range res.Changes {
		add(c.File)
	}
	for _, c := range res.Current {
		add(c.File)
	}
	for _, h := range res.Held {
		add(h.File)
	}
	for _, r := range res.Refused {
		add(r.File)
	}
	for _, f := range res.Sources {
		add(f)
	}
	return out
}

// supersede runs the engine on the branch's files with the versions asked
// for: each image or chart it refuses as a downgrade is proposed newer
// there, and keeps the version the branch has at that place.
func supersede(ctx context.Context, tip fs.FS, roots []string, in inputs, prop *change.Proposed) (inputs, []superseded, error) {
	opts := in.Options()
	_, err := manifest.Bump(ctx, tip, roots, opts)
	down := map[string]*manifest.DowngradeError{} // by what it names: an image's repository, or "chart NAME"
	for _, e := range leaves(err) {
		var dg *manifest.DowngradeError
		if errors.As(e, &dg) && down[dg.Image] == nil {
			down[dg.Image] = dg
		}
	}
	if len(down) == 0 {
		return in, nil, nil
	}
	opts.AllowDowngrade = true
	there, _ := manifest.Bump(ctx, tip, roots, opts)
	if there == nil {
		return in, nil, nil
	}
	// proposed is what the branch holds at the place dg names.
	proposed := func(what string) (string, bool) {
		dg := down[what]
		if dg == nil {
			return "", false
		}
		for _, c := range there.Changes {
			if c.What() == what && c.File == dg.File && c.Line == dg.Line {
				return c.Old, true
			}
		}
		return "", false
	}
	out := in
	out.Images, out.Charts = slices.Clone(in.Images), slices.Clone(in.Charts)
	var sup []superseded
	for i, im := range in.Images {
		old, ok := proposed(im.Repository)
		if !ok {
			continue
		}
		kept, err := keptVersion(im, old)
		if err != nil {
			continue
		}
		out.Images[i] = kept
		sup = append(sup, superseded{Image: im.Repository, Version: kept.Text, Wanted: im.Text})
	}
	for i, c := range in.Charts {
		old, ok := proposed(c.Key())
		if !ok {
			continue
		}
		kept := c.WithVersion(old)
		out.Charts[i] = kept
		sup = append(sup, superseded{Chart: c.Name, Version: kept.Text, Wanted: c.Text})
	}
	if prop.Pull != nil {
		for i := range sup {
			sup[i].Pull = prop.Pull.Number
		}
	}
	return out, sup, nil
}

// leaves flattens joined errors.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}

// keptVersion is im at the version a place holds: a whole reference, or a
// tag, a digest or tag@digest as a values file or a kustomization writes
// them.
func keptVersion(im imageref.Image, old string) (imageref.Image, error) {
	if f, err := imageref.ParseFound(old); err == nil && f.Repository == im.Repository {
		return imageref.Parse(im.Repository + imageref.Image{Tag: f.Tag, Digest: f.Digest}.Version())
	}
	tag, digest, _ := strings.Cut(old, "@")
	if strings.HasPrefix(tag, "sha256:") {
		tag, digest = "", tag
	}
	return imageref.Parse(im.Repository + imageref.Image{Tag: tag, Digest: digest}.Version())
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
	return printResult(x.r, res, x.in.DryRun)
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
	if title, err = render(x.rin.templates.Title, x.data); err != nil {
		return
	}
	title = strings.Join(strings.Fields(title), " ")
	if len(title) > 250 {
		title = title[:247] + "..."
	}
	d := x.data
	d.Title = title
	if body, err = render(x.rin.templates.Body, d); err != nil {
		return
	}
	message, err = commitMessage(x.rin.templates.CommitMessage, d)
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
	x.r.Logf("%s", msg)
	pull := "the pull request"
	if pr != nil {
		pull = mdtext.Link(fmt.Sprintf("#%d", pr.Number), pr.URL)
	}
	what := map[string]string{
		opCreated:   "Opened pull request " + pull + ".",
		opUpdated:   "Updated pull request " + pull + ".",
		opUnchanged: "Pull request " + pull + " holds this already: left as it is.",
		opClosed:    "Closed pull request " + pull + ": the base holds the change already.",
	}[op]
	if what == "" {
		what = "No pull request: nothing to change."
	}
	x.r.Summary("\n" + what + "\n")
}

// pullRequest is mode pull-request: the change machinery opens, updates,
// leaves or closes the pull request.
func (x *remote) pullRequest(ctx context.Context) error {
	x.r.SetOutput("branch", x.branch)
	if x.in.DryRun {
		return x.dryRun(ctx)
	}
	var res *manifest.Result
	out, err := change.Propose(ctx, x.gh, change.Request{
		Base: x.base, Branch: x.branch, Build: x.build(&res),
		Labels: x.rin.Labels, Reviewers: x.rin.Reviewers, TeamReviewers: x.rin.TeamReviewers, Assignees: x.rin.Assignees,
		Draft: x.rin.Draft, AutoMerge: x.rin.AutoMerge,
	})
	for _, w := range out.Warnings {
		x.r.Warning("", 0, w)
	}
	if err != nil {
		return apiError(err, x.rin)
	}
	if err := x.report(res); err != nil {
		return err
	}
	x.reportSuperseded()
	if out.Commit != nil {
		x.setCommit(*out.Commit)
	}
	if out.Previous != nil && out.Op == change.Created {
		x.r.Logf("branch %s held pull request #%d before (%s); the pull request starts afresh from %s", x.branch, out.Previous.Number, out.Previous.URL, x.base)
	}
	x.setPull(string(out.Op), out.Pull)
	return unmovedError(res)
}

// reportSuperseded says which images the pull request keeps at a newer
// version than this run's, and the charts likewise: a late build is no failure of the app's
// pipeline, so a notice, and the output superseded.
func (x *remote) reportSuperseded() {
	for _, s := range x.superseded {
		where := fmt.Sprintf("branch %s", x.branch)
		if s.Pull > 0 {
			where = fmt.Sprintf("pull request #%d", s.Pull)
		}
		what := s.Image
		if s.Chart != "" {
			what = chartref.Key(s.Chart)
		}
		x.r.Notice(fmt.Sprintf("%s: %s already proposes %s, newer than %s; it keeps %s.", what, where, s.Version, s.Wanted, s.Version))
	}
	sup := x.superseded
	if sup == nil {
		sup = []superseded{}
	}
	js, _ := json.Marshal(sup)
	x.r.SetOutput("superseded", string(js))
}

// dryRun reads and reports what a run would change, and writes nothing.
func (x *remote) dryRun(ctx context.Context) error {
	head, err := x.gh.BranchHead(ctx, x.base)
	if err != nil {
		return apiError(err, x.rin)
	}
	var res *manifest.Result
	if _, err := x.build(&res)(ctx, change.Head{Commit: head}); err != nil {
		return apiError(err, x.rin)
	}
	if err := x.report(res); err != nil {
		return err
	}
	return unmovedError(res)
}

// push is mode push: the change machinery commits on the base branch
// itself, by fast-forward, building the change again when the base moves.
func (x *remote) push(ctx context.Context) error {
	x.r.SetOutput("branch", x.base)
	if x.in.DryRun {
		return x.dryRun(ctx)
	}
	var res *manifest.Result
	out, err := change.Push(ctx, x.gh, change.Request{Base: x.base, Build: x.build(&res), Tries: x.deps.PushTries})
	if err != nil {
		return apiError(err, x.rin)
	}
	if out.Commit != nil {
		x.setCommit(*out.Commit)
		x.r.Logf("pushed %s to %s", short(out.Commit.SHA), x.base)
	}
	if err := x.report(res); err != nil {
		return err
	}
	return unmovedError(res)
}
