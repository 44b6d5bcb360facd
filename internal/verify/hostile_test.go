package verify

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// secret is the value of a file outside the tree: reading that file would
// put it in a finding (an image with no tag is quoted), so no output may
// hold it.
const secret = "ghp_SENTINEL0123456789abcdef"

const secretPod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: leak\nspec:\n  containers:\n    - name: app\n      image: " + secret + "\n"

const cleanPod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\nspec:\n  containers:\n    - name: app\n      image: nginx:1.27\n      resources:\n        requests: {cpu: 10m, memory: 16Mi}\n        limits: {cpu: 10m, memory: 16Mi}\n      securityContext: {runAsNonRoot: true, readOnlyRootFilesystem: true}\n"

// hostileRepo lays out, under a new directory, a repository holding every
// kind of file a pull request can commit, and beside it a file holding
// the secret. It returns the repository and the directory above it.
func hostileRepo(t *testing.T) (repo, base string) {
	t.Helper()
	base = t.TempDir()
	repo = filepath.Join(base, "repo")
	outside := filepath.Join(base, "secret.yaml")
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(name, target string) {
		t.Helper()
		p := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	fifo := func(name string) {
		t.Helper()
		if err := syscall.Mkfifo(filepath.Join(repo, filepath.FromSlash(name)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outside, []byte(secretPod), 0o644); err != nil {
		t.Fatal(err)
	}
	write("README.md", "# config\n")
	write("apps/pod.yaml", strings.Replace(cleanPod, "%s", "app", 1))
	write("apps/big.yaml", strings.Repeat("# padding\n", 800)+strings.Replace(cleanPod, "%s", "big", 1))
	link("apps/zero.yaml", "/dev/zero")
	link("apps/stdin.yaml", "/dev/stdin")
	fifo("apps/x.yaml")
	link("apps/leak.yaml", "../../secret.yaml")
	link("apps/absolute.yaml", outside)
	link("apps/same.yaml", "pod.yaml")
	link("apps/dangling.yaml", "missing.yaml")
	link("apps/loop-a.yaml", "loop-b.yaml")
	link("apps/loop-b.yaml", "loop-a.yaml")
	link("apps/base", "../k4")
	link("apps/README.md", "../README.md")
	link("apps/outdir", "../..")
	link("apps/escape.yaml", "outdir/secret.yaml")
	link("apps/to-fifo.yaml", "x.yaml")
	link("apps/notes.txt", "missing.txt")
	// A socket stays on disk once its listener is closed without unlinking.
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(repo, "apps", "sock.yaml"), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()

	// Kustomizations reaching out through links.
	write("k/kustomization.yaml", "resources:\n  - deploy.yaml\n  - evil.yaml\n")
	write("k/deploy.yaml", strings.Replace(cleanPod, "%s", "k", 1))
	link("k/evil.yaml", "../../secret.yaml")
	write("k2/kustomization.yaml", "configMapGenerator:\n  - name: zero\n    files:\n      - zero.txt\n")
	link("k2/zero.txt", "/dev/zero")
	write("k3/kustomization.yaml", "resources:\n  - sibling.yaml\n")
	link("k3/sibling.yaml", "../apps/pod.yaml")
	write("k4/kustomization.yaml", "resources:\n  - linked.yaml\n")
	write("k4/real.yaml", strings.Replace(cleanPod, "%s", "k4", 1))
	link("k4/linked.yaml", "real.yaml")
	write("k5/kustomization.yaml", "configMapGenerator:\n  - name: fifo\n    files:\n      - fifo.txt\n")
	fifo("k5/fifo.txt")
	write("k6/kustomization.yaml", "configMapGenerator:\n  - name: stdin\n    files:\n      - stdin.txt\n")
	link("k6/stdin.txt", "/dev/stdin")
	return repo, base
}

// noHang runs f and fails the test if it has not returned long after any
// run on this tree could take: a FIFO or /dev/stdin opened for reading
// never returns.
func noHang(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the run blocked")
	}
}

// TestHostileTree: no link is followed by the walk, no special file is
// opened, kustomize keeps to its root as on disk, a file over the limit is
// not read; each is a finding at its path, and the run ends.
func TestHostileTree(t *testing.T) {
	repo, base := hostileRepo(t)
	tree, err := workspace.Open(repo, 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	var res *Result
	noHang(t, func() { res, err = Run(context.Background(), tree, Options{}) })
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	var b strings.Builder
	for _, f := range res.Findings {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	got := strings.ReplaceAll(b.String(), base, "$BASE")
	if strings.Contains(got, secret) {
		t.Errorf("a finding holds the secret of the file outside the tree:\n%s", got)
	}
	golden := filepath.Join("testdata", "hostile.out")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("findings differ from %s (go test ./internal/verify -update rewrites it)\n--- got\n%s--- want\n%s", golden, got, want)
	}
	// apps/pod.yaml, the six kustomization files, k/deploy.yaml and
	// k4/real.yaml; apps/big.yaml is over the limit.
	if got, want := res.Files, 9; got != want {
		t.Errorf("files read = %d, want %d", got, want)
	}
}

// faultFS fails reads the way a file system can (permission denied, an
// I/O error): as root, chmod 000 stops nothing, so the test makes the
// failure itself.
type faultFS struct {
	fs.FS
	fail map[string]error
}

func (f faultFS) ReadFile(name string) ([]byte, error) {
	if err := f.fail[name]; err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return fs.ReadFile(f.FS, name)
}

func (f faultFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if err := f.fail[name]; err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return fs.ReadDir(f.FS, name)
}

// TestUnreadable: a file or directory that cannot be read is a finding at
// its path, and the rest is verified.
func TestUnreadable(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a/locked.yaml", "a/broken.yaml", "b/c/pod.yaml", "ok.yaml"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.Replace(cleanPod, "%s", filepath.Base(name), 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tree, err := workspace.Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	fsys := faultFS{FS: tree, fail: map[string]error{"a/locked.yaml": fs.ErrPermission, "a/broken.yaml": syscall.EIO, "b/c": fs.ErrPermission}}
	res, err := Run(context.Background(), fsys, Options{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.String())
	}
	want := []string{
		"a/broken.yaml: warning: not read: input/output error [file-skipped]",
		"a/locked.yaml: warning: not read: permission denied [file-skipped]",
		"b/c: warning: not read: permission denied [file-skipped]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.Files != 1 || res.Resources != 1 {
		t.Errorf("%d file(s), %d resource(s) verified; want ok.yaml alone", res.Files, res.Resources)
	}
}

// TestLongValues: a finding quotes a value at most finding.MaxValue
// characters long, however long the value.
func TestLongValues(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("x", 1<<20)
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: " + long + "\n"
	if err := os.WriteFile(filepath.Join(dir, "pod.yaml"), []byte(pod), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := workspace.Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	res, err := Run(context.Background(), tree, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var image *finding.Finding
	for i, f := range res.Findings {
		if len(f.Message) > finding.MaxMessage+50 {
			t.Errorf("a finding of %d bytes: %.300s", len(f.Message), f.Message)
		}
		if f.Rule == RuleImageTagLatest {
			image = &res.Findings[i]
		}
	}
	want := `image "` + strings.Repeat("x", finding.MaxValue) + `…" (1048576 bytes) has no tag`
	if image == nil || !strings.HasPrefix(image.Message, want) {
		t.Errorf("image-tag-latest finding = %+v, want a message starting %q", image, want)
	}
}

// TestDevice: a device committed under a YAML name (mknod needs root, as
// in CI) is a finding, never opened: /dev/zero's numbers would otherwise
// be read until memory runs out.
func TestDevice(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mknod(filepath.Join(dir, "zero.yaml"), syscall.S_IFCHR|0o644, 1<<8|5); err != nil {
		t.Skipf("making a device needs root (CAP_MKNOD): %v", err)
	}
	tree, err := workspace.Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	var res *Result
	noHang(t, func() { res, err = Run(context.Background(), tree, Options{}) })
	if err != nil {
		t.Fatal(err)
	}
	want := "zero.yaml: warning: not read: a device, not a regular file [file-skipped]"
	if len(res.Findings) != 1 || res.Findings[0].String() != want {
		t.Errorf("findings = %v, want [%s]", res.Findings, want)
	}
}

// blockingValidator stands for a step that cannot be interrupted, as a
// kustomize build: its first Validate blocks until released.
type blockingValidator struct {
	once             sync.Once
	started, release chan struct{}
}

func (v *blockingValidator) AddCRD(map[string]any) error { return nil }

func (v *blockingValidator) Validate(map[string]any) ([]Violation, bool, error) {
	v.once.Do(func() { close(v.started) })
	<-v.release
	return nil, true, nil
}

// TestCancelMidStep: cancelled while a step that takes no context runs,
// Run returns at once all the same, so that SIGTERM stops the binary.
func TestCancelMidStep(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pod.yaml"), []byte(strings.Replace(cleanPod, "%s", "a", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	v := &blockingValidator{started: make(chan struct{}), release: make(chan struct{})}
	defer close(v.release)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, os.DirFS(dir), Options{Schemas: v})
		done <- err
	}()
	select {
	case <-v.started:
	case <-time.After(30 * time.Second):
		t.Fatal("validation never started")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return once cancelled")
	}
}
