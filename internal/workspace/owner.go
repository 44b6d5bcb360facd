//go:build unix

package workspace

import (
	"os"
	"path"

	"golang.org/x/sys/unix"
)

// asRoot is whether the process runs as root, as a container action does
// (GitHub runs it as the image's default user, which must be root). The
// workspace then belongs to the runner's user: a file the tool creates or
// replaces would pass to root, and the job's later steps, which run as the
// runner's user, could no longer write it in place.
var asRoot = os.Geteuid() == 0

// owner is who a file of the tree belongs to.
type owner struct{ uid, gid uint32 }

// keepOwner gives the new file tmp (in the scratch directory) the owner of
// what it will replace: the file at name in rootfd, or, for a new file, the
// directory that will hold it. It does something only as root; as anyone
// else the file is the caller's anyway, and chown would be refused. The
// owner of a file read under the lock is known from that read's stat, and
// costs no system call here.
func (l *Lock) keepOwner(tmp string, rootfd int, name string) error {
	if !asRoot {
		return nil
	}
	o, ok := l.t.readOwner(name)
	if !ok {
		if o, ok = statOwner(rootfd, name); !ok {
			return nil // the rename reports what is wrong
		}
	}
	if o.uid == 0 && o.gid == 0 {
		return nil // the temporary file is root's already
	}
	return unix.Fchownat(l.dirfd, tmp, int(o.uid), int(o.gid), unix.AT_SYMLINK_NOFOLLOW)
}

// readOwner returns the owner of name as read under a Lock, if it was.
func (t *Tree) readOwner(name string) (owner, bool) {
	m := t.owners.Load()
	if m == nil {
		return owner{}, false
	}
	v, ok := m.Load(name)
	if !ok {
		return owner{}, false
	}
	return v.(owner), true
}

// statOwner asks who owns name, or, when it does not exist, its directory.
func statOwner(rootfd int, name string) (owner, bool) {
	var st unix.Stat_t
	if err := unix.Fstatat(rootfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if err := unix.Fstatat(rootfd, path.Dir(name), &st, 0); err != nil {
			return owner{}, false
		}
	}
	return owner{st.Uid, st.Gid}, true
}
