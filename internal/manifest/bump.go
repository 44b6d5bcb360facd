package manifest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Bump finds every reference to opts.Images in the YAML files under roots
// (slash-separated paths in fsys) and computes byte-minimal edits. It writes
// nothing: the caller writes Result.Files, or shows them as a diff.
//
// It fails with *NotFoundError when an image is referenced nowhere, with
// *DowngradeError when a semver tag would move down, and with *EditError
// when a file cannot be edited safely; in every failure no file is to be
// written.
func Bump(ctx context.Context, fsys fs.FS, roots []string, opts Options) (*Result, error) {
	if len(opts.Images) == 0 {
		return nil, errors.New("no images to bump")
	}
	return run(ctx, fsys, roots, newMatcher(&opts))
}

// Find lists every image reference under roots without changing anything:
// each is a Change whose Old and New are the version it holds (the whole
// reference for container strings and setters). Files that do not parse
// are warnings.
func Find(ctx context.Context, fsys fs.FS, roots []string) ([]Change, []Warning, error) {
	m := newMatcher(&Options{})
	m.any = true
	res, err := run(ctx, fsys, roots, m)
	if err != nil {
		return nil, nil, err
	}
	return res.Current, res.Warnings, nil
}

func run(ctx context.Context, fsys fs.FS, roots []string, m *matcher) (*Result, error) {
	opts := m.opts
	if opts.MaxFileSize == 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	res := &Result{}
	files, warnings, err := listFiles(fsys, roots, opts.MaxFileSize)
	if err != nil {
		return nil, err
	}
	res.Warnings = append(res.Warnings, warnings...)

	results := make([]fileResult, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				data, err := fs.ReadFile(fsys, files[i])
				if err != nil {
					results[i] = fileResult{path: files[i], err: fmt.Errorf("reading %q: %w", files[i], err)}
					continue
				}
				results[i] = m.processFile(files[i], data)
			}
		}()
	}
	for i := range files {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	found := map[string]bool{}
	unparsed := map[string][]Warning{}
	var errs []error
	for _, r := range results {
		if r.scanned {
			res.Scanned++
		}
		if r.parsed {
			res.Parsed++
		}
		for repo := range r.found {
			found[repo] = true
		}
		for repo, w := range r.unparsed {
			unparsed[repo] = append(unparsed[repo], w)
		}
		res.Warnings = append(res.Warnings, r.warnings...)
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		res.Changes = append(res.Changes, r.changes...)
		res.Current = append(res.Current, r.current...)
		if r.edit != nil {
			res.Files = append(res.Files, *r.edit)
		}
	}
	if len(errs) > 0 {
		return res, errors.Join(errs...)
	}
	for _, im := range opts.Images {
		if !found[im.Repository] {
			errs = append(errs, &NotFoundError{Image: im.Repository, Paths: roots, Unparsed: unparsed[im.Repository]})
		}
	}
	if len(errs) > 0 {
		return res, errors.Join(errs...)
	}
	sortChanges(res.Changes)
	sortChanges(res.Current)
	return res, nil
}

// isManifest reports whether a file found while walking a directory is
// YAML the engine reads.
func isManifest(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") || name == "Kustomization"
}

// listFiles walks roots and returns the YAML files in path order. Symbolic
// links are not followed (a link inside the tree would be edited twice, one
// outside it not at all); a root that is a file is taken whatever its name.
func listFiles(fsys fs.FS, roots []string, max int64) ([]string, []Warning, error) {
	seen := map[string]bool{}
	var files []string
	var warnings []Warning
	for _, root := range roots {
		root = path.Clean(root)
		info, err := fs.Stat(fsys, root)
		if err != nil {
			return nil, nil, fmt.Errorf("path %q: %w", root, err)
		}
		err = fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("walking %q: %w", p, err)
			}
			if d.IsDir() {
				if d.Name() == ".git" && p != root {
					return fs.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() || seen[p] || (!isManifest(d.Name()) && !(p == root && !info.IsDir())) {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			if fi.Size() > max {
				warnings = append(warnings, Warning{File: p, Message: fmt.Sprintf("skipped: %d bytes is over the %d-byte limit", fi.Size(), max)})
				return nil
			}
			seen[p] = true
			files = append(files, p)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	sort.Strings(files)
	return files, warnings, nil
}
