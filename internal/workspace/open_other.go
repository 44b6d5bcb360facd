//go:build unix && !linux

package workspace

import (
	"errors"
	"syscall"
)

// beneathFD is -1: only Linux has openat2, elsewhere os.Root resolves.
func beneathFD(string) int { return -1 }

func (t *Tree) openFD(name string, dir bool) (int, error) {
	flags := syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOCTTY | syscall.O_CLOEXEC
	if dir {
		flags |= syscall.O_DIRECTORY
	}
	return t.openRoot(name, flags)
}

func fstat(fd int, st *syscall.Stat_t) error {
	for {
		err := syscall.Fstat(fd, st)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
