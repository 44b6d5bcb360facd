//go:build unix

package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"
)

// hostileTree lays out a tree with every kind of file a pull request can
// bring, and a secret outside it that must never be read.
func hostileTree(t *testing.T) (dir, outside string) {
	t.Helper()
	base := t.TempDir()
	dir = filepath.Join(base, "repo")
	outside = filepath.Join(base, "secret.yaml")
	must(t, os.WriteFile(outside, []byte("token: ghp_secret\n"), 0o600))
	must(t, os.MkdirAll(filepath.Join(dir, "app", "base"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "app", "base", "deploy.yaml"), []byte("kind: Deployment\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "big.yaml"), make([]byte, 2048), 0o644))
	must(t, os.Symlink("app/base/deploy.yaml", filepath.Join(dir, "inside.yaml")))
	must(t, os.Symlink("../../../secret.yaml", filepath.Join(dir, "app", "base", "escape.yaml")))
	must(t, os.Symlink(outside, filepath.Join(dir, "absolute.yaml")))
	must(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")))
	must(t, os.Symlink(filepath.Dir(outside), filepath.Join(dir, "outdir")))
	must(t, os.Symlink("app", filepath.Join(dir, "indir")))
	must(t, os.Symlink("loop-b", filepath.Join(dir, "loop-a")))
	must(t, os.Symlink("loop-a", filepath.Join(dir, "loop-b")))
	must(t, os.Symlink("missing.yaml", filepath.Join(dir, "dangling.yaml")))
	must(t, syscall.Mkfifo(filepath.Join(dir, "fifo.yaml"), 0o644))
	return dir, outside
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// trees opens dir twice: with openat2 where the kernel has it, and through
// os.Root alone, so that both ways of opening are held to the same rules.
func trees(t *testing.T, dir string, max int64) map[string]*Tree {
	t.Helper()
	fast, err := Open(dir, max)
	must(t, err)
	slow, err := Open(dir, max)
	must(t, err)
	if slow.fd >= 0 {
		syscall.Close(slow.fd)
		slow.fd = -1
	}
	t.Cleanup(func() { fast.Close(); slow.Close() })
	return map[string]*Tree{"openat2": fast, "os.Root": slow}
}

// noHang runs f and fails the test if it has not returned long after any
// open or read could take: a FIFO opened without O_NONBLOCK never returns.
func noHang(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s blocked", what)
	}
}

func TestReadFile(t *testing.T) {
	dir, _ := hostileTree(t)
	tests := []struct {
		name    string
		file    string
		want    string
		wantErr error
		wantMsg string
	}{
		{name: "regular file", file: "app/base/deploy.yaml", want: "kind: Deployment\n"},
		{name: "link inside the tree is followed", file: "inside.yaml", want: "kind: Deployment\n"},
		{name: "directory link inside the tree", file: "indir/base/deploy.yaml", want: "kind: Deployment\n"},
		{name: "relative link out of the tree", file: "app/base/escape.yaml", wantErr: ErrEscapes, wantMsg: "leads out of the tree"},
		{name: "absolute link out of the tree", file: "absolute.yaml", wantErr: ErrEscapes},
		{name: "link to a device", file: "zero.yaml", wantErr: ErrEscapes},
		{name: "through a directory link out of the tree", file: "outdir/secret.yaml", wantErr: ErrEscapes},
		{name: "FIFO", file: "fifo.yaml", wantErr: ErrNotRegular, wantMsg: `"fifo.yaml" is a FIFO, not a regular file`},
		{name: "over the limit", file: "big.yaml", wantErr: ErrTooLarge, wantMsg: "2048 bytes, over the 1024-byte limit"},
		{name: "link loop", file: "loop-a", wantErr: ErrLinkLoop},
		{name: "dangling link", file: "dangling.yaml", wantErr: fs.ErrNotExist},
		{name: "dot-dot", file: "../secret.yaml", wantErr: fs.ErrInvalid},
	}
	for how, tree := range trees(t, dir, 1024) {
		for _, tc := range tests {
			t.Run(how+"/"+tc.name, func(t *testing.T) {
				var got []byte
				var err error
				noHang(t, "ReadFile", func() { got, err = tree.ReadFile(tc.file) })
				if tc.wantErr != nil {
					if !errors.Is(err, tc.wantErr) {
						t.Fatalf("ReadFile(%q) = %q, %v; want error %v", tc.file, got, err, tc.wantErr)
					}
					if !strings.Contains(err.Error(), tc.wantMsg) {
						t.Errorf("error %q does not say %q", err, tc.wantMsg)
					}
					if strings.Contains(string(got), "ghp_secret") {
						t.Errorf("the secret outside the tree was read")
					}
					return
				}
				if err != nil || string(got) != tc.want {
					t.Fatalf("ReadFile(%q) = %q, %v; want %q", tc.file, got, err, tc.want)
				}
			})
		}
	}
}

func TestOpenNeverBlocks(t *testing.T) {
	dir, _ := hostileTree(t)
	for how, tree := range trees(t, dir, 0) {
		t.Run(how, func(t *testing.T) {
			var err error
			noHang(t, "Open", func() {
				var f fs.File
				f, err = tree.Open("fifo.yaml")
				if f != nil {
					f.Close()
				}
			})
			if !errors.Is(err, ErrNotRegular) {
				t.Errorf("Open(fifo) = %v, want ErrNotRegular", err)
			}
		})
	}
}

func TestReadDirDoesNotFollow(t *testing.T) {
	dir, _ := hostileTree(t)
	tree := trees(t, dir, 0)["openat2"]
	es, err := tree.ReadDir(".")
	must(t, err)
	got := map[string]string{}
	for _, e := range es {
		got[e.Name()] = TypeName(e.Type())
	}
	want := map[string]string{"app": "directory", "big.yaml": "regular file", "inside.yaml": "symbolic link", "outdir": "symbolic link", "fifo.yaml": "FIFO", "zero.yaml": "symbolic link"}
	for name, typ := range want {
		if got[name] != typ {
			t.Errorf("entry %q: type %q, want %q", name, got[name], typ)
		}
	}
	if _, err := tree.ReadDir("outdir"); !errors.Is(err, ErrEscapes) {
		t.Errorf("ReadDir through a link out of the tree = %v, want ErrEscapes", err)
	}
}

// TestWalkIsAnFS runs the standard fs.FS checks on a tree without links.
func TestWalkIsAnFS(t *testing.T) {
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "a", "b", "c.yaml"), []byte("x: 1\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "d.yaml"), []byte("y: 2\n"), 0o644))
	tree, err := Open(dir, 0)
	must(t, err)
	defer tree.Close()
	if err := fstest.TestFS(tree, "a/b/c.yaml", "d.yaml"); err != nil {
		t.Fatal(err)
	}
}

func TestReal(t *testing.T) {
	dir, _ := hostileTree(t)
	tree := trees(t, dir, 0)["openat2"]
	tests := []struct {
		name, in, want string
		wantErr        error
	}{
		{name: "plain", in: "app/base/deploy.yaml", want: "app/base/deploy.yaml"},
		{name: "root", in: ".", want: "."},
		{name: "file link", in: "inside.yaml", want: "app/base/deploy.yaml"},
		{name: "directory link", in: "indir/base", want: "app/base"},
		{name: "link out", in: "app/base/escape.yaml", wantErr: ErrEscapes},
		{name: "absolute link", in: "absolute.yaml", wantErr: ErrEscapes},
		{name: "loop", in: "loop-a", wantErr: ErrLinkLoop},
		{name: "dangling", in: "dangling.yaml", wantErr: fs.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tree.Real(tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Real(%q) = %q, %v; want %v", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Real(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestWriteFileNeverFollowsALink(t *testing.T) {
	dir, outside := hostileTree(t)
	must(t, os.Symlink(outside, filepath.Join(dir, "report.sarif")))
	tree := trees(t, dir, 0)["openat2"]
	must(t, tree.WriteFile("report.sarif", []byte("{}"), 0o644))
	got, err := os.ReadFile(outside)
	must(t, err)
	if string(got) != "token: ghp_secret\n" {
		t.Errorf("the link's target was overwritten: %q", got)
	}
	info, err := os.Lstat(filepath.Join(dir, "report.sarif"))
	must(t, err)
	if !info.Mode().IsRegular() {
		t.Errorf("report.sarif is a %s after the write, want a regular file", TypeName(info.Mode()))
	}
	if err := tree.WriteFile("outdir/new.sarif", []byte("{}"), 0o644); !errors.Is(err, ErrEscapes) {
		t.Errorf("writing through a directory link out of the tree = %v, want ErrEscapes", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(outside), "new.sarif")); err == nil {
		t.Errorf("a file was written outside the tree")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, TempPrefix+"*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestPaths(t *testing.T) {
	dir, outside := hostileTree(t)
	tree := trees(t, dir, 0)["openat2"]
	tests := []struct {
		name    string
		in      []string
		want    []string
		wantMsg string
	}{
		{name: "relative", in: []string{"app"}, want: []string{"app"}},
		{name: "absolute inside", in: []string{filepath.Join(dir, "app", "base")}, want: []string{"app/base"}},
		{name: "link resolved to its target", in: []string{"inside.yaml"}, want: []string{"app/base/deploy.yaml"}},
		{name: "two names of one file give it once", in: []string{"inside.yaml", "app/base/deploy.yaml", "indir/base/deploy.yaml"}, want: []string{"app/base/deploy.yaml"}},
		{name: "dot-dot", in: []string{"../x"}, wantMsg: `input "path": "../x" is outside the working directory`},
		{name: "absolute outside", in: []string{outside}, wantMsg: "is outside the working directory"},
		{name: "link outside", in: []string{"app/base/escape.yaml"}, wantMsg: "symbolic link to a place outside the working directory"},
		{name: "FIFO", in: []string{"fifo.yaml"}, wantMsg: `"fifo.yaml" is a FIFO, not a file or directory`},
		{name: "missing", in: []string{"nope"}, wantMsg: `"nope" does not exist in`},
		{name: "loop", in: []string{"loop-a"}, wantMsg: "symbolic link loop"},
		{name: "newline", in: []string{"a\nb"}, wantMsg: "control character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var err error
			noHang(t, "Paths", func() { got, err = tree.Paths("path", tc.in) })
			if tc.wantMsg != "" {
				var ie *InputError
				if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.wantMsg) {
					t.Fatalf("Paths(%q) = %q, %v; want an InputError saying %q", tc.in, got, err, tc.wantMsg)
				}
				return
			}
			if err != nil || strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("Paths(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestPathMayNotExist(t *testing.T) {
	dir, _ := hostileTree(t)
	tree := trees(t, dir, 0)["openat2"]
	if got, err := tree.Path("output-file", "indir/report.sarif", true); err != nil || got != "app/report.sarif" {
		t.Errorf("Path(new file under a link) = %q, %v; want app/report.sarif", got, err)
	}
	for p, want := range map[string]string{
		"outdir/report.sarif": `input "output-file": "outdir/report.sarif" is in "outdir", which is, or passes through, a symbolic link to a place outside the working directory`,
		"../report.sarif":     `input "output-file": "../report.sarif" is outside the working directory`,
		"app":                 `input "output-file": "app" is a directory; give a file name`,
		"nodir/report.sarif":  `input "output-file": "nodir/report.sarif" is in "nodir", which does not exist in`,
		"fifo.yaml/x":         `input "output-file": "fifo.yaml/x" is in "fifo.yaml", which is a FIFO, not a file or directory`,
	} {
		got, err := tree.Path("output-file", p, true)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Path(%q) = %q, %v; want an InputError saying %q", p, got, err, want)
		}
	}
}

// TestErrorsNameTheOperation: an error says "stat", as os.Stat's would,
// not os.Root's "statat" (kustomize quotes it to users).
func TestErrorsNameTheOperation(t *testing.T) {
	dir, _ := hostileTree(t)
	tree := trees(t, dir, 0)["openat2"]
	_, err := tree.Stat("missing.yaml")
	if got, want := fmt.Sprint(err), "stat missing.yaml: no such file or directory"; got != want {
		t.Errorf("Stat error = %q, want %q", got, want)
	}
	_, err = tree.Real("app/missing.yaml")
	if got, want := fmt.Sprint(err), "stat app/missing.yaml: no such file or directory"; got != want {
		t.Errorf("Real error = %q, want %q", got, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Real error %v is not fs.ErrNotExist", err)
	}
}
