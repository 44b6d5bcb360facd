package render

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"syscall"

	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// Every file of a pull request may be hostile: a committed link to
// /dev/zero, to /dev/stdin or to a file outside the checkout, a FIFO named
// x.yaml, a 50 MB file. The walk never follows a link and never opens
// anything but a regular file or a directory; what it will not read is a
// FileSkipped problem at its path. Reads go through the fs.FS the caller
// gives (a workspace.Tree in the binary), which refuses a link out of the
// tree, never blocks on a special file and caps the size.

// walk lists the YAML and JSON files under root (a file or a directory) and the
// directories holding a kustomization, and reports as FileSkipped every
// entry it will not read. Hidden directories (.git, .github) are skipped.
// A directory that cannot be listed is a problem too; only a root that
// cannot be described is an error.
func (t *Tree) walk(root string) (yamls, kustDirs []string, skipped []Problem, err error) {
	info, err := fs.Stat(t.fsys, root)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reading %q: %w", root, err)
	}
	if !info.IsDir() {
		return []string{root}, nil, nil, nil
	}
	err = fs.WalkDir(t.fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root && d == nil {
				return err
			}
			// A directory that cannot be listed (or an entry gone since):
			// the rest of the tree is still verified.
			skipped = append(skipped, Skipped(p, err))
			return nil
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if !d.Type().IsRegular() {
			if f, ok := t.special(p, d); ok {
				skipped = append(skipped, f)
			}
			return nil
		}
		if IsKustomizationFile(name) {
			kustDirs = append(kustDirs, path.Dir(p))
		}
		if isYAMLName(name) {
			yamls = append(yamls, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("walking %q: %w", root, err)
	}
	return yamls, slices.Compact(kustDirs), skipped, nil
}

// isYAMLName reports whether the walk reads a file of this name: YAML,
// and JSON, which is YAML too (manifests exported with kubectl get -o
// json, kept as written).
func isYAMLName(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".json") || name == "Kustomization"
}

// special describes an entry that is neither a regular file nor a
// directory, without opening it: a FIFO, device or socket always (nothing
// a config repo should hold), a symbolic link unless it names a file the
// walk would not read anyway (a README.md linked to another inside the
// tree). The link's target is said as written and as a path of the tree,
// and what is there is looked up with Stat, which opens nothing (and which
// a workspace.Tree answers only inside the tree).
func (t *Tree) special(p string, d fs.DirEntry) (Problem, bool) {
	f := Problem{File: p, Kind: FileSkipped}
	if d.Type()&fs.ModeSymlink == 0 {
		f.Message = fmt.Sprintf("not read: a %s, not a regular file", workspace.TypeName(d.Type()))
		return f, true
	}
	target, err := fs.ReadLink(t.fsys, p)
	if err != nil {
		f.Message = "not read: a symbolic link; links are never followed"
		return f, true
	}
	to, inside := linkTarget(p, target)
	info, err := fs.Stat(t.fsys, p)
	var fe *workspace.FileError
	switch {
	case !inside:
		f.Message = "not read: a symbolic link to " + to + "; links are never followed"
	case errors.As(err, &fe) && fe.Err == workspace.ErrEscapes:
		f.Message = "not read: a symbolic link to " + to + ", which leads out of the tree through another link; links are never followed"
	case errors.As(err, &fe) && fe.Err == workspace.ErrLinkLoop, errors.Is(err, syscall.ELOOP):
		f.Message = "not read: a symbolic link loop through " + to
	case errors.Is(err, fs.ErrNotExist):
		f.Message = "not read: a dangling symbolic link to " + to + ", which does not exist"
	case err != nil:
		f.Message = "not read: a symbolic link to " + to + ", which cannot be described: " + skipReason(err)
	case info.IsDir():
		f.Message = "not walked: a symbolic link to the directory " + to + "; links are never followed, so the files under it are not verified through it"
	case !info.Mode().IsRegular():
		f.Message = fmt.Sprintf("not read: a symbolic link to %s, a %s; links are never followed", to, workspace.TypeName(info.Mode()))
	case !isYAMLName(d.Name()):
		return f, false
	default:
		f.Message = "not read: a symbolic link to " + to + "; links are never followed"
	}
	return f, true
}

// linkTarget says where a link points, as written and, for a relative
// target, as a path of the tree, without reading anything; inside is false
// when the target is plainly outside the tree (absolute, or above its
// root).
func linkTarget(link, target string) (desc string, inside bool) {
	if path.IsAbs(target) {
		return fmt.Sprintf("%q, an absolute path", target), false
	}
	t := path.Join(path.Dir(link), target)
	if t == ".." || strings.HasPrefix(t, "../") {
		return fmt.Sprintf("%q, outside the tree", target), false
	}
	return fmt.Sprintf("%q (%s)", target, t), true
}

// Skipped is the FileSkipped problem for a file that could not be read:
// the error says why, the problem's position says where.
func Skipped(name string, err error) Problem {
	return Problem{File: name, Kind: FileSkipped, Message: "not read: " + skipReason(err)}
}

// skipReason says why a read failed, without the path (the problem holds
// it).
func skipReason(err error) string {
	var fe *workspace.FileError
	if errors.As(err, &fe) {
		switch fe.Err {
		case workspace.ErrTooLarge:
			return fe.Reason() + " (max-file-size raises it)"
		case workspace.ErrNotRegular, workspace.ErrEscapes, workspace.ErrLinkLoop:
			return fe.Reason()
		}
	}
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "it does not exist (a dangling symbolic link, or a file removed during the run)"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.As(err, &pe):
		return pe.Err.Error()
	}
	return err.Error()
}
