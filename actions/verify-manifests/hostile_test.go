package verifymanifests

import (
	"encoding/json"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
)

// secret is the value of a file beside the working directory. Read, it
// would be quoted by a finding (an image with no tag), so no output, no
// report may hold it.
const secret = "ghp_SENTINEL0123456789abcdef"

// sandbox is a working directory (repo) inside base, beside
// base/secret.yaml, which holds the secret, and base/precious, a file no
// run may write.
type sandbox struct{ base, repo string }

func newSandbox(t *testing.T) sandbox {
	t.Helper()
	s := sandbox{base: t.TempDir()}
	s.repo = filepath.Join(s.base, "repo")
	if err := os.Mkdir(s.repo, 0o755); err != nil {
		t.Fatal(err)
	}
	s.writeAt(t, filepath.Join(s.base, "secret.yaml"), pod("leak", secret, true))
	s.writeAt(t, filepath.Join(s.base, "precious"), "precious\n")
	s.write(t, "pod.yaml", pod("app", "nginx:1.27", true))
	return s
}

func (s sandbox) writeAt(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (s sandbox) write(t *testing.T, name, data string) {
	t.Helper()
	s.writeAt(t, filepath.Join(s.repo, filepath.FromSlash(name)), data)
}

func (s sandbox) link(t *testing.T, name, target string) {
	t.Helper()
	p := filepath.Join(s.repo, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(strings.ReplaceAll(target, "$BASE", s.base), p); err != nil {
		t.Fatal(err)
	}
}

func (s sandbox) fifo(t *testing.T, name string) {
	t.Helper()
	if err := syscall.Mkfifo(filepath.Join(s.repo, filepath.FromSlash(name)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// outside lists every file beside the working directory with its content.
func (s sandbox) outside(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(s.base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == s.repo {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[p] = string(data)
		} else if !d.IsDir() {
			out[p] = d.Type().String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// runNoHang runs the command in the sandbox and fails the test if it has
// not ended long after it could: a FIFO or /dev/stdin opened for reading
// never returns.
func runNoHang(t *testing.T, s sandbox, args ...string) clitest.Result {
	t.Helper()
	done := make(chan clitest.Result)
	go func() { done <- runCLI(t, s.repo, args...) }()
	select {
	case got := <-done:
		return got
	case <-time.After(60 * time.Second):
		t.Fatal("verify-manifests blocked")
	}
	return clitest.Result{}
}

// TestHostileInput runs verify-manifests on what a hostile pull request
// can commit: every case ends, with the exit code of the table and a message at
// the path, never reads the secret beside the tree (no output and no
// report holds it) and never writes beside the tree.
func TestHostileInput(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(t *testing.T, s sandbox)
		args     []string
		wantCode int
		want     []string // in standard output or standard error
		dontWant []string
		// asRoot is false for a case that means nothing as root (which
		// reads a chmod 000 file all the same).
		notAsRoot bool
		check     func(t *testing.T, s sandbox, got clitest.Result)
	}{
		// 1. The walk follows no link and opens no special file.
		{name: "1 link to /dev/zero", setup: func(t *testing.T, s sandbox) { s.link(t, "big.yaml", "/dev/zero") },
			want: []string{`big.yaml: warning: not read: a symbolic link to "/dev/zero", an absolute path; links are never followed [file-skipped]`, "warnings=1\nresources=1\nfiles=1\n"}},
		{name: "1 link to /dev/stdin", setup: func(t *testing.T, s sandbox) { s.link(t, "in.yaml", "/dev/stdin") },
			want: []string{`in.yaml: warning: not read: a symbolic link to "/dev/stdin", an absolute path`}},
		{name: "1 FIFO named x.yaml", setup: func(t *testing.T, s sandbox) {
			s.write(t, "apps/pod.yaml", pod("b", "nginx:1.27", true))
			s.fifo(t, "apps/x.yaml")
		},
			want: []string{`apps/x.yaml: warning: not read: a FIFO, not a regular file [file-skipped]`}},
		{name: "1 socket", setup: func(t *testing.T, s sandbox) {
			l, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(s.repo, "s.yaml"), Net: "unix"})
			if err != nil {
				t.Fatal(err)
			}
			l.SetUnlinkOnClose(false)
			l.Close()
		}, want: []string{`s.yaml: warning: not read: a socket, not a regular file [file-skipped]`}},
		{name: "1 relative link out of the tree", setup: func(t *testing.T, s sandbox) { s.link(t, "apps/leak.yaml", "../../secret.yaml") },
			want: []string{`apps/leak.yaml: warning: not read: a symbolic link to "../../secret.yaml", outside the tree; links are never followed`}},
		{name: "1 absolute link out of the tree", setup: func(t *testing.T, s sandbox) { s.link(t, "leak.yaml", "$BASE/secret.yaml") },
			want: []string{`leak.yaml: warning: not read: a symbolic link to "`, `/secret.yaml", an absolute path`}},
		{name: "1 link out through a directory link", setup: func(t *testing.T, s sandbox) {
			s.link(t, "up", "..")
			s.link(t, "leak.yaml", "up/secret.yaml")
		}, want: []string{`leak.yaml: warning: not read: a symbolic link to "up/secret.yaml" (up/secret.yaml), which leads out of the tree through another link`, `up: warning: not read: a symbolic link to "..", outside the tree`}},
		{name: "1 link inside the tree says where it points", setup: func(t *testing.T, s sandbox) { s.link(t, "apps/same.yaml", "../pod.yaml") },
			want: []string{`apps/same.yaml: warning: not read: a symbolic link to "../pod.yaml" (pod.yaml); links are never followed [file-skipped]`, "resources=1\n"}},
		{name: "1 rule turned off", setup: func(t *testing.T, s sandbox) { s.link(t, "big.yaml", "/dev/zero") }, args: []string{"--rules", "-file-skipped", "--fail-on", "warning"},
			want: []string{"errors=0\nwarnings=0\n"}, dontWant: []string{"file-skipped"}},
		{name: "1 fail-on warning", setup: func(t *testing.T, s sandbox) { s.fifo(t, "x.yaml") }, args: []string{"--fail-on", "warning"}, wantCode: cli.ExitFailed,
			want: []string{"x.yaml: warning: not read: a FIFO", "1 finding(s) at or above warning"}},

		// 2. kustomize keeps to its root, through links too.
		{name: "2 kustomize resource linked out of the tree", setup: func(t *testing.T, s sandbox) {
			s.write(t, "k/kustomization.yaml", "resources:\n  - evil.yaml\n")
			s.link(t, "k/evil.yaml", "../../secret.yaml")
		}, wantCode: cli.ExitFailed, want: []string{`k/kustomization.yaml:2:5: error: kustomize build failed: accumulating resources: accumulating resources from 'evil.yaml': security; file 'k/evil.yaml' is not in or below the repository`}},
		{name: "2 kustomize resource linked beside its root", setup: func(t *testing.T, s sandbox) {
			s.write(t, "k/kustomization.yaml", "resources:\n  - sibling.yaml\n")
			s.link(t, "k/sibling.yaml", "../pod.yaml")
		}, wantCode: cli.ExitFailed, want: []string{`k/kustomization.yaml:2:5: error: kustomize build failed: accumulating resources: accumulation err='accumulating resources from 'sibling.yaml': security; file 'k/sibling.yaml' is not in or below 'k''`}},
		{name: "2 kustomize resource linked inside its root builds", setup: func(t *testing.T, s sandbox) {
			s.write(t, "k/kustomization.yaml", "resources:\n  - linked.yaml\n")
			s.write(t, "k/real.yaml", pod("k", "nginx", true))
			s.link(t, "k/linked.yaml", "real.yaml")
		}, wantCode: cli.ExitFailed, want: []string{`k/real.yaml:8:14: error: image "nginx" has no tag`}},
		{name: "2 configMapGenerator file linked to /dev/zero", setup: func(t *testing.T, s sandbox) {
			s.write(t, "k/kustomization.yaml", "configMapGenerator:\n  - name: z\n    files:\n      - zero.txt\n")
			s.link(t, "k/zero.txt", "/dev/zero")
		}, wantCode: cli.ExitFailed, want: []string{`k/kustomization.yaml:4:9: error: kustomize build failed: loading KV pairs: file sources: [zero.txt]: security; file 'k/zero.txt' is not in or below the repository`}},
		{name: "2 configMapGenerator file linked out of the tree", setup: func(t *testing.T, s sandbox) {
			s.write(t, "k/kustomization.yaml", "configMapGenerator:\n  - name: z\n    files:\n      - secret.yaml\n")
			s.link(t, "k/secret.yaml", "$BASE/secret.yaml")
		}, wantCode: cli.ExitFailed, want: []string{`security; file 'k/secret.yaml' is not in or below the repository`}},
		{name: "2 secretGenerator file linked to /dev/zero", setup: func(t *testing.T, s sandbox) {
			s.write(t, "k/kustomization.yaml", "secretGenerator:\n  - name: z\n    files:\n      - zero.txt\n")
			s.link(t, "k/zero.txt", "/dev/zero")
		}, wantCode: cli.ExitFailed, want: []string{`k/kustomization.yaml:4:9: error: kustomize build failed: loading KV pairs: file sources: [zero.txt]: security; file 'k/zero.txt' is not in or below the repository`}},
		{name: "2 patch linked out of the tree", setup: func(t *testing.T, s sandbox) {
			s.write(t, "k/kustomization.yaml", "resources:\n  - pod.yaml\npatches:\n  - path: patch.yaml\n")
			s.write(t, "k/pod.yaml", pod("k", "nginx:1.27", true))
			s.link(t, "k/patch.yaml", "../../secret.yaml")
		}, wantCode: cli.ExitFailed, want: []string{`k/kustomization.yaml:4:11: error: kustomize build failed: trouble configuring builtin PatchTransformer`, `security; file 'k/patch.yaml' is not in or below the repository`}},
		{name: "2 configMapGenerator file a FIFO", setup: func(t *testing.T, s sandbox) {
			s.write(t, "k/kustomization.yaml", "configMapGenerator:\n  - name: f\n    files:\n      - f.txt\n")
			s.fifo(t, "k/f.txt")
		}, wantCode: cli.ExitFailed, want: []string{`file sources: [f.txt]: "k/f.txt" is a FIFO, not a regular file; it was not read [kustomize-build]`}},
		{name: "2 configMapGenerator file over the limit", setup: func(t *testing.T, s sandbox) {
			s.write(t, "k/kustomization.yaml", "configMapGenerator:\n  - name: b\n    files:\n      - big.txt\n")
			s.write(t, "k/big.txt", strings.Repeat("x", 2048))
		}, args: []string{"--max-file-size", "1024"}, wantCode: cli.ExitFailed, want: []string{`file sources: [big.txt]: "k/big.txt" is 2048 bytes, over the 1024-byte limit; it was not read [kustomize-build]`}},

		// 3. Every file is read up to a limit.
		{name: "3 file over max-file-size", setup: func(t *testing.T, s sandbox) { s.write(t, "big.yaml", strings.Repeat("#", 2047)+"\n") }, args: []string{"--max-file-size", "1024"},
			want: []string{"big.yaml: warning: not read: 2048 bytes, over the 1024-byte limit (max-file-size raises it) [file-skipped]", "files=1\n"}},
		{name: "3 default limit is 5 MiB", setup: func(t *testing.T, s sandbox) { s.write(t, "big.yaml", strings.Repeat("#", 5<<20)+"\n") },
			want: []string{"big.yaml: warning: not read: 5242881 bytes, over the 5242880-byte limit"}},
		{name: "3 max-file-size raises it", setup: func(t *testing.T, s sandbox) {
			s.write(t, "big.yaml", strings.Repeat("#", 5<<20)+"\n"+pod("big", "nginx:1.27", true))
		}, args: []string{"--max-file-size", "6291456"},
			want: []string{"errors=0\nwarnings=0\nresources=2\nfiles=2\n"}},
		{name: "3 max-file-size not a number", args: []string{"--max-file-size", "5MB"}, wantCode: cli.ExitUsage,
			want: []string{`input "max-file-size": "5MB" is not a size in bytes`}},

		// 4. The report is never written through a link.
		{name: "4 SARIF file planted as a link", setup: func(t *testing.T, s sandbox) { s.link(t, defaultSARIF, "../precious") }, args: []string{"--format", "sarif", "--output-file", defaultSARIF},
			want: []string{"sarif-file=verify-manifests.sarif\n"}, check: func(t *testing.T, s sandbox, got clitest.Result) { isSARIF(t, filepath.Join(s.repo, defaultSARIF)) }},
		{name: "4 output file planted as an absolute link", setup: func(t *testing.T, s sandbox) { s.link(t, "report.json", "$BASE/precious") }, args: []string{"--format", "json", "--output-file", "report.json"},
			check: func(t *testing.T, s sandbox, got clitest.Result) { isRegular(t, filepath.Join(s.repo, "report.json")) }},
		{name: "4 output file through a directory link out", setup: func(t *testing.T, s sandbox) { s.link(t, "out", "..") }, args: []string{"--format", "json", "--output-file", "out/precious"}, wantCode: cli.ExitUsage,
			want: []string{`input "output-file": "out/precious" is in "out", which is, or passes through, a symbolic link to a place outside the working directory`}},

		// 5. What cannot be read is a finding, and the report is written.
		{name: "5 unreadable file", notAsRoot: true, setup: func(t *testing.T, s sandbox) {
			s.write(t, "locked.yaml", pod("locked", "nginx", true))
			if err := os.Chmod(filepath.Join(s.repo, "locked.yaml"), 0); err != nil {
				t.Fatal(err)
			}
		}, args: []string{"--format", "sarif", "--output-file", defaultSARIF}, want: []string{"sarif-file=verify-manifests.sarif\n"},
			check: func(t *testing.T, s sandbox, got clitest.Result) {
				sarifHas(t, s, "locked.yaml", "not read: permission denied")
			}},
		{name: "5 unreadable directory", notAsRoot: true, setup: func(t *testing.T, s sandbox) {
			s.write(t, "locked/pod.yaml", pod("locked", "nginx", true))
			if err := os.Chmod(filepath.Join(s.repo, "locked"), 0); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(filepath.Join(s.repo, "locked"), 0o755) })
		}, args: []string{"--format", "sarif", "--output-file", defaultSARIF}, check: func(t *testing.T, s sandbox, got clitest.Result) {
			sarifHas(t, s, "locked", "not read: permission denied")
		}},
		{name: "5 dangling link", setup: func(t *testing.T, s sandbox) { s.link(t, "gone.yaml", "missing.yaml") }, args: []string{"--format", "sarif", "--output-file", defaultSARIF},
			check: func(t *testing.T, s sandbox, got clitest.Result) {
				sarifHas(t, s, "gone.yaml", `not read: a dangling symbolic link to "missing.yaml" (missing.yaml), which does not exist`)
			}},
		{name: "5 link loop", setup: func(t *testing.T, s sandbox) {
			s.link(t, "a.yaml", "b.yaml")
			s.link(t, "b.yaml", "a.yaml")
		}, args: []string{"--format", "sarif", "--output-file", defaultSARIF}, check: func(t *testing.T, s sandbox, got clitest.Result) {
			sarifHas(t, s, "a.yaml", `not read: a symbolic link loop through "b.yaml" (b.yaml)`)
		}},
		{name: "5 a 1 MB value is cut", setup: func(t *testing.T, s sandbox) { s.write(t, "pod.yaml", pod("app", strings.Repeat("x", 1<<20), true)) }, wantCode: cli.ExitFailed,
			want: []string{`pod.yaml:8:14: error: image "` + strings.Repeat("x", 200) + `…" (1048576 bytes) has no tag`},
			check: func(t *testing.T, s sandbox, got clitest.Result) {
				if n := len(got.Stdout) + len(got.Stderr); n > 4096 {
					t.Errorf("%d bytes of output for one finding", n)
				}
			}},

		// 6. Paths outside the working directory are bad input.
		{name: "6 path up", args: []string{"--path", ".."}, wantCode: cli.ExitUsage, want: []string{`input "path": ".." is outside the working directory`}},
		{name: "6 path absolute elsewhere", args: []string{"--path", "$BASE"}, wantCode: cli.ExitUsage, want: []string{`" is outside the working directory`}},
		{name: "6 path through a link out", setup: func(t *testing.T, s sandbox) { s.link(t, "up", "..") }, args: []string{"--path", "up"}, wantCode: cli.ExitUsage,
			want: []string{`input "path": "up" is, or passes through, a symbolic link to a place outside the working directory`}},
		{name: "6 path a FIFO", setup: func(t *testing.T, s sandbox) { s.fifo(t, "x.yaml") }, args: []string{"--path", "x.yaml"}, wantCode: cli.ExitUsage,
			want: []string{`input "path": "x.yaml" is a FIFO, not a file or directory`}},
		{name: "6 environments outside", args: []string{"--environments", "../"}, wantCode: cli.ExitUsage, want: []string{`input "environments": "../" is outside the working directory`}},
		{name: "6 crds outside", args: []string{"--crds", "$BASE/secret.yaml"}, wantCode: cli.ExitUsage, want: []string{`input "crds": "`, `/secret.yaml" is outside the working directory`}},
		{name: "6 output-file outside", args: []string{"--format", "json", "--output-file", "../report.json"}, wantCode: cli.ExitUsage,
			want: []string{`input "output-file": "../report.json" is outside the working directory`}},
		{name: "6 output-file absolute outside", args: []string{"--format", "sarif", "--output-file", "$BASE/precious"}, wantCode: cli.ExitUsage,
			want: []string{`/precious" is outside the working directory`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.notAsRoot && os.Geteuid() == 0 {
				t.Skip("as root, chmod 000 stops no read; TestUnreadable in internal/verify makes reads fail under root too")
			}
			s := newSandbox(t)
			if tc.setup != nil {
				tc.setup(t, s)
			}
			before := s.outside(t)
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.ReplaceAll(a, "$BASE", s.base)
			}
			got := runNoHang(t, s, args...)
			out := got.Stdout + got.Stderr
			if got.Code != tc.wantCode {
				t.Errorf("exit code %d, want %d\nstdout:\n%.3000s\nstderr:\n%.3000s", got.Code, tc.wantCode, got.Stdout, got.Stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output does not say %q:\n%.3000s", w, out)
				}
			}
			for _, w := range tc.dontWant {
				if strings.Contains(out, w) {
					t.Errorf("output says %q:\n%.3000s", w, out)
				}
			}
			if strings.Contains(out, secret) {
				t.Errorf("the secret beside the tree is in the output:\n%.3000s", out)
			}
			filepath.WalkDir(s.repo, func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					if data, err := os.ReadFile(p); err == nil && strings.Contains(string(data), secret) {
						t.Errorf("the secret beside the tree is in %s", p)
					}
				}
				return nil
			})
			after := s.outside(t)
			if len(after) != len(before) {
				t.Errorf("files beside the tree changed: before %v, after %v", keysOf(before), keysOf(after))
			}
			for p, v := range before {
				if after[p] != v {
					t.Errorf("%s beside the tree changed: %q, was %q", p, after[p], v)
				}
			}
			if tc.check != nil {
				tc.check(t, s, got)
			}
		})
	}
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func isRegular(t *testing.T, p string) {
	t.Helper()
	info, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Mode().IsRegular() {
		t.Errorf("%s is %v after the run, want a regular file", p, info.Mode())
	}
}

func isSARIF(t *testing.T, p string) {
	t.Helper()
	isRegular(t, p)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Version string }
	if err := json.Unmarshal(data, &doc); err != nil || doc.Version != "2.1.0" {
		t.Errorf("%s is not SARIF 2.1.0 (%v): %.300s", p, err, data)
	}
}

// sarifHas checks that the SARIF report was written and holds a result at
// file whose message says msg.
func sarifHas(t *testing.T, s sandbox, file, msg string) {
	t.Helper()
	p := filepath.Join(s.repo, defaultSARIF)
	isSARIF(t, p)
	data, _ := os.ReadFile(p)
	var doc struct {
		Runs []struct {
			Results []struct {
				RuleID  string `json:"ruleId"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Runs[0].Results {
		if len(r.Locations) > 0 && r.Locations[0].PhysicalLocation.ArtifactLocation.URI == file && strings.Contains(r.Message.Text, msg) && r.RuleID == "file-skipped" {
			return
		}
	}
	t.Errorf("the SARIF report has no file-skipped result at %s saying %q:\n%s", file, msg, data)
}
