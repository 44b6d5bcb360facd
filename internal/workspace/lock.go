//go:build unix

package workspace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Where a write keeps its lock and temporary files: a directory of the git
// repository when the tree is in a git work tree, so that `git add -A`
// never sees them, else a hidden directory at the tree's root. Either is
// removed when the write is done.
const (
	// GitScratch is the directory's name inside the git directory.
	GitScratch = "gitops-actions"
	// RootScratch is its name at the tree's root, outside a git work tree.
	RootScratch = ".gitops-actions"
)

// lockName is the lock file's name in the scratch directory; temporary
// files are named tempPrefix, the writer's process ID, "-", a number.
const (
	lockName   = "lock"
	tempPrefix = "tmp-"
)

// Lock is the tree's write lock: one process at a time reads the files it
// will replace and replaces them, so that two runs never interleave (a
// later run that read the tree before an earlier one wrote it would undo
// the earlier one's change without seeing it). It holds the scratch
// directory where Replace writes.
type Lock struct {
	t *Tree
	// path is the scratch directory; dirfd is open on it and parentfd on
	// the directory holding it.
	path            string
	dirfd, parentfd int
	name            string // the scratch directory's name in its parent
	lockfd          int
	// held is false where the file system has no locks (flock fails):
	// the run then goes on, and only temporaries of dead processes are
	// taken as stale.
	held bool
	// renameat replaces a file; tests swap it to fail midway.
	renameat func(olddirfd int, oldpath string, newdirfd int, newpath string) error
	// tempBase starts this process's temporary files' names: tempPrefix,
	// the process ID, "-" (asked of the kernel once, not per file).
	tempBase string
}

// Lock takes the tree's write lock. While another process holds it, Lock
// calls wait once with the lock file's path and waits until it is free or
// ctx ends. Temporary files that an interrupted run left in the scratch
// directory are removed. Release gives the lock back.
func (t *Tree) Lock(ctx context.Context, wait func(lockFile string)) (*Lock, error) {
	parent, name, err := t.scratchPlace()
	if err != nil {
		return nil, err
	}
	l := &Lock{t: t, name: name, path: filepath.Join(parent, name), parentfd: -1, dirfd: -1, lockfd: -1, renameat: unix.Renameat,
		tempBase: tempPrefix + strconv.Itoa(os.Getpid()) + "-"}
	if l.parentfd, err = openDir(parent); err != nil {
		return nil, fmt.Errorf("locking %q: %w", t.dir, err)
	}
	waited := false
	for {
		ok, err := l.try()
		if err != nil {
			l.close()
			return nil, fmt.Errorf("locking %q: %w", t.dir, err)
		}
		if ok {
			break
		}
		if !waited && wait != nil {
			wait(filepath.Join(l.path, lockName))
		}
		waited = true
		select {
		case <-ctx.Done():
			l.close()
			return nil, fmt.Errorf("waiting for the lock %q: %w", filepath.Join(l.path, lockName), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	l.removeStale()
	if asRoot {
		t.owners.CompareAndSwap(nil, &sync.Map{})
	}
	return l, nil
}

// try makes the scratch directory and its lock file and tries to lock it
// once. It reports false when another process holds the lock, or when the
// file it locked was removed meanwhile by the holder's release.
func (l *Lock) try() (bool, error) {
	l.closeFiles()
	if err := unix.Mkdirat(l.parentfd, l.name, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
		return false, &os.PathError{Op: "mkdir", Path: l.path, Err: err}
	}
	var err error
	if l.dirfd, err = openDirAt(l.parentfd, l.name, l.path); errors.Is(err, unix.ENOENT) {
		return false, nil // removed by a release since the mkdir
	} else if err != nil {
		return false, err
	}
	fd, err := unix.Openat(l.dirfd, lockName, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0o600)
	if errors.Is(err, unix.ENOENT) {
		return false, nil // the directory was removed
	}
	if err != nil {
		return false, &os.PathError{Op: "open", Path: filepath.Join(l.path, lockName), Err: err}
	}
	l.lockfd = fd
	switch err := flock(fd); {
	case errors.Is(err, unix.EWOULDBLOCK):
		return false, nil
	case errors.Is(err, unix.ENOLCK), errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EINVAL):
		l.held = false
		return true, nil
	case err != nil:
		return false, &os.PathError{Op: "lock", Path: filepath.Join(l.path, lockName), Err: err}
	}
	// The holder removes the lock file (and its directory) before it lets
	// go: a lock on a file no longer at the path locks nothing.
	if !samePath(l.parentfd, l.name, l.dirfd) || !samePath(l.dirfd, lockName, l.lockfd) {
		return false, nil
	}
	l.held = true
	return true, nil
}

func flock(fd int) error {
	for {
		err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// samePath reports whether name in dirfd is the file open as fd.
func samePath(dirfd int, name string, fd int) bool {
	var a, b unix.Stat_t
	if unix.Fstat(fd, &a) != nil || unix.Fstatat(dirfd, name, &b, unix.AT_SYMLINK_NOFOLLOW) != nil {
		return false
	}
	return a.Dev == b.Dev && a.Ino == b.Ino
}

// openDir opens dir as a directory, or fails if a symbolic link is its
// last component.
func openDir(dir string) (int, error) {
	return dirErr(dir)(unix.Open(dir, dirFlags, 0))
}

// openDirAt is openDir for name in the directory open as dirfd; path
// names it in errors.
func openDirAt(dirfd int, name, path string) (int, error) {
	return dirErr(path)(unix.Openat(dirfd, name, dirFlags, 0))
}

const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

func dirErr(dir string) func(int, error) (int, error) {
	return func(fd int, err error) (int, error) {
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
			return -1, &os.PathError{Op: "open", Path: dir, Err: fmt.Errorf("not a directory (a symbolic link or a file is in the way): %w", err)}
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: dir, Err: err}
		}
		return fd, nil
	}
}

// removeStale removes the temporary files an interrupted run left: all of
// them while the lock is held (a writer holds it as long as its files
// exist), else those of processes that are gone.
func (l *Lock) removeStale() {
	for _, name := range l.temps() {
		pid, _, _ := strings.Cut(strings.TrimPrefix(name, tempPrefix), "-")
		if l.held || !alive(pid) {
			unix.Unlinkat(l.dirfd, name, 0)
		}
	}
}

// temps lists the temporary files in the scratch directory.
func (l *Lock) temps() []string {
	fd, err := unix.Dup(l.dirfd)
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(fd), l.path)
	defer f.Close()
	names, _ := f.Readdirnames(-1)
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, tempPrefix) {
			out = append(out, n)
		}
	}
	return out
}

// alive reports whether the process pid may still run. A process of
// another PID namespace (a container) that shares the tree may be taken
// for a dead one or a live one; the lock, where there is one, decides.
func alive(pid string) bool {
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return false
	}
	err = syscall.Kill(n, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Release removes the scratch directory and gives the lock back.
func (l *Lock) Release() error {
	if l.dirfd < 0 {
		return nil
	}
	l.t.owners.Store(nil)
	for _, name := range l.temps() {
		if strings.HasPrefix(name, l.tempBase) {
			unix.Unlinkat(l.dirfd, name, 0)
		}
	}
	// Remove the lock file while holding it, then let go: a process that
	// waits on it then sees that it is gone and starts over.
	err := unix.Unlinkat(l.dirfd, lockName, 0)
	if errors.Is(err, unix.ENOENT) {
		err = nil
	}
	l.closeFiles()
	// The directory stays when another process has put its lock in it.
	unix.Unlinkat(l.parentfd, l.name, unix.AT_REMOVEDIR)
	l.close()
	if err != nil {
		return fmt.Errorf("releasing the lock %q: %w", filepath.Join(l.path, lockName), err)
	}
	return nil
}

func (l *Lock) closeFiles() {
	if l.lockfd >= 0 {
		unix.Close(l.lockfd)
		l.lockfd = -1
	}
	if l.dirfd >= 0 {
		unix.Close(l.dirfd)
		l.dirfd = -1
	}
}

func (l *Lock) close() {
	l.closeFiles()
	if l.parentfd >= 0 {
		unix.Close(l.parentfd)
		l.parentfd = -1
	}
}

// Held reports whether the file system gave the lock; where it has no
// locks the write goes on without one.
func (l *Lock) Held() bool { return l.held }

// scratchPlace returns the directory that holds the scratch directory,
// and the scratch directory's name in it: the git directory of the work
// tree the tree is in, when it is on the tree's file system (a rename
// cannot cross file systems), else the tree's root.
func (t *Tree) scratchPlace() (parent, name string, err error) {
	if g := gitDir(t.dir); g != "" && sameDevice(g, t.dir) {
		return g, GitScratch, nil
	}
	return t.dir, RootScratch, nil
}

// gitDir returns the git directory of the work tree dir is in, or "": the
// nearest ".git" from dir up, a directory or a file that names one
// ("gitdir: ..." in a linked work tree or a submodule).
func gitDir(dir string) string {
	for d := dir; ; {
		p := filepath.Join(d, ".git")
		if info, err := os.Lstat(p); err == nil {
			switch {
			case info.IsDir():
			case info.Mode().IsRegular():
				if p = readGitFile(p); p != "" && !filepath.IsAbs(p) {
					p = filepath.Join(d, p)
				}
			default:
				p = ""
			}
			if p == "" {
				return ""
			}
			if head, err := os.Lstat(filepath.Join(p, "HEAD")); err != nil || !head.Mode().IsRegular() {
				return ""
			}
			return p
		}
		up := filepath.Dir(d)
		if up == d {
			return ""
		}
		d = up
	}
}

// readGitFile reads the "gitdir: PATH" line of a .git file.
func readGitFile(p string) string {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return ""
	}
	defer f.Close()
	data, _ := io.ReadAll(io.LimitReader(f, 4096))
	line, _, _ := bytes.Cut(data, []byte("\n"))
	dir, ok := strings.CutPrefix(strings.TrimSpace(string(line)), "gitdir:")
	if !ok {
		return ""
	}
	return strings.TrimSpace(dir)
}

func sameDevice(a, b string) bool {
	var sa, sb unix.Stat_t
	if unix.Stat(a, &sa) != nil || unix.Stat(b, &sb) != nil {
		return false
	}
	return sa.Dev == sb.Dev
}
