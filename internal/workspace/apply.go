//go:build unix

package workspace

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Edit is one file of the tree that Apply writes or removes, with what the
// caller read of it before: the content Old when Existed, else nothing.
type Edit struct {
	// Path is the file's slash-separated path relative to the root.
	Path    string
	Old     []byte
	Existed bool
	// New is the content to write, with the permission bits of Mode (0
	// means 0644); Delete removes the file instead.
	New    []byte
	Delete bool
	Mode   fs.FileMode
}

// ChangedError says files of the tree do not hold what the caller read:
// they were changed since (an edit nobody committed, a file put in the
// way), and writing over them would lose that change.
type ChangedError struct {
	Paths []string
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("%s changed since it was read (an edit not committed, or a file in the way); nothing was changed", quoteAll(e.Paths))
}

// applied is what Apply does to one file.
type applied int

const (
	leave  applied = iota // it holds the new state already
	write                 // replace or create it
	remove                // remove it
)

// Apply makes every edit or none, under the lock. It first reads each file
// as it is now, without following a link: one that holds New already (or
// is gone, for a removal) is left as it is; one that holds neither what
// the caller read nor that is a *ChangedError, and nothing is written. No
// directory on a file's way may be a symbolic link or anything but a
// directory (a write never goes through a link); the directories a new
// file needs are made. Removed files are moved into the scratch directory
// first and new content goes through Replace, so that on a failure every
// file is put back (and new files and directories removed), or the error
// names what could not be. It returns how many files it wrote or removed.
func (l *Lock) Apply(edits []Edit) (int, error) {
	root, err := openDir(l.t.dir)
	if err != nil {
		return 0, fmt.Errorf("nothing was changed: %w", err)
	}
	defer unix.Close(root)
	plan, err := l.plan(root, edits)
	if err != nil {
		return 0, err
	}
	var writes []Replacement
	var removals []Edit
	var news []string
	for i, e := range edits {
		switch plan[i] {
		case write:
			writes = append(writes, Replacement{Path: e.Path, Old: e.Old, New: e.New, Mode: e.Mode})
			if !e.Existed {
				news = append(news, e.Path)
			}
		case remove:
			removals = append(removals, e)
		}
	}
	made, err := makeDirs(root, news)
	undoDirs := func() {
		for i := len(made) - 1; i >= 0; i-- {
			unix.Unlinkat(root, made[i], unix.AT_REMOVEDIR)
		}
	}
	if err != nil {
		undoDirs()
		return 0, fmt.Errorf("nothing was changed: %w", err)
	}
	aside, err := l.moveAside(root, removals)
	if err != nil {
		undoDirs()
		return 0, err
	}
	if err := l.Replace(writes); err != nil {
		for _, p := range news {
			unix.Unlinkat(root, p, 0)
		}
		if failed := l.putAside(root, removals, aside); len(failed) > 0 {
			return 0, fmt.Errorf("%w; the removed files %s could not be put back: they are in %s", err, quoteAll(failed), l.path)
		}
		undoDirs()
		return 0, err
	}
	for i, e := range removals {
		unix.Unlinkat(l.dirfd, aside[i], 0)
		removeEmptyDirs(root, path.Dir(e.Path))
	}
	return len(writes) + len(removals), nil
}

// plan decides what to do with each edit, from the tree as it is now.
func (l *Lock) plan(root int, edits []Edit) ([]applied, error) {
	plan := make([]applied, len(edits))
	var changed []string
	for i, e := range edits {
		if err := checkName("write", e.Path); err != nil {
			return nil, err
		}
		data, exists, err := l.current(root, e.Path)
		if err != nil {
			return nil, fmt.Errorf("nothing was changed: %w", err)
		}
		switch {
		case e.Delete && !exists:
			plan[i] = leave
		case !e.Delete && exists && bytes.Equal(data, e.New):
			plan[i] = leave
		case exists != e.Existed || exists && !bytes.Equal(data, e.Old):
			changed = append(changed, e.Path)
		case e.Delete:
			plan[i] = remove
		default:
			plan[i] = write
		}
	}
	if len(changed) > 0 {
		sort.Strings(changed)
		return nil, &ChangedError{Paths: changed}
	}
	return plan, nil
}

// current reads the file at name as it is now: its content, or that it
// does not exist. A symbolic link or anything but a directory on its way,
// and anything but a regular file at its place, are errors.
func (l *Lock) current(root int, name string) ([]byte, bool, error) {
	dir, base := path.Split(name)
	fd, err := openDirs(root, strings.TrimSuffix(dir, "/"), false)
	if errors.Is(err, unix.ENOENT) {
		return nil, false, nil
	}
	if errors.Is(err, unix.ENOTDIR) {
		return nil, false, &os.PathError{Op: "open", Path: name, Err: errors.New("a directory on its way is a symbolic link or a file")}
	}
	if err != nil {
		return nil, false, &os.PathError{Op: "open", Path: name, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstatat(fd, base, &st, unix.AT_SYMLINK_NOFOLLOW); errors.Is(err, unix.ENOENT) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, &os.PathError{Op: "stat", Path: name, Err: err}
	}
	if t := typeOf(uint32(st.Mode)); t != 0 {
		return nil, false, &FileError{Path: name, Err: ErrNotRegular, Type: TypeName(t)}
	}
	data, _, err := l.t.ReadFileLimit(name, l.t.max)
	var fe *FileError
	if errors.As(err, &fe) && errors.Is(err, ErrTooLarge) {
		return nil, true, nil // larger than anything the caller read: changed
	}
	return data, err == nil, err
}

// openDirs opens the directory dir (a slash path under the directory
// open as root, "" for root itself) one component at a time, never
// through a symbolic link; with create, the missing components are made.
// A component that is a link or a file is ENOTDIR.
func openDirs(root int, dir string, create bool) (int, error) {
	fd, err := unix.Dup(root)
	if err != nil || dir == "" {
		return fd, err
	}
	for _, c := range strings.Split(dir, "/") {
		next, err := unix.Openat(fd, c, dirFlags, 0)
		if errors.Is(err, unix.ENOENT) && create {
			if err = unix.Mkdirat(fd, c, 0o755); err == nil || errors.Is(err, unix.EEXIST) {
				next, err = unix.Openat(fd, c, dirFlags, 0)
			}
		}
		unix.Close(fd)
		if errors.Is(err, unix.ELOOP) {
			err = unix.ENOTDIR
		}
		if err != nil {
			return -1, err
		}
		fd = next
	}
	return fd, nil
}

// makeDirs makes the directories new files need, and returns those it
// made, parents first. As root a new directory gets its parent's owner,
// as keepOwner gives files.
func makeDirs(root int, files []string) ([]string, error) {
	var made []string
	seen := map[string]bool{}
	for _, f := range files {
		dir := path.Dir(f)
		if dir == "." || seen[dir] {
			continue
		}
		var prefix string
		for _, c := range strings.Split(dir, "/") {
			prefix = path.Join(prefix, c)
			if seen[prefix] {
				continue
			}
			seen[prefix] = true
			var st unix.Stat_t
			err := unix.Fstatat(root, prefix, &st, unix.AT_SYMLINK_NOFOLLOW)
			if err == nil {
				if st.Mode&unix.S_IFMT != unix.S_IFDIR {
					return made, &os.PathError{Op: "mkdir", Path: prefix, Err: fmt.Errorf("not a directory (a symbolic link or a file is in the way): %w", unix.ENOTDIR)}
				}
				continue
			}
			if !errors.Is(err, unix.ENOENT) {
				return made, &os.PathError{Op: "mkdir", Path: prefix, Err: err}
			}
			parent, err := openDirs(root, strings.TrimSuffix(path.Dir(prefix), "."), false)
			if err != nil {
				return made, &os.PathError{Op: "mkdir", Path: prefix, Err: err}
			}
			err = unix.Mkdirat(parent, path.Base(prefix), 0o755)
			if err == nil {
				made = append(made, prefix)
				err = sameOwnerAsParent(parent, path.Base(prefix))
			}
			unix.Close(parent)
			if err != nil {
				return made, &os.PathError{Op: "mkdir", Path: prefix, Err: err}
			}
		}
	}
	return made, nil
}

// sameOwnerAsParent gives the new directory name in parent the owner of
// parent, as root (see asRoot).
func sameOwnerAsParent(parent int, name string) error {
	if !asRoot {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(parent, &st); err != nil || (st.Uid == 0 && st.Gid == 0) {
		return nil
	}
	return unix.Fchownat(parent, name, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW)
}

// moveAside moves the files to remove into the scratch directory and
// returns their names there; on a failure it puts back those it moved.
func (l *Lock) moveAside(root int, removals []Edit) ([]string, error) {
	aside := make([]string, len(removals))
	for i, e := range removals {
		name := fmt.Sprintf("%s%d-%d", tempPrefix, os.Getpid(), tempSeq.Add(1))
		if err := l.renameat(root, e.Path, l.dirfd, name); err != nil {
			cause := fmt.Errorf("removing %q: %w", e.Path, &os.PathError{Op: "rename", Path: e.Path, Err: err})
			if failed := l.putAside(root, removals[:i], aside[:i]); len(failed) > 0 {
				return nil, fmt.Errorf("%w; the removed files %s could not be put back: they are in %s", cause, quoteAll(failed), l.path)
			}
			return nil, fmt.Errorf("%w; nothing was changed", cause)
		}
		aside[i] = name
	}
	return aside, nil
}

// putAside moves removed files back from the scratch directory and
// returns the paths it could not.
func (l *Lock) putAside(root int, removals []Edit, aside []string) []string {
	var failed []string
	for i, e := range removals {
		if err := l.renameat(l.dirfd, aside[i], root, e.Path); err != nil {
			failed = append(failed, e.Path)
		}
	}
	return failed
}

// removeEmptyDirs removes dir and its parents while they are empty: git
// keeps no empty directory, so a promotion that removed a directory's
// last file leaves none behind.
func removeEmptyDirs(root int, dir string) {
	for dir != "." && dir != "/" && dir != "" {
		if unix.Unlinkat(root, dir, unix.AT_REMOVEDIR) != nil {
			return
		}
		dir = path.Dir(dir)
	}
}

// typeOf is the type bits of a stat's mode as fs has them; 0 is a regular
// file.
func typeOf(mode uint32) fs.FileMode {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFLNK:
		return fs.ModeSymlink
	case unix.S_IFIFO:
		return fs.ModeNamedPipe
	case unix.S_IFSOCK:
		return fs.ModeSocket
	case unix.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		return fs.ModeDevice
	case unix.S_IFREG:
		return 0
	}
	return fs.ModeIrregular
}
