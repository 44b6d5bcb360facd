// Package memfs holds a read-only file system in memory: an archive of a
// commit unpacked, or files read elsewhere put together as a tree, for the
// engines that read an fs.FS.
//
// It is the shape of testing/fstest.MapFS, which the binary must not link
// (its package drags the testing packages in).
package memfs

import (
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// File is a regular file or a directory of an FS.
type File struct {
	Data    []byte
	Mode    fs.FileMode
	ModTime time.Time
}

// FS maps slash paths (as fs.ValidPath has them: no leading slash, no
// "." or ".." elements) to files. A directory a path implies exists
// without an entry of its own; an entry with fs.ModeDir sets its mode and
// time. FS implements fs.FS, fs.ReadFileFS, fs.ReadDirFS and fs.StatFS.
// It must not change while it is read.
type FS map[string]*File

// Open opens name: a file for reading, or a directory for ReadDir. It
// fails with fs.ErrNotExist for a name the map neither holds nor implies,
// as for a name that is not a valid path (as fstest.MapFS does).
func (m FS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if f, ok := m[name]; ok && !f.Mode.IsDir() {
		return &openFile{info: fileInfo{path.Base(name), f}, data: f.Data}, nil
	}
	info, entries, ok := m.dir(name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &openDir{info: info, path: name, entries: entries}, nil
}

// ReadFile returns a copy of the content of the regular file name.
func (m FS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	f, ok := m[name]
	if !ok {
		if _, _, isDir := m.dir(name); !isDir {
			return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
		}
	}
	if !ok || f.Mode.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errIsDir}
	}
	return slices.Clone(f.Data), nil
}

// Stat describes name without opening it.
func (m FS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	if f, ok := m[name]; ok && !f.Mode.IsDir() {
		return fileInfo{path.Base(name), f}, nil
	}
	info, _, ok := m.dir(name)
	if !ok {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return info, nil
}

// ReadDir lists the directory name, sorted by name.
func (m FS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	if f, ok := m[name]; ok && !f.Mode.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir}
	}
	_, entries, ok := m.dir(name)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return entries, nil
}

type dirError string

func (e dirError) Error() string { return string(e) }

const (
	errIsDir  = dirError("is a directory")
	errNotDir = dirError("not a directory")
)

// dir describes the directory name and lists its entries; ok is false
// when the map neither holds nor implies it. It reads the whole map: a
// walk is quadratic, which the trees read here (a config repository) keep
// small.
func (m FS) dir(name string) (info fileInfo, entries []fs.DirEntry, ok bool) {
	self := &File{Mode: fs.ModeDir | 0o555}
	if f, held := m[name]; held {
		self, ok = f, true
	}
	prefix := name + "/"
	if name == "." {
		prefix, ok = "", true
	}
	children := map[string]fs.DirEntry{}
	for p, f := range m {
		rest, under := strings.CutPrefix(p, prefix)
		if !under || rest == "" {
			continue
		}
		ok = true
		elem, deeper, _ := strings.Cut(rest, "/")
		if deeper == "" {
			children[elem] = fs.FileInfoToDirEntry(fileInfo{elem, f})
		} else if _, seen := children[elem]; !seen {
			children[elem] = fs.FileInfoToDirEntry(fileInfo{elem, &File{Mode: fs.ModeDir | 0o555}})
		}
	}
	if !ok {
		return fileInfo{}, nil, false
	}
	for _, e := range children {
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return fileInfo{path.Base(name), self}, entries, true
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
