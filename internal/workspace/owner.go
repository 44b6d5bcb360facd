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

// keepOwner gives the new file tmp (in dirfd) the owner of what it will
// replace: the file at name in rootfd, or, for a new file, the directory
// that will hold it. It does something only as root; as anyone else the
// file is the caller's anyway, and chown would be refused.
func keepOwner(dirfd int, tmp string, rootfd int, name string) error {
	if !asRoot {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Fstatat(rootfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		dir := path.Dir(name)
		if err := unix.Fstatat(rootfd, dir, &st, 0); err != nil {
			return nil // the rename reports what is wrong
		}
	}
	if st.Uid == 0 && st.Gid == 0 {
		return nil
	}
	return unix.Fchownat(dirfd, tmp, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW)
}
