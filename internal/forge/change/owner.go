package change

import (
	"context"
	"strings"

	"github.com/aymanbagabas/go-udiff"

	"github.com/gitops-actions/gitops-actions/internal/forge"
)

// same reports whether the tool's branch read in st holds the change the
// files make already. The files are read at the branch's tip first (with
// the Build's own reads, one request at most); only when every one is as
// wanted does the comparison with the base say whether the branch changes
// anything more.
func (p *proposal) same(ctx context.Context, st *forge.BranchState, prop *Proposed, files []forge.File) (bool, error) {
	blobs, err := prop.Read(ctx, paths(files))
	if err != nil {
		return false, err
	}
	for _, f := range files {
		b := blobs[f.Path]
		switch {
		case f.Delete:
			if b.Found {
				return false, nil
			}
		case !b.Found:
			return false, nil
		case !b.Binary && !b.Truncated && b.Text != string(f.Content):
			return false, nil
		}
	}
	cmp, err := p.gh.Compare(ctx, st.Base.SHA, st.Tip.SHA)
	if err != nil {
		return false, err
	}
	return sameChange(cmp, files), nil
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

// conflict refuses a change built on top of people's commits (prop's
// Foreign) when it would edit a line one of them wrote, or remove a file
// one of them touched: a person's work is never rewritten. It costs a
// blame of the files, and a read of them unless the Build's read them.
func (p *proposal) conflict(ctx context.Context, prop *Proposed, files []forge.File) error {
	foreign := map[string]forge.Commit{}
	for _, c := range prop.Foreign {
		foreign[c.SHA] = c
	}
	old, err := prop.Read(ctx, paths(files))
	if err != nil {
		return err
	}
	var existing []string
	for _, f := range files {
		if old[f.Path].Found {
			existing = append(existing, f.Path)
		}
	}
	if len(existing) == 0 {
		return nil
	}
	blame, err := p.gh.Blame(ctx, prop.Tip.SHA, existing)
	if err != nil {
		return err
	}
	for _, f := range files {
		b := old[f.Path]
		if !b.Found {
			continue
		}
		ranges, ok := blame[f.Path]
		if !ok {
			// GitHub could not say whose the lines are: leave them be.
			return p.refuse(prop.Foreign[0], ", and whose lines in "+f.Path+" GitHub could not attribute")
		}
		touched := func(int) bool { return true }
		if !f.Delete && !b.Binary && !b.Truncated {
			lines := changedLines(b.Text, string(f.Content))
			touched = func(l int) bool { return lines[l] }
		}
		for _, r := range ranges {
			c, theirs := foreign[r.Commit]
			if !theirs {
				continue
			}
			for l := r.Start; l <= r.End; l++ {
				if touched(l) {
					return p.refuse(c, ", and this change would rewrite what it wrote in "+f.Path)
				}
			}
		}
	}
	return nil
}

// changedLines lists the lines (1-based) of old that turning it into new
// replaces or removes; an insertion between two lines counts for both.
func changedLines(old, new string) map[int]bool {
	lineAt := func(off int) int { return strings.Count(old[:off], "\n") + 1 }
	out := map[int]bool{}
	for _, e := range udiff.Lines(old, new) {
		first := lineAt(e.Start)
		if e.End > e.Start {
			for l := first; l <= lineAt(e.End-1); l++ {
				out[l] = true
			}
			continue
		}
		out[first] = true
		if first > 1 {
			out[first-1] = true
		}
	}
	return out
}

func paths(files []forge.File) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out
}

// under reports whether the slash path p is one of dirs or inside one
// ("." is everything).
func under(p string, dirs []string) bool {
	for _, d := range dirs {
		d = strings.Trim(d, "/")
		if d == "." || d == "" || p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}
