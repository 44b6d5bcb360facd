//go:build unix

package workspace

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// replaceTree lays out three files to replace and a secret beside the
// tree that no write may touch.
func replaceTree(t *testing.T) (dir, secret string) {
	t.Helper()
	base := t.TempDir()
	dir = filepath.Join(base, "repo")
	secret = filepath.Join(base, "secret.txt")
	must(t, os.WriteFile(secret, []byte("ghp_secret\n"), 0o600))
	must(t, os.MkdirAll(filepath.Join(dir, "b"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("a: 1\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "b", "b.yaml"), []byte("b: 1\n"), 0o640))
	must(t, os.WriteFile(filepath.Join(dir, "c.yaml"), []byte("c: 1\n"), 0o600))
	return dir, secret
}

var replacements = []Replacement{
	{Path: "a.yaml", Old: []byte("a: 1\n"), New: []byte("a: 2\n"), Mode: 0o644},
	{Path: "b/b.yaml", Old: []byte("b: 1\n"), New: []byte("b: 2\n"), Mode: 0o640},
	{Path: "c.yaml", Old: []byte("c: 1\n"), New: []byte("c: 2\n"), Mode: 0o600},
}

// listing describes every entry under dir, links and modes included, so
// that two listings differ when anything in the tree changed.
func listing(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v", rel, info.Mode())
		if info.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" %q", data)
		}
		lines = append(lines, line)
		return nil
	})
	must(t, err)
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// workFiles keeps the lines of a listing that git would see: not those of
// .git, nor those of the scratch directory of a tree that is not in git.
func workFiles(listing string) string {
	var keep []string
	for _, line := range strings.Split(listing, "\n") {
		if !strings.HasPrefix(line, ".git/") && !strings.HasPrefix(line, RootScratch) {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

func openTree(t *testing.T, dir string) *Tree {
	t.Helper()
	tree, err := Open(dir, 0)
	must(t, err)
	t.Cleanup(func() { tree.Close() })
	return tree
}

func lock(t *testing.T, tree *Tree) *Lock {
	t.Helper()
	l, err := tree.Lock(context.Background(), nil)
	must(t, err)
	return l
}

func TestReplace(t *testing.T) {
	tests := []struct {
		name string
		// setup turns the tree into a git work tree (or not) and returns
		// where the temporary files must be.
		setup func(t *testing.T, dir string) string
	}{
		{name: "plain tree", setup: func(t *testing.T, dir string) string { return filepath.Join(dir, RootScratch) }},
		{name: "git work tree", setup: func(t *testing.T, dir string) string {
			must(t, os.MkdirAll(filepath.Join(dir, ".git"), 0o755))
			must(t, os.WriteFile(filepath.Join(dir, ".git", "HEAD"), []byte("ref: refs/heads/main\n"), 0o644))
			return filepath.Join(dir, ".git", GitScratch)
		}},
		{name: "linked work tree", setup: func(t *testing.T, dir string) string {
			gitdir := filepath.Join(filepath.Dir(dir), "main.git", "worktrees", "repo")
			must(t, os.MkdirAll(gitdir, 0o755))
			must(t, os.WriteFile(filepath.Join(gitdir, "HEAD"), []byte("ref: refs/heads/x\n"), 0o644))
			must(t, os.WriteFile(filepath.Join(dir, ".git"), []byte("gitdir: ../main.git/worktrees/repo\n"), 0o644))
			return filepath.Join(gitdir, GitScratch)
		}},
		{name: "subdirectory of a git work tree", setup: func(t *testing.T, dir string) string {
			top := filepath.Dir(dir)
			must(t, os.MkdirAll(filepath.Join(top, ".git"), 0o755))
			must(t, os.WriteFile(filepath.Join(top, ".git", "HEAD"), []byte("ref: refs/heads/main\n"), 0o644))
			return filepath.Join(top, ".git", GitScratch)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, secret := replaceTree(t)
			scratch := tc.setup(t, dir)
			before := listing(t, dir)
			tree := openTree(t, dir)
			l := lock(t, tree)
			if got := l.path; got != scratch {
				t.Errorf("scratch directory %q, want %q", got, scratch)
			}
			renames := 0
			l.renameat = func(od int, op string, nd int, np string) error {
				// Mid-write, the temporary files are all in the scratch
				// directory, none in the tree (outside .git).
				if renames++; renames == 1 {
					if got, want := workFiles(listing(t, dir)), workFiles(before); got != want {
						t.Errorf("the work tree changed before the first rename:\n%s\nwant\n%s", got, want)
					}
					if temps, _ := filepath.Glob(filepath.Join(scratch, tempPrefix+"*")); len(temps) != 3 {
						t.Errorf("temporary files in %q: %v, want 3", scratch, temps)
					}
				}
				return unix.Renameat(od, op, nd, np)
			}
			must(t, l.Replace(replacements))
			must(t, l.Release())
			for _, r := range replacements {
				p := filepath.Join(dir, filepath.FromSlash(r.Path))
				data, err := os.ReadFile(p)
				must(t, err)
				info, err := os.Stat(p)
				must(t, err)
				if string(data) != string(r.New) || info.Mode().Perm() != r.Mode {
					t.Errorf("%s = %q, mode %v; want %q, mode %v", r.Path, data, info.Mode().Perm(), r.New, r.Mode)
				}
			}
			if _, err := os.Lstat(scratch); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the scratch directory %q is left: %v", scratch, err)
			}
			if data, _ := os.ReadFile(secret); string(data) != "ghp_secret\n" {
				t.Errorf("the secret beside the tree changed: %q", data)
			}
		})
	}
}

// TestReplaceAllOrNothing fails the write of the third file in several
// ways: the files replaced before it get their old content back, no
// temporary file is left, and the error says so.
func TestReplaceAllOrNothing(t *testing.T) {
	eio := func(int, string, int, string) error { return unix.EIO }
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string, l *Lock)
		want  string
	}{
		{name: "rename fails", want: `replacing "c.yaml": rename c.yaml: input/output error; nothing was changed (2 of 3 files had been replaced; they were put back)`,
			setup: func(t *testing.T, dir string, l *Lock) {
				l.renameat = func(od int, op string, nd int, np string) error {
					if np == "c.yaml" {
						return unix.EIO
					}
					return unix.Renameat(od, op, nd, np)
				}
			}},
		{name: "target replaced by a directory", want: `replacing "c.yaml": rename c.yaml: is a directory; nothing was changed`,
			setup: func(t *testing.T, dir string, l *Lock) {
				must(t, os.Remove(filepath.Join(dir, "c.yaml")))
				must(t, os.MkdirAll(filepath.Join(dir, "c.yaml", "inside"), 0o755))
			}},
		{name: "immutable file", want: `replacing "c.yaml": rename c.yaml: operation not permitted; nothing was changed`,
			setup: func(t *testing.T, dir string, l *Lock) {
				p := filepath.Join(dir, "c.yaml")
				if out, err := exec.Command("chattr", "+i", p).CombinedOutput(); err != nil {
					t.Skipf("chattr +i: %v %s", err, out)
				}
				t.Cleanup(func() { exec.Command("chattr", "-i", p).Run() })
			}},
		{name: "putting back fails too", want: `replacing "c.yaml": rename c.yaml: input/output error; 1 of 3 files were replaced and could not be put back, they hold their new content: "b/b.yaml"`,
			setup: func(t *testing.T, dir string, l *Lock) {
				n := 0
				l.renameat = func(od int, op string, nd int, np string) error {
					if n++; np == "c.yaml" || (n > 3 && np == "b/b.yaml") {
						return eio(od, op, nd, np)
					}
					return unix.Renameat(od, op, nd, np)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, secret := replaceTree(t)
			tree := openTree(t, dir)
			l := lock(t, tree)
			tc.setup(t, dir, l)
			// The tree as it was, but for the lock this test holds.
			before := strings.ReplaceAll(listing(t, dir), "\n.gitops-actions drwx------\n.gitops-actions/lock -rw------- \"\"", "")
			err := l.Replace(replacements)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Replace = %v, want an error saying %q", err, tc.want)
			}
			if temps, _ := filepath.Glob(filepath.Join(l.path, tempPrefix+"*")); len(temps) > 0 {
				t.Errorf("temporary files left: %v", temps)
			}
			must(t, l.Release())
			got := listing(t, dir)
			if tc.name == "putting back fails too" {
				before = strings.Replace(before, `b/b.yaml -rw-r----- "b: 1\n"`, `b/b.yaml -rw-r----- "b: 2\n"`, 1)
			}
			if got != before {
				t.Errorf("tree after the failed write:\n%s\nwant\n%s", got, before)
			}
			if data, _ := os.ReadFile(secret); string(data) != "ghp_secret\n" {
				t.Errorf("the secret beside the tree changed: %q", data)
			}
		})
	}
}

func TestLockWaitsForTheHolder(t *testing.T) {
	dir, _ := replaceTree(t)
	tree := openTree(t, dir)
	first := lock(t, tree)
	waiting := make(chan string, 1)
	got := make(chan error, 1)
	go func() {
		l, err := tree.Lock(context.Background(), func(f string) { waiting <- f })
		if err == nil {
			err = l.Release()
		}
		got <- err
	}()
	select {
	case f := <-waiting:
		if want := filepath.Join(dir, RootScratch, lockName); f != want {
			t.Errorf("waiting for %q, want %q", f, want)
		}
	case err := <-got:
		t.Fatalf("a second Lock returned (%v) while the first is held", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the second Lock neither waited nor returned")
	}
	must(t, first.Release())
	select {
	case err := <-got:
		must(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the second Lock did not get the lock once it was released")
	}
	if _, err := os.Lstat(filepath.Join(dir, RootScratch)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the scratch directory is left: %v", err)
	}
}

func TestLockWaitEndsWithTheContext(t *testing.T) {
	dir, _ := replaceTree(t)
	tree := openTree(t, dir)
	first := lock(t, tree)
	defer first.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := tree.Lock(ctx, nil)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting for the lock") {
		t.Errorf("Lock = %v, want a deadline error", err)
	}
}

// TestLockRemovesStaleTemporaries: a run killed mid-write leaves its
// temporary files; the next run's Lock removes them, and nothing else.
func TestLockRemovesStaleTemporaries(t *testing.T) {
	dir, _ := replaceTree(t)
	scratch := filepath.Join(dir, RootScratch)
	must(t, os.MkdirAll(scratch, 0o700))
	for _, name := range []string{"tmp-999999999-1", fmt.Sprintf("tmp-%d-7", os.Getppid()), "notes.txt"} {
		must(t, os.WriteFile(filepath.Join(scratch, name), []byte("x"), 0o600))
	}
	must(t, os.WriteFile(filepath.Join(scratch, lockName), nil, 0o600))
	tree := openTree(t, dir)
	l := lock(t, tree)
	entries, err := os.ReadDir(scratch)
	must(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got, want := strings.Join(names, ","), "lock,notes.txt"; got != want {
		t.Errorf("scratch directory holds %s, want %s", got, want)
	}
	must(t, l.Release())
	if _, err := os.Lstat(filepath.Join(scratch, lockName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the lock file is left: %v", err)
	}
}

// TestLockRefusesAPlantedLink: a committed .gitops-actions that is a link
// out of the tree is not followed; nothing is written where it points.
func TestLockRefusesAPlantedLink(t *testing.T) {
	dir, _ := replaceTree(t)
	outside := t.TempDir()
	must(t, os.Symlink(outside, filepath.Join(dir, RootScratch)))
	tree := openTree(t, dir)
	_, err := tree.Lock(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Lock = %v, want an error saying the scratch directory is not one", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) > 0 {
		t.Errorf("files written through the link: %v", entries)
	}
}

func TestAlive(t *testing.T) {
	for pid, want := range map[string]bool{fmt.Sprint(os.Getpid()): true, "999999999": false, "x": false, "0": false} {
		if got := alive(pid); got != want {
			t.Errorf("alive(%s) = %v, want %v", pid, got, want)
		}
	}
}
