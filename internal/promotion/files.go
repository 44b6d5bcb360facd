package promotion

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/manifest"
)

// promoteFiles is the Files mode: To becomes a copy of From (files added,
// changed and removed, as one tree) but for ExcludePaths, which stay as
// they are on both sides, and files of To holding a hold comment.
func promoteFiles(ctx context.Context, fsys fs.FS, opts Options, res *Result) error {
	from, err := listFiles(fsys, opts.From)
	if err != nil {
		return err
	}
	to, err := listFiles(fsys, opts.To)
	if err != nil {
		return err
	}
	excluded := func(rel string) bool { return matchPath(opts.ExcludePaths, rel) }
	// keep reports whether a file of To that would change holds a hold
	// comment, which keeps the whole file: the promotion cannot tell
	// which of its other lines may move.
	keep := func(rel string) bool {
		if opts.IgnoreHolds {
			return false
		}
		p := path.Join(opts.To, rel)
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return false
		}
		hs := manifest.Holds(p, data)
		res.Held = append(res.Held, hs...)
		return len(hs) > 0
	}
	for _, rel := range sortedKeys(from) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if excluded(rel) {
			continue
		}
		src, err := fs.ReadFile(fsys, path.Join(opts.From, rel))
		if err != nil {
			return err
		}
		if _, ok := to[rel]; ok {
			dst, err := fs.ReadFile(fsys, path.Join(opts.To, rel))
			if err != nil {
				return err
			}
			if bytes.Equal(src, dst) || keep(rel) {
				continue
			}
		}
		res.Files = append(res.Files, File{Path: path.Join(opts.To, rel), Content: src})
	}
	for _, rel := range sortedKeys(to) {
		if _, ok := from[rel]; ok || excluded(rel) || keep(rel) {
			continue
		}
		res.Files = append(res.Files, File{Path: path.Join(opts.To, rel), Delete: true})
	}
	return describeFiles(ctx, fsys, opts, res)
}

// describeFiles lists the images a copy moves, for the pull request: the
// versions under From against those under To, by image.
func describeFiles(ctx context.Context, fsys fs.FS, opts Options, res *Result) error {
	after, err := overlay(fsys, res.Files)
	if err != nil {
		return err
	}
	before, _, err := findRefs(ctx, fsys, opts.To)
	if err != nil {
		return err
	}
	now, _, err := findRefs(ctx, after, opts.To)
	if err != nil {
		return err
	}
	from, _, err := findRefs(ctx, fsys, opts.From)
	if err != nil {
		return err
	}
	versions := func(rs []ref) map[string][]string {
		m := map[string][]string{}
		for _, r := range rs {
			if !contains(m[r.Image], r.version) {
				m[r.Image] = append(m[r.Image], r.version)
			}
		}
		return m
	}
	vb, va := versions(before), versions(now)
	sources := map[string]Location{}
	for _, r := range from {
		if _, ok := sources[r.Image]; !ok {
			sources[r.Image] = Location{File: r.File, Line: r.Line}
		}
	}
	for _, im := range sortedKeys(va) {
		o, n := strings.Join(vb[im], ", "), strings.Join(va[im], ", ")
		if o == n {
			continue
		}
		p := Promotion{Image: im, FromVersion: o, ToVersion: n, Source: sources[im]}
		for _, r := range now {
			if r.Image == im && !contains(p.Files, r.File) {
				p.Files = append(p.Files, r.File)
			}
		}
		res.Promoted = append(res.Promoted, p)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// listFiles lists the regular files under dir, by path relative to it.
// Symbolic links and submodules are not in a snapshot; a link in another
// file system is not followed.
func listFiles(fsys fs.FS, dir string) (map[string]bool, error) {
	out := map[string]bool{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("listing %q: %w", dir, err)
		}
		if d.Type().IsRegular() {
			out[strings.TrimPrefix(p, dir+"/")] = true
		}
		return nil
	})
	return out, err
}

// matchPath reports whether rel (a path relative to an environment
// directory) matches one of patterns, itself or through a directory that
// holds it: "secrets" and "secrets/*" both cover secrets/db.yaml; "*.env"
// covers a.env at any depth.
func matchPath(patterns []string, rel string) bool {
	for _, p := range patterns {
		p = strings.TrimSuffix(strings.TrimPrefix(p, "./"), "/")
		for q := rel; q != "." && q != ""; q = path.Dir(q) {
			if ok, _ := path.Match(p, q); ok {
				return true
			}
		}
		if !strings.Contains(p, "/") {
			if ok, _ := path.Match(p, path.Base(rel)); ok {
				return true
			}
		}
	}
	return false
}
