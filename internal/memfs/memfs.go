// Package memfs holds a read-only file system in memory: an archive of a
// commit unpacked, or files read elsewhere put together as a tree, for the
// engines that read an fs.FS.
//
// It answers as testing/fstest.MapFS does, which the binary must not link
// (its package drags the testing packages in), from a map of the same
// shape, and indexes its directories so that a walk is linear where
// MapFS's is quadratic.
package memfs

import (
	"io"
	"io/fs"
	"iter"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// File is a regular file or a directory of an FS.
type File struct {
	Data    []byte
	Mode    fs.FileMode
	ModTime time.Time
}

// FS is a read-only tree of files, by slash path (as fs.ValidPath has
// them: no leading slash, no "." or ".." elements). A directory a path
// implies exists without an entry of its own; an entry with fs.ModeDir
// sets its mode and time. FS implements fs.FS, fs.ReadFileFS,
// fs.ReadDirFS and fs.StatFS, and is safe for concurrent readers.
//
// The directories are indexed once, on the first question that needs
// them, so that a walk of the whole tree costs what its files do: the
// diff preview walks the archive of a whole config repository, which in a
// monorepo holds tens of thousands of files.
type FS struct {
	files map[string]*File

	once sync.Once
	dirs map[string]*dir // by path; "." is the root
}

// New returns the tree of files, which it takes over: the map must not
// change afterwards.
func New(files map[string]*File) *FS {
	return &FS{files: files}
}

// Lookup returns the entry of the tree at name, as New was given it: a
// file, or a directory that has an entry of its own.
func (m *FS) Lookup(name string) (*File, bool) {
	f, ok := m.files[name]
	return f, ok
}

// Len counts the entries New was given.
func (m *FS) Len() int { return len(m.files) }

// All yields every entry New was given, in no order.
func (m *FS) All() iter.Seq2[string, *File] {
	return func(yield func(string, *File) bool) {
		for p, f := range m.files {
			if !yield(p, f) {
				return
			}
		}
	}
}

// Open opens name: a file for reading, or a directory for ReadDir. It
// fails with fs.ErrNotExist for a name the tree neither holds nor implies,
// as for a name that is not a valid path (as fstest.MapFS does).
func (m *FS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if f, ok := m.files[name]; ok && !f.Mode.IsDir() {
		return &openFile{info: fileInfo{path.Base(name), f}, data: f.Data}, nil
	}
	d, ok := m.directory(name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &openDir{info: d.info, path: name, entries: d.entries}, nil
}

// ReadFile returns a copy of the content of the regular file name.
func (m *FS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	f, ok := m.files[name]
	if !ok {
		if _, isDir := m.directory(name); !isDir {
			return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
		}
	}
	if !ok || f.Mode.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errIsDir}
	}
	return slices.Clone(f.Data), nil
}

// Stat describes name without opening it.
func (m *FS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	if f, ok := m.files[name]; ok && !f.Mode.IsDir() {
		return fileInfo{path.Base(name), f}, nil
	}
	d, ok := m.directory(name)
	if !ok {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return d.info, nil
}

// ReadDir lists the directory name, sorted by name.
func (m *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	if f, ok := m.files[name]; ok && !f.Mode.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir}
	}
	d, ok := m.directory(name)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(d.entries), nil
}

type dirError string

func (e dirError) Error() string { return string(e) }

const (
	errIsDir  = dirError("is a directory")
	errNotDir = dirError("not a directory")
)

// dir is a directory of the index: what it is, and its entries sorted by
// name.
type dir struct {
	info    fileInfo
	entries []fs.DirEntry
}

// directory returns the directory name; ok is false when the tree neither holds
// nor implies it.
func (m *FS) directory(name string) (*dir, bool) {
	m.once.Do(m.index)
	d, ok := m.dirs[name]
	return d, ok
}

// index builds the directories from the entries, in one pass over them:
// each entry is listed in its parent, and each directory it implies in
// its own parent, once. An entry of the tree's own is listed as it is,
// over a directory its descendants imply.
func (m *FS) index() {
	implied := &File{Mode: fs.ModeDir | 0o555}
	m.dirs = map[string]*dir{".": {}}
	at := make(map[string]int, len(m.files)) // a listed path → its place in its parent's entries
	for p, f := range m.files {
		if !fs.ValidPath(p) || p == "." {
			continue // no name opens it, or it is the root's own
		}
		if _, ok := m.dirs[p]; !ok && f.Mode.IsDir() {
			m.dirs[p] = &dir{}
		}
		for child := p; child != "."; child, f = path.Dir(child), nil {
			parent := path.Dir(child)
			d, ok := m.dirs[parent]
			if !ok {
				d = &dir{}
				m.dirs[parent] = d
			}
			if i, listed := at[child]; listed {
				if f != nil {
					d.entries[i] = dirEntry{path.Base(child), f}
				}
				break // and so are its parents
			}
			self := f
			if self == nil {
				self = implied
			}
			at[child] = len(d.entries)
			d.entries = append(d.entries, dirEntry{path.Base(child), self})
		}
	}
	for name, d := range m.dirs {
		self := implied
		if f, ok := m.files[name]; ok {
			self = f
		}
		d.info = fileInfo{path.Base(name), self}
		slices.SortFunc(d.entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	}
}

// fileInfo is a File under its base name.
type fileInfo struct {
	name string
	f    *File
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return int64(len(i.f.Data)) }
func (i fileInfo) Mode() fs.FileMode  { return i.f.Mode }
func (i fileInfo) ModTime() time.Time { return i.f.ModTime }
func (i fileInfo) IsDir() bool        { return i.f.Mode.IsDir() }
func (i fileInfo) Sys() any           { return nil }

// dirEntry is a File listed in its directory under its base name.
type dirEntry fileInfo

func (e dirEntry) Name() string               { return e.name }
func (e dirEntry) IsDir() bool                { return e.f.Mode.IsDir() }
func (e dirEntry) Type() fs.FileMode          { return e.f.Mode.Type() }
func (e dirEntry) Info() (fs.FileInfo, error) { return fileInfo(e), nil }
func (e dirEntry) String() string             { return fs.FormatDirEntry(e) }

// openFile is a regular file being read.
type openFile struct {
	info   fileInfo
	data   []byte
	offset int64
}

func (f *openFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *openFile) Close() error               { return nil }

func (f *openFile) Read(b []byte) (int, error) {
	if f.offset >= int64(len(f.data)) {
		return 0, io.EOF
	}
	n := copy(b, f.data[f.offset:])
	f.offset += int64(n)
	return n, nil
}

func (f *openFile) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(f.data)) {
		return 0, &fs.PathError{Op: "read", Path: f.info.name, Err: fs.ErrInvalid}
	}
	n := copy(b, f.data[off:])
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func (f *openFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += f.offset
	case io.SeekEnd:
		offset += int64(len(f.data))
	}
	if offset < 0 || offset > int64(len(f.data)) {
		return 0, &fs.PathError{Op: "seek", Path: f.info.name, Err: fs.ErrInvalid}
	}
	f.offset = offset
	return offset, nil
}

// openDir is a directory being listed.
type openDir struct {
	info    fileInfo
	path    string
	entries []fs.DirEntry
	offset  int
}

func (d *openDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *openDir) Close() error               { return nil }

func (d *openDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.path, Err: errIsDir}
}

// ReadDir returns the next n entries (all that are left when n <= 0).
func (d *openDir) ReadDir(n int) ([]fs.DirEntry, error) {
	left := len(d.entries) - d.offset
	if n > 0 && left == 0 {
		return nil, io.EOF
	}
	if n > 0 && n < left {
		left = n
	}
	out := slices.Clone(d.entries[d.offset : d.offset+left])
	d.offset += left
	return out, nil
}
