//go:build unix

package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Replacement is the new content of one file of the tree.
type Replacement struct {
	// Path is the file's slash-separated path relative to the root, with
	// no symbolic link in it: as a walk that does not follow links, or
	// Tree.Paths, gives it.
	Path string
	// Old is the content the file had when it was read: what a failed
	// Replace puts back. New is what Replace writes.
	Old, New []byte
	// Mode holds the permission bits of the new file (0 means 0644).
	Mode fs.FileMode
}

// Replace writes every file's new content, or none. Each new content goes
// to a temporary file in the scratch directory first; only when all are
// written are they renamed over their files, one by one (a reader sees a
// file whole, old or new). When a rename fails, every file already
// replaced gets its old content back, and no temporary file is left: the
// error says so, or names the files it could not put back.
func (l *Lock) Replace(files []Replacement) error {
	root, err := openDir(l.t.dir)
	if err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	defer unix.Close(root)
	temps, err := l.writeTemps(files)
	if err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	for i, f := range files {
		err := l.keepOwner(temps[i], root, f.Path)
		if err == nil {
			err = l.renameat(l.dirfd, temps[i], root, f.Path)
		}
		if err != nil {
			for _, t := range temps[i:] {
				unix.Unlinkat(l.dirfd, t, 0)
			}
			cause := fmt.Errorf("replacing %q: %w", f.Path, &os.PathError{Op: "rename", Path: f.Path, Err: err})
			if failed := l.putBack(root, files[:i]); len(failed) > 0 {
				return fmt.Errorf("%w; %d of %d files were replaced and could not be put back, they hold their new content: %s", cause, len(failed), len(files), quoteAll(failed))
			}
			return fmt.Errorf("%w; nothing was changed (%d of %d files had been replaced; they were put back)", cause, i, len(files))
		}
	}
	return nil
}

// writeTemps writes each file's new content to a new temporary file and
// returns their names; on an error it removes those it made. Files are
// written in parallel: creating files is what a large write spends most on.
func (l *Lock) writeTemps(files []Replacement) ([]string, error) {
	umask() // read before any file is created, not while workers create them
	temps := make([]string, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(4, len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				temps[i], errs[i] = l.writeTemp(files[i].New, files[i].Mode)
				if errs[i] != nil {
					errs[i] = fmt.Errorf("writing %q: %w", files[i].Path, errs[i])
				}
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, t := range temps {
			if t != "" {
				unix.Unlinkat(l.dirfd, t, 0)
			}
		}
		return nil, err
	}
	return temps, nil
}

// putBack writes the old content of files over them and returns the paths
// it could not restore.
func (l *Lock) putBack(root int, files []Replacement) []string {
	var failed []string
	for _, f := range files {
		tmp, err := l.writeTemp(f.Old, f.Mode)
		if err == nil {
			if err = l.keepOwner(tmp, root, f.Path); err == nil {
				err = l.renameat(l.dirfd, tmp, root, f.Path)
			}
			if err != nil {
				unix.Unlinkat(l.dirfd, tmp, 0)
			}
		}
		if err != nil {
			failed = append(failed, f.Path)
		}
	}
	return failed
}

// writeTemp creates a new temporary file in the scratch directory with
// data and the permission bits of mode, in as few system calls as it
// takes: open, write, close, and a chmod only when the umask took bits off.
// With the rename, that is what a minimal writer spends on a file.
func (l *Lock) writeTemp(data []byte, mode fs.FileMode) (string, error) {
	perm := uint32(mode.Perm())
	if perm == 0 {
		perm = 0o644
	}
	for {
		name := l.tempBase + strconv.FormatUint(tempSeq.Add(1), 10)
		fd, err := unix.Openat(l.dirfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, perm)
		if errors.Is(err, unix.EEXIST) {
			continue // left by a process of the same ID, where there are no locks
		}
		if err != nil {
			return "", err
		}
		err = writeAll(fd, data)
		if err == nil && perm&umask() != 0 {
			err = unix.Fchmod(fd, perm)
		}
		if cerr := unix.Close(fd); err == nil {
			err = cerr
		}
		if err != nil {
			unix.Unlinkat(l.dirfd, name, 0)
			return "", err
		}
		return name, nil
	}
}

func writeAll(fd int, data []byte) error {
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// umask reads the process's umask once. The only way to read it is to set
// it, so it is set straight back, before any file is created.
var umask = sync.OnceValue(func() uint32 {
	m := unix.Umask(0o022)
	unix.Umask(m)
	return uint32(m)
})

func quoteAll(ps []string) string {
	q := make([]string, len(ps))
	for i, p := range ps {
		q[i] = fmt.Sprintf("%q", p)
	}
	return strings.Join(q, ", ")
}
