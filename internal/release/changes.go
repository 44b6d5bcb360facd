package release

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/memfs"
)

// ImageChange is one image reference a change moved: its version before
// and after ("" when the reference was added or removed), where, and in
// which environment.
type ImageChange struct {
	Environment string `json:"environment"`
	File        string `json:"file"`
	Line        int    `json:"line"`
	Image       string `json:"image"`
	Old         string `json:"old"`
	New         string `json:"new"`
}

// isYAML reports whether the manifest engine reads a file of that name.
func isYAML(p string) bool {
	b := path.Base(p)
	return strings.HasSuffix(b, ".yaml") || strings.HasSuffix(b, ".yml") || b == "Kustomization"
}

// blobsFor lists the files to read to diff a commit's images: each changed
// YAML file at the first parent (unless added) and at the commit (unless
// removed); a renamed file at its old path before.
func blobsFor(c *Commit) []BlobAt {
	var out []BlobAt
	for _, f := range c.Files {
		if !isYAML(f.Path) && !isYAML(f.Previous) {
			continue
		}
		if f.Status != "added" && len(c.Parents) > 0 {
			before := f.Path
			if f.Previous != "" {
				before = f.Previous
			}
			out = append(out, BlobAt{Rev: c.Parents[0], Path: before})
		}
		if f.Status != "removed" {
			out = append(out, BlobAt{Rev: c.SHA, Path: f.Path})
		}
	}
	return out
}

// environment names the environment of a file: the directory below
// envDir (environments/<name>/...), else the branch.
func environment(file, envDir, branch string) string {
	rest, ok := strings.CutPrefix(file, strings.TrimSuffix(envDir, "/")+"/")
	if !ok {
		return branch
	}
	name, _, ok := strings.Cut(rest, "/")
	if !ok || name == "" {
		return branch
	}
	return name
}

// imageChanges finds every image reference in the changed YAML files
// before and after the commit with the manifest engine's finder, and pairs
// them by file and image, in line order: a version that differs is a
// change. Files that could not be read or parsed are warnings, and are not
// diffed: "no images" is not what they hold.
func imageChanges(ctx context.Context, c *Commit, blobs []Blob, opts Options) ([]ImageChange, []string, error) {
	envDir := opts.EnvironmentsDir
	if envDir == "" {
		envDir = "environments"
	}
	limit := opts.MaxFileSize
	if limit <= 0 {
		limit = manifest.DefaultMaxFileSize
	}
	d := &diff{renamed: map[string]string{}, unread: map[string]bool{}}
	for _, f := range c.Files {
		if f.Previous != "" {
			d.renamed[f.Previous] = f.Path
		}
	}
	before, after := d.trees(c.SHA, blobs, limit)
	old, err := d.find(ctx, before, true)
	if err != nil {
		return nil, d.warnings, err
	}
	cur, err := d.find(ctx, after, false)
	if err != nil {
		return nil, d.warnings, err
	}
	return d.pair(old, cur, envDir, opts.Base), d.warnings, nil
}

// diff holds what the stages of imageChanges share.
type diff struct {
	// renamed maps a renamed file's old path to its new one.
	renamed map[string]string
	// unread holds the files (by new path) not read on some side.
	unread   map[string]bool
	warnings []string
}

// newPath is the path a file of the parent has at the commit.
func (d *diff) newPath(p string, isBefore bool) string {
	if to, ok := d.renamed[p]; ok && isBefore {
		return to
	}
	return p
}

// trees puts the files read at the parent and at the commit into two
// in-memory trees, leaving out what is binary, truncated or too large.
func (d *diff) trees(sha string, blobs []Blob, limit int64) (before, after map[string]*memfs.File) {
	before, after = map[string]*memfs.File{}, map[string]*memfs.File{}
	for _, b := range blobs {
		isBefore := b.Rev != sha
		switch {
		case !b.Found, b.Binary:
			continue
		case b.Truncated || b.Size > limit:
			d.warnings = append(d.warnings, fmt.Sprintf("%q at %s: not read for image changes (%d bytes; the limit is %d)", b.Path, short(b.Rev), b.Size, limit))
			d.unread[d.newPath(b.Path, isBefore)] = true
			continue
		}
		fsys := after
		if isBefore {
			fsys = before
		}
		fsys[b.Path] = &memfs.File{Data: []byte(b.Text), Mode: 0o644}
	}
	return before, after
}

// find runs the finder on every file of a tree.
func (d *diff) find(ctx context.Context, files map[string]*memfs.File, isBefore bool) ([]manifest.Change, error) {
	if len(files) == 0 {
		return nil, nil
	}
	roots := make([]string, 0, len(files))
	for p := range files {
		roots = append(roots, p)
	}
	sort.Strings(roots)
	refs, ws, err := manifest.Find(ctx, memfs.New(files), roots)
	for _, w := range ws {
		d.warnings = append(d.warnings, w.String())
		d.unread[d.newPath(w.File, isBefore)] = true
	}
	return refs, err
}

// pair matches the references before and after by file (new path) and
// image, in line order, and keeps those whose version moved.
func (d *diff) pair(old, cur []manifest.Change, envDir, branch string) []ImageChange {
	type key struct{ file, image string }
	sides := map[key]*[2][]manifest.Change{}
	var keys []key
	add := func(i int, ch manifest.Change) {
		k := key{d.newPath(ch.File, i == 0), ch.Image}
		if sides[k] == nil {
			sides[k] = &[2][]manifest.Change{}
			keys = append(keys, k)
		}
		sides[k][i] = append(sides[k][i], ch)
	}
	for _, ch := range old {
		add(0, ch)
	}
	for _, ch := range cur {
		add(1, ch)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if keys[i].file != keys[j].file {
			return keys[i].file < keys[j].file
		}
		return keys[i].image < keys[j].image
	})
	var out []ImageChange
	for _, k := range keys {
		if d.unread[k.file] {
			continue
		}
		s := sides[k]
		for i := range max(len(s[0]), len(s[1])) {
			ic := ImageChange{Environment: environment(k.file, envDir, branch), File: k.file, Image: k.image}
			if i < len(s[0]) {
				ic.Old, ic.Line = version(s[0][i]), s[0][i].Line
			}
			if i < len(s[1]) {
				ic.New, ic.Line = version(s[1][i]), s[1][i].Line
			}
			if ic.Old != ic.New {
				out = append(out, ic)
			}
		}
	}
	return out
}

// version renders what a found reference holds as tag, @digest or
// tag@digest: the finder gives the whole reference for a container image
// and the bare version for a kustomization or Helm values entry.
func version(c manifest.Change) string {
	if f, err := imageref.ParseFound(c.Old); err == nil && f.Repository == c.Image {
		switch {
		case f.Tag != "" && f.Digest != "":
			return f.Tag + "@" + f.Digest
		case f.Digest != "":
			return "@" + f.Digest
		case f.Tag != "":
			return f.Tag
		}
		return "latest" // no version pulls :latest
	}
	return c.Old
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// BlobsFor lists the files to read for ImageChanges: each changed YAML
// file at the first parent (unless added) and at the commit (unless
// removed).
func BlobsFor(c *Commit) []BlobAt { return blobsFor(c) }

// ImageChanges diffs the image references of the changed YAML files of c
// against its first parent, from the files read (see BlobsFor), with the
// finder the release notes use; c may be any pair of revisions (a branch's
// head and its base's) with the files that differ between them. The
// strings are warnings about files that could not be read.
func ImageChanges(ctx context.Context, c *Commit, blobs []Blob, opts Options) ([]ImageChange, []string, error) {
	return imageChanges(ctx, c, blobs, opts)
}
