package promote

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/gitops-actions/gitops-actions/internal/archive"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/change"
	"github.com/gitops-actions/gitops-actions/internal/gate"
	"github.com/gitops-actions/gitops-actions/internal/localgit"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/promotion"
	"github.com/gitops-actions/gitops-actions/internal/release"
)

// localGit is the repository of a run on a checkout, read with the git
// command: what forgeGitHub asks GitHub, asked of git. Git knows no pull
// request, review, release or commit status: a commit is its own merge
// (its committer time names its tag), nobody approved it, a release's
// notes are printed instead of published, and require-statuses cannot be
// judged.
type localGit struct {
	repo *localgit.Repo
	r    *cli.Run
	// dryRun makes CreateTag record the tag instead of making it; made
	// are the tags this run made, or would make, so that a second merge of
	// the run sees the first's name taken.
	dryRun bool
	mu     sync.Mutex
	made   map[string]string
}

var _ repository = (*localGit)(nil)

// maxBlob bounds a file read for the release notes or a rollback, as the
// manifest engine bounds what it reads.
const maxBlob = manifest.DefaultMaxFileSize

// notFound marks a revision git does not know as the engine's
// ErrNotFound.
func (g *localGit) notFound(err error) error {
	if errors.Is(err, localgit.ErrUnknownRevision) {
		return fmt.Errorf("%w: %w", release.ErrNotFound, err)
	}
	return err
}

// commit reads one commit.
func (g *localGit) commit(ctx context.Context, sha string) (localgit.Commit, error) {
	cs, err := g.repo.Commits(ctx, []string{sha})
	if err != nil {
		return localgit.Commit{}, g.notFound(err)
	}
	return cs[0], nil
}

// Commit reads a commit (a SHA, or "heads/<branch>") with the files it
// changes against its first parent.
func (g *localGit) Commit(ctx context.Context, ref string) (*release.Commit, error) {
	rev := ref
	if b, ok := strings.CutPrefix(ref, "heads/"); ok {
		rev = "refs/heads/" + b
	}
	sha, err := g.repo.Resolve(ctx, rev)
	if err != nil {
		return nil, g.notFound(err)
	}
	c, err := g.commit(ctx, sha)
	if err != nil {
		return nil, err
	}
	parent := ""
	if len(c.Parents) > 0 {
		parent = c.Parents[0]
	}
	changes, err := g.repo.Changes(ctx, parent, sha)
	if err != nil {
		return nil, err
	}
	out := &release.Commit{SHA: sha, Parents: c.Parents, Message: c.Message, Author: c.Author.Name, CommittedAt: c.Committer.When.UTC(), Complete: true}
	for _, ch := range changes {
		out.Files = append(out.Files, release.File{Path: ch.Path, Status: ch.Status, Previous: ch.Previous})
	}
	return out, nil
}

// Compare lists the commits of head that base lacks, oldest first; not
// the files (a commit's own are read when it is).
func (g *localGit) Compare(ctx context.Context, base, head string) (*release.Comparison, error) {
	var shas [2]string
	for i, rev := range []string{base, head} {
		sha, err := g.repo.Resolve(ctx, rev)
		if err != nil {
			return nil, g.notFound(err)
		}
		shas[i] = sha
	}
	list, err := g.repo.RevList(ctx, shas[0], shas[1])
	if err != nil {
		return nil, err
	}
	cs, err := g.repo.Commits(ctx, list)
	if err != nil {
		return nil, err
	}
	out := &release.Comparison{Commits: make([]release.Commit, len(cs))}
	for i, c := range cs {
		out.Commits[i] = release.Commit{SHA: c.SHA, Parents: c.Parents, Message: c.Message, Author: c.Author.Name, CommittedAt: c.Committer.When.UTC()}
	}
	return out, nil
}

// tags lists the repository's tags with the commits they lead to, and
// those this run made.
func (g *localGit) tags(ctx context.Context) ([]localgit.Tag, error) {
	tags, err := g.repo.Tags(ctx)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	names := make([]string, 0, len(g.made))
	for name := range g.made {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		tags = append([]localgit.Tag{{Name: name, Object: g.made[name], Commit: g.made[name]}}, tags...)
	}
	return tags, nil
}

// Tags lists the tags whose names start with prefix.
func (g *localGit) Tags(ctx context.Context, prefix string) ([]release.TagRef, error) {
	tags, err := g.tags(ctx)
	if err != nil {
		return nil, err
	}
	var out []release.TagRef
	for _, t := range tags {
		if strings.HasPrefix(t.Name, prefix) {
			out = append(out, release.TagRef{Name: t.Name, Object: t.Object})
		}
	}
	return out, nil
}

// Lookup reads the files asked for at their commits, every tag with its
// commit, newest first, and a commit's first-parent line; git knows no
// pull request (Commits have none) and nobody approved anything.
func (g *localGit) Lookup(ctx context.Context, l release.Lookup) (*release.Facts, error) {
	facts := &release.Facts{}
	byRev := map[string][]string{}
	var revs []string
	for _, b := range l.Blobs {
		if _, ok := byRev[b.Rev]; !ok {
			revs = append(revs, b.Rev)
		}
		byRev[b.Rev] = append(byRev[b.Rev], b.Path)
	}
	for _, rev := range revs {
		blobs, err := g.repo.Blobs(ctx, rev, byRev[rev], maxBlob)
		if err != nil {
			return nil, err
		}
		for _, b := range blobs {
			facts.Blobs = append(facts.Blobs, release.Blob{
				BlobAt: release.BlobAt{Rev: rev, Path: b.Path},
				Found:  b.Found, Truncated: b.Truncated, Size: b.Size, Text: b.Text,
				// A link's target is no file's text, and is never followed.
				Binary: b.Link || strings.IndexByte(b.Text, 0) >= 0,
			})
		}
	}
	if l.RecentTags > 0 {
		tags, err := g.tags(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range tags {
			if t.Commit != "" {
				facts.RecentTags = append(facts.RecentTags, release.PeeledTag{Name: t.Name, Commit: t.Commit})
			}
		}
		facts.AllTags = true
	}
	if l.History != "" {
		// git walks the first-parent line itself, which is all the engine
		// follows of a history.
		shas, err := g.repo.FirstParents(ctx, l.History, l.HistoryLen)
		if err != nil {
			return nil, g.notFound(err)
		}
		cs, err := g.repo.Commits(ctx, shas)
		if err != nil {
			return nil, g.notFound(err)
		}
		for _, c := range cs {
			facts.History = append(facts.History, release.Commit{SHA: c.SHA, Parents: c.Parents, Message: c.Message, Author: c.Author.Name, CommittedAt: c.Committer.When.UTC()})
		}
	}
	return facts, nil
}

// Peel returns the commit a tag leads to.
func (g *localGit) Peel(ctx context.Context, tag string) (string, bool, error) {
	g.mu.Lock()
	sha, ok := g.made[tag]
	g.mu.Unlock()
	if ok {
		return sha, true, nil
	}
	return g.repo.PeelTag(ctx, tag)
}

// CreateTag makes the annotated tag (with dry-run: records it), and prints
// its message: the tag is the run's record, to read before it is pushed.
func (g *localGit) CreateTag(ctx context.Context, name, message, sha string) error {
	if g.dryRun {
		if commit, ok, err := g.Peel(ctx, name); err != nil || ok {
			if err != nil {
				return err
			}
			return &release.TagExistsError{Tag: name, Commit: commit}
		}
	} else {
		err := g.repo.CreateTag(ctx, name, message, sha)
		var exists *localgit.TagExistsError
		if errors.As(err, &exists) {
			return &release.TagExistsError{Tag: exists.Tag, Commit: exists.Commit}
		}
		if err != nil {
			return err
		}
	}
	g.mu.Lock()
	if g.made == nil {
		g.made = map[string]string{}
	}
	g.made[name] = sha
	g.mu.Unlock()
	heading := fmt.Sprintf("made the annotated tag %q on %s, with the message:", name, short(sha))
	if g.dryRun {
		heading = fmt.Sprintf("dry run: the annotated tag %q would be made on %s, with the message:", name, short(sha))
	}
	g.print(heading, message)
	return nil
}

// FindRelease finds none: git has no releases.
func (g *localGit) FindRelease(context.Context, string, bool) (*release.Release, error) {
	return nil, nil
}

// CreateRelease prints the release's notes instead of publishing them,
// and reports no release.
func (g *localGit) CreateRelease(_ context.Context, nr release.NewRelease) (*release.Release, bool, error) {
	g.print(fmt.Sprintf("the release notes of %q (a run on a checkout prints them and publishes no release):", nr.Tag), nr.Body)
	return nil, false, nil
}

// print logs a heading and a text of several lines, each line through
// the log's escaping, indented.
func (g *localGit) print(heading, text string) {
	g.r.Logf("%s", heading)
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		g.r.Logf("    %s", line)
	}
}

// Blame reads git blame of each file at rev, with the provenance
// trailers of the commits the tool made. No commit has a pull request.
func (g *localGit) Blame(ctx context.Context, rev string, paths []string) (map[string][]promotion.Lines, error) {
	blamed := map[string][]localgit.Lines{}
	var shas []string
	seen := map[string]bool{}
	for _, p := range paths {
		ls, err := g.repo.Blame(ctx, rev, p)
		if err != nil {
			continue // a file git cannot blame is missing from the answer
		}
		blamed[p] = ls
		for _, l := range ls {
			if !seen[l.Commit] {
				seen[l.Commit] = true
				shas = append(shas, l.Commit)
			}
		}
	}
	cs, err := g.repo.Commits(ctx, shas)
	if err != nil {
		return nil, err
	}
	byID := map[string]localgit.Commit{}
	for _, c := range cs {
		byID[c.SHA] = c
	}
	out := map[string][]promotion.Lines{}
	for p, ls := range blamed {
		for _, l := range ls {
			c := byID[l.Commit]
			pl := promotion.Lines{Start: l.Start, End: l.End, Origin: promotion.Origin{Commit: c.SHA, Subject: subject(c.Message), CommittedAt: c.Committer.When.UTC()}}
			if prov, ok := change.ParseProvenance(c.Message); ok {
				pl.SourceRepository, pl.SourceCommit, pl.RunURL = prov.Repository, prov.Commit, prov.RunURL
			}
			out[p] = append(out[p], pl)
		}
	}
	return out, nil
}

// lastLanding is the newest commit on the first-parent line of base's
// head (HEAD on a checkout) that changed dir: a merge commit when the
// change came by one, so that its time is when it landed.
func (g *localGit) lastLanding(ctx context.Context, base, dir string) (*gate.Landing, error) {
	head, err := g.repo.Resolve(ctx, "HEAD")
	if err != nil {
		return nil, err
	}
	sha, ok, err := g.repo.LastChange(ctx, head, dir)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &promotion.InputError{Input: "from", Msg: fmt.Sprintf("no commit of %s changes %q", base, dir)}
	}
	c, err := g.commit(ctx, sha)
	if err != nil {
		return nil, err
	}
	return &gate.Landing{SHA: sha, At: c.Committer.When.UTC()}, nil
}

// errNoStatuses says require-statuses cannot be judged on a checkout.
var errNoStatuses = errors.New(`input "require-statuses" needs the statuses and check runs GitHub holds, which a checkout has not: run with token (or app-id), or without require-statuses`)

func (g *localGit) reports(context.Context, string) ([]gate.Report, error) {
	return nil, cli.UsageError(errNoStatuses)
}

// snapshot reads the files of commit sha under roots (all with none), as
// the API mode's snapshot holds them.
func (g *localGit) snapshot(ctx context.Context, sha string, roots ...string) (*forge.Snapshot, error) {
	res, err := g.repo.Tree(ctx, sha, archive.Options{Roots: roots})
	if err != nil {
		return nil, err
	}
	return &forge.Snapshot{SHA: sha, FS: res.FS, Skipped: res.Skipped}, nil
}
