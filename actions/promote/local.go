package promote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/aymanbagabas/go-udiff"

	"github.com/gitops-actions/gitops-actions/internal/archive"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/change"
	"github.com/gitops-actions/gitops-actions/internal/localgit"
	"github.com/gitops-actions/gitops-actions/internal/mdtext"
	"github.com/gitops-actions/gitops-actions/internal/promotion"
	"github.com/gitops-actions/gitops-actions/internal/release"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// localRun is a run without token and app-id: on the git checkout it runs
// in (a laptop, GitLab CI, Jenkins), read with the git command. It does
// what a run through GitHub does, in the same order and with the same
// engines: it tags HEAD (or sha) with the annotated tag the API mode would
// make, prints the release notes instead of publishing them, then writes
// the promotion or the rollback into the working tree instead of a pull
// request. Nothing is pushed: committing and pushing are the job's next
// steps.
type localRun struct {
	*promoter
	lg *localGit
	// head is the commit checked out, which the run works on.
	head string
}

// runLocal runs promote on the checkout r.Dir is in.
func runLocal(ctx context.Context, r *cli.Run, in inputs, ev event, d Deps) error {
	repo, err := openCheckout(ctx, r)
	if err != nil {
		return err
	}
	if err := checkLocal(r, in); err != nil {
		return err
	}
	if r.InActions() {
		// A workflow that forgot token would otherwise succeed and leave
		// nothing on GitHub.
		r.Warning("", 0, "no token or app-id: this run works on the job's checkout, and its tag and changes stay there unless a later step pushes them; give token (or app-id) to tag and open pull requests on GitHub")
	}
	head, err := repo.Resolve(ctx, "HEAD")
	if errors.Is(err, localgit.ErrUnknownRevision) {
		return cli.Usagef("the checkout %s has no commit yet: there is nothing to tag or promote", repo.Dir())
	}
	if err != nil {
		return localFailure(err)
	}
	base := in.Base
	if base == "" {
		if base, err = repo.Branch(ctx); err != nil {
			return localFailure(err)
		}
		if base == "" {
			base = "HEAD" // a detached checkout, as CI systems make
		}
	}
	lg := &localGit{repo: repo, r: r, dryRun: in.DryRun}
	x := &localRun{promoter: newPromoter(r, in, nil, lg, base, ev), lg: lg, head: head}
	x.now = d.Clock()
	r.SetOutput("gated", "false")
	if in.rollingBack() {
		return x.rollback(ctx)
	}
	if (ev.Name == "" || ev.Name == "workflow_dispatch") && ev.SHA == "" {
		ev.SHA = head
	}
	merged, err := tagMerges(ctx, r, in, ev, lg, base, localRepoURL(r, ev))
	if err != nil {
		return err
	}
	return x.promote(ctx, x, merged, ev)
}

// openCheckout finds git and the checkout the run is in, at its top:
// from and to are relative to the repository's root, wherever in it the
// run starts.
func openCheckout(ctx context.Context, r *cli.Run) (*localgit.Repo, error) {
	const why = "without token and app-id, promote works on the git checkout it runs in"
	repo, err := localgit.Open(ctx, r.Dir, r.Getenv)
	switch {
	case errors.Is(err, localgit.ErrNoGit):
		return nil, cli.Usagef("%s, and reads it with the git command, but there is no git on PATH: install git (apt-get install git, apk add git), or give token (or app-id and app-private-key) to work through the GitHub API", why)
	case errors.Is(err, localgit.ErrNotWorkTree):
		return nil, cli.Usagef("%s, and %s is not in one (%v): run it in a clone of the config repository, or give token (or app-id and app-private-key) to work through the GitHub API", why, r.Dir, err)
	case err != nil:
		return nil, localFailure(err)
	}
	return repo.Top(), nil
}

// prInputs are the inputs that shape pull requests and releases on
// GitHub, which a run on a checkout makes none of.
var prInputs = []string{"labels", "reviewers", "team-reviewers", "assignees", "draft", "auto-merge", "release-draft", "prerelease"}

// checkLocal refuses what a checkout cannot do, and says which inputs it
// ignores.
func checkLocal(r *cli.Run, in inputs) error {
	switch {
	case in.directories() && len(in.Gates.Rules.Statuses) > 0:
		return cli.UsageError(errNoStatuses)
	case in.Deploy.On:
		return cli.Usagef("input \"deployments\" records GitHub Deployments, which need GitHub: run with token (or app-id), or without deployments")
	case in.Rollback != "" && pullNumber.MatchString(in.Rollback):
		return cli.Usagef("input \"rollback\": %q is a pull request number, and git knows no pull request: give its merge commit's SHA, or its tag (or run with token)", in.Rollback)
	}
	for _, d := range []struct{ input, dir string }{{"from", in.From}, {"to", in.To}} {
		if inGitDir(d.dir) {
			return cli.Usagef("input %q: %q is git's own directory, which the tool never writes", d.input, d.dir)
		}
	}
	var ignored []string
	for _, name := range prInputs {
		if v := r.Inputs.String(name); v != "" && v != "false" {
			ignored = append(ignored, name)
		}
	}
	if len(ignored) > 0 {
		r.Notice(fmt.Sprintf("%s shape(s) pull requests and releases on GitHub; a run on a checkout makes none, so it is ignored", strings.Join(ignored, ", ")))
	}
	return nil
}

// inGitDir reports whether a slash path is in a .git directory (in any
// case: a file system that folds case would take .GIT for it).
func inGitDir(p string) bool {
	for _, el := range strings.Split(p, "/") {
		if strings.EqualFold(el, ".git") {
			return true
		}
	}
	return false
}

// localRepoURL is the repository's web address for the release notes'
// links, when the run knows it (repository, or GITHUB_REPOSITORY); else
// the notes have none.
func localRepoURL(r *cli.Run, ev event) string {
	full := r.Inputs.String("repository")
	if full == "" {
		full = r.Getenv("GITHUB_REPOSITORY")
	}
	if owner, name, ok := strings.Cut(full, "/"); !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return ""
	}
	api := r.Inputs.String("github-api-url")
	if api == "" {
		api = r.Getenv("GITHUB_API_URL")
	}
	return webURL(ev, r.Getenv, api, full)
}

// localFailure maps the errors of a run on a checkout to exit codes: git
// without an identity for the tag is the setup to fix (2); git refusing
// anything else fails the job (1).
func localFailure(err error) error {
	var ee *cli.ExitError
	switch {
	case err == nil, errors.As(err, &ee), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, localgit.ErrNoIdentity):
		return cli.Usagef("%v: set user.name and user.email (git config), or GIT_COMMITTER_NAME and GIT_COMMITTER_EMAIL, for the tag's tagger", err)
	case errors.Is(err, localgit.ErrMergeTreeUnsupported):
		return cli.Usagef("%v: a branch promotion on a checkout merges with it; install a newer git", err)
	}
	return cli.FailedError(err)
}

// directories promotes from to to in the working tree: the promotion the
// pull request of a run through GitHub would carry, computed by the same
// engine on HEAD's files, with the same gates and drift.
func (x *localRun) directories(ctx context.Context) error {
	snap, err := x.lg.snapshot(ctx, x.head)
	if err != nil {
		return localFailure(err)
	}
	res, err := promotion.Directories(ctx, snap.FS, x.promotionOptions())
	if err != nil {
		return x.fail(err)
	}
	if len(res.Files) > 0 {
		if err := promotion.Origins(ctx, x.repo, x.head, res.Promoted); err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("where the versions under %s came from could not be read: %v", x.in.From, err))
		}
		if _, err := x.gate(ctx, snap, res, change.Content{}); err != nil {
			if g := gatedBy(err); g != nil {
				x.setGated(g.verdict, res)
				return x.gatedEnd(g.verdict, "the working tree is left as it is")
			}
			return x.fail(err)
		}
	}
	if err := x.write(ctx, snap.FS, res.Files, x.promotionDetail(res)); err != nil {
		return err
	}
	x.warn(res.Warnings)
	x.reportHeld(res.Held)
	if x.verdict != nil {
		x.reportVerdict()
	}
	x.reportPromotion(res)
	return nil
}

// branches promotes from-branch into to-branch, checked out: the working
// tree gets what merging from-branch gives (git merge-tree, the merge the
// pull request of a run through GitHub would make), with the same text.
func (x *localRun) branches(ctx context.Context) error {
	in := x.in
	from, err := x.branchHead(ctx, "from-branch", in.FromBranch)
	if err != nil {
		return err
	}
	to, err := x.branchHead(ctx, "to-branch", in.ToBranch)
	if err != nil {
		return err
	}
	if to != x.head {
		return cli.Usagef("input \"to-branch\": the checkout is at %s, not at %q (%s): check out %s to promote %s into it", short(x.head), in.ToBranch, short(to), in.ToBranch, in.FromBranch)
	}
	ahead, err := x.commitsOf(ctx, to, from)
	if err != nil {
		return localFailure(err)
	}
	behind, err := x.commitsOf(ctx, from, to)
	if err != nil {
		return localFailure(err)
	}
	br := &promotion.Branches{From: in.FromBranch, To: in.ToBranch, Behind: behind}
	var old fs.FS
	var files []promotion.File
	if len(ahead) > 0 {
		if br, err = x.compareBranches(ctx, from, to, ahead, behind); err != nil {
			return err
		}
		if old, files, err = x.merge(ctx, from, to); err != nil {
			return err
		}
	}
	detail := fmt.Sprintf("Promotes branch %s into %s: %d commit(s).\n\n%s", mdtext.Code(in.FromBranch, 200), mdtext.Code(in.ToBranch, 200), len(ahead), promotion.ImagesMarkdown(br.Promoted, in.ToBranch))
	if err := x.write(ctx, old, files, detail); err != nil {
		return err
	}
	x.warn(br.Warnings)
	for _, h := range br.Held {
		x.r.Warning(h.File, h.Line, fmt.Sprintf("%s holds a hold comment (%s) in a file the merge changes: merging overrides the hold", in.ToBranch, h.Reason))
	}
	x.setPromoted(br.Promoted)
	x.setHeld(br.Held)
	x.r.SetOutput("drift", strconv.Itoa(len(behind)))
	return nil
}

// branchHead is the commit of a branch of the checkout, else of the
// remote-tracking branch origin/<name> (a CI checkout often has only
// those).
func (x *localRun) branchHead(ctx context.Context, input, name string) (string, error) {
	for _, ref := range []string{"refs/heads/" + name, "refs/remotes/origin/" + name} {
		sha, err := x.lg.repo.Resolve(ctx, ref)
		if err == nil {
			return sha, nil
		}
		if !errors.Is(err, localgit.ErrUnknownRevision) {
			return "", localFailure(err)
		}
	}
	return "", cli.Usagef("input %q: the checkout has no branch %q, nor origin/%s: fetch it (git fetch origin %s)", input, name, name, name)
}

// commitsOf lists the commits head has and base lacks, oldest first.
func (x *localRun) commitsOf(ctx context.Context, base, head string) ([]promotion.Commit, error) {
	shas, err := x.lg.repo.RevList(ctx, base, head)
	if err != nil {
		return nil, err
	}
	cs, err := x.lg.repo.Commits(ctx, shas)
	if err != nil {
		return nil, err
	}
	out := make([]promotion.Commit, len(cs))
	for i, c := range cs {
		out[i] = promotion.Commit{SHA: c.SHA, Subject: subject(c.Message)}
	}
	return out, nil
}

// compareBranches describes the branch promotion with the engine: the
// images merging moves, what brought them, the holds it overrides.
func (x *localRun) compareBranches(ctx context.Context, from, to string, ahead, behind []promotion.Commit) (*promotion.Branches, error) {
	in := x.in
	bin := promotion.BranchInput{From: in.FromBranch, To: in.ToBranch, FromSHA: from, ToSHA: to, Ahead: ahead, Behind: behind}
	mb, err := x.lg.repo.MergeBase(ctx, to, from)
	if err != nil {
		return nil, localFailure(err)
	}
	changes, err := x.lg.repo.Changes(ctx, mb, from)
	if err != nil {
		return nil, localFailure(err)
	}
	for _, c := range changes {
		bin.Files = append(bin.Files, release.File{Path: c.Path, Status: c.Status, Previous: c.Previous})
	}
	facts, err := x.repo.Lookup(ctx, release.Lookup{Blobs: release.BlobsFor(&release.Commit{SHA: from, Parents: []string{to}, Files: bin.Files})})
	if err != nil {
		return nil, localFailure(err)
	}
	bin.Blobs = facts.Blobs
	br, err := promotion.CompareBranches(ctx, bin)
	if err != nil {
		return nil, x.fail(err)
	}
	if err := promotion.Origins(ctx, x.repo, from, br.Promoted); err != nil {
		br.Warnings = append(br.Warnings, fmt.Sprintf("where the versions on %s came from could not be read: %v", in.FromBranch, err))
	}
	return br, nil
}

// merge merges from into to without touching the working tree, and
// returns to's files that the merge changes and what it makes of them. A
// conflict fails the run: the pull request would not merge either.
func (x *localRun) merge(ctx context.Context, from, to string) (fs.FS, []promotion.File, error) {
	tree, conflicts, err := x.lg.repo.MergeTree(ctx, to, from)
	if err != nil {
		return nil, nil, localFailure(err)
	}
	if len(conflicts) > 0 {
		return nil, nil, cli.Failedf("merging %s into %s conflicts in %s: merge them by hand (git merge %s); nothing was changed", x.in.FromBranch, x.in.ToBranch, strings.Join(conflicts, ", "), x.in.FromBranch)
	}
	changes, err := x.lg.repo.Changes(ctx, to, tree)
	if err != nil {
		return nil, nil, localFailure(err)
	}
	var paths []string
	for _, c := range changes {
		if c.Previous != "" {
			paths = append(paths, c.Previous)
		}
		paths = append(paths, c.Path)
	}
	before, err := x.lg.snapshot(ctx, to, paths...)
	if err != nil {
		return nil, nil, localFailure(err)
	}
	after, err := x.lg.repo.Tree(ctx, tree, archive.Options{Roots: paths})
	if err != nil {
		return nil, nil, localFailure(err)
	}
	for _, sk := range append(before.Skipped, after.Skipped...) {
		return nil, nil, cli.Failedf("the merge of %s changes %s (%s), which the tool does not write: merge by hand (git merge %s); nothing was changed", x.in.FromBranch, sk.Name, sk.Reason, x.in.FromBranch)
	}
	var files []promotion.File
	for _, p := range paths {
		data, err := fs.ReadFile(after.FS, p)
		if err != nil {
			files = append(files, promotion.File{Path: p, Delete: true})
			continue
		}
		files = append(files, promotion.File{Path: p, Content: data})
	}
	return before.FS, files, nil
}

// rollback rolls to back (or base's last change) in the working tree:
// the files the revert, or the return to a tag, restores, with their
// hold comments, as the pull request of a run through GitHub would.
func (x *localRun) rollback(ctx context.Context) error {
	in := x.in
	where := in.To
	if where == "" {
		where = x.base
	}
	var rb *promotion.Rollback
	var what string
	var undone *promotion.Undone
	var snap *forge.Snapshot
	var err error
	if tag := in.RollbackTo; tag != "" {
		commit, ok, err := x.lg.Peel(ctx, tag)
		if err != nil || !ok {
			return cli.Usagef("input \"rollback-to\": tag %q does not exist in the repository", tag)
		}
		then, err := x.lg.snapshot(ctx, commit, in.To)
		if err != nil {
			return localFailure(err)
		}
		if snap, err = x.lg.snapshot(ctx, x.head, in.To); err != nil {
			return localFailure(err)
		}
		if rb, err = promotion.RestoreTree(ctx, then.FS, snap.FS, in.To, "rollback to "+tag); err != nil {
			return x.fail(err)
		}
		what = fmt.Sprintf("back to %s (%s)", tag, short(commit))
	} else {
		t, err := x.resolve(ctx)
		if err != nil {
			return err
		}
		if rb, what, undone, err = x.revert(ctx, t, x.head); err != nil {
			return x.fail(err)
		}
		var paths []string
		for _, f := range rb.Files {
			paths = append(paths, f.Path)
		}
		if snap, err = x.lg.snapshot(ctx, x.head, paths...); err != nil {
			return localFailure(err)
		}
	}
	detail := fmt.Sprintf("Rolls back %s: %s.\n\n%s", mdtext.Code(where, 200), promotion.UndoneMarkdown(what, undone), promotion.ImagesMarkdown(rb.Restored, where))
	if err = x.write(ctx, snap.FS, rb.Files, detail); err != nil {
		return err
	}
	x.warn(rb.Warnings)
	for _, h := range rb.Held {
		x.r.NoticeAt(h.File, h.Line, fmt.Sprintf("%s goes back to %s, held (%s) so that the next automated bump leaves it alone", h.Image, h.Version, h.Reason))
	}
	x.setPromoted(rb.Restored)
	x.setHeld(rb.Held)
	x.r.SetOutput("drift", "0")
	return nil
}

// resolve finds the change rollback names on the checkout: a tag, a
// commit SHA, or last (the newest change under to on HEAD's first-parent
// line, a merge commit when the change came by one, so that all it
// brought is undone; without to, HEAD).
func (x *localRun) resolve(ctx context.Context) (*target, error) {
	in := x.in
	name := in.Rollback
	bad := func(format string, args ...any) error {
		return cli.Usagef("input \"rollback\": "+format, args...)
	}
	t := &target{}
	switch {
	case name == "last" && in.To == "":
		t.SHA = x.head
	case name == "last":
		sha, ok, err := x.lg.repo.LastChange(ctx, x.head, in.To)
		if err != nil {
			return nil, localFailure(err)
		}
		if !ok {
			return nil, bad("no commit of %s changes %q, so there is no last change to roll back", x.base, in.To)
		}
		t.SHA = sha
	default:
		if commitSHA.MatchString(name) {
			sha, err := x.lg.repo.Resolve(ctx, name)
			if err == nil {
				t.SHA = sha
				break
			}
			if !errors.Is(err, localgit.ErrUnknownRevision) {
				return nil, localFailure(err)
			}
		}
		commit, ok, err := x.lg.Peel(ctx, name)
		if err != nil || !ok {
			return nil, bad("%q is no tag or commit of the repository (give a tag, a commit SHA, or last)", name)
		}
		t.SHA, t.Tag = commit, name
	}
	c, err := x.lg.Commit(ctx, t.SHA)
	if err != nil {
		return nil, localFailure(err)
	}
	if len(c.Parents) == 0 {
		return nil, bad("%s is the repository's first commit; there is nothing before it to go back to", short(c.SHA))
	}
	t.Parent = c.Parents[0]
	var files []forge.ChangedFile
	for _, f := range c.Files {
		files = append(files, forge.ChangedFile{Path: f.Path, Status: f.Status, Previous: f.Previous})
	}
	if t.Files = filesUnder(files, in.To); len(t.Files) == 0 {
		return nil, bad("%s (%s) changes nothing under %q", name, short(t.SHA), in.To)
	}
	return t, nil
}

// write puts files into the working tree, every one or none, or with
// dry-run prints them as a git-style diff on standard output, and says so.
// old is HEAD's files, what the working tree must still hold where it is
// written: an edit nobody committed is never overwritten. detail is what
// the job summary of a run through GitHub says of its pull request.
func (x *localRun) write(ctx context.Context, old fs.FS, files []promotion.File, detail string) (err error) {
	edits, maxSize, err := editsOf(old, files)
	if err != nil {
		return err
	}
	if x.in.DryRun || len(edits) == 0 {
		x.report(len(edits), detail)
		if len(edits) == 0 {
			return nil
		}
		return x.r.Verbatim(func(w io.Writer) error {
			_, err := io.WriteString(w, gitDiff(edits))
			return err
		})
	}
	tree, err := workspace.Open(x.lg.repo.Dir(), maxSize+1)
	if err != nil {
		return localFailure(err)
	}
	defer tree.Close()
	lock, err := tree.Lock(ctx, func(file string) {
		x.r.Logf("waiting for %s: another run is writing this working tree", file)
	})
	if err != nil {
		return localFailure(err)
	}
	defer func() {
		if rerr := lock.Release(); err == nil && rerr != nil {
			err = localFailure(rerr)
		}
	}()
	var changed *workspace.ChangedError
	n, err := lock.Apply(edits)
	if errors.As(err, &changed) {
		return cli.Failedf("the working tree does not hold what %s does in %s (edits not committed, or files in the way): commit or stash them and run again; nothing was changed", short(x.head), strings.Join(changed.Paths, ", "))
	} else if err != nil {
		return localFailure(err)
	}
	x.report(n, detail)
	return nil
}

// editsOf turns the engine's files into the working tree's edits, with
// what old (HEAD's files) holds at each, and the largest size read.
func editsOf(old fs.FS, files []promotion.File) ([]workspace.Edit, int64, error) {
	var edits []workspace.Edit
	var maxSize int64
	for _, f := range files {
		if inGitDir(f.Path) {
			return nil, 0, cli.Failedf("refusing to write %q: it is in a .git directory; nothing was changed", f.Path)
		}
		e := workspace.Edit{Path: f.Path, New: f.Content, Delete: f.Delete, Mode: 0o644}
		if old != nil {
			if data, err := fs.ReadFile(old, f.Path); err == nil {
				e.Old, e.Existed = data, true
				if info, err := fs.Stat(old, f.Path); err == nil && info.Mode()&0o111 != 0 {
					e.Mode = 0o755
				}
			}
		}
		maxSize = max(maxSize, int64(len(e.Old)), int64(len(e.New)))
		edits = append(edits, e)
	}
	return edits, maxSize, nil
}

// gitDiff renders edits as `git diff` does, so that `git apply` takes it:
// a header per file, new and deleted files against /dev/null, binary
// files named, not printed, and names git would quote quoted.
func gitDiff(edits []workspace.Edit) string {
	var b strings.Builder
	for _, e := range edits {
		var old, cur string
		if e.Existed {
			old = string(e.Old)
		}
		if !e.Delete {
			cur = string(e.New)
		}
		if e.Existed == !e.Delete && old == cur {
			continue
		}
		a, bb := quotePath("a/"+e.Path), quotePath("b/"+e.Path)
		fmt.Fprintf(&b, "diff --git %s %s\n", a, bb)
		mode := "100644"
		if e.Mode&0o111 != 0 {
			mode = "100755"
		}
		switch {
		case !e.Existed:
			fmt.Fprintf(&b, "new file mode %s\n", mode)
			a = "/dev/null"
		case e.Delete:
			fmt.Fprintf(&b, "deleted file mode %s\n", mode)
			bb = "/dev/null"
		}
		if strings.IndexByte(old, 0) >= 0 || strings.IndexByte(cur, 0) >= 0 {
			fmt.Fprintf(&b, "Binary files %s and %s differ\n", a, bb)
			continue
		}
		b.WriteString(udiff.Unified(a, bb, old, cur))
	}
	return b.String()
}

// quotePath quotes a name as git does when it holds a control character,
// a double quote or a backslash: in double quotes, C escapes inside.
func quotePath(p string) string {
	if !strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '"' || r == '\\' }) {
		return p
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		default:
			if c < 0x20 || c == 0x7f {
				fmt.Fprintf(&b, `\%03o`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// report says what a run on a checkout did to the working tree (files
// written, or with dry-run to write), and prints what the job summary of a
// run through GitHub says of its pull request (detail, Markdown).
func (x *localRun) report(files int, detail string) {
	x.r.SetOutput("promotion-pull-request-operation", string(change.None))
	var what string
	switch {
	case files == 0:
		what = "nothing to write: the working tree holds it already"
	case x.in.DryRun:
		what = fmt.Sprintf("dry run: %d file(s) would be written in the working tree (the diff is on standard output)", files)
	default:
		what = fmt.Sprintf("%d file(s) written in the working tree; commit them and push, or open a merge request", files)
	}
	x.r.Logf("%s", what)
	for _, line := range strings.Split(strings.TrimRight(detail, "\n"), "\n") {
		x.r.Logf("    %s", line)
	}
	x.r.Summary("\n### promotion\n\n" + mdtext.Text(what, 500) + "\n\n" + detail)
}

// promotionOptions are the engine's options of a directory promotion.
func (x *promoter) promotionOptions() promotion.Options {
	in := x.in
	return promotion.Options{
		From: in.From, To: in.To, Mode: in.Mode,
		Images: in.Images, ExcludeImages: in.ExcludeImages, ExcludePaths: in.ExcludePaths, IgnoreHolds: in.Force,
	}
}
