package bumpimage

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/version"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/app:v2.0.0
`

func TestBadInput(t *testing.T) {
	bomb := "a: &a [x,x,x,x,x,x,x,x,x]\n"
	for c, prev := 'b', 'a'; c <= 'j'; c, prev = c+1, c {
		bomb += string(c) + ": &" + string(c) + " [" + strings.TrimSuffix(strings.Repeat("*"+string(prev)+",", 9), ",") + "]\n"
	}
	bomb += "containers: [{image: ghcr.io/acme/app:v1.0.0}]\n"
	tests := []struct {
		name     string
		files    map[string]string
		link     [2]string // a symlink to create: name, target
		args     []string
		wantCode int
		wantErr  string
	}{
		{name: "invalid reference", args: []string{"--images", "ghcr.io/Acme/app:v1"}, wantCode: cli.ExitUsage,
			wantErr: `input "images": invalid image reference "ghcr.io/Acme/app:v1"`},
		{name: "reference without version", args: []string{"--images", "ghcr.io/acme/app"}, wantCode: cli.ExitUsage,
			wantErr: `image reference "ghcr.io/acme/app" has neither a tag nor a digest`},
		{name: "empty images", args: []string{"--images", " , "}, wantCode: cli.ExitUsage,
			wantErr: `inputs "images" and "charts" are empty: give at least one image reference with a tag or digest (e.g. images: ghcr.io/acme/app:v2.1.0), or a chart with its version (e.g. charts: podinfo@6.6.0)`},
		{name: "missing images and charts", args: nil, wantCode: cli.ExitUsage, wantErr: `inputs "images" and "charts" are empty`},
		{name: "chart without version", args: []string{"--charts", "podinfo"}, wantCode: cli.ExitUsage,
			wantErr: `input "charts": chart "podinfo" has no version: give it as NAME@VERSION, e.g. "podinfo@1.2.3"`},
		{name: "chart twice", args: []string{"--charts", "podinfo@6.6.0,oci://ghcr.io/x/podinfo@6.7.0"}, wantCode: cli.ExitUsage,
			wantErr: `input "charts": "podinfo@6.6.0" and "oci://ghcr.io/x/podinfo@6.7.0" name the same chart; give one version per chart`},
		{name: "unknown tag-order", args: []string{"--images", "ghcr.io/acme/app:v2.1.0", "--tag-order", "newest"}, wantCode: cli.ExitUsage,
			wantErr: `input "tag-order": "newest" is not an order: use one of auto, semver, numerical, alphabetical, none`},
		{name: "tag-pattern without its group", args: []string{"--images", "ghcr.io/acme/app:v2.1.0", "--tag-pattern", `^main-(\d+)$`}, wantCode: cli.ExitUsage,
			wantErr: `input "tag-pattern": pattern "^main-(\\d+)$" has no group named "version"`},
		{name: "tag outside tag-pattern", args: []string{"--images", "ghcr.io/acme/app:3f2a9c1", "--tag-pattern", `^main-(?P<version>\d{14})-[0-9a-f]{7}$`}, wantCode: cli.ExitUsage,
			wantErr: `input "images": the tag of "ghcr.io/acme/app:3f2a9c1": "3f2a9c1" does not match tag-pattern`},
		{name: "tag-order numerical, tag not a number", args: []string{"--images", "ghcr.io/acme/app:v2.1.0", "--tag-order", "numerical"}, wantCode: cli.ExitUsage,
			wantErr: `input "images": the tag of "ghcr.io/acme/app:v2.1.0": "v2.1.0" is not a number, which tag-order numerical needs`},
		{name: "variant change", files: map[string]string{"env/app.yaml": strings.Replace(deployment, "v2.0.0", "v2.0.0-alpine", 1)}, args: []string{"--images", "ghcr.io/acme/app:v2.1.0"}, wantCode: cli.ExitFailed,
			wantErr: `env/app.yaml:8: refusing to change the variant of ghcr.io/acme/app from "alpine" ("v2.0.0-alpine") to no variant ("v2.1.0")`},
		{name: "digest alone on tag@digest", files: map[string]string{"env/app.yaml": strings.Replace(deployment, "v2.0.0", "v2.0.0@sha256:"+strings.Repeat("fe", 32), 1)}, args: []string{"--images", "ghcr.io/acme/app@sha256:" + strings.Repeat("01", 32)}, wantCode: cli.ExitFailed,
			wantErr: `so the tag would be dropped: give the new version as tag@digest (ghcr.io/acme/app:<tag>@sha256:010101010101…), or set allow-tag-drop to drop the tag`},
		{name: "four-part downgrade", files: map[string]string{"env/app.yaml": strings.Replace(deployment, "v2.0.0", "1.43.3.10896", 1)}, args: []string{"--images", "ghcr.io/acme/app:1.40.0.9000"}, wantCode: cli.ExitFailed,
			wantErr: `env/app.yaml:8: refusing to downgrade ghcr.io/acme/app from "1.43.3.10896" to "1.40.0.9000" (set allow-downgrade to permit it)`},
		// The two orders disagree on 999 and 1000: each refuses what the
		// other would take as an upgrade.
		{name: "tag-order numerical downgrade", files: map[string]string{"env/app.yaml": strings.Replace(deployment, "v2.0.0", "1000", 1)}, args: []string{"--images", "ghcr.io/acme/app:999", "--tag-order", "numerical"}, wantCode: cli.ExitFailed,
			wantErr: `env/app.yaml:8: refusing to downgrade ghcr.io/acme/app from "1000" to "999" (set allow-downgrade to permit it)`},
		{name: "tag-order alphabetical downgrade", files: map[string]string{"env/app.yaml": strings.Replace(deployment, "v2.0.0", "999", 1)}, args: []string{"--images", "ghcr.io/acme/app:1000", "--tag-order", "alphabetical"}, wantCode: cli.ExitFailed,
			wantErr: `env/app.yaml:8: refusing to downgrade ghcr.io/acme/app from "999" to "1000" (set allow-downgrade to permit it)`},
		{name: "chart found nowhere", args: []string{"--charts", "podinfo@6.6.0"}, wantCode: cli.ExitFailed,
			wantErr: `no reference to chart "podinfo" under .`},
		{name: "path outside", args: []string{"--images", "ghcr.io/acme/app:v2.1.0", "--path", "../elsewhere"}, wantCode: cli.ExitUsage,
			wantErr: `input "path": "../elsewhere" is outside the working directory`},
		{name: "absolute path outside", args: []string{"--images", "ghcr.io/acme/app:v2.1.0", "--path", "/etc"}, wantCode: cli.ExitUsage,
			wantErr: `input "path": "/etc" is outside the working directory`},
		{name: "symlink escape", link: [2]string{"escape", "/etc"}, args: []string{"--images", "ghcr.io/acme/app:v2.1.0", "--path", "escape"}, wantCode: cli.ExitUsage,
			wantErr: `input "path": "escape" is, or passes through, a symbolic link to a place outside the working directory`},
		{name: "path missing", args: []string{"--images", "ghcr.io/acme/app:v2.1.0", "--path", "nope"}, wantCode: cli.ExitUsage,
			wantErr: `input "path": "nope" does not exist`},
		{name: "malformed yaml only", files: map[string]string{"d.yaml": "spec:\n  containers:\n    - image: ghcr.io/acme/app:v1\n   bad: [\n"},
			args: []string{"--images", "ghcr.io/acme/app:v2.1.0"}, wantCode: cli.ExitFailed,
			wantErr: `d.yaml:4: mentions ghcr.io/acme/app but is not valid YAML: yaml: did not find expected key; nothing was written`},
		{name: "malformed yaml beside a good file", files: map[string]string{"env/app.yaml": deployment, "env/kustomization.yaml": "images:\n  - name: ghcr.io/acme/app\n    newTag: v2.0.0\n", "env/broken.yaml": "spec:\n  containers:\n    - {name: app, image: ghcr.io/acme/app:v2.0.0\n"},
			args: []string{"--images", "ghcr.io/acme/app:v2.1.0"}, wantCode: cli.ExitFailed,
			wantErr: `env/broken.yaml:3: mentions ghcr.io/acme/app but is not valid YAML: yaml: did not find expected ',' or '}'; nothing was written, as a bump that left this file behind would be half done: fix the file, or leave it out of path`},
		{name: "10 MB file", files: map[string]string{"big.yaml": strings.Repeat("# "+strings.Repeat("x", 98)+"\n", 100<<10) + "image: ghcr.io/acme/app:v1\n"},
			args: []string{"--images", "ghcr.io/acme/app:v2.1.0"}, wantCode: cli.ExitFailed,
			wantErr: `no reference to image "ghcr.io/acme/app" under .`},
		{name: "alias bomb", files: map[string]string{"bomb.yaml": bomb}, args: []string{"--images", "ghcr.io/acme/app:v2.1.0"}, wantCode: cli.ExitFailed,
			wantErr: `bomb.yaml:1: mentions ghcr.io/acme/app but holds so many aliases`},
		{name: "constraint does not parse", args: []string{"--images", "ghcr.io/acme/app:v2.1.0", "--constraint", ">=2.0 <<3"}, wantCode: cli.ExitUsage,
			wantErr: `input "constraint": ">=2.0 <<3" does not parse`},
		{name: "constraint not met", args: []string{"--images", "ghcr.io/acme/app:v3.1.0", "--constraint", ">=2.0.0 <3"}, wantCode: cli.ExitUsage,
			wantErr: `tag "v3.1.0" of "ghcr.io/acme/app" does not satisfy constraint ">=2.0.0 <3"`},
		{name: "constraint on a non-semver tag", args: []string{"--images", "ghcr.io/acme/app:3f2a9c1", "--constraint", ">=2.0.0"}, wantCode: cli.ExitUsage,
			wantErr: `tag "3f2a9c1" of "ghcr.io/acme/app" is not a semantic version, so it cannot satisfy constraint ">=2.0.0"`},
		{name: "downgrade", args: []string{"--images", "ghcr.io/acme/app:v1.9.0"}, wantCode: cli.ExitFailed,
			wantErr: `env/app.yaml:8: refusing to downgrade ghcr.io/acme/app from "v2.0.0" to "v1.9.0" (set allow-downgrade to permit it)`},
		{name: "bad boolean", args: []string{"--images", "ghcr.io/acme/app:v2.1.0", "--dry-run=maybe"}, wantCode: cli.ExitUsage,
			wantErr: `input "dry-run": "maybe" is not a boolean`},
		{name: "unknown flag", args: []string{"--image", "ghcr.io/acme/app:v2.1.0"}, wantCode: cli.ExitUsage,
			wantErr: `flag provided but not defined: -image`},
		{name: "bad policy", args: []string{"--images", "ghcr.io/acme/app:v2.1.0", "--policies", "app=ghcr.io/acme/app"}, wantCode: cli.ExitUsage,
			wantErr: `input "policies": "app=ghcr.io/acme/app" is not NAMESPACE:NAME=IMAGE`},
		{name: "typo in image", args: []string{"--images", "ghcr.io/acme/ap:v2.1.0", "--path", "env"}, wantCode: cli.ExitFailed,
			wantErr: `no reference to image "ghcr.io/acme/ap" under env`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := tc.files
			if files == nil {
				files = map[string]string{"env/app.yaml": deployment}
			}
			dir := clitest.WriteTree(t, files)
			if tc.link[0] != "" {
				if err := os.Symlink(tc.link[1], filepath.Join(dir, tc.link[0])); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, dir)
			got := clitest.Run(t, Command, dir, nil, tc.args...)
			if got.Code != tc.wantCode {
				t.Errorf("exit code = %d, want %d (stderr: %s)", got.Code, tc.wantCode, got.Stderr)
			}
			if !strings.Contains(got.Stderr, tc.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", got.Stderr, tc.wantErr)
			}
			if after := snapshot(t, dir); after != before {
				t.Errorf("files changed on a failed run")
			}
		})
	}
}

// snapshot concatenates every file of dir, to tell whether anything changed.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			data, _ := os.ReadFile(p)
			b.WriteString(p + "\x00" + string(data) + "\x00")
		}
		return nil
	})
	return b.String()
}

func TestLocalEditAndDryRun(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{"env/app.yaml": deployment, "env/other.yaml": "kind: ConfigMap\n"})
	dry := clitest.Run(t, Command, dir, nil, "--images", "ghcr.io/acme/app:v2.1.0", "--dry-run")
	if dry.Code != 0 {
		t.Fatalf("dry run exit %d: %s", dry.Code, dry.Stderr)
	}
	wantDiff := "diff --git a/env/app.yaml b/env/app.yaml\n--- a/env/app.yaml\n+++ b/env/app.yaml\n"
	if !strings.HasPrefix(dry.Stdout, wantDiff) || !strings.Contains(dry.Stdout, "-          image: ghcr.io/acme/app:v2.0.0\n+          image: ghcr.io/acme/app:v2.1.0\n") {
		t.Errorf("dry-run stdout = %q, want a git diff of env/app.yaml", dry.Stdout)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "env/app.yaml")); string(data) != deployment {
		t.Errorf("dry run wrote the file")
	}
	wet, wetOut := runCLI(t, dir, nil, "--images", "ghcr.io/acme/app:v2.1.0")
	if wet.Code != 0 {
		t.Fatalf("exit %d: %s", wet.Code, wet.Stderr)
	}
	want := strings.Replace(deployment, "v2.0.0", "v2.1.0", 1)
	if data, _ := os.ReadFile(filepath.Join(dir, "env/app.yaml")); string(data) != want {
		t.Errorf("file = %q, want %q", data, want)
	}
	for _, line := range []string{"changed=true\n", "files=env/app.yaml\n", `changes=[{"file":"env/app.yaml","line":8,"kind":"container","image":"ghcr.io/acme/app","old":"ghcr.io/acme/app:v2.0.0","new":"ghcr.io/acme/app:v2.1.0"}]`} {
		if !strings.Contains(wetOut, line) {
			t.Errorf("outputs %q lack %q", wetOut, line)
		}
	}
	if wet.Stdout != "" {
		t.Errorf("stdout = %q, want nothing but a dry run's diff", wet.Stdout)
	}
	again, againOut := runCLI(t, dir, nil, "--images", "ghcr.io/acme/app:v2.1.0")
	if again.Code != 0 || !strings.Contains(againOut, "changed=false\n") || !strings.Contains(againOut, "changes=[]\n") {
		t.Errorf("second run: exit %d, outputs %q, want changed=false", again.Code, againOut)
	}
}

func TestActionsMode(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{"env/app.yaml": deployment, "env/b.yaml": strings.ReplaceAll(deployment, "app:", "api:")})
	outFile := filepath.Join(t.TempDir(), "output")
	summaryFile := filepath.Join(t.TempDir(), "summary")
	environ := map[string]string{
		"GITHUB_ACTIONS":        "true",
		"GITHUB_OUTPUT":         outFile,
		"GITHUB_STEP_SUMMARY":   summaryFile,
		"INPUT_IMAGES":          "ghcr.io/acme/app:v2.1.0\nghcr.io/acme/api:v3.0.0",
		"INPUT_PATH":            "env",
		"INPUT_DRY-RUN":         "false",
		"INPUT_ALLOW-DOWNGRADE": "",
	}
	got := clitest.Run(t, Command, dir, environ)
	if got.Code != 0 {
		t.Fatalf("exit %d: %s %s", got.Code, got.Stdout, got.Stderr)
	}
	out, _ := os.ReadFile(outFile)
	for _, want := range []string{"changed<<", "\ntrue\n", "files<<", "env/app.yaml\nenv/b.yaml\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("$GITHUB_OUTPUT = %q, lacks %q", out, want)
		}
	}
	summary, _ := os.ReadFile(summaryFile)
	if !strings.Contains(string(summary), "| `env` | `ghcr.io/acme/app` | `v2.0.0` | `v2.1.0` | `env/app.yaml:8` |") {
		t.Errorf("summary = %q, lacks the change row", summary)
	}

	// An explicit flag wins over INPUT_*.
	environ["INPUT_IMAGES"] = "ghcr.io/acme/app:v9.9.9"
	got = clitest.Run(t, Command, dir, environ, "--images", "ghcr.io/acme/app:v2.2.0", "--dry-run")
	if got.Code != 0 || !strings.Contains(got.Stdout, "+          image: ghcr.io/acme/app:v2.2.0") {
		t.Errorf("flag did not win: exit %d, stdout %q", got.Code, got.Stdout)
	}
	// A dry run's summary says so, and what would change.
	summary, _ = os.ReadFile(summaryFile)
	if dry := string(summary)[strings.LastIndex(string(summary), "### bump-image"):]; !strings.Contains(dry, "**Dry run: nothing written.** Would change 1 place(s)") {
		t.Errorf("the dry run's summary does not say it wrote nothing:\n%s", dry)
	}

	// Errors become ::error:: workflow commands.
	environ["INPUT_IMAGES"] = "ghcr.io/acme/nope:v1.0.0"
	got = clitest.Run(t, Command, dir, environ)
	if got.Code != cli.ExitFailed || !strings.Contains(got.Stdout, `::error::no reference to image "ghcr.io/acme/nope" under env`) {
		t.Errorf("exit %d, stdout %q, want an ::error:: command", got.Code, got.Stdout)
	}
}

func TestHelpListsEveryFlag(t *testing.T) {
	got := clitest.Run(t, Command, t.TempDir(), nil, "--help")
	if got.Code != 0 {
		t.Fatalf("exit %d", got.Code)
	}
	for _, in := range spec.Inputs {
		if !strings.Contains(got.Stdout, "--"+in.Name) {
			t.Errorf("--help lacks --%s", in.Name)
		}
		if in.Default != "" && !strings.Contains(got.Stdout, `(default "`+in.Default+`")`) {
			t.Errorf("--help lacks the default of --%s", in.Name)
		}
	}
}

// runCLI runs bump-image outside Actions with an outputs file, and gives
// its outputs as name=value lines, for tests that look for them beside the
// log.
func runCLI(t *testing.T, dir string, environ map[string]string, args ...string) (clitest.Result, string) {
	t.Helper()
	got, outs := clitest.RunOutputs(t, Command, dir, environ, args...)
	return got, clitest.OutputLines(&Command.Spec, outs)
}

// TestDryRunPipesIntoGitApply: outside Actions standard output holds the
// diff and nothing else, so `bump-image --dry-run | git apply` makes the
// change a real run makes.
func TestDryRunPipesIntoGitApply(t *testing.T) {
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Fatal("git is not on PATH: the tests need git 2.38 or later (see the README)")
	}
	files := map[string]string{
		"env/app.yaml":           deployment,
		"env/kustomization.yaml": "images:\n  - name: ghcr.io/acme/app\n    newTag: v2.0.0 # pinned by CI\n",
		"env/crlf.yaml":          strings.ReplaceAll(deployment, "\n", "\r\n"),
		"env/other.yaml":         "kind: ConfigMap\n",
	}
	dir := clitest.WriteTree(t, files)
	git := func(stdin string, args ...string) {
		t.Helper()
		cmd := exec.Command(gitPath, args...)
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(stdin)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	git("", "init", "-q")
	dry := clitest.Run(t, Command, dir, nil, "--images", "ghcr.io/acme/app:v2.1.0", "--dry-run")
	if dry.Code != 0 {
		t.Fatalf("dry run: exit %d\n%s", dry.Code, dry.Stderr)
	}
	if !strings.Contains(dry.Stderr, "outputs:\n  changed: true\n") {
		t.Errorf("stderr lacks the outputs:\n%s", dry.Stderr)
	}
	git(dry.Stdout, "apply", "--whitespace=nowarn", "-")

	want := clitest.WriteTree(t, files)
	if wet := clitest.Run(t, Command, want, nil, "--images", "ghcr.io/acme/app:v2.1.0"); wet.Code != 0 {
		t.Fatalf("run: exit %d\n%s", wet.Code, wet.Stderr)
	}
	for name := range files {
		got, _ := os.ReadFile(filepath.Join(dir, name))
		exp, _ := os.ReadFile(filepath.Join(want, name))
		if string(got) != string(exp) {
			t.Errorf("%s after git apply = %q, want %q (what a run writes)", name, got, exp)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "env/app.yaml")); !strings.Contains(string(got), "ghcr.io/acme/app:v2.1.0") {
		t.Errorf("git apply changed nothing: %q", got)
	}
}

// TestTerminalOutput: outside Actions an error of several lines reaches
// the terminal with real line breaks (not the %0A of workflow commands),
// and standard output stays empty.
func TestTerminalOutput(t *testing.T) {
	old := strings.Replace(deployment, "v2.0.0", "v2.3.0", 1)
	dir := clitest.WriteTree(t, map[string]string{"env/a.yaml": old, "env/b.yaml": old})
	got := clitest.Run(t, Command, dir, nil, "--images", "ghcr.io/acme/app:v2.1.0")
	if got.Code != cli.ExitFailed {
		t.Fatalf("exit %d, want 1:\n%s", got.Code, got.Stderr)
	}
	want := "gitops-actions bump-image: env/a.yaml:8: refusing to downgrade ghcr.io/acme/app from \"v2.3.0\" to \"v2.1.0\" (set allow-downgrade to permit it)\n" +
		"  env/b.yaml:8: refusing to downgrade ghcr.io/acme/app from \"v2.3.0\" to \"v2.1.0\" (set allow-downgrade to permit it)\n"
	if got.Stderr != want {
		t.Errorf("stderr:\n%q\nwant:\n%q", got.Stderr, want)
	}
	if got.Stdout != "" || strings.Contains(got.Stderr, "%0A") {
		t.Errorf("stdout %q; stderr %q: want nothing on stdout and no %%0A", got.Stdout, got.Stderr)
	}
}

// TestExampleWorkflowOrdersItsTags: the application repository's example
// tags images main-<UTC time>-<short SHA> and gives bump-image the
// tag-pattern that orders them, so an older build is refused.
func TestExampleWorkflowOrdersItsTags(t *testing.T) {
	raw, err := os.ReadFile("../../examples/workflows/app-repo.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Uses string            `yaml:"uses"`
				Run  string            `yaml:"run"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(raw, &wf); err != nil {
		t.Fatal(err)
	}
	pattern, tagged := "", false
	for _, j := range wf.Jobs {
		for _, st := range j.Steps {
			if strings.Contains(st.Uses, "/bump-image@") {
				pattern = st.With["tag-pattern"]
			}
			tagged = tagged || strings.Contains(st.Run, ":main-${committed}-${GITHUB_SHA::7}")
		}
	}
	if !tagged {
		t.Fatal("the build no longer tags main-<time>-<short SHA>")
	}
	p, err := version.NewPolicy("", pattern)
	if err != nil || p.Pattern == nil {
		t.Fatalf("tag-pattern %q: %v", pattern, err)
	}
	older, newer := "main-20260501120000-3f2a9c1", "main-20260502080000-0a1b2c3"
	if err := p.Check(newer); err != nil {
		t.Errorf("a tag the build makes is refused: %v", err)
	}
	if got := p.Compare(newer, older).Relation; got != version.Older {
		t.Errorf("the older build orders as %d, want older", got)
	}
	if err := p.Check("3f2a9c1d"); err == nil {
		t.Errorf("a bare SHA passes the pattern")
	}
}
