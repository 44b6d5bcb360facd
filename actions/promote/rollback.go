package promote

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/change"
	"github.com/gitops-actions/gitops-actions/internal/mdtext"
	"github.com/gitops-actions/gitops-actions/internal/promotion"
	"github.com/gitops-actions/gitops-actions/internal/release"
)

// target is the change a rollback reverts.
type target struct {
	// SHA is the commit whose change is undone (a pull request's merge
	// commit), Parent its first parent.
	SHA, Parent string
	// Tag is a tag on it, when the input named one; Pull the pull request
	// that made it, when known.
	Tag  string
	Pull *forge.AssociatedPull
	// Files are the files the change touched, under to.
	Files []forge.ChangedFile
}

// what names the change for titles and hold comments.
func (t *target) what() string {
	switch {
	case t.Tag != "":
		return t.Tag
	case t.Pull != nil:
		return fmt.Sprintf("#%d", t.Pull.Number)
	}
	return short(t.SHA)
}

// rollback opens the pull request of rollback or rollback-to, on
// gitops-actions/rollback/<to>. It tags nothing.
func (x *promoter) rollback(ctx context.Context) error {
	where := x.in.To
	if where == "" {
		where = x.base
	}
	var rb *promotion.Rollback
	var what string
	var build change.Build
	var undone *promotion.Undone
	if x.in.RollbackTo != "" {
		tag := x.in.RollbackTo
		commit, ok, err := x.gh.PeelTag(ctx, tag)
		if err != nil {
			return x.fail(err)
		}
		if !ok {
			return cli.Usagef("input \"rollback-to\": tag %q does not exist in %s/%s", tag, x.in.Owner, x.in.Repo)
		}
		what = fmt.Sprintf("back to %s (%s)", tag, short(commit))
		build = func(ctx context.Context, h change.Head) (change.Content, error) {
			head := h.Commit
			then, err := x.gh.ReadArchive(ctx, commit, []string{x.in.To})
			if err != nil {
				return change.Content{}, err
			}
			now, err := x.gh.ReadArchive(ctx, head.SHA, []string{x.in.To})
			if err != nil {
				return change.Content{}, err
			}
			if rb, err = promotion.RestoreTree(ctx, then.FS, now.FS, x.in.To, "rollback to "+tag); err != nil {
				return change.Content{}, err
			}
			return x.rollbackContent(now, rb, what, nil, head)
		}
	} else {
		t, err := x.resolve(ctx)
		if err != nil {
			return err
		}
		build = func(ctx context.Context, h change.Head) (change.Content, error) {
			var err error
			if rb, what, undone, err = x.revert(ctx, t, h.Commit.SHA); err != nil {
				return change.Content{}, err
			}
			return x.rollbackContent(nil, rb, what, undone, h.Commit)
		}
	}
	out, err := change.Propose(ctx, x.gh, x.request(branchFor("rollback", where), build))
	x.warn(out.Warnings)
	if err != nil {
		return x.fail(err)
	}
	for _, w := range rb.Warnings {
		x.r.Warning("", 0, w)
	}
	for _, h := range rb.Held {
		x.r.NoticeAt(h.File, h.Line, fmt.Sprintf("%s goes back to %s, held (%s) so that the next automated bump leaves it alone", h.Image, h.Version, h.Reason))
	}
	x.setPull(out, fmt.Sprintf("Rolls back %s: %s.\n\n%s", mdtext.Code(where, 200), promotion.UndoneMarkdown(what, undone), promotion.ImagesMarkdown(rb.Restored, where)))
	if err := x.rollbackStatus(ctx, out); err != nil {
		return err
	}
	x.setPromoted(rb.Restored)
	x.setHeld(rb.Held)
	x.r.SetOutput("drift", "0")
	return nil
}

// revert computes the revert of t's change on top of the commit head:
// the files it touched get their content from before it back, with hold
// comments on what that restores. what and undone name the change for
// the texts.
func (x *promoter) revert(ctx context.Context, t *target, head string) (rb *promotion.Rollback, what string, undone *promotion.Undone, err error) {
	touched, tag, err := x.touched(ctx, t, head)
	if err != nil {
		return nil, "", nil, err
	}
	if t.Tag == "" && tag != "" {
		t.Tag = tag
	}
	what = "revert " + t.what()
	switch {
	case t.Pull != nil && t.Tag != "":
		what += fmt.Sprintf(" (#%d %s)", t.Pull.Number, strconv.Quote(t.Pull.Title))
	case t.Pull != nil:
		what += " " + strconv.Quote(t.Pull.Title)
	}
	if rb, err = promotion.Revert(ctx, touched, "rollback of "+t.what()); err != nil {
		return nil, "", nil, err
	}
	if t.Pull != nil {
		name := t.Tag
		if name == "" {
			name = short(t.SHA)
		}
		undone = &promotion.Undone{Name: name, Pull: &promotion.PullRef{Number: t.Pull.Number, Title: t.Pull.Title, URL: t.Pull.URL}}
	}
	return rb, what, undone, nil
}

// rollbackContent is the machinery's content of a rollback.
func (x *promoter) rollbackContent(snap *forge.Snapshot, rb *promotion.Rollback, what string, undone *promotion.Undone, head forge.Commit) (change.Content, error) {
	if len(rb.Files) == 0 {
		return change.Content{CloseComment: fmt.Sprintf("Closing: %s at %s holds the rollback already, so this pull request has nothing left to do.", mdtext.Code(x.base, 250), short(head.SHA))}, nil
	}
	text := promotion.RollbackText(rb, what, undone, x.in.To, x.base, x.prov.RunURL)
	return change.Content{
		Files: files(snap, rb.Files), Title: text.Title, Body: text.Body,
		Message: change.WithTrailers(text.Message, x.prov, mark),
	}, nil
}

// resolve finds the change rollback names: a tag, a commit SHA, a pull
// request number, or last.
func (x *promoter) resolve(ctx context.Context) (*target, error) {
	in := x.in
	name := in.Rollback
	t := &target{}
	bad := func(format string, args ...any) error {
		return cli.Usagef("input \"rollback\": "+format, args...)
	}
	switch {
	case name == "last":
		if err := x.last(ctx, t); err != nil {
			return nil, err
		}
	case pullNumber.MatchString(name):
		n, _ := strconv.Atoi(strings.TrimPrefix(name, "#"))
		p, err := x.gh.GetPull(ctx, n)
		if errors.As(err, new(*forge.NotFoundError)) {
			return nil, bad("pull request #%d does not exist in %s/%s", n, in.Owner, in.Repo)
		}
		if err != nil {
			return nil, x.fail(err)
		}
		if p.MergedAt.IsZero() || p.MergeCommitSHA == "" {
			return nil, bad("pull request #%d is not merged, so there is nothing of it to roll back", n)
		}
		if p.Base != x.base {
			return nil, bad("pull request #%d was merged into %q, not %q", n, p.Base, x.base)
		}
		t.SHA, t.Pull = p.MergeCommitSHA, p
	default:
		if commitSHA.MatchString(name) {
			if c, err := x.gh.GetCommit(ctx, name); err == nil {
				t.SHA = c.SHA
				break
			} else if !errors.As(err, new(*forge.NotFoundError)) {
				return nil, x.fail(err)
			}
		}
		commit, ok, err := x.gh.PeelTag(ctx, name)
		if err != nil {
			return nil, x.fail(err)
		}
		if !ok {
			return nil, bad("%q is no tag, commit or pull request of %s/%s (give a tag, a commit SHA, a pull request number such as #12, or last)", name, in.Owner, in.Repo)
		}
		t.SHA, t.Tag = commit, name
	}
	c, err := x.gh.GetCommit(ctx, t.SHA)
	if err != nil {
		return nil, x.fail(err)
	}
	if len(c.Parents) == 0 {
		return nil, bad("%s is the repository's first commit; there is nothing before it to go back to", short(c.SHA))
	}
	if !c.Complete {
		return nil, cli.Failedf("commit %s changes more files than GitHub lists; roll it back by hand or with rollback-to", short(c.SHA))
	}
	t.Parent = c.Parents[0]
	if t.Files = filesUnder(c.Files, in.To); len(t.Files) == 0 {
		return nil, bad("%s (%s) changes nothing under %q", name, short(t.SHA), in.To)
	}
	if t.Pull == nil {
		if ps, err := x.gh.PullsOfCommit(ctx, t.SHA); err == nil {
			t.Pull = mergedInto(ps, x.base, t.SHA)
		}
	}
	return t, nil
}

// last finds the latest merged change under to (or on base): the newest
// commit that changes to, and the merge of the pull request that brought
// it, so that the whole pull request is undone and not its last commit.
func (x *promoter) last(ctx context.Context, t *target) error {
	if x.in.To == "" {
		head, err := x.gh.BranchHead(ctx, x.base)
		if err != nil {
			return x.fail(err)
		}
		t.SHA = head.SHA
		return nil
	}
	cs, err := x.gh.ListCommits(ctx, x.base, x.in.To, 1)
	if err != nil {
		return x.fail(err)
	}
	if len(cs) == 0 {
		return cli.Usagef("input \"rollback\": no commit on %q changes %q, so there is no last change to roll back", x.base, x.in.To)
	}
	t.SHA = cs[0].SHA
	ps, err := x.gh.PullsOfCommit(ctx, t.SHA)
	if err != nil {
		return x.fail(err)
	}
	if p := mergedInto(ps, x.base, ""); p != nil {
		t.SHA, t.Pull = p.MergeCommitSHA, p
	}
	return nil
}

// mergedInto picks the pull request merged into base that brought a
// commit, preferring the one whose merge commit it is.
func mergedInto(ps []forge.AssociatedPull, base, sha string) *forge.AssociatedPull {
	var found *forge.AssociatedPull
	for i := range ps {
		p := &ps[i]
		if p.MergedAt.IsZero() || p.Base != base || p.MergeCommitSHA == "" {
			continue
		}
		if p.MergeCommitSHA == sha {
			return p
		}
		if found == nil {
			found = p
		}
	}
	return found
}

// filesUnder keeps the files under dir (or renamed from there); all when
// dir is "".
func filesUnder(files []forge.ChangedFile, dir string) []forge.ChangedFile {
	var out []forge.ChangedFile
	for _, f := range files {
		if dir == "" || under(f.Path, dir) || (f.Previous != "" && under(f.Previous, dir)) {
			out = append(out, f)
		}
	}
	return out
}

// under reports whether the slash path p is dir or inside it.
func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// touched reads the files the change touched before it, after it and at
// the commit head, in one request, with the repository's recent tags (to name the
// change by its tag).
func (x *promoter) touched(ctx context.Context, t *target, head string) ([]promotion.Touched, string, error) {
	type sides struct{ before, after string } // the path on each side; "" when absent
	var paths []string
	by := map[string]*sides{}
	add := func(p string, before, after bool) {
		s, ok := by[p]
		if !ok {
			s = &sides{}
			by[p] = s
			paths = append(paths, p)
		}
		if before {
			s.before = p
		}
		if after {
			s.after = p
		}
	}
	for _, f := range t.Files {
		switch {
		case f.Status == "renamed" && f.Previous != "":
			add(f.Previous, true, false)
			add(f.Path, false, true)
		case f.Status == "added":
			add(f.Path, false, true)
		case f.Status == "removed":
			add(f.Path, true, false)
		default:
			add(f.Path, true, true)
		}
	}
	var blobs []release.BlobAt
	for _, p := range paths {
		s := by[p]
		if s.before != "" {
			blobs = append(blobs, release.BlobAt{Rev: t.Parent, Path: p})
		}
		if s.after != "" {
			blobs = append(blobs, release.BlobAt{Rev: t.SHA, Path: p})
		}
		blobs = append(blobs, release.BlobAt{Rev: head, Path: p})
	}
	facts, err := x.repo.Lookup(ctx, release.Lookup{Blobs: blobs, RecentTags: 100})
	if err != nil {
		return nil, "", err
	}
	tag := ""
	for _, rt := range facts.RecentTags {
		if rt.Commit == t.SHA {
			tag = rt.Name
			break
		}
	}
	read := map[release.BlobAt]release.Blob{}
	for _, b := range facts.Blobs {
		read[b.BlobAt] = b
	}
	var out []promotion.Touched
	for _, p := range paths {
		tc := promotion.Touched{Path: p}
		for _, side := range []struct {
			rev  string
			text *[]byte
			has  *bool
		}{{t.Parent, &tc.Before, &tc.HasBefore}, {t.SHA, &tc.After, &tc.HasAfter}, {head, &tc.Now, &tc.HasNow}} {
			b, ok := read[release.BlobAt{Rev: side.rev, Path: p}]
			if !ok || !b.Found {
				continue
			}
			switch {
			case b.Binary:
				tc.Unreadable = "binary"
			case b.Truncated:
				tc.Unreadable = fmt.Sprintf("%d bytes, more than GitHub returns as text", b.Size)
			}
			*side.text, *side.has = []byte(b.Text), true
		}
		out = append(out, tc)
	}
	return out, tag, nil
}
