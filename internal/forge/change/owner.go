package change

import (
	"context"
	"fmt"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/forge"
)

// checkOwned compares base with the branch tip and fails unless every
// commit on the branch is the tool's.
func (p *proposal) checkOwned(ctx context.Context, baseSHA, tip string) error {
	cmp, err := p.gh.Compare(ctx, baseSHA, tip)
	if err != nil {
		return err
	}
	return p.owned(cmp)
}

// owned fails, leaving the branch alone, when a commit on it was not made by
// the tool: a person's work is never overwritten.
func (p *proposal) owned(cmp *forge.Comparison) error {
	repo := p.gh.Owner + "/" + p.gh.Repo
	if !cmp.Complete {
		return &RefusedError{msg: fmt.Sprintf("branch %q of %s has more commits than GitHub lists; it is not the tool's, so it is left alone (delete it or set another branch)", p.req.Branch, repo)}
	}
	for _, c := range cmp.Commits {
		if !IsToolCommit(c.Message) {
			subject, _, _ := strings.Cut(c.Message, "\n")
			return &RefusedError{Commit: c.SHA, msg: fmt.Sprintf("branch %q of %s holds commit %s (%q) that gitops-actions did not make; leaving the branch and its pull request alone. Merge or close that pull request, or delete the branch, and run again", p.req.Branch, repo, short(c.SHA), subject)}
		}
	}
	return nil
}

// sameChange reports whether the comparison (base...branch) changes exactly
// the files to commit, to exactly their new content, and removes exactly
// the files to remove: then the pull request already holds the change.
func sameChange(cmp *forge.Comparison, files []forge.File) bool {
	if !cmp.Complete || len(cmp.Commits) == 0 || len(cmp.Files) != len(files) {
		return false
	}
	want := map[string]forge.File{}
	for _, f := range files {
		want[f.Path] = f
	}
	for _, got := range cmp.Files {
		f, ok := want[got.Path]
		switch {
		case !ok:
			return false
		case f.Delete:
			if got.Status != "removed" {
				return false
			}
		case (got.Status != "modified" && got.Status != "added") || forge.BlobSHA(f.Content) != got.SHA:
			return false
		}
	}
	return true
}
