package sharedtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPathIsInsideTheModule(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if err := ensureLink(root); err != nil {
		t.Fatal(err)
	}
	got, err := os.Readlink(filepath.Join(root, Link))
	if err != nil {
		t.Fatalf("the module has no %s link: %v", Link, err)
	}
	if want := filepath.Join("..", "shared"); got != want {
		t.Errorf("%s points to %q, want %q", Link, got, want)
	}
	p := Path(t, "corpora")
	if rel, err := filepath.Rel(root, p); err != nil || strings.HasPrefix(rel, "..") {
		t.Errorf("Path gave %q, outside the module root %q: the test cache would not see it", p, root)
	}
}

// TestLinkIsMadeNotCommitted: a fresh clone holds no link; the tests make
// it, whether ../shared is there or not, leave alone anything of that name,
// and git ignores it.
func TestLinkIsMadeNotCommitted(t *testing.T) {
	root := t.TempDir()
	link := filepath.Join(root, Link)
	for i := range 2 { // the second time finds it made
		if err := ensureLink(root); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if got, err := os.Readlink(link); err != nil || got != filepath.Join("..", "shared") {
			t.Fatalf("call %d: the link points to %q (%v), want ../shared", i+1, got, err)
		}
	}
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, Link), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ensureLink(other); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(other, Link)); err != nil || string(b) != "mine" {
		t.Errorf("a file named %s became %q (%v)", Link, b, err)
	}

	modRoot, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	ignore, err := os.ReadFile(filepath.Join(modRoot, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(strings.Split(string(ignore), "\n"), "/"+Link) {
		t.Errorf(".gitignore has no line /%s: the link the tests make would show as a change to commit", Link)
	}
}

var readLine = regexp.MustCompile(`read "[^"]*"`)

// TestCacheSeesShared lays out a module the way this one is (a .shared link
// to ../shared, a test that reads through Path) and runs go test on it
// while ../shared appears, changes and goes: each change must run the test
// again instead of replaying the cached result.
func TestCacheSeesShared(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command several times")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH: %v", err)
	}
	src, err := os.ReadFile("sharedtest.go")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	mod, shared := filepath.Join(tmp, "mod"), filepath.Join(tmp, "shared")
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(mod, "go.mod"), "module cachecheck\n\ngo 1.26\n")
	write(filepath.Join(mod, "sharedtest", "sharedtest.go"), string(src))
	write(filepath.Join(mod, "reader", "reader_test.go"), `package reader

import (
	"os"
	"path/filepath"
	"testing"

	"cachecheck/sharedtest"
)

func TestRead(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(sharedtest.Path(t, "corpora"), "a", "x.yaml"))
	t.Logf("read %q %v", b, err)
}
`)
	// As a fresh clone: no link; the first run makes it.
	// go test does not cache a result that read a file changed in the
	// last seconds; the material is old, as a checkout's is.
	old := time.Now().Add(-time.Hour)
	age := func() {
		t.Helper()
		filepath.WalkDir(shared, func(p string, _ os.DirEntry, err error) error {
			if err == nil {
				os.Chtimes(p, old, old)
			}
			old = old.Add(time.Second)
			return nil
		})
	}
	run := func() string {
		t.Helper()
		cmd := exec.Command(goBin, "test", "-v", "./reader")
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go test: %v\n%s", err, out)
		}
		switch s := string(out); {
		case strings.Contains(s, "(cached)"):
			return "cached"
		case strings.Contains(s, "--- SKIP"):
			return "skipped"
		case readLine.MatchString(s):
			return readLine.FindString(s)
		default:
			t.Fatalf("unexpected go test output:\n%s", s)
			return ""
		}
	}
	steps := []struct {
		name   string
		change func()
		want   string
	}{
		{name: "absent", change: func() {}, want: "skipped"},
		{name: "absent, again", change: func() {}, want: "cached"},
		{name: "appears", change: func() { write(filepath.Join(shared, "corpora", "a", "x.yaml"), "one"); age() }, want: `read "one"`},
		{name: "unchanged", change: func() {}, want: "cached"},
		{name: "a file changes", change: func() { write(filepath.Join(shared, "corpora", "a", "x.yaml"), "two!"); age() }, want: `read "two!"`},
		{name: "a file is added deeper", change: func() { write(filepath.Join(shared, "corpora", "b", "c", "y.yaml"), "y"); age() }, want: `read "two!"`},
		{name: "goes", change: func() { os.RemoveAll(shared) }, want: "skipped"},
	}
	if got := run(); got != "skipped" {
		t.Fatalf("first run: %s, want skipped", got)
	}
	if _, err := os.Readlink(filepath.Join(mod, Link)); err != nil {
		t.Fatalf("the first run made no %s link: %v", Link, err)
	}
	if got := run(); got != "cached" {
		t.Skipf("go test does not cache here (GOCACHE off, or flags that disable it): %s", got)
	}
	for _, s := range steps[2:] {
		s.change()
		if got := run(); got != s.want {
			t.Errorf("%s: go test %s, want %s", s.name, got, s.want)
		}
	}
}
