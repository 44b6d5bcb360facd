package manifest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// Bump finds every reference to opts.Images in the YAML files under roots
// (slash-separated paths in fsys) and computes byte-minimal edits. It writes
// nothing: the caller writes Result.Files, or shows them as a diff.
//
// A place where the change would drop a digest pin (unless
// opts.AllowUnpin) or set a digest the values have no field for is left as
// it is and listed in Result.Refused; the caller decides whether that
// fails the run (Result.AllRefused).
//
// It fails with *NotFoundError when an image is referenced nowhere, with
// *DowngradeError when a semver tag would move down, and with *EditError
// when a file cannot be edited safely; in every failure no file is to be
// written.
func Bump(ctx context.Context, fsys fs.FS, roots []string, opts Options) (*Result, error) {
	if len(opts.Images) == 0 && len(opts.Charts) == 0 {
		return nil, errors.New("no images or charts to bump")
	}
	m := newMatcher(&opts)
	if needSources(opts.Charts) {
		src, err := readSources(ctx, fsys, roots, opts.MaxFileSize)
		if err != nil {
			return nil, err
		}
		m.sources = src
	}
	res, err := run(ctx, fsys, roots, m)
	if res != nil && m.sources != nil {
		res.Sources = m.sources.files
	}
	return res, err
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

	// The walk feeds the readers as it goes, so that listing directories and
	// reading files overlap. There are more readers than cores: a reader
	// waiting in a system call leaves its core to one that parses.
	var (
		mu      sync.Mutex
		results []fileResult
		wg      sync.WaitGroup
	)
	next := make(chan string, 64)
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				r := m.readAndProcess(fsys, p, opts.MaxFileSize)
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
			}
		}()
	}
	walkErr := listFiles(ctx, fsys, roots, func(p string) { next <- p })
	close(next)
	wg.Wait()
	if walkErr != nil {
		return nil, walkErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sort.Slice(results, func(i, j int) bool { return results[i].path < results[j].path })

	found := map[string]bool{}
	unparsed := map[string][]Warning{}
	looked := map[string][]Warning{}
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
		for repo, ws := range r.looked {
			looked[repo] = append(looked[repo], ws...)
		}
		res.Warnings = append(res.Warnings, r.warnings...)
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		res.Changes = append(res.Changes, r.changes...)
		res.Current = append(res.Current, r.current...)
		res.Held = append(res.Held, r.held...)
		res.Refused = append(res.Refused, r.refused...)
		if r.edit != nil {
			res.Files = append(res.Files, *r.edit)
		}
	}
	if len(errs) > 0 {
		return res, errors.Join(errs...)
	}
	var notFound []*NotFoundError
	for i, key := range m.keys {
		if !found[key] {
			nf := &NotFoundError{Image: key, Paths: roots, Unparsed: unparsed[key], Looked: looked[key]}
			if i >= len(opts.Images) {
				nf.Image, nf.Chart = opts.Charts[i-len(opts.Images)].Name, true
			}
			notFound = append(notFound, nf)
		}
	}
	if len(notFound) > 0 {
		// What the tree does reference, for what a typo meant: a second
		// walk, on the failure's path only.
		if refs, _, err := Find(ctx, fsys, roots); err == nil {
			for _, nf := range notFound {
				if !nf.Chart {
					nf.Similar = similarImages(nf.Image, refs)
				}
			}
		}
		for _, nf := range notFound {
			errs = append(errs, nf)
		}
		return res, errors.Join(errs...)
	}
	res.Warnings = append(res.Warnings, staleLocks(fsys, res.Changes)...)
	sortChanges(res.Changes)
	sortChanges(res.Current)
	sortHolds(res.Held)
	sort.SliceStable(res.Refused, func(i, j int) bool {
		a, b := res.Refused[i], res.Refused[j]
		return a.File < b.File || a.File == b.File && a.Line < b.Line
	})
	return res, nil
}

// isManifest reports whether a file found while walking a directory is
// YAML the engine reads.
func isManifest(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") || name == "Kustomization"
}

var errTooLarge = errors.New("file too large")

// limitReader reads a file whole unless it is larger than max, and gives
// its permission bits: workspace.Tree does, with one open and one read,
// refusing a link out of the tree and a special file (*workspace.FileError).
type limitReader interface {
	ReadFileLimit(name string, max int64) ([]byte, fs.FileMode, error)
}

// readFile reads a file unless it is larger than max (errTooLarge, with
// the size). The size comes from the open file, so walking the tree needs
// no stat per file.
func readFile(fsys fs.FS, name string, max int64) ([]byte, int64, fs.FileMode, error) {
	if l, ok := fsys.(limitReader); ok {
		data, mode, err := l.ReadFileLimit(name, max)
		return data, int64(len(data)), mode, err
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, 0, 0, err
	}
	if info.Size() > max {
		return nil, info.Size(), info.Mode(), errTooLarge
	}
	// One read into a buffer of the stated size; the loop covers a file that
	// grew since its stat, up to the limit.
	data := make([]byte, 0, info.Size()+1)
	for int64(len(data)) <= max {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, 0, err
		}
	}
	if int64(len(data)) > max {
		return nil, int64(len(data)), info.Mode(), errTooLarge
	}
	return data, int64(len(data)), info.Mode(), nil
}

// readAndProcess reads one file and runs the rules on it. A file the tree
// refuses to read (over the limit, a special file, a link out of the tree
// or a loop: the walk lists none, but the tree may change under it) is a
// warning at its path.
func (m *matcher) readAndProcess(fsys fs.FS, p string, max int64) fileResult {
	data, size, mode, err := readFile(fsys, p, max)
	var fe *workspace.FileError
	switch {
	case errors.Is(err, errTooLarge):
		return fileResult{path: p, warnings: []Warning{{File: p, Message: fmt.Sprintf("skipped: %d bytes is over the %d-byte limit", size, max)}}}
	case errors.As(err, &fe):
		return fileResult{path: p, warnings: []Warning{{File: p, Message: "skipped: " + fe.Reason()}}}
	case err != nil:
		return fileResult{path: p, err: fmt.Errorf("reading %q: %w", p, err)}
	}
	r := m.processFile(p, data)
	if r.edit != nil {
		r.edit.Mode = mode
	}
	return r
}

// listFiles walks roots and calls fn with each YAML file, once. Symbolic
// links are not followed (a link inside the tree would be edited twice, one
// outside it not at all), nor are FIFOs, devices and sockets opened; a root
// that is a file is taken whatever its name. The git directory and the
// scratch directory of a write (workspace.RootScratch) are not walked.
func listFiles(ctx context.Context, fsys fs.FS, roots []string, fn func(string)) error {
	seen := map[string]bool{}
	for _, root := range roots {
		root = path.Clean(root)
		info, err := fs.Stat(fsys, root)
		if err != nil {
			return fmt.Errorf("path %q: %w", root, err)
		}
		err = fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("walking %q: %w", p, err)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if d.IsDir() {
				if (d.Name() == ".git" || d.Name() == workspace.RootScratch) && p != root {
					return fs.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() || seen[p] || (!isManifest(d.Name()) && !(p == root && !info.IsDir())) {
				return nil
			}
			seen[p] = true
			fn(p)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// staleLocks warns of each Chart.lock beside a Chart.yaml whose
// dependencies changed: it records the old versions and a digest of the
// old dependencies, so helm dependency build (which Argo CD runs) refuses
// the chart until helm dependency update writes it again.
func staleLocks(fsys fs.FS, changes []Change) []Warning {
	var out []Warning
	seen := map[string]bool{}
	for _, c := range changes {
		if c.Kind != KindDependency || seen[c.File] {
			continue
		}
		seen[c.File] = true
		dir := path.Dir(c.File)
		lock := path.Join(dir, "Chart.lock")
		if _, err := fs.Stat(fsys, lock); err != nil {
			continue
		}
		out = append(out, Warning{File: lock, Message: fmt.Sprintf("records the versions %s held before this bump: run helm dependency update in %s and commit Chart.lock, or helm dependency build (which Argo CD runs) refuses the chart as out of sync with Chart.yaml", path.Base(c.File), dir)})
	}
	return out
}
