package promote

import (
	"context"
	"errors"
	"fmt"

	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/change"
	"github.com/gitops-actions/gitops-actions/internal/gate"
	"github.com/gitops-actions/gitops-actions/internal/promotion"
	"github.com/gitops-actions/gitops-actions/internal/release"
)

// repository is what a run reads of the repository and how it tags: the
// release engine's GitHub (commits, tags, files at a commit, the tag and
// its release), the promotion engine's blame, and what the gates read.
// forgeGitHub works through GitHub's API; localGit (local.go) on a checkout,
// with the git command. The engines compute the same tag, promotion and
// rollback through either.
type repository interface {
	release.GitHub
	promotion.GitHub
	// lastLanding is where the newest change under dir landed on base: the
	// merge of the pull request that brought it, else the commit itself.
	lastLanding(ctx context.Context, base, dir string) (*gate.Landing, error)
	// reports are the commit statuses and check runs on a commit.
	reports(ctx context.Context, sha string) ([]gate.Report, error)
}

// forgeGitHub is the release and promotion engines' GitHub, over the
// shared client: each engine declares what it needs and never imports the
// client.
type forgeGitHub struct {
	c *forge.Client
}

var _ repository = forgeGitHub{}

// notFound keeps the client's error (for the exit code and its hint) and
// marks it as the engine's ErrNotFound.
func notFound(err error) error {
	var nf *forge.NotFoundError
	if errors.As(err, &nf) {
		return fmt.Errorf("%w: %w", release.ErrNotFound, err)
	}
	return err
}

func (g forgeGitHub) Commit(ctx context.Context, ref string) (*release.Commit, error) {
	c, err := g.c.GetCommit(ctx, ref)
	if err != nil {
		return nil, notFound(err)
	}
	return &release.Commit{SHA: c.SHA, Parents: c.Parents, Message: c.Message, Author: author(*c), CommittedAt: c.CommittedAt, Files: releaseFiles(c.Files), Complete: c.Complete}, nil
}

func (g forgeGitHub) Compare(ctx context.Context, base, head string) (*release.Comparison, error) {
	cmp, err := g.c.Compare(ctx, base, head)
	if err != nil {
		return nil, notFound(err)
	}
	out := &release.Comparison{Complete: cmp.Complete}
	for _, c := range cmp.Commits {
		out.Commits = append(out.Commits, release.Commit{SHA: c.SHA, Parents: c.Parents, Message: c.Message, Author: author(c), CommittedAt: c.CommittedAt})
	}
	out.Files = releaseFiles(cmp.Files)
	return out, nil
}

// author is how a tag names a commit's author: their GitHub login when
// GitHub knows it, else their name.
func author(c forge.CommitDetail) string {
	if c.AuthorLogin != "" {
		return c.AuthorLogin
	}
	return c.AuthorName
}

// releaseFiles are the client's changed files as the release engine reads
// them.
func releaseFiles(files []forge.ChangedFile) []release.File {
	var out []release.File
	for _, f := range files {
		out = append(out, release.File{Path: f.Path, Status: f.Status, Previous: f.Previous})
	}
	return out
}

// releasePulls are the client's pull requests of a commit as the release
// engine reads them.
func releasePulls(ps []forge.AssociatedPull) []release.Pull {
	var out []release.Pull
	for _, p := range ps {
		out = append(out, release.Pull{
			Number: p.Number, Title: p.Title, Body: p.Body, URL: p.URL, Author: p.Author, Labels: p.Labels,
			Base: p.Base, Head: p.Head, Merged: !p.MergedAt.IsZero(), MergedAt: p.MergedAt, MergeCommit: p.MergeCommitSHA,
			Approvers: p.Approvers,
		})
	}
	return out
}

func (g forgeGitHub) Tags(ctx context.Context, prefix string) ([]release.TagRef, error) {
	ts, err := g.c.MatchingTags(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var out []release.TagRef
	for _, t := range ts {
		out = append(out, release.TagRef{Name: t.Name, Object: t.Object})
	}
	return out, nil
}

func (g forgeGitHub) Lookup(ctx context.Context, l release.Lookup) (*release.Facts, error) {
	fl := forge.Lookup{Pull: l.Pull, RecentTags: l.RecentTags, History: l.History, HistoryLen: l.HistoryLen, Commits: l.Commits}
	for _, b := range l.Blobs {
		fl.Blobs = append(fl.Blobs, forge.BlobAt{Rev: b.Rev, Path: b.Path})
	}
	res, err := g.c.Lookup(ctx, fl)
	if err != nil {
		return nil, err
	}
	out := &release.Facts{Approvers: res.Approvers, PullError: res.PullError, AllTags: res.AllTags}
	for _, b := range res.Blobs {
		out.Blobs = append(out.Blobs, release.Blob{
			BlobAt: release.BlobAt{Rev: b.Rev, Path: b.Path},
			Found:  b.Found, Binary: b.Binary, Truncated: b.Truncated, Text: b.Text, Size: b.Size,
		})
	}
	for _, t := range res.RecentTags {
		out.RecentTags = append(out.RecentTags, release.PeeledTag{Name: t.Name, Commit: t.Commit, CommittedAt: t.CommittedAt})
	}
	if res.Pulls != nil {
		out.Pulls = map[string][]release.Pull{}
		for sha, ps := range res.Pulls {
			out.Pulls[sha] = releasePulls(ps)
		}
	}
	for _, c := range res.History {
		rc := release.Commit{SHA: c.SHA, Message: c.Message, CommittedAt: c.CommittedAt, Pulls: releasePulls(c.Pulls)}
		if c.Parent != "" {
			rc.Parents = []string{c.Parent}
		}
		out.History = append(out.History, rc)
	}
	return out, nil
}

func (g forgeGitHub) Peel(ctx context.Context, tag string) (string, bool, error) {
	return g.c.PeelTag(ctx, tag)
}

func (g forgeGitHub) CreateTag(ctx context.Context, name, message, sha string) error {
	err := g.c.CreateTag(ctx, name, message, sha)
	var exists *forge.TagExistsError
	if errors.As(err, &exists) {
		return &release.TagExistsError{Tag: exists.Tag, Commit: exists.Commit}
	}
	return notFound(err)
}

func (g forgeGitHub) FindRelease(ctx context.Context, tag string, drafts bool) (*release.Release, error) {
	r, err := g.c.FindRelease(ctx, tag, drafts)
	if err != nil || r == nil {
		return nil, err
	}
	return &release.Release{ID: r.ID, Tag: r.Tag, URL: r.URL, Draft: r.Draft}, nil
}

func (g forgeGitHub) CreateRelease(ctx context.Context, nr release.NewRelease) (*release.Release, bool, error) {
	r, created, err := g.c.CreateRelease(ctx, forge.NewRelease{Tag: nr.Tag, Name: nr.Name, Body: nr.Body, Draft: nr.Draft, Prerelease: nr.Prerelease})
	if err != nil {
		return nil, false, err
	}
	return &release.Release{ID: r.ID, Tag: r.Tag, URL: r.URL, Draft: r.Draft}, created, nil
}

// Blame adapts the client's blame, reading the provenance trailers of the
// commits the tool made.
func (g forgeGitHub) Blame(ctx context.Context, rev string, paths []string) (map[string][]promotion.Lines, error) {
	b, err := g.c.Blame(ctx, rev, paths)
	if err != nil {
		return nil, err
	}
	out := map[string][]promotion.Lines{}
	for p, ranges := range b {
		for _, r := range ranges {
			l := promotion.Lines{Start: r.Start, End: r.End, Origin: promotion.Origin{Commit: r.Commit, Subject: subject(r.Message), CommittedAt: r.CommittedAt}}
			if r.Pull != nil {
				l.Pull = &promotion.PullRef{Number: r.Pull.Number, Title: r.Pull.Title, URL: r.Pull.URL, Base: r.Pull.Base, MergeCommit: r.Pull.MergeCommitSHA, MergedAt: r.Pull.MergedAt}
			}
			if prov, ok := change.ParseProvenance(r.Message); ok {
				l.SourceRepository, l.SourceCommit, l.RunURL = prov.Repository, prov.Commit, prov.RunURL
			}
			out[p] = append(out[p], l)
		}
	}
	return out, nil
}

func (g forgeGitHub) lastLanding(ctx context.Context, base, dir string) (*gate.Landing, error) {
	cs, err := g.c.ListCommits(ctx, base, dir, 1)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, &promotion.InputError{Input: "from", Msg: fmt.Sprintf("no commit on %q changes %q", base, dir)}
	}
	pulls, err := g.c.PullsOfCommit(ctx, cs[0].SHA)
	if err != nil {
		return nil, err
	}
	if p := mergedInto(pulls, base, ""); p != nil {
		return &gate.Landing{SHA: p.MergeCommitSHA, At: p.MergedAt, Pull: p.Number}, nil
	}
	c, err := g.c.GetCommit(ctx, cs[0].SHA)
	if err != nil {
		return nil, err
	}
	return &gate.Landing{SHA: c.SHA, At: c.CommittedAt}, nil
}

func (g forgeGitHub) reports(ctx context.Context, sha string) ([]gate.Report, error) {
	reports, err := g.c.Reports(ctx, sha)
	if err != nil {
		return nil, err
	}
	var out []gate.Report
	for _, r := range reports {
		state := gate.StatusState(r.State)
		if r.CheckRun {
			state = gate.CheckRunState(r.State, r.Conclusion)
		}
		out = append(out, gate.Report{Name: r.Name, State: state, URL: r.URL})
	}
	return out, nil
}
