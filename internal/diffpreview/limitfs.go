package diffpreview

import (
	"io/fs"

	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// limitFS returns fsys with files over max bytes refused, unless fsys
// caps them itself (a workspace.Tree) or max is 0.
func limitFS(fsys fs.FS, max int64) fs.FS {
	if _, ok := fsys.(interface{ MaxFileSize() int64 }); ok || max <= 0 {
		return fsys
	}
	return &limited{fsys: fsys, max: max}
}

// limited is a file system whose large files cannot be read: a pull
// request's tree may hold a file of gigabytes.
type limited struct {
	fsys fs.FS
	max  int64
}

func (l *limited) check(name string) error {
	info, err := fs.Stat(l.fsys, name)
	if err != nil {
		return err
	}
	if info.Mode().IsRegular() && info.Size() > l.max {
		return &workspace.FileError{Path: name, Err: workspace.ErrTooLarge, Size: info.Size(), Limit: l.max}
	}
	return nil
}

func (l *limited) Open(name string) (fs.File, error) {
	if err := l.check(name); err != nil {
		return nil, err
	}
	return l.fsys.Open(name)
}

func (l *limited) ReadFile(name string) ([]byte, error) {
	if err := l.check(name); err != nil {
		return nil, err
	}
	return fs.ReadFile(l.fsys, name)
}

func (l *limited) Stat(name string) (fs.FileInfo, error) { return fs.Stat(l.fsys, name) }

func (l *limited) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(l.fsys, name) }
