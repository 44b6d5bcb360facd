package manifest

import (
	"io/fs"
	"os"
)

// DirFS is os.DirFS(dir).
//
// Deprecated: read a working tree through a workspace.Tree, which never
// follows a link out of it, never opens a FIFO or a device, and reads a
// file in one system call. DirFS stays only while verify-manifests calls
// it.
func DirFS(dir string) fs.FS { return os.DirFS(dir) }
