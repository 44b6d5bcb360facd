package helm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/ignore"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// Limits bound what one chart may cost: every chart file and template is
// written by whoever opened the pull request.
type Limits struct {
	// MaxFiles is the number of files of a chart, its dependencies
	// included.
	MaxFiles int
	// MaxBytes is their size, decompressed.
	MaxBytes int64
	// MaxArchive is the size of one packaged chart (.tgz) as fetched or
	// vendored.
	MaxArchive int64
	// Timeout bounds one render.
	Timeout time.Duration
	// MaxOutput is the size of what one render may produce.
	MaxOutput int64
	// MaxSteps bounds the loop iterations and template calls of one
	// render, so that a template that loops is stopped before the
	// timeout when it loops fast.
	MaxSteps int64
}

// DefaultLimits are generous for real charts (the largest popular charts
// hold a few hundred files and a few MB) and small for a runner.
func DefaultLimits() Limits {
	return Limits{MaxFiles: 5000, MaxBytes: 64 << 20, MaxArchive: 16 << 20, Timeout: 30 * time.Second, MaxOutput: 32 << 20, MaxSteps: 5_000_000}
}

// Chart is a chart loaded into memory with its dependencies, ready to be
// rendered any number of times, from several goroutines.
type Chart struct {
	// Name and Version are the chart's, from its Chart.yaml.
	Name, Version string
	// Dir is the chart's directory in the repository; "" for a chart
	// that came from an archive.
	Dir string
	// Ref is what a fetched chart was fetched as; nil for a chart of the
	// repository.
	Ref *chartref.Ref
	// Read lists the files of the repository the chart was loaded from
	// (its own, and those of file:// dependencies in the repository).
	Read []string
	// Problems are what loading left out: a remote dependency not
	// fetched, a file not read.
	Problems []Problem

	chart *chart.Chart
	// defaults are the values files of the repository the chart's
	// defaults come from, each at the values path it applies to (a
	// dependency's under its name), for positions.
	defaults []Layer
}

// Library reports whether the chart is a library chart, which renders
// nothing of its own.
func (c *Chart) Library() bool { return c.chart.Metadata.Type == "library" }

// Loader loads charts: from a directory of the repository, from an
// archive, from a chart repository through Fetcher (nil: nothing remote
// is fetched, and each remote chart is a problem naming it).
type Loader struct {
	FS      fs.FS
	Fetcher chartref.Fetcher
	Limits  Limits
}

// budget counts what loading one chart may still read.
type budget struct {
	files int
	bytes int64
}

func (l *Loader) newBudget() *budget {
	return &budget{files: l.Limits.MaxFiles, bytes: l.Limits.MaxBytes}
}

func (b *budget) take(name string, size int64) error {
	b.files--
	b.bytes -= size
	switch {
	case b.files < 0:
		return fmt.Errorf("the chart holds more than the limit of files (at %q)", name)
	case b.bytes < 0:
		return fmt.Errorf("the chart is larger than the limit once decompressed (at %q)", name)
	}
	return nil
}

// Dir loads the chart in directory dir of the repository, with its
// vendored dependencies (charts/), its file:// dependencies (confined to
// the repository) and its remote dependencies (through the Fetcher). The
// error is for a chart that cannot be loaded at all; a dependency that
// could not be fetched is one of its Problems.
func (l *Loader) Dir(ctx context.Context, dir string) (*Chart, error) {
	dir = path.Clean(dir)
	b := l.newBudget()
	c := &Chart{Dir: dir}
	ch, err := l.loadDir(ctx, c, dir, nil, b, map[string]bool{})
	if err != nil {
		return nil, err
	}
	instrument(ch)
	c.chart, c.Name, c.Version = ch, ch.Name(), ch.Metadata.Version
	return c, nil
}

// Archive loads a fetched chart, and its remote dependencies through the
// Fetcher.
func (l *Loader) Archive(ctx context.Context, a *chartref.Archive) (*Chart, error) {
	ref := a.Ref
	if a.Version != "" {
		ref.Version = a.Version
	}
	c := &Chart{Ref: &ref}
	b := l.newBudget()
	ch, err := l.loadArchive(ctx, c, a.Data, nil, b)
	if err != nil {
		return nil, fmt.Errorf("loading chart %s: %w", ref, err)
	}
	instrument(ch)
	c.chart, c.Name, c.Version = ch, ch.Name(), ch.Metadata.Version
	return c, nil
}

// Remote fetches a chart through the Fetcher and loads it. The error is
// the Fetcher's (a *chartref.Error) when the chart was not fetched.
func (l *Loader) Remote(ctx context.Context, ref chartref.Ref) (*Chart, error) {
	if l.Fetcher == nil {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.Disabled, Err: errors.New("fetching charts is turned off")}
	}
	a, err := l.Fetcher.Fetch(ctx, ref)
	if err != nil {
		return nil, err
	}
	return l.Archive(ctx, a)
}

// loadDir reads a chart directory of the repository into memory.
// prefix is the values path its defaults apply to (nil for the chart
// rendered); seen holds the directories on the way, against a cycle of
// file:// dependencies.
func (l *Loader) loadDir(ctx context.Context, c *Chart, dir string, prefix []string, b *budget, seen map[string]bool) (*chart.Chart, error) {
	if seen[dir] {
		return nil, fmt.Errorf("chart %q depends on itself through file:// dependencies", dir)
	}
	seen[dir] = true
	defer delete(seen, dir)
	files, err := l.dirFiles(c, dir, b)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(files, func(f *archive.BufferedFile) bool { return f.Name == "Chart.yaml" }) {
		return nil, fmt.Errorf("%q holds no Chart.yaml", dir)
	}
	if err := unpackVendored(&files, b, l.Limits); err != nil {
		return nil, fmt.Errorf("chart %q: %w", dir, err)
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("loading chart %q: %w", dir, err)
	}
	// A dependency's defaults first: the chart's own values override
	// them.
	c.vendoredDefaults(dir, files, prefix)
	if err := l.resolve(ctx, c, ch, dir, prefix, b, seen); err != nil {
		return nil, err
	}
	if data := fileData(files, "values.yaml"); data != nil {
		if layer, err := fileLayer(path.Join(dir, "values.yaml"), data); err == nil {
			layer.Prefix = prefix
			c.defaults = append(c.defaults, layer)
		}
	}
	return ch, nil
}

// vendoredDefaults records the values.yaml of each dependency unpacked
// under charts/ of a chart of the repository, for positions: its values
// sit under the directory's name, which is the chart's as helm
// dependency build unpacks it.
func (c *Chart) vendoredDefaults(dir string, files []*archive.BufferedFile, prefix []string) {
	for _, f := range files {
		rest, ok := strings.CutPrefix(f.Name, "charts/")
		if !ok {
			continue
		}
		sub, file, ok := strings.Cut(rest, "/")
		if !ok || file != "values.yaml" || strings.HasSuffix(sub, "-tgz") {
			continue
		}
		if layer, err := fileLayer(path.Join(dir, f.Name), f.Data); err == nil {
			layer.Prefix = append(slices.Clip(prefix), sub)
			c.defaults = append(c.defaults, layer)
		}
	}
}

// dirFiles reads the files of a chart directory, .helmignore applied,
// links and special files left out (never followed), within the budget.
func (l *Loader) dirFiles(c *Chart, dir string, b *budget) ([]*archive.BufferedFile, error) {
	rules := ignore.Empty()
	if data, err := fs.ReadFile(l.FS, path.Join(dir, ".helmignore")); err == nil {
		if r, err := ignore.Parse(bytes.NewReader(data)); err == nil {
			rules = r
		}
	}
	rules.AddDefaults()
	var files []*archive.BufferedFile
	err := fs.WalkDir(l.FS, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
		if rel == "" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if rules.Ignore(rel, info) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() {
			if !d.IsDir() {
				c.Problems = append(c.Problems, Problem{Kind: FileNotRead, Pos: Position{File: p, Line: 1, Column: 1},
					Message: fmt.Sprintf("%s is not read into the chart: a %s; links are never followed", p, workspace.TypeName(d.Type()))})
			}
			return nil
		}
		if err := b.take(p, info.Size()); err != nil {
			return err
		}
		data, err := fs.ReadFile(l.FS, p)
		if err != nil {
			return fmt.Errorf("reading %q: %w", p, err)
		}
		files = append(files, &archive.BufferedFile{Name: rel, Data: bytes.TrimPrefix(data, utf8BOM)})
		c.Read = append(c.Read, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading chart %q: %w", dir, err)
	}
	return files, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func fileData(files []*archive.BufferedFile, name string) []byte {
	for _, f := range files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

// loadArchive reads a packaged chart within the budget.
func (l *Loader) loadArchive(ctx context.Context, c *Chart, data []byte, prefix []string, b *budget) (*chart.Chart, error) {
	files, err := untar(data, b, l.Limits)
	if err != nil {
		return nil, err
	}
	if err := unpackVendored(&files, b, l.Limits); err != nil {
		return nil, err
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, err
	}
	return ch, l.resolve(ctx, c, ch, "", prefix, b, map[string]bool{})
}

// untar reads a packaged chart: a gzipped tar of one top directory. It
// refuses what Helm refuses (absolute paths, "..") and what an archive a
// stranger wrote may hold besides: links, devices, more files or bytes
// than the budget, an archive larger than MaxArchive.
func untar(data []byte, b *budget, lim Limits) ([]*archive.BufferedFile, error) {
	if int64(len(data)) > lim.MaxArchive {
		return nil, fmt.Errorf("the archive is %d bytes, over the limit of %d", len(data), lim.MaxArchive)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a gzipped chart archive: %w", err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	var files []*archive.BufferedFile
	for {
		hd, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the chart archive: %w", err)
		}
		switch hd.Typeflag {
		case tar.TypeDir, tar.TypeXGlobalHeader, tar.TypeXHeader:
			continue
		case tar.TypeReg:
		default:
			return nil, fmt.Errorf("the chart archive holds %q, which is not a regular file (a link or a device): refused", hd.Name)
		}
		name := strings.ReplaceAll(hd.Name, "\\", "/")
		_, rel, ok := strings.Cut(name, "/")
		if !ok || path.IsAbs(name) || rel == "" {
			return nil, fmt.Errorf("the chart archive holds %q, outside its top directory: refused", hd.Name)
		}
		rel = path.Clean(rel)
		if rel == "." || rel == ".." || strings.HasPrefix(rel, "../") || path.IsAbs(rel) || strings.ContainsAny(rel, ":\x00") {
			return nil, fmt.Errorf("the chart archive holds %q, outside its top directory: refused", hd.Name)
		}
		if err := b.take(rel, hd.Size); err != nil {
			return nil, err
		}
		buf, err := io.ReadAll(io.LimitReader(tr, hd.Size+1))
		if err != nil {
			return nil, fmt.Errorf("reading %q from the chart archive: %w", hd.Name, err)
		}
		if int64(len(buf)) != hd.Size {
			return nil, fmt.Errorf("%q in the chart archive is not the size its header says", hd.Name)
		}
		files = append(files, &archive.BufferedFile{Name: rel, Data: bytes.TrimPrefix(buf, utf8BOM)})
	}
	if len(files) == 0 {
		return nil, errors.New("no files in the chart archive")
	}
	return files, nil
}

// unpackVendored replaces each vendored dependency archive
// (charts/NAME.tgz) by its files, read within the same budget: Helm's own
// loader would unpack it with a budget of its own, per archive.
func unpackVendored(files *[]*archive.BufferedFile, b *budget, lim Limits) error {
	var out []*archive.BufferedFile
	for _, f := range *files {
		sub, ok := strings.CutPrefix(f.Name, "charts/")
		if !ok || strings.Contains(sub, "/") || path.Ext(sub) != ".tgz" || strings.IndexAny(sub, "_.") == 0 {
			out = append(out, f)
			continue
		}
		inner, err := untar(f.Data, b, lim)
		if err != nil {
			return fmt.Errorf("vendored dependency %s: %w", f.Name, err)
		}
		if err := unpackVendored(&inner, b, lim); err != nil {
			return fmt.Errorf("vendored dependency %s: %w", f.Name, err)
		}
		dir := "charts/" + strings.TrimSuffix(sub, ".tgz") + "-tgz/"
		for _, g := range inner {
			out = append(out, &archive.BufferedFile{Name: dir + g.Name, Data: g.Data})
		}
	}
	*files = out
	return nil
}

// resolve adds the dependencies Chart.yaml names and charts/ does not
// hold: file:// ones from the repository, remote ones through the
// Fetcher. One that cannot be had is a problem; the chart renders
// without it, as far as it can.
func (l *Loader) resolve(ctx context.Context, c *Chart, ch *chart.Chart, dir string, prefix []string, b *budget, seen map[string]bool) error {
	have := map[string]bool{}
	for _, d := range ch.Dependencies() {
		have[d.Name()] = true
	}
	for _, dep := range ch.Metadata.Dependencies {
		if dep == nil || have[dep.Name] {
			continue
		}
		key := dep.Name
		if dep.Alias != "" {
			key = dep.Alias
		}
		sub := append(slices.Clip(prefix), key)
		var got *chart.Chart
		var err error
		switch {
		case strings.HasPrefix(dep.Repository, "file://"):
			if dir == "" {
				err = fmt.Errorf("a chart from an archive names %q: file:// dependencies are read only from the repository", dep.Repository)
				break
			}
			p := path.Clean(path.Join(dir, strings.TrimPrefix(dep.Repository, "file://")))
			if p == ".." || strings.HasPrefix(p, "../") || path.IsAbs(p) {
				err = fmt.Errorf("%q leads out of the repository", dep.Repository)
				break
			}
			got, err = l.loadDir(ctx, c, p, sub, b, seen)
		case dep.Repository == "" || strings.HasPrefix(dep.Repository, "@") || strings.HasPrefix(dep.Repository, "alias:"):
			err = fmt.Errorf("repository %q is a name of the helm CLI's local configuration, not a URL: vendor the chart under charts/ (helm dependency build)", dep.Repository)
		default:
			ref := chartref.Ref{Repo: dep.Repository, Name: dep.Name, Version: dep.Version}
			if strings.HasPrefix(dep.Repository, "oci://") {
				// An OCI dependency names the registry path above the
				// chart; a Ref names the chart apart.
				ref.Repo = strings.TrimSuffix(dep.Repository, "/")
			}
			var a *chartref.Archive
			if l.Fetcher == nil {
				err = &chartref.Error{Ref: ref, Kind: chartref.Disabled, Err: errors.New("fetching charts is turned off")}
			} else if a, err = l.Fetcher.Fetch(ctx, ref); err == nil {
				got, err = l.loadArchive(ctx, c, a.Data, sub, b)
				if err != nil {
					err = fmt.Errorf("loading chart %s: %w", ref, err)
				}
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c.Problems = append(c.Problems, dependencyProblem(ch.Name(), dep, err))
			continue
		}
		if got.Name() != dep.Name {
			c.Problems = append(c.Problems, Problem{Kind: RenderFailed, Message: fmt.Sprintf("dependency %q of chart %s is a chart named %q", dep.Name, ch.Name(), got.Name())})
			continue
		}
		ch.AddDependency(got)
		have[dep.Name] = true
	}
	return nil
}

// dependencyProblem says why a dependency is missing.
func dependencyProblem(parent string, dep *chart.Dependency, err error) Problem {
	what := fmt.Sprintf("dependency %s %s of chart %s (%s)", dep.Name, dep.Version, parent, dep.Repository)
	if chartref.KindOf(err) == 0 {
		return Problem{Kind: RenderFailed, Message: fmt.Sprintf("%s: %v", what, err)}
	}
	return FetchProblem(err, what)
}

// FetchProblem is the problem of a remote chart that was not fetched, for
// what needs it (a release, a dependency): ChartSkipped when fetching is
// off, else ChartUnavailable, naming why.
func FetchProblem(err error, what string) Problem {
	switch chartref.KindOf(err) {
	case chartref.Disabled:
		return Problem{Kind: ChartSkipped, Message: fmt.Sprintf("%s is not fetched (fetching charts is off), so what it renders is not verified", what)}
	case chartref.Unauthorized:
		msg := fmt.Sprintf("%s could not be fetched, so what it renders is not verified: %v", what, err)
		if hint := chartref.CredentialsHint(err); hint != "" {
			msg += "; " + hint
		}
		return Problem{Kind: ChartUnavailable, Message: msg}
	}
	return Problem{Kind: ChartUnavailable, Message: fmt.Sprintf("%s could not be fetched, so what it renders is not verified: %v", what, err)}
}

// fileLayer reads a values file of the repository as a layer.
func fileLayer(name string, data []byte) (Layer, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Layer{}, fmt.Errorf("%s: %w", name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return Layer{File: name}, nil
	}
	return NodeLayer(name, doc.Content[0])
}
