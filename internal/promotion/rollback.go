package promotion

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/memfs"
)

// Touched is one file a change touched, read at three revisions: before
// the change (its first parent), after it, and now (the head the rollback
// goes on). HasBefore, HasAfter and HasNow say whether the file exists
// there.
type Touched struct {
	Path                string
	Before, After, Now  []byte
	HasBefore, HasAfter bool
	HasNow              bool
	// Unreadable says why the file's text is not known (binary, too
	// large); a rollback cannot restore it through text.
	Unreadable string
}

// Rollback is what a rollback writes.
type Rollback struct {
	// Files are the files to commit.
	Files []File
	// Restored lists the images whose version the rollback restores:
	// FromVersion is what the target holds now, ToVersion what it gets
	// back.
	Restored []Promotion
	// Held lists the hold comments the rollback writes, one per restored
	// reference.
	Held []manifest.Hold
	// Warnings are problems that did not stop the rollback: a restored
	// reference a comment cannot be placed on.
	Warnings []string
}

// Undone is the change a revert undoes, for its pull request's body: its
// name (a tag, a commit), and the pull request that made it, linked.
type Undone struct {
	Name string
	Pull *PullRef
}

// ConflictError is a rollback that cannot be made: files the change
// touched have changed again since, so restoring their content from before
// the change would also undo the later changes.
type ConflictError struct {
	Paths []string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("cannot roll back: %s changed again after the change, so restoring it would undo later work too; nothing was changed. Roll back to a tag with rollback-to (the whole environment as it was), or revert by hand", strings.Join(e.Paths, ", "))
}

// Revert computes the revert of a change on top of now: each touched file
// gets its content from before the change back (or is removed, when the
// change added it), and each image reference whose version that restores
// gets a hold comment saying reason. A file whose content now is not what
// the change left is a conflict: then nothing is written and the error is
// a *ConflictError naming every such file.
func Revert(ctx context.Context, touched []Touched, reason string) (*Rollback, error) {
	var conflicts, unreadable []string
	for _, t := range touched {
		switch {
		case t.Unreadable != "":
			unreadable = append(unreadable, fmt.Sprintf("%s (%s)", t.Path, t.Unreadable))
		case t.HasNow != t.HasAfter || !bytes.Equal(t.Now, t.After):
			conflicts = append(conflicts, t.Path)
		}
	}
	if len(conflicts) > 0 {
		sort.Strings(conflicts)
		return nil, &ConflictError{Paths: conflicts}
	}
	if len(unreadable) > 0 {
		return nil, fmt.Errorf("cannot roll back %s through the API: the text of the file is not available; revert it by hand", strings.Join(unreadable, ", "))
	}
	rb := &Rollback{}
	for _, t := range touched {
		if !t.HasBefore {
			rb.Files = append(rb.Files, File{Path: t.Path, Delete: true})
			continue
		}
		content := t.Before
		if t.HasNow {
			content = rb.hold(ctx, t.Path, t.Before, t.Now, reason)
		}
		rb.Files = append(rb.Files, File{Path: t.Path, Content: content})
	}
	return rb, nil
}

// RestoreTree computes a rollback of dir to its content in then, on top of
// now: files that differ get then's content, files only in now are removed,
// and restored image references get a hold comment saying reason.
func RestoreTree(ctx context.Context, then, now fs.FS, dir, reason string) (*Rollback, error) {
	a, err := listFiles(then, dir)
	if err != nil {
		return nil, &InputError{Input: "rollback-to", Msg: fmt.Sprintf("%q does not exist there: %v", dir, err)}
	}
	b, err := listFiles(now, dir)
	if err != nil {
		b = map[string]bool{}
	}
	rb := &Rollback{}
	for _, rel := range sortedKeys(a) {
		p := path.Join(dir, rel)
		old, err := fs.ReadFile(then, p)
		if err != nil {
			return nil, err
		}
		content := old
		if b[rel] {
			cur, err := fs.ReadFile(now, p)
			if err != nil {
				return nil, err
			}
			if bytes.Equal(cur, old) {
				continue
			}
			content = rb.hold(ctx, p, old, cur, reason)
		}
		rb.Files = append(rb.Files, File{Path: p, Content: content})
	}
	for _, rel := range sortedKeys(b) {
		if !a[rel] {
			rb.Files = append(rb.Files, File{Path: path.Join(dir, rel), Delete: true})
		}
	}
	return rb, nil
}

// hold marks the references of restored whose version differs from what
// replaced holds, image by image in line order, and records them.
func (rb *Rollback) hold(ctx context.Context, p string, restored, replaced []byte, reason string) []byte {
	if !isManifestName(p) {
		return restored
	}
	find := func(data []byte) []ref {
		refs, _, err := findRefs(ctx, memfs.New(map[string]*memfs.File{p: {Data: data}}), p)
		if err != nil {
			return nil
		}
		return refs
	}
	old, cur := find(restored), find(replaced)
	byImage := map[string][]ref{}
	for _, r := range cur {
		byImage[r.Image] = append(byImage[r.Image], r)
	}
	var lines []int
	next := map[string]int{}
	for _, r := range old {
		i := next[r.Image]
		next[r.Image]++
		if i >= len(byImage[r.Image]) || byImage[r.Image][i].version == r.version {
			continue
		}
		was := byImage[r.Image][i].version
		lines = append(lines, r.Line)
		rb.Held = append(rb.Held, manifest.Hold{File: p, Line: r.Line, Image: r.Image, Version: r.version, Wanted: was, Reason: reason})
		rb.restored(r.Image, was, r.version, p)
	}
	if len(lines) == 0 {
		return restored
	}
	out, err := manifest.MarkHeld(p, restored, lines, reason)
	if err != nil {
		rb.Warnings = append(rb.Warnings, fmt.Sprintf("%s: restored without a hold comment, so the next automated bump may undo it: %v", p, err))
		rb.Held = rb.Held[:len(rb.Held)-len(lines)]
		return restored
	}
	return out
}

// restored records that image goes back from was to version in file.
func (rb *Rollback) restored(image, was, version, file string) {
	for i := range rb.Restored {
		r := &rb.Restored[i]
		if r.Image == image && r.FromVersion == was && r.ToVersion == version {
			if !contains(r.Files, file) {
				r.Files = append(r.Files, file)
			}
			return
		}
	}
	rb.Restored = append(rb.Restored, Promotion{Image: image, FromVersion: was, ToVersion: version, Files: []string{file}})
}

// isManifestName reports whether the manifest engine reads a file of that
// name.
func isManifestName(p string) bool {
	b := path.Base(p)
	return strings.HasSuffix(b, ".yaml") || strings.HasSuffix(b, ".yml") || b == "Kustomization"
}
