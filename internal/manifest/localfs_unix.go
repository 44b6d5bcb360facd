//go:build unix

package manifest

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// DirFS is os.DirFS(dir) with a cheaper way to read a whole file. Reading a
// config repo is mostly system calls (open, read, close of thousands of
// small files), and *os.File spends three more per file than needed (a
// non-blocking check, an epoll registration that regular files refuse, an
// extra read for EOF). On a machine where a system call costs tens of
// microseconds that is most of the run.
func DirFS(dir string) fs.FS { return localFS{FS: os.DirFS(dir), dir: dir} }

type localFS struct {
	fs.FS
	dir string
}

// ReadFile reads name whole with four system calls and no poller
// registration (fs.ReadFile on os.DirFS takes more of both): a config repo
// is thousands of small files, each read once. It makes localFS an
// fs.ReadFileFS, so fs.ReadFile uses it.
func (l localFS) ReadFile(name string) ([]byte, error) {
	data, _, _, err := l.readLimited(name, math.MaxInt64-1)
	return data, err
}

// readLimited reads name whole with open, fstat, read and close, unless it
// is larger than max.
func (l localFS) readLimited(name string, max int64) ([]byte, int64, fs.FileMode, error) {
	if !fs.ValidPath(name) {
		return nil, 0, 0, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	fd, err := openRetry(filepath.Join(l.dir, filepath.FromSlash(name)))
	if err != nil {
		return nil, 0, 0, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, 0, 0, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	mode := fs.FileMode(st.Mode & 0o777)
	if st.Size > max {
		return nil, st.Size, mode, errTooLarge
	}
	// Ask for one byte more than the size: a short read then means the end
	// of the file without a second call, and a file that grew since its
	// stat is read on.
	data := make([]byte, 0, st.Size+1)
	for int64(len(data)) <= max {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := syscall.Read(fd, data[len(data):cap(data)])
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return nil, 0, 0, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if n == 0 {
			break
		}
		data = data[:len(data)+n]
		if int64(len(data)) == st.Size && len(data) < cap(data) {
			// The stat's size is read; one byte of room is left, so the
			// read that filled it was short: the end of the file.
			break
		}
	}
	if int64(len(data)) > max {
		return nil, int64(len(data)), mode, errTooLarge
	}
	return data, int64(len(data)), mode, nil
}

func openRetry(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if !errors.Is(err, syscall.EINTR) {
			return fd, err
		}
	}
}

// createFile creates name (which must not exist) with data and perm, in as
// few system calls as it takes: open, write, close, and a chmod only when
// the umask took bits off perm.
func createFile(name string, data []byte, perm os.FileMode) error {
	fd, err := syscall.Open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, uint32(perm))
	if err != nil {
		return &fs.PathError{Op: "create", Path: name, Err: err}
	}
	for len(data) > 0 {
		n, err := syscall.Write(fd, data)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			syscall.Close(fd)
			return &fs.PathError{Op: "write", Path: name, Err: err}
		}
		data = data[n:]
	}
	if perm&umask() != 0 {
		if err := syscall.Fchmod(fd, uint32(perm)); err != nil {
			syscall.Close(fd)
			return &fs.PathError{Op: "chmod", Path: name, Err: err}
		}
	}
	if err := syscall.Close(fd); err != nil {
		return &fs.PathError{Op: "close", Path: name, Err: err}
	}
	return nil
}

// umask reads the process's umask once. The only way to read it is to set
// it, so it is set straight back, before any file is created.
var umask = sync.OnceValue(func() os.FileMode {
	m := syscall.Umask(0o022)
	syscall.Umask(m)
	return os.FileMode(m)
})
