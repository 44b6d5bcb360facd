//go:build unix

package bumpimage

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// sentinel is the secret beside every hostile tree: it references the
// image too, so a run that read it would edit it or print it.
const sentinel = "ghp_sentinelSecretValue0123456789"

var sentinelFile = "image: ghcr.io/acme/app:v1.0.0 # " + sentinel + "\n"

// fixture is a tree (repo/) under a base directory that also holds the
// sentinel, reached from the tree by links that must never be followed.
type fixture struct {
	base, repo string
}

func newFixture(t *testing.T, files map[string]string) fixture {
	t.Helper()
	base := t.TempDir()
	f := fixture{base: base, repo: filepath.Join(base, "repo")}
	mustDo(t, os.WriteFile(filepath.Join(base, "secret.yaml"), []byte(sentinelFile), 0o600))
	mustDo(t, os.MkdirAll(f.repo, 0o755))
	for name, content := range files {
		p := filepath.Join(f.repo, filepath.FromSlash(name))
		mustDo(t, os.MkdirAll(filepath.Dir(p), 0o755))
		mustDo(t, os.WriteFile(p, []byte(content), 0o644))
	}
	mustDo(t, os.Symlink("../secret.yaml", filepath.Join(f.repo, "leak.yaml")))
	mustDo(t, os.Symlink("..", filepath.Join(f.repo, "leakdir")))
	return f
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// listing describes every entry under the base directory: type, mode,
// link target, content, and for what lies outside the tree its
// modification time too, so that a write there shows even with the same
// bytes.
func (f fixture) listing(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(f.base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(f.base, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		desc := info.Mode().String()
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + target
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" %q", data)
			if !strings.HasPrefix(rel, "repo"+string(filepath.Separator)) {
				desc += " " + info.ModTime().String()
			}
		}
		out[filepath.ToSlash(rel)] = desc
		return nil
	})
	mustDo(t, err)
	return out
}

// diffListings names the entries that differ.
func diffListings(got, want map[string]string) string {
	var d []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			d = append(d, fmt.Sprintf("%s: missing (want %s)", k, w))
		} else if g != w {
			d = append(d, fmt.Sprintf("%s: %s, want %s", k, g, w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			d = append(d, fmt.Sprintf("%s: unexpected %s", k, g))
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// noHang runs f and fails if it has not returned long after any run could
// take.
func noHang(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the run blocked")
	}
}

func utf16File(s string) string {
	u := utf16.Encode([]rune("\ufeff" + s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return string(b)
}

func chattr(t *testing.T, flag, p string) {
	t.Helper()
	if out, err := exec.Command("chattr", flag, p).CombinedOutput(); err != nil {
		t.Skipf("chattr %s: %v %s", flag, err, out)
	}
}

const (
	appV1 = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/app:v1.0.0\n"
	appV2 = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/app:v2.1.0\n"
)

// TestHostileLocal runs the local mode against hostile trees and the
// faults a run can meet. Each case checks the exit code and the message,
// that the sentinel beside the tree was neither written nor read (nothing
// outside the tree changed, and its value shows nowhere),
// and that the tree is byte for byte as before, or changed in full.
func TestHostileLocal(t *testing.T) {
	three := map[string]string{"a.yaml": appV1, "b.yaml": appV1, "c.yaml": appV1}
	bumped := map[string]string{"a.yaml": appV2, "b.yaml": appV2, "c.yaml": appV2}
	tests := []struct {
		name  string
		files map[string]string
		// setup changes the fixture further and may return environment
		// variables for the run.
		setup    func(t *testing.T, f fixture) map[string]string
		args     []string
		wantCode int
		wantMsg  []string // in stderr or stdout
		notMsg   string
		// changed holds the files the run must change, with their new
		// content; empty means the tree must stay as it was.
		changed map[string]string
		// gone lists entries the run must remove (stale temporaries).
		gone []string
	}{
		{name: "a rename fails midway (an immutable file)", files: three,
			setup: func(t *testing.T, f fixture) map[string]string {
				p := filepath.Join(f.repo, "b.yaml")
				chattr(t, "+i", p)
				t.Cleanup(func() { exec.Command("chattr", "-i", p).Run() })
				return nil
			},
			wantCode: cli.ExitInternal,
			wantMsg:  []string{`replacing "b.yaml": rename b.yaml: operation not permitted; nothing was changed (1 of 3 files had been replaced; they were put back)`}},
		{name: "temporaries of a killed run, git work tree", files: three,
			setup: func(t *testing.T, f fixture) map[string]string {
				mustDo(t, os.MkdirAll(filepath.Join(f.repo, ".git", workspace.GitScratch), 0o755))
				mustDo(t, os.WriteFile(filepath.Join(f.repo, ".git", "HEAD"), []byte("ref: refs/heads/main\n"), 0o644))
				mustDo(t, os.WriteFile(filepath.Join(f.repo, ".git", workspace.GitScratch, "tmp-999999999-1"), []byte(appV2), 0o644))
				mustDo(t, os.WriteFile(filepath.Join(f.repo, ".git", workspace.GitScratch, "lock"), nil, 0o600))
				return nil
			},
			changed: bumped, gone: []string{"repo/.git/gitops-actions", "repo/.git/gitops-actions/tmp-999999999-1", "repo/.git/gitops-actions/lock"}},
		{name: "temporaries of a killed run, outside git", files: three,
			setup: func(t *testing.T, f fixture) map[string]string {
				mustDo(t, os.MkdirAll(filepath.Join(f.repo, workspace.RootScratch), 0o700))
				mustDo(t, os.WriteFile(filepath.Join(f.repo, workspace.RootScratch, "tmp-999999999-1"), []byte(appV2), 0o644))
				return nil
			},
			changed: bumped, gone: []string{"repo/.gitops-actions", "repo/.gitops-actions/tmp-999999999-1"}},
		{name: "GITHUB_OUTPUT is a directory", files: three,
			setup: func(t *testing.T, f fixture) map[string]string {
				return map[string]string{"GITHUB_ACTIONS": "true", "INPUT_IMAGES": "ghcr.io/acme/app:v2.1.0", "GITHUB_OUTPUT": f.base}
			},
			args:     []string{},
			wantCode: cli.ExitInternal, wantMsg: []string{"::error::internal error: GITHUB_OUTPUT \"", "\" cannot be written: open ", ": is a directory; nothing was changed"}},
		{name: "GITHUB_OUTPUT is /dev/full", files: three,
			setup: func(t *testing.T, f fixture) map[string]string {
				if _, err := os.Stat("/dev/full"); err != nil {
					t.Skip("no /dev/full")
				}
				return map[string]string{"GITHUB_ACTIONS": "true", "INPUT_IMAGES": "ghcr.io/acme/app:v2.1.0", "GITHUB_OUTPUT": "/dev/full"}
			},
			args:     []string{},
			wantCode: cli.ExitInternal, wantMsg: []string{`::error::internal error: GITHUB_OUTPUT "/dev/full" cannot be written: write /dev/full: no space left on device; nothing was changed`}},
		{name: "GITHUB_STEP_SUMMARY is a directory", files: three,
			setup: func(t *testing.T, f fixture) map[string]string {
				out := filepath.Join(t.TempDir(), "output")
				return map[string]string{"GITHUB_ACTIONS": "true", "INPUT_IMAGES": "ghcr.io/acme/app:v2.1.0", "GITHUB_OUTPUT": out, "GITHUB_STEP_SUMMARY": f.base}
			},
			args:     []string{},
			wantCode: cli.ExitInternal, wantMsg: []string{"GITHUB_STEP_SUMMARY \"", ": is a directory; nothing was changed"}},
		{name: "a FIFO given as path", files: three,
			setup: func(t *testing.T, f fixture) map[string]string {
				mustDo(t, syscall.Mkfifo(filepath.Join(f.repo, "fifo.yaml"), 0o644))
				return nil
			},
			args:     []string{"--path", "fifo.yaml"},
			wantCode: cli.ExitUsage, wantMsg: []string{`input "path": "fifo.yaml" is a FIFO, not a file or directory`}},
		{name: "a FIFO in the tree is not opened", files: three,
			setup: func(t *testing.T, f fixture) map[string]string {
				mustDo(t, syscall.Mkfifo(filepath.Join(f.repo, "fifo.yaml"), 0o644))
				return nil
			},
			changed: bumped},
		{name: "a link given as path edits its target, and stays a link", files: map[string]string{"env/app.yaml": appV1},
			setup: func(t *testing.T, f fixture) map[string]string {
				mustDo(t, os.Symlink("env/app.yaml", filepath.Join(f.repo, "current.yaml")))
				return nil
			},
			args:    []string{"--path", "current.yaml"},
			wantMsg: []string{"files=env/app.yaml\n", `"file":"env/app.yaml"`},
			changed: map[string]string{"env/app.yaml": appV2}},
		{name: "two paths naming one file edit it once", files: map[string]string{"env/app.yaml": appV1},
			setup: func(t *testing.T, f fixture) map[string]string {
				mustDo(t, os.Symlink("env", filepath.Join(f.repo, "live")))
				return nil
			},
			args:    []string{"--path", "live/app.yaml", "--path", "env/app.yaml", "--path", "env"},
			wantMsg: []string{"files=env/app.yaml\n", "changes=[{\"file\":\"env/app.yaml\",\"line\":8,\"kind\":\"container\",\"image\":\"ghcr.io/acme/app\",\"old\":\"ghcr.io/acme/app:v1.0.0\",\"new\":\"ghcr.io/acme/app:v2.1.0\"}]\n"},
			notMsg:  "},{",
			changed: map[string]string{"env/app.yaml": appV2}},
		{name: "a link out of the tree given as path", files: three,
			args:     []string{"--path", "leak.yaml"},
			wantCode: cli.ExitUsage, wantMsg: []string{`input "path": "leak.yaml" is, or passes through, a symbolic link to a place outside the working directory`}},
		// A file that mentions the image but cannot be read stops the run,
		// and nothing is written: the good files stay as they were.
		{name: "an alias bomb beside good files", files: map[string]string{"a.yaml": appV1, "b.yaml": appV1, "bomb.yaml": aliasBombFile},
			wantCode: cli.ExitFailed,
			wantMsg:  []string{"gitops-actions bump-image: bomb.yaml:1: mentions ghcr.io/acme/app but holds so many aliases that expanding them would take too long (an alias bomb?); nothing was written"}},
		{name: "nesting 10,000 deep beside good files", files: map[string]string{"a.yaml": appV1, "deep.yaml": strings.Repeat("- ", 10000) + "ghcr.io/acme/app:v1.0.0\n"},
			wantCode: cli.ExitFailed,
			wantMsg:  []string{"gitops-actions bump-image: deep.yaml:1: mentions ghcr.io/acme/app but nests collections more than 10000 levels deep; nothing was written"},
			notMsg:   "alias"},
		{name: "UTF-16 beside a good file", files: map[string]string{"a.yaml": appV1, "wide.yaml": utf16File(appV1)},
			wantCode: cli.ExitFailed,
			wantMsg:  []string{"gitops-actions bump-image: wide.yaml: mentions ghcr.io/acme/app but is UTF-16, not UTF-8; save it as UTF-8; nothing was written"}},
		{name: "UTF-16 alone", files: map[string]string{"wide.yaml": utf16File(appV1)},
			wantCode: cli.ExitFailed,
			wantMsg:  []string{"gitops-actions bump-image: wide.yaml: mentions ghcr.io/acme/app but is UTF-16, not UTF-8; save it as UTF-8; nothing was written"}},
		{name: "a Helm template beside a good file", files: map[string]string{"a.yaml": appV1, "chart/templates/d.yaml": "{{- if .Values.on }}\n" + appV1 + "{{- end }}\n"},
			wantMsg: []string{"warning: chart/templates/d.yaml:1: mentions ghcr.io/acme/app but is not valid YAML, so it was not modified"},
			changed: map[string]string{"a.yaml": appV2}},
		{name: "a file name with a newline", files: map[string]string{"a.yaml": appV1, "x\n::error::forged.yaml": appV1},
			wantCode: cli.ExitUsage,
			wantMsg:  []string{`gitops-actions bump-image: "x\n::error::forged.yaml" references an image, but its name holds a control character that no output can carry; rename it`}},
		{name: "a path with an escape character", files: map[string]string{"a.yaml": appV1, "b\x1b[2K.yaml": appV1},
			args:     []string{"--path", "a.yaml", "--path", "b\x1b[2K.yaml"},
			wantCode: cli.ExitUsage, wantMsg: []string{`input "path": "b\x1b[2K.yaml" holds a control character; rename it`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.files)
			var env map[string]string
			if tc.setup != nil {
				env = tc.setup(t, f)
			}
			before := f.listing(t)
			args := tc.args
			if args == nil || len(args) > 0 && args[0] == "--path" {
				args = append([]string{"--images", "ghcr.io/acme/app:v2.1.0"}, args...)
			}
			var got clitest.Result
			var outs string
			noHang(t, func() { got, outs = runCLI(t, f.repo, env, args...) })
			out := got.Stdout + got.Stderr + outs
			if got.Code != tc.wantCode {
				t.Errorf("exit code %d, want %d\n%s", got.Code, tc.wantCode, out)
			}
			for _, m := range tc.wantMsg {
				if !strings.Contains(out, m) {
					t.Errorf("output lacks %q:\n%s", m, out)
				}
			}
			if tc.notMsg != "" && strings.Contains(out, tc.notMsg) {
				t.Errorf("output says %q:\n%s", tc.notMsg, out)
			}
			if strings.Contains(out, sentinel) {
				t.Errorf("the sentinel beside the tree was read:\n%s", out)
			}
			want := before
			if len(tc.changed) > 0 {
				want = map[string]string{}
				for k, v := range before {
					want[k] = v
				}
				for name, content := range tc.changed {
					want["repo/"+name] = fmt.Sprintf("-rw-r--r-- %q", content)
				}
				for _, g := range tc.gone {
					delete(want, g)
				}
			}
			if d := diffListings(f.listing(t), want); d != "" {
				t.Errorf("the tree is neither as before nor changed in full:\n%s", d)
			}
		})
	}
}

var aliasBombFile = func() string {
	bomb := "a: &a [x,x,x,x,x,x,x,x,x]\n"
	for c, prev := 'b', 'a'; c <= 'j'; c, prev = c+1, c {
		bomb += string(c) + ": &" + string(c) + " [" + strings.TrimSuffix(strings.Repeat("*"+string(prev)+",", 9), ",") + "]\n"
	}
	return bomb + "containers: [{image: ghcr.io/acme/app:v1.0.0}]\n"
}()

// TestLaterRunWaitsAndSeesTheEarlierWrite: a run with v2.1.0 starts while
// a writer holds the tree to bump it to v2.2.0. It waits, says so, then
// reads v2.2.0 and refuses the downgrade: never a silent one.
func TestLaterRunWaitsAndSeesTheEarlierWrite(t *testing.T) {
	f := newFixture(t, map[string]string{"a.yaml": appV1, "b.yaml": appV1})
	tree, err := workspace.Open(f.repo, 0)
	mustDo(t, err)
	defer tree.Close()
	writer, err := tree.Lock(context.Background(), nil)
	mustDo(t, err)

	pr, pw := io.Pipe()
	type result struct {
		code   int
		stdout string
	}
	done := make(chan result, 1)
	go func() {
		var stdout strings.Builder
		env := &cli.Env{Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: pw, Dir: f.repo, Version: "test"}
		code := cli.Main(context.Background(), []cli.Command{Command}, []string{"gitops-actions", "bump-image", "--images", "ghcr.io/acme/app:v2.1.0"}, env)
		pw.Close()
		done <- result{code, stdout.String()}
	}()
	lines := bufio.NewScanner(pr)
	var stderr []string
	for lines.Scan() {
		stderr = append(stderr, lines.Text())
		if strings.HasPrefix(lines.Text(), "waiting for another run of gitops-actions to finish with this tree") {
			break
		}
	}
	if len(stderr) == 0 || !strings.HasPrefix(stderr[len(stderr)-1], "waiting for another run") {
		t.Fatalf("the run did not wait for the lock; stderr:\n%s", strings.Join(stderr, "\n"))
	}
	v22 := strings.ReplaceAll(appV1, "v1.0.0", "v2.2.0")
	mustDo(t, writer.Replace([]workspace.Replacement{
		{Path: "a.yaml", Old: []byte(appV1), New: []byte(v22), Mode: 0o644},
		{Path: "b.yaml", Old: []byte(appV1), New: []byte(v22), Mode: 0o644},
	}))
	mustDo(t, writer.Release())
	for lines.Scan() {
		stderr = append(stderr, lines.Text())
	}
	got := <-done
	if got.code != cli.ExitFailed {
		t.Errorf("exit code %d, want %d", got.code, cli.ExitFailed)
	}
	if msg := strings.Join(stderr, "\n"); !strings.Contains(msg, `refusing to downgrade ghcr.io/acme/app from "v2.2.0" to "v2.1.0"`) {
		t.Errorf("stderr lacks the refused downgrade:\n%s", msg)
	}
	for _, name := range []string{"a.yaml", "b.yaml"} {
		if data, _ := os.ReadFile(filepath.Join(f.repo, name)); string(data) != v22 {
			t.Errorf("%s = %q, want v2.2.0 kept", name, data)
		}
	}
}
