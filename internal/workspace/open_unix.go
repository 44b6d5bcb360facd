//go:build unix

package workspace

import (
	"io/fs"
	"syscall"
)

// openRoot opens name through os.Root, which resolves one component at a
// time and refuses a path that leaves the tree. It returns a descriptor of
// its own (a duplicate), so that callers treat both paths alike.
func (t *Tree) openRoot(name string, flags int) (int, error) {
	f, err := t.root.OpenFile(name, flags, 0)
	if err != nil {
		return -1, t.rootErr(name, err)
	}
	defer f.Close()
	sc, err := f.SyscallConn()
	if err != nil {
		return -1, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	fd := -1
	var derr error
	if err := sc.Control(func(raw uintptr) { fd, derr = syscall.Dup(int(raw)) }); err != nil {
		return -1, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if derr != nil {
		return -1, &fs.PathError{Op: "open", Path: name, Err: derr}
	}
	syscall.CloseOnExec(fd)
	return fd, nil
}

// modeOf converts a stat's mode as os does.
func modeOf(st *syscall.Stat_t) fs.FileMode {
	m := fs.FileMode(st.Mode & 0o777)
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFBLK:
		m |= fs.ModeDevice
	case syscall.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFDIR:
		m |= fs.ModeDir
	case syscall.S_IFIFO:
		m |= fs.ModeNamedPipe
	case syscall.S_IFLNK:
		m |= fs.ModeSymlink
	case syscall.S_IFSOCK:
		m |= fs.ModeSocket
	}
	if st.Mode&syscall.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if st.Mode&syscall.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if st.Mode&syscall.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}
