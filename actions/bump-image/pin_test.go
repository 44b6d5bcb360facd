package bumpimage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
)

const (
	pinned      = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
	newDigest   = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	pinnedPod   = "containers:\n  - image: ghcr.io/acme/app:v1.0.0@" + pinned + "\n"
	unpinnedPod = "containers:\n  - image: ghcr.io/acme/app:v1.0.0\n"
)

// TestUnpin runs the action on a pinned reference: a tag alone is refused
// (exit 1, nothing written, the place and the way out named), unless
// allow-unpin; beside a place that changes it is a warning only; a
// tag@digest keeps the pin.
func TestUnpin(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		args     []string
		wantCode int
		want     []string          // texts of stderr and stdout
		wantFile map[string]string // files after the run
	}{
		{
			name:     "refused everywhere",
			files:    map[string]string{"env/pod.yaml": pinnedPod},
			args:     []string{"--images", "ghcr.io/acme/app:v2.0.0"},
			wantCode: cli.ExitFailed,
			want: []string{
				`warning: env/pod.yaml:2: left as it is: ghcr.io/acme/app is pinned here by digest (sha256:fedcba987654…), and "ghcr.io/acme/app:v2.0.0" carries none, so the pin would be dropped: give the new version as tag@digest (ghcr.io/acme/app:v2.0.0@sha256:…), or set allow-unpin to drop the pin`,
				`nothing of ghcr.io/acme/app changed: every place that references it was left as it is: env/pod.yaml:2: ghcr.io/acme/app is pinned here by digest`,
				`refused=[{"file":"env/pod.yaml","line":2,"kind":"container","image":"ghcr.io/acme/app","old":"ghcr.io/acme/app:v1.0.0@` + pinned + `","wanted":"ghcr.io/acme/app:v2.0.0","message":`,
			},
			wantFile: map[string]string{"env/pod.yaml": pinnedPod},
		},
		{
			name:     "allowed",
			files:    map[string]string{"env/pod.yaml": pinnedPod},
			args:     []string{"--images", "ghcr.io/acme/app:v2.0.0", "--allow-unpin"},
			want:     []string{"changed=true\n", "refused=[]\n"},
			wantFile: map[string]string{"env/pod.yaml": unpinnedPod[:len(unpinnedPod)-7] + "v2.0.0\n"},
		},
		{
			name:     "beside a change",
			files:    map[string]string{"env/pod.yaml": pinnedPod, "env/other.yaml": unpinnedPod},
			args:     []string{"--images", "ghcr.io/acme/app:v2.0.0"},
			want:     []string{"warning: env/pod.yaml:2: left as it is:", "files=env/other.yaml\n"},
			wantFile: map[string]string{"env/pod.yaml": pinnedPod, "env/other.yaml": strings.Replace(unpinnedPod, "v1.0.0", "v2.0.0", 1)},
		},
		{
			name:     "tag@digest keeps the pin",
			files:    map[string]string{"env/pod.yaml": pinnedPod},
			args:     []string{"--images", "ghcr.io/acme/app:v2.0.0@" + newDigest},
			want:     []string{"changed=true\n"},
			wantFile: map[string]string{"env/pod.yaml": "containers:\n  - image: ghcr.io/acme/app:v2.0.0@" + newDigest + "\n"},
		},
		{
			name: "held and refused",
			files: map[string]string{
				"env/pod.yaml": pinnedPod,
				"env/web.yaml": "containers:\n  - image: ghcr.io/acme/web:v1.0.0 # gitops-actions: hold (rollback)\n",
			},
			args:     []string{"--images", "ghcr.io/acme/app:v2.0.0,ghcr.io/acme/web:v2.0.0"},
			wantCode: cli.ExitFailed,
			want:     []string{"every reference of ghcr.io/acme/web is held by a hold comment", "; and nothing of ghcr.io/acme/app changed: every place that references it was left as it is"},
			wantFile: map[string]string{"env/pod.yaml": pinnedPod},
		},
		{
			name:     "a digest alone, no field",
			files:    map[string]string{"values.yaml": "image:\n  repository: ghcr.io/acme/app\n  tag: v1.0.0\n"},
			args:     []string{"--images", "ghcr.io/acme/app@" + newDigest},
			wantCode: cli.ExitFailed,
			want:     []string{"warning: values.yaml:3: left as it is: the image map has no digest field, so the digest of ghcr.io/acme/app has nowhere to go"},
			wantFile: map[string]string{"values.yaml": "image:\n  repository: ghcr.io/acme/app\n  tag: v1.0.0\n"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := clitest.WriteTree(t, tc.files)
			got, outs := runCLI(t, dir, nil, tc.args...)
			if got.Code != tc.wantCode {
				t.Errorf("exit code = %d, want %d (stderr: %s)", got.Code, tc.wantCode, got.Stderr)
			}
			for _, want := range tc.want {
				if !strings.Contains(got.Stderr+got.Stdout+outs, want) {
					t.Errorf("output does not hold %q:\n%s\n%s\n%s", want, got.Stderr, got.Stdout, outs)
				}
			}
			for name, want := range tc.wantFile {
				if data, _ := os.ReadFile(filepath.Join(dir, name)); string(data) != want {
					t.Errorf("%s = %q, want %q", name, data, want)
				}
			}
		})
	}
}

// TestPinsDefault: a tag set where the chart's default applied is a change
// with a notice at its line, marked in the changes output and the summary.
func TestPinsDefault(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{"values.yaml": "image:\n  repository: mirror.gcr.io/coredns/coredns\n"})
	got, outs := runCLI(t, dir, nil, "--images", "mirror.gcr.io/coredns/coredns:1.13.2")
	if got.Code != 0 {
		t.Fatalf("exit %d: %s", got.Code, got.Stderr)
	}
	for _, want := range []string{
		"notice: values.yaml:2: mirror.gcr.io/coredns/coredns had no tag here, so the chart's default applied; it is now pinned to 1.13.2",
		`"old":"","new":"1.13.2","pins_default":true}`,
		"values.yaml:2: (the chart's default) → 1.13.2 (helm-values)",
	} {
		if !strings.Contains(got.Stderr+got.Stdout+outs, want) {
			t.Errorf("output does not hold %q:\n%s\n%s\n%s", want, got.Stderr, got.Stdout, outs)
		}
	}
	res := &manifest.Result{Changes: []manifest.Change{{File: "values.yaml", Line: 2, Image: "mirror.gcr.io/coredns/coredns", New: "1.13.2", PinsDefault: true}}}
	if want := "| `.` | `mirror.gcr.io/coredns/coredns` | `(the chart's default)` (no tag set: now pinned) | `1.13.2` | `values.yaml:2` |"; !strings.Contains(summaryTable(res, false), want) {
		t.Errorf("summary = %q, want it to hold %q", summaryTable(res, false), want)
	}
}
