//go:build unix

package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"unicode"
)

// InputError says a path given as an input cannot be used: it is outside
// the tree, missing, special, or unsafe to print. It is bad input (the
// caller's exit code 2), and its message names the input.
type InputError struct {
	Input, Path string
	Reason      string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("input %q: %q %s", e.Input, e.Path, e.Reason)
}

// Paths checks paths given in input (relative to the tree's root, or
// absolute inside it) and returns each as the slash-separated path of the
// file or directory it names, relative to the root, with every symbolic
// link resolved: a link inside the tree stands for its target, so that the
// target is what gets read or edited and two paths naming one file give it
// once. A path outside the tree (by "..", as an absolute path, or through a
// link), a missing one, a FIFO, socket or device, and a path with a control
// character are an *InputError.
func (t *Tree) Paths(input string, paths []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		rel, err := t.inputPath(input, p)
		if err != nil {
			return nil, err
		}
		if !seen[rel] {
			seen[rel] = true
			out = append(out, rel)
		}
	}
	return out, nil
}

// Path is Paths for one path; the path may also not exist yet when
// mayNotExist is set (a file to write): then its directory must.
func (t *Tree) Path(input, p string, mayNotExist bool) (string, error) {
	if !mayNotExist {
		return t.inputPath(input, p)
	}
	if HasControl(p) {
		return "", &InputError{input, p, "holds a control character; rename it"}
	}
	rel, err := t.lexical(input, p)
	if err != nil {
		return "", err
	}
	if rel == "." {
		return "", &InputError{input, p, "is the working directory itself, not a file"}
	}
	dir, err := t.inputPath(input, path.Dir(rel))
	var ie *InputError
	if errors.As(err, &ie) {
		// Name the path as the user gave it, and say the fault is its
		// directory's.
		return "", &InputError{input, p, fmt.Sprintf("is in %q, which %s", path.Dir(rel), ie.Reason)}
	}
	if err != nil {
		return "", err
	}
	full := path.Join(dir, path.Base(rel))
	if info, err := t.Lstat(full); err == nil && info.IsDir() {
		return "", &InputError{input, p, "is a directory; give a file name"}
	}
	return full, nil
}

func (t *Tree) inputPath(input, p string) (string, error) {
	if HasControl(p) {
		return "", &InputError{input, p, "holds a control character; rename it"}
	}
	rel, err := t.lexical(input, p)
	if err != nil {
		return "", err
	}
	real, err := t.Real(rel)
	var fe *FileError
	switch {
	case errors.As(err, &fe) && fe.Err == ErrEscapes:
		return "", &InputError{input, p, fmt.Sprintf("is, or passes through, a symbolic link to a place outside the working directory %q; give a path inside it", t.dir)}
	case errors.As(err, &fe):
		return "", &InputError{input, p, "is a symbolic link loop"}
	case errors.Is(err, fs.ErrNotExist):
		return "", &InputError{input, p, fmt.Sprintf("does not exist in %q", t.dir)}
	case err != nil:
		return "", &InputError{input, p, fmt.Sprintf("cannot be read: %v", err)}
	}
	info, err := t.Lstat(real)
	if err != nil {
		return "", &InputError{input, p, fmt.Sprintf("cannot be read: %v", err)}
	}
	if m := info.Mode(); !m.IsDir() && !m.IsRegular() {
		return "", &InputError{input, p, fmt.Sprintf("is a %s, not a file or directory", TypeName(m))}
	}
	return real, nil
}

// lexical makes p relative to the root without looking at the disk, and
// refuses it when ".." or an absolute path leaves the root.
func (t *Tree) lexical(input, p string) (string, error) {
	rel := p
	if filepath.IsAbs(p) {
		r, err := filepath.Rel(t.dir, p)
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			// The working directory may itself be reached through a link
			// (/tmp on macOS): compare the real paths too.
			realDir, derr := filepath.EvalSymlinks(t.dir)
			realP, perr := filepath.EvalSymlinks(p)
			if derr != nil || perr != nil {
				return "", &InputError{input, p, fmt.Sprintf("is outside the working directory %q; give a path inside it", t.dir)}
			}
			if r, err = filepath.Rel(realDir, realP); err != nil {
				return "", &InputError{input, p, fmt.Sprintf("is outside the working directory %q; give a path inside it", t.dir)}
			}
		}
		rel = r
	}
	rel = filepath.ToSlash(filepath.Clean(rel))
	if rel == ".." || strings.HasPrefix(rel, "../") || path.IsAbs(rel) {
		return "", &InputError{input, p, fmt.Sprintf("is outside the working directory %q; give a path inside it", t.dir)}
	}
	return rel, nil
}

// HasControl reports whether s holds a control character (a newline, a
// carriage return, an escape...): such a name could forge a line of an
// output file or a log, so it is refused rather than printed.
func HasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}
