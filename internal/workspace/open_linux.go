//go:build linux

package workspace

import (
	"errors"
	"io/fs"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// noOpenat2 is set once openat2 turned out to be unavailable (a kernel
// older than 5.6, or a seccomp profile that refuses it).
var noOpenat2 atomic.Bool

// beneathFD opens dir for openat2, or returns -1.
func beneathFD(dir string) int {
	if noOpenat2.Load() {
		return -1
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}

// openFD opens name for reading without blocking on a special file. With
// openat2 it costs one system call whatever the depth of name, and the
// kernel itself refuses a path that leaves the tree (RESOLVE_BENEATH): the
// tree is read once per file, so this is the hot path of every walk.
func (t *Tree) openFD(name string, dir bool) (int, error) {
	// O_DIRECTORY refuses a FIFO without blocking on it; a directory
	// opened blocking is not handed to Go's poller (os.NewFile would try,
	// and fail, one system call a directory).
	flags := unix.O_RDONLY | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC
	if dir {
		flags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOCTTY | unix.O_CLOEXEC
	}
	if t.fd >= 0 && !noOpenat2.Load() {
		how := &unix.OpenHow{Flags: uint64(flags), Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS}
		for {
			fd, err := unix.Openat2(t.fd, name, how)
			switch {
			case err == nil:
				return fd, nil
			case errors.Is(err, unix.EINTR), errors.Is(err, unix.EAGAIN):
				continue
			case errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EPERM) && !t.permDenied(name):
				noOpenat2.Store(true)
			case errors.Is(err, unix.EXDEV):
				return -1, &FileError{Path: name, Err: ErrEscapes}
			case errors.Is(err, unix.ELOOP):
				return -1, &FileError{Path: name, Err: ErrLinkLoop}
			default:
				return -1, &fs.PathError{Op: "open", Path: name, Err: err}
			}
			break
		}
	}
	return t.openRoot(name, flags)
}

// permDenied tells a real EPERM of the file from a seccomp filter's
// refusal of the system call: the slower path then decides.
func (t *Tree) permDenied(name string) bool {
	_, err := t.root.Lstat(name)
	return err != nil && errors.Is(err, syscall.EPERM)
}

func fstat(fd int, st *syscall.Stat_t) error {
	for {
		err := syscall.Fstat(fd, st)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
