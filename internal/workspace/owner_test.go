//go:build unix

package workspace

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWritesKeepTheOwner runs as root only, as a container action does: a
// replaced file keeps its owner, and a new file gets its directory's.
func TestWritesKeepTheOwner(t *testing.T) {
	if !asRoot {
		t.Skip("skipping: only root can give a file another owner, and only root's writes need to")
	}
	dir := t.TempDir()
	must(t, os.Chown(dir, 1001, 118))
	must(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("a: 1\n"), 0o644))
	must(t, os.Chown(filepath.Join(dir, "a.yaml"), 1002, 1003))
	tree, err := Open(dir, 0)
	must(t, err)
	defer tree.Close()

	lock, err := tree.Lock(context.Background(), nil)
	must(t, err)
	must(t, lock.Replace([]Replacement{{Path: "a.yaml", Old: []byte("a: 1\n"), New: []byte("a: 2\n")}}))
	must(t, lock.Release())
	must(t, tree.WriteFile("report.sarif", []byte("{}"), 0o644))
	must(t, tree.WriteFile("a.yaml", []byte("a: 3\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "b.yaml"), nil, 0o644)) // root's own
	must(t, tree.WriteFile("b.yaml", []byte("b: 1\n"), 0o644))

	for name, want := range map[string][2]uint32{"a.yaml": {1002, 1003}, "report.sarif": {1001, 118}, "b.yaml": {0, 0}} {
		info, err := os.Lstat(filepath.Join(dir, name))
		must(t, err)
		st := info.Sys().(*syscall.Stat_t)
		if got := [2]uint32{st.Uid, st.Gid}; got != want {
			t.Errorf("%s belongs to %v, want %v", name, got, want)
		}
	}
}

// TestReadOwnerUnderLock: as root, a file read under the lock is replaced
// with the owner that read saw, without a stat of its own; files not read
// (or read without a lock) are asked of the kernel.
func TestReadOwnerUnderLock(t *testing.T) {
	if !asRoot {
		t.Skip("skipping: only root can give a file another owner, and only root's writes need to")
	}
	dir := t.TempDir()
	for name, uid := range map[string]int{"read.yaml": 1002, "unread.yaml": 1004} {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte("a: 1\n"), 0o644))
		must(t, os.Chown(filepath.Join(dir, name), uid, uid+1))
	}
	tree, err := Open(dir, 0)
	must(t, err)
	defer tree.Close()
	if _, err := tree.ReadFile("read.yaml"); err != nil {
		t.Fatal(err)
	}
	if _, ok := tree.readOwner("read.yaml"); ok {
		t.Error("a read without the lock recorded an owner")
	}
	lock, err := tree.Lock(context.Background(), nil)
	must(t, err)
	if _, err := tree.ReadFile("read.yaml"); err != nil {
		t.Fatal(err)
	}
	if o, ok := tree.readOwner("read.yaml"); !ok || o != (owner{1002, 1003}) {
		t.Errorf("under the lock, the read recorded %v %v, want {1002 1003}", o, ok)
	}
	// The owner the read saw is the one the new file gets, even if the
	// file changed hands since (the lock holder is the only writer).
	must(t, os.Chown(filepath.Join(dir, "read.yaml"), 1006, 1007))
	must(t, lock.Replace([]Replacement{
		{Path: "read.yaml", Old: []byte("a: 1\n"), New: []byte("a: 2\n")},
		{Path: "unread.yaml", Old: []byte("a: 1\n"), New: []byte("a: 2\n")},
	}))
	must(t, lock.Release())
	if _, ok := tree.readOwner("read.yaml"); ok {
		t.Error("owners are still recorded after the lock was released")
	}
	for name, want := range map[string][2]uint32{"read.yaml": {1002, 1003}, "unread.yaml": {1004, 1005}} {
		info, err := os.Lstat(filepath.Join(dir, name))
		must(t, err)
		st := info.Sys().(*syscall.Stat_t)
		if got := [2]uint32{st.Uid, st.Gid}; got != want {
			t.Errorf("%s belongs to %v, want %v", name, got, want)
		}
	}
}
