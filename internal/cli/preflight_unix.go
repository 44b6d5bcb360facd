//go:build unix

package cli

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// probeAppend opens p as the output writer does, but without blocking on a
// FIFO that has no reader, and writes nothing to it.
func probeAppend(p string) error {
	var fd int
	var err error
	for {
		fd, err = unix.Open(p, unix.O_WRONLY|unix.O_APPEND|unix.O_CREAT|unix.O_NONBLOCK|unix.O_CLOEXEC, 0o644)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		return &os.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, nil); err != nil {
		return &os.PathError{Op: "write", Path: p, Err: err}
	}
	return nil
}
