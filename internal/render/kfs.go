package render

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// errReadOnly is what kustomize gets if it tries to write: a build only
// reads.
var errReadOnly = errors.New("rendering reads the repository and never writes it")

// kustFS presents an fs.FS to kustomize as a read-only filesys.FileSystem
// rooted at "/", so that builds run in memory on whatever the caller hands
// in (the working tree, a test's fstest.MapFS). Reads of kustomization
// files go through rewrite, which takes remote bases out, and reads of
// other files through mark, which marks the origin of their documents
// (nil leaves them as they are); every file read is recorded.
type kustFS struct {
	fsys    fs.FS
	rewrite func(name string, data []byte) ([]byte, error)
	mark    func(name string, data []byte) []byte
	// real resolves the links of a path without leaving the root; nil
	// when the file system has none.
	real func(name string) (string, error)

	mu   sync.Mutex
	read []string // fsys paths, in the order they were first read
	seen map[string]bool
	// virtual are files that exist only for the build (what a
	// kustomization's helmCharts rendered), by fsys path.
	virtual map[string][]byte
}

// addVirtual adds a file that exists only for the build.
func (k *kustFS) addVirtual(name string, data []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.virtual == nil {
		k.virtual = map[string][]byte{}
	}
	k.virtual[name] = data
}

func (k *kustFS) virtualFile(name string) ([]byte, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	data, ok := k.virtual[name]
	return data, ok
}

func newKustFS(fsys fs.FS, rewrite func(string, []byte) ([]byte, error), mark func(string, []byte) []byte) *kustFS {
	return &kustFS{fsys: fsys, rewrite: rewrite, mark: mark, seen: map[string]bool{}}
}

// rel turns kustomize's absolute path into a path of fsys.
func rel(p string) string {
	p = path.Clean("/" + filepath.ToSlash(p))
	if p == "/" {
		return "."
	}
	return p[1:]
}

func (k *kustFS) record(name string) {
	k.mu.Lock()
	if !k.seen[name] {
		k.seen[name] = true
		k.read = append(k.read, name)
	}
	k.mu.Unlock()
}

// files returns the fsys paths read so far.
func (k *kustFS) files() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.read...)
}

func (k *kustFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (k *kustFS) Mkdir(string) error                  { return errReadOnly }
func (k *kustFS) MkdirAll(string) error               { return errReadOnly }
func (k *kustFS) RemoveAll(string) error              { return errReadOnly }
func (k *kustFS) WriteFile(string, []byte) error      { return errReadOnly }

func (k *kustFS) Open(p string) (filesys.File, error) {
	if data, ok := k.virtualFile(rel(p)); ok {
		return &memFile{r: strings.NewReader(string(data)), info: virtualInfo{name: path.Base(p), size: int64(len(data))}}, nil
	}
	data, err := k.ReadFile(p)
	if err != nil {
		return nil, err
	}
	info, err := fs.Stat(k.fsys, rel(p))
	if err != nil {
		return nil, err
	}
	return &memFile{r: strings.NewReader(string(data)), info: info}, nil
}

func (k *kustFS) IsDir(p string) bool {
	info, err := fs.Stat(k.fsys, rel(p))
	return err == nil && info.IsDir()
}

func (k *kustFS) ReadDir(p string) ([]string, error) {
	es, err := fs.ReadDir(k.fsys, rel(p))
	if err != nil {
		return nil, err
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Name()
	}
	return out, nil
}

// CleanedAbs splits a path into its directory and file name, as kustomize's
// on-disk file system does: with every symbolic link resolved, so that the
// loader's root restriction ("security; file ... is not in or below ...")
// judges the real path, and a link cannot carry a resources entry out of
// its kustomization's directory, let alone out of the tree. Without a
// resolver (a test's fstest.MapFS, which has no links) the path is only
// cleaned.
func (k *kustFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	name := rel(p)
	if _, ok := k.virtualFile(name); ok {
		return filesys.ConfirmedDir("/" + path.Dir(name)), path.Base(name), nil
	}
	if k.real != nil {
		real, err := k.real(name)
		var fe *workspace.FileError
		switch {
		case errors.As(err, &fe) && fe.Err == workspace.ErrEscapes:
			// kustomize's own words for a file outside the root, so that
			// the message reads the same as kustomize build's.
			return "", "", fmt.Errorf("security; file '%s' is not in or below the repository: it is, or passes through, a symbolic link that leads out of it", p)
		case err != nil:
			return "", "", err
		}
		name = real
	}
	abs := "/" + name
	if abs == "/." {
		abs = "/"
	}
	info, err := fs.Stat(k.fsys, rel(abs))
	if err != nil {
		return "", "", err
	}
	if info.IsDir() {
		return filesys.ConfirmedDir(abs), "", nil
	}
	return filesys.ConfirmedDir(path.Dir(abs)), path.Base(abs), nil
}

func (k *kustFS) Exists(p string) bool {
	if _, ok := k.virtualFile(rel(p)); ok {
		return true
	}
	_, err := fs.Stat(k.fsys, rel(p))
	return err == nil
}

func (k *kustFS) Glob(pattern string) ([]string, error) {
	m, err := fs.Glob(k.fsys, rel(pattern))
	for i := range m {
		m[i] = "/" + m[i]
	}
	return m, err
}

func (k *kustFS) ReadFile(p string) ([]byte, error) {
	name := rel(p)
	if data, ok := k.virtualFile(name); ok {
		return data, nil
	}
	data, err := fs.ReadFile(k.fsys, name)
	if err != nil {
		return nil, err
	}
	k.record(name)
	if IsKustomizationFile(name) {
		if k.rewrite != nil {
			return k.rewrite(name, data)
		}
		return data, nil
	}
	if k.mark != nil {
		return k.mark(name, data), nil
	}
	return data, nil
}

func (k *kustFS) Walk(p string, fn filepath.WalkFunc) error {
	return fs.WalkDir(k.fsys, rel(p), func(name string, d fs.DirEntry, err error) error {
		var info fs.FileInfo
		if d != nil {
			info, _ = d.Info()
		}
		return fn("/"+name, info, err)
	})
}

// virtualInfo describes a file that exists only for the build.
type virtualInfo struct {
	name string
	size int64
}

func (v virtualInfo) Name() string       { return v.name }
func (v virtualInfo) Size() int64        { return v.size }
func (v virtualInfo) Mode() fs.FileMode  { return 0o444 }
func (v virtualInfo) ModTime() time.Time { return time.Time{} }
func (v virtualInfo) IsDir() bool        { return false }
func (v virtualInfo) Sys() any           { return nil }

// memFile is a file kustomize opened for reading.
type memFile struct {
	r    *strings.Reader
	info fs.FileInfo
}

func (f *memFile) Read(p []byte) (int, error)         { return f.r.Read(p) }
func (f *memFile) Write([]byte) (int, error)          { return 0, errReadOnly }
func (f *memFile) Close() error                       { return nil }
func (f *memFile) Stat() (os.FileInfo, error)         { return f.info, nil }
func (f *memFile) Seek(o int64, w int) (int64, error) { return f.r.Seek(o, w) }

var _ io.ReadWriteCloser = (*memFile)(nil)

// kustomizationNames are the file names kustomize looks for in a directory.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// IsKustomizationFile reports whether name is a file kustomize reads as a
// directory's kustomization.
func IsKustomizationFile(name string) bool {
	b := path.Base(name)
	for _, n := range kustomizationNames {
		if b == n {
			return true
		}
	}
	return false
}
