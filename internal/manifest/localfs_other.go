//go:build !unix

package manifest

import (
	"io/fs"
	"os"
)

// DirFS is os.DirFS(dir) (the system-call shortcut is for unix only).
func DirFS(dir string) fs.FS { return os.DirFS(dir) }

func createFile(name string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, perm)
	}
	return err
}
