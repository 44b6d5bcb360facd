package helm

import (
	"bytes"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// WithDefaults returns a copy of c whose own defaults (its values.yaml)
// are replaced by values, written by layers (for positions): Flux's
// valuesFiles of a chart from a GitRepository, which source-controller
// reads from the repository's root and merges in order. The defaults of
// its dependencies stay.
func (c *Chart) WithDefaults(values map[string]any, layers []Layer) *Chart {
	out := *c
	out.chart = cloneChart(c.chart)
	out.chart.Values = values
	out.defaults = nil
	for _, l := range c.defaults {
		if len(l.Prefix) > 0 {
			out.defaults = append(out.defaults, l)
		}
	}
	out.defaults = append(out.defaults, layers...)
	return &out
}

// Files is the chart's own files by their path in the chart, as a file
// system: the value files an Argo CD application names in a fetched
// chart.
func (c *Chart) Files() fs.FS {
	m := filesFS{}
	for _, f := range c.chart.Raw {
		m[path.Clean(f.Name)] = f.Data
	}
	return m
}

// filesFS is a read-only file system of files held in memory; the
// directories are those their paths imply.
type filesFS map[string][]byte

func (m filesFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if data, ok := m[name]; ok {
		return &memFile{info: memInfo{name: path.Base(name), size: int64(len(data))}, r: bytes.NewReader(data)}, nil
	}
	var entries []fs.DirEntry
	seen := map[string]bool{}
	prefix := name + "/"
	if name == "." {
		prefix = ""
	}
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for p := range m {
			if !yield(p) {
				return
			}
		}
	}) {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		first, _, isDir := strings.Cut(rest, "/")
		if seen[first] {
			continue
		}
		seen[first] = true
		info := memInfo{name: first, dir: isDir}
		if !isDir {
			info.size = int64(len(m[p]))
		}
		entries = append(entries, fs.FileInfoToDirEntry(info))
	}
	if len(entries) == 0 && name != "." {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memDir{info: memInfo{name: path.Base(name), dir: true}, entries: entries}, nil
}

type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string { return i.name }
func (i memInfo) Size() int64  { return i.size }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }

type memFile struct {
	info memInfo
	r    *bytes.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *memFile) Close() error               { return nil }

type memDir struct {
	info    memInfo
	entries []fs.DirEntry
	off     int
}

func (d *memDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: fs.ErrInvalid}
}
func (d *memDir) Close() error { return nil }
func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.off += n
	return rest[:n], nil
}

// skippable runs validate unless skip is set.
func skippable(skip bool, validate func() []Problem) []Problem {
	if skip {
		return nil
	}
	return validate()
}
