//go:build unix

// Package workspace reads and writes the files of a working tree that a user
// or a pull request gave us, every one of them taken as hostile: a symbolic
// link never leads out of the tree, a FIFO or a device is never read (and
// never blocks), a file is read only up to a size limit, and a write never
// goes through a link.
package workspace

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// DefaultMaxFileSize is the size above which a file is not read.
const DefaultMaxFileSize = 5 << 20

// Tree is the directory tree under one root. Its methods take
// slash-separated paths relative to the root (fs.ValidPath names) and make it
// an fs.FS, fs.ReadFileFS, fs.ReadDirFS, fs.StatFS and fs.ReadLinkFS. It is
// safe for concurrent use.
type Tree struct {
	dir  string
	root *os.Root
	// fd is the root's descriptor for openat2, or -1 where the kernel has
	// none: then files are opened through root, one component at a time.
	fd  int
	max int64
	// owners records, while a Lock is held as root, who each file read
	// belongs to (path → owner), so that Replace gives the file it writes
	// that owner without asking the kernel again.
	owners atomic.Pointer[sync.Map]
}

// Open opens the tree under dir. maxFileSize bounds what ReadFile reads of a
// file (0 means DefaultMaxFileSize).
func Open(dir string, maxFileSize int64) (*Tree, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("directory %q: %w", dir, err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("opening directory %q: %w", dir, err)
	}
	if maxFileSize <= 0 {
		maxFileSize = DefaultMaxFileSize
	}
	t := &Tree{dir: abs, root: root, fd: -1, max: maxFileSize}
	t.fd = beneathFD(abs)
	return t, nil
}

// Close releases the tree's descriptors.
func (t *Tree) Close() error {
	if t.fd >= 0 {
		syscall.Close(t.fd)
		t.fd = -1
	}
	return t.root.Close()
}

// Dir returns the absolute path of the tree's root.
func (t *Tree) Dir() string { return t.dir }

// MaxFileSize returns the size above which ReadFile refuses a file.
func (t *Tree) MaxFileSize() int64 { return t.max }

// Reasons a file of the tree was not read.
var (
	// ErrEscapes says a path leads out of the tree through a symbolic link
	// (or "..").
	ErrEscapes = errors.New("leads out of the tree")
	// ErrNotRegular says a path is a FIFO, a device or a socket.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge says a file is over the size limit.
	ErrTooLarge = errors.New("over the size limit")
	// ErrLinkLoop says symbolic links point at each other without end.
	ErrLinkLoop = errors.New("symbolic link loop")
)

// FileError says why a path of the tree was not read. Hostile or unlucky
// input gets one, never a partial read; callers turn it into a finding or a
// message at the path.
type FileError struct {
	Path string
	// Err is one of ErrEscapes, ErrNotRegular, ErrTooLarge, ErrLinkLoop.
	Err error
	// Type names a special file ("FIFO", "device", "socket").
	Type string
	// Size and Limit are set with ErrTooLarge (Size is at least Limit+1
	// when the file grew while it was read).
	Size, Limit int64
}

func (e *FileError) Error() string {
	if e.Err == ErrEscapes || e.Err == ErrNotRegular || e.Err == ErrTooLarge || e.Err == ErrLinkLoop {
		return fmt.Sprintf("%q is %s; it was not read", e.Path, e.Reason())
	}
	return fmt.Sprintf("%q: %v", e.Path, e.Err)
}

// Reason says what the file is that made it unreadable, without its path
// (a finding or a warning at the path carries that): "a FIFO, not a
// regular file", "6000 bytes, over the 5000-byte limit".
func (e *FileError) Reason() string {
	switch e.Err {
	case ErrEscapes:
		return "a symbolic link (or a path through one) that leads out of the tree"
	case ErrNotRegular:
		return fmt.Sprintf("a %s, not a regular file", e.Type)
	case ErrTooLarge:
		return fmt.Sprintf("%d bytes, over the %d-byte limit", e.Size, e.Limit)
	case ErrLinkLoop:
		return "a symbolic link loop"
	}
	return e.Err.Error()
}

func (e *FileError) Unwrap() error { return e.Err }

// TypeName names the kind of a file mode: "directory", "symbolic link",
// "FIFO", "socket", "device", "regular file".
func TypeName(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		return "device"
	case m.IsRegular():
		return "regular file"
	}
	return "special file"
}

func checkName(op, name string) error {
	if !fs.ValidPath(name) {
		return &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	return nil
}

// ReadFile reads a regular file whole, up to the tree's size limit. A link
// inside the tree is followed; one that leads out of it, a special file and
// a file over the limit are a *FileError.
func (t *Tree) ReadFile(name string) ([]byte, error) {
	data, _, err := t.ReadFileLimit(name, t.max)
	return data, err
}

// ReadFileLimit is ReadFile with its own limit; it also returns the file's
// permission bits, for writing it back.
func (t *Tree) ReadFileLimit(name string, max int64) ([]byte, fs.FileMode, error) {
	if err := checkName("open", name); err != nil {
		return nil, 0, err
	}
	fd, err := t.openFD(name, false)
	if err != nil {
		return nil, 0, err
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := fstat(fd, &st); err != nil {
		return nil, 0, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	mode := modeOf(&st)
	if !mode.IsRegular() {
		if mode.IsDir() {
			return nil, 0, &fs.PathError{Op: "read", Path: name, Err: syscall.EISDIR}
		}
		return nil, 0, &FileError{Path: name, Err: ErrNotRegular, Type: TypeName(mode)}
	}
	if st.Size > max {
		return nil, mode.Perm(), &FileError{Path: name, Err: ErrTooLarge, Size: st.Size, Limit: max}
	}
	if m := t.owners.Load(); m != nil {
		m.Store(name, owner{st.Uid, st.Gid})
	}
	data, err := readAll(fd, st.Size, max)
	if errors.Is(err, ErrTooLarge) {
		return nil, mode.Perm(), &FileError{Path: name, Err: ErrTooLarge, Size: int64(len(data)), Limit: max}
	}
	if err != nil {
		return nil, 0, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, mode.Perm(), nil
}

// readAll reads fd to its end in as few calls as it takes: one, when the
// file is the size its stat said. A file that grew is read on, up to max+1
// bytes, and is then ErrTooLarge.
func readAll(fd int, size, limit int64) ([]byte, error) {
	data := make([]byte, 0, size+1)
	for {
		if len(data) == cap(data) {
			if int64(len(data)) > limit {
				return data, ErrTooLarge
			}
			data = slices.Grow(data, int(min(limit+1-int64(len(data)), max(int64(len(data)), 512))))
		}
		n, err := syscall.Read(fd, data[len(data):cap(data)])
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		data = data[:len(data)+n]
		if int64(len(data)) == size && len(data) < cap(data) {
			// The stat's size is read and a byte of room is left, so the
			// read that got here was short: the end of the file.
			break
		}
	}
	if int64(len(data)) > limit {
		return data, ErrTooLarge
	}
	return data, nil
}

// Open opens a regular file or a directory for reading, never blocking on
// a special file (which is a *FileError).
func (t *Tree) Open(name string) (fs.File, error) {
	if err := checkName("open", name); err != nil {
		return nil, err
	}
	fd, err := t.openFD(name, false)
	if err != nil {
		return nil, err
	}
	var st syscall.Stat_t
	if err := fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	mode := modeOf(&st)
	if !mode.IsRegular() && !mode.IsDir() {
		syscall.Close(fd)
		return nil, &FileError{Path: name, Err: ErrNotRegular, Type: TypeName(mode)}
	}
	f := os.NewFile(uintptr(fd), name)
	if mode.IsDir() {
		return &dirFile{File: f, t: t, name: name}, nil
	}
	return f, nil
}

// dirFile is a directory opened through the tree: its entries describe
// themselves through the tree too (an *os.File's would stat relative to
// the process's working directory).
type dirFile struct {
	*os.File
	t    *Tree
	name string
}

func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	es, err := d.File.ReadDir(n)
	for i, e := range es {
		es[i] = dirEntry{DirEntry: e, t: d.t, path: path.Join(d.name, e.Name())}
	}
	return es, err
}

// dirEntry is an entry of a directory of the tree.
type dirEntry struct {
	fs.DirEntry
	t    *Tree
	path string
}

func (e dirEntry) Info() (fs.FileInfo, error) { return e.t.Lstat(e.path) }

// ReadDir lists a directory, sorted by name, without following links:
// each entry's type is the link's, not its target's.
func (t *Tree) ReadDir(name string) ([]fs.DirEntry, error) {
	if err := checkName("readdir", name); err != nil {
		return nil, err
	}
	fd, err := t.openFD(name, true)
	if err != nil {
		return nil, err
	}
	f := &dirFile{File: os.NewFile(uintptr(fd), name), t: t, name: name}
	defer f.Close()
	es, err := f.ReadDir(-1)
	slices.SortFunc(es, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return es, err
}

// Stat describes a file, following links inside the tree.
func (t *Tree) Stat(name string) (fs.FileInfo, error) {
	if err := checkName("stat", name); err != nil {
		return nil, err
	}
	info, err := t.root.Stat(name)
	return info, t.rootErr(name, err)
}

// Lstat describes a file without following a final link.
func (t *Tree) Lstat(name string) (fs.FileInfo, error) {
	if err := checkName("lstat", name); err != nil {
		return nil, err
	}
	info, err := t.root.Lstat(name)
	return info, t.rootErr(name, err)
}

// ReadLink returns a link's target as written.
func (t *Tree) ReadLink(name string) (string, error) {
	if err := checkName("readlink", name); err != nil {
		return "", err
	}
	s, err := t.root.Readlink(name)
	return s, t.rootErr(name, err)
}

// maxLinks bounds how many links Real follows, as the kernel's 40.
const maxLinks = 40

// Real resolves every symbolic link in name and returns the path of the
// file it names, relative to the root ("." for the root). A link that
// leads out of the tree is ErrEscapes and a loop ErrLinkLoop, both as a
// *FileError; a missing component is fs.ErrNotExist.
func (t *Tree) Real(name string) (string, error) {
	if err := checkName("resolve", name); err != nil {
		return "", err
	}
	todo := strings.Split(name, "/")
	var done []string
	links := 0
	for len(todo) > 0 {
		part := todo[0]
		todo = todo[1:]
		switch part {
		case ".", "":
			continue
		case "..":
			if len(done) == 0 {
				return "", &FileError{Path: name, Err: ErrEscapes}
			}
			done = done[:len(done)-1]
			continue
		}
		cur := path.Join(append(done, part)...)
		info, err := t.root.Lstat(cur)
		if err != nil {
			return "", t.rootErr(name, err)
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			done = append(done, part)
			continue
		}
		if links++; links > maxLinks {
			return "", &FileError{Path: name, Err: ErrLinkLoop}
		}
		target, err := t.root.Readlink(cur)
		if err != nil {
			return "", t.rootErr(name, err)
		}
		if path.IsAbs(filepath.ToSlash(target)) {
			return "", &FileError{Path: name, Err: ErrEscapes}
		}
		// The target replaces the link, relative to the link's directory
		// (done holds no link, so ".." in it means what it says).
		todo = append(strings.Split(filepath.ToSlash(target), "/"), todo...)
	}
	if len(done) == 0 {
		return ".", nil
	}
	return path.Join(done...), nil
}

// rootErr turns os.Root's refusal of a path that leaves the root into a
// *FileError; other errors pass.
func (t *Tree) rootErr(name string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, syscall.ELOOP) {
		return &FileError{Path: name, Err: ErrLinkLoop}
	}
	// os.Root's error for a path that escapes is unexported; its text is
	// "path escapes from parent".
	if strings.Contains(err.Error(), "escapes") {
		return &FileError{Path: name, Err: ErrEscapes}
	}
	if pe, ok := err.(*fs.PathError); ok {
		if op, ok := rootOps[pe.Op]; ok {
			return &fs.PathError{Op: op, Path: pe.Path, Err: pe.Err}
		}
	}
	return err
}

// rootOps names os.Root's operations as the caller asked for them: its
// errors say "statat missing.yaml", which kustomize and our messages
// would pass on to users.
var rootOps = map[string]string{
	"openat": "open", "statat": "stat", "readlinkat": "readlink",
	"mkdirat": "mkdir", "unlinkat": "remove", "renameat": "rename",
}

// WriteFile replaces name with data, or creates it: the data goes to a new
// file beside it first and is renamed over it, so a reader sees the old
// file or the new one. A link at name is replaced, never followed; a
// directory on the way that leads out of the tree is ErrEscapes.
func (t *Tree) WriteFile(name string, data []byte, perm fs.FileMode) error {
	if err := checkName("write", name); err != nil {
		return err
	}
	tmp := path.Join(path.Dir(name), TempName(path.Base(name)))
	f, err := t.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return t.rootErr(name, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = t.keepOwner(tmp, name)
	}
	if err == nil {
		err = t.root.Rename(tmp, name)
	}
	if err != nil {
		t.root.Remove(tmp)
		return t.rootErr(name, err)
	}
	return nil
}

// keepOwner is the package's keepOwner for WriteFile, which works through
// os.Root: as root, tmp gets the owner of the file it replaces, or of the
// directory that will hold it.
func (t *Tree) keepOwner(tmp, name string) error {
	if !asRoot {
		return nil
	}
	info, err := t.root.Lstat(name)
	if err != nil {
		if info, err = t.root.Stat(path.Dir(name)); err != nil {
			return nil // the rename reports what is wrong
		}
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok || (st.Uid == 0 && st.Gid == 0) {
		return nil
	}
	return t.root.Lchown(tmp, int(st.Uid), int(st.Gid))
}

var tempSeq atomic.Uint64

// TempPrefix starts the name of every temporary file the tool writes
// beside a file it replaces.
const TempPrefix = ".gitops-actions-tmp-"

// TempName is the name of a new temporary file for the file named base:
// hidden, marked as ours, unique to this process and call.
func TempName(base string) string {
	return fmt.Sprintf("%s%d-%d-%s", TempPrefix, os.Getpid(), tempSeq.Add(1), base)
}

var _ io.Closer = (*Tree)(nil)
