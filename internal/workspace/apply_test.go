//go:build unix

package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// applyTree is replaceTree with a directory whose only file an edit
// removes.
func applyTree(t *testing.T) (dir, secret string) {
	t.Helper()
	dir, secret = replaceTree(t)
	must(t, os.MkdirAll(filepath.Join(dir, "gone", "deep"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "gone", "deep", "g.yaml"), []byte("g: 1\n"), 0o644))
	return dir, secret
}

// applyEdits replace a.yaml, leave b/b.yaml (it holds the new content
// already), create new/dir/n.yaml, and remove gone/deep/g.yaml.
var applyEdits = []Edit{
	{Path: "a.yaml", Old: []byte("a: 1\n"), Existed: true, New: []byte("a: 2\n"), Mode: 0o644},
	{Path: "b/b.yaml", Old: []byte("b: 0\n"), Existed: true, New: []byte("b: 1\n"), Mode: 0o640},
	{Path: "new/dir/n.yaml", New: []byte("n: 1\n"), Mode: 0o755},
	{Path: "gone/deep/g.yaml", Old: []byte("g: 1\n"), Existed: true, Delete: true},
}

func TestApply(t *testing.T) {
	dir, secret := applyTree(t)
	tree := openTree(t, dir)
	l := lock(t, tree)
	if n, err := l.Apply(applyEdits); err != nil || n != 3 {
		t.Fatalf("Apply: %d files changed, %v; want 3 (b/b.yaml holds its new content)", n, err)
	}
	after := listing(t, dir)
	for _, want := range []string{`a.yaml -rw-r--r-- "a: 2\n"`, `b/b.yaml -rw-r----- "b: 1\n"`, `new/dir/n.yaml -rwxr-xr-x "n: 1\n"`, `c.yaml -rw------- "c: 1\n"`} {
		if !strings.Contains(after, want) {
			t.Errorf("the tree lacks %s:\n%s", want, after)
		}
	}
	if strings.Contains(after, "gone") {
		t.Errorf("the removed file or its emptied directories are left:\n%s", after)
	}
	// Again: every file holds its new state, nothing is written.
	if n, err := l.Apply(applyEdits); err != nil || n != 0 {
		t.Errorf("a second Apply: %d files changed, %v; want none", n, err)
	}
	if got := listing(t, dir); got != after {
		t.Errorf("a second Apply changed the tree:\n%s\nwant\n%s", got, after)
	}
	must(t, l.Release())
	if data, _ := os.ReadFile(secret); string(data) != "ghp_secret\n" {
		t.Errorf("the secret beside the tree changed: %q", data)
	}
}

// TestApplyAllOrNothing: a file changed since it was read, a link or a
// file in the way, and a write that fails midway leave the tree as it was.
func TestApplyAllOrNothing(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string, l *Lock)
		want  string
	}{
		{name: "a file edited since it was read", want: `"a.yaml" changed since it was read`,
			setup: func(t *testing.T, dir string, l *Lock) {
				must(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("a: mine\n"), 0o644))
			}},
		{name: "a file where a new one goes", want: `"new/dir/n.yaml" changed since it was read`,
			setup: func(t *testing.T, dir string, l *Lock) {
				must(t, os.MkdirAll(filepath.Join(dir, "new", "dir"), 0o755))
				must(t, os.WriteFile(filepath.Join(dir, "new", "dir", "n.yaml"), []byte("untracked\n"), 0o644))
			}},
		{name: "a link on the way out of the tree", want: "a directory on its way is a symbolic link or a file",
			setup: func(t *testing.T, dir string, l *Lock) {
				outside := t.TempDir()
				must(t, os.WriteFile(filepath.Join(outside, "b.yaml"), []byte("b: 0\n"), 0o644))
				must(t, os.RemoveAll(filepath.Join(dir, "b")))
				must(t, os.Symlink(outside, filepath.Join(dir, "b")))
			}},
		{name: "a link in the way of a new directory", want: "a directory on its way is a symbolic link or a file",
			setup: func(t *testing.T, dir string, l *Lock) {
				must(t, os.Symlink(t.TempDir(), filepath.Join(dir, "new")))
			}},
		{name: "a link at a file's place", want: "symbolic link",
			setup: func(t *testing.T, dir string, l *Lock) {
				must(t, os.Remove(filepath.Join(dir, "a.yaml")))
				must(t, os.Symlink("c.yaml", filepath.Join(dir, "a.yaml")))
			}},
		{name: "the last write fails", want: `replacing "new/dir/n.yaml"`,
			setup: func(t *testing.T, dir string, l *Lock) {
				l.renameat = func(od int, op string, nd int, np string) error {
					if np == "new/dir/n.yaml" {
						return unix.EIO
					}
					return unix.Renameat(od, op, nd, np)
				}
			}},
		{name: "a removal fails", want: `removing "gone/deep/g.yaml"`,
			setup: func(t *testing.T, dir string, l *Lock) {
				l.renameat = func(od int, op string, nd int, np string) error {
					if op == "gone/deep/g.yaml" {
						return unix.EIO
					}
					return unix.Renameat(od, op, nd, np)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, _ := applyTree(t)
			must(t, os.WriteFile(filepath.Join(dir, "b", "b.yaml"), []byte("b: 0\n"), 0o640))
			tree := openTree(t, dir)
			l := lock(t, tree)
			tc.setup(t, dir, l)
			before := workFiles(listing(t, dir))
			_, err := l.Apply(applyEdits)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Apply: %v, want an error with %q", err, tc.want)

			}
			if got := workFiles(listing(t, dir)); got != before {
				t.Errorf("the tree changed:\n%s\nwant\n%s", got, before)
			}
			must(t, l.Release())
		})
	}
	t.Run("the changed files are named together", func(t *testing.T) {
		dir, _ := applyTree(t)
		must(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("a: mine\n"), 0o644))
		must(t, os.Remove(filepath.Join(dir, "gone", "deep", "g.yaml")))
		must(t, os.WriteFile(filepath.Join(dir, "gone", "deep", "g.yaml"), []byte("g: mine\n"), 0o644))
		l := lock(t, openTree(t, dir))
		defer l.Release()
		var ce *ChangedError
		if _, err := l.Apply(applyEdits); !errors.As(err, &ce) || strings.Join(ce.Paths, ",") != "a.yaml,gone/deep/g.yaml" {
			t.Errorf("Apply: %v, want a.yaml and gone/deep/g.yaml changed", err)
		}
	})
}
