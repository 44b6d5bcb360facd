package verifymanifests

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/kubeschema"
	"github.com/gitops-actions/gitops-actions/internal/verify"
)

// result is what one in-process run of the command gave.
type result struct {
	code           int
	stdout, stderr string
}

// runCommand runs `gitops-actions verify-manifests args...` in dir with the
// given environment, in-process.
func runCommand(t *testing.T, dir string, environ map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &cli.Env{
		Getenv:  func(k string) string { return environ[k] },
		Stdout:  &stdout,
		Stderr:  &stderr,
		Dir:     dir,
		Version: "test",
	}
	code := cli.Main(context.Background(), []cli.Command{Command}, append([]string{"gitops-actions", "verify-manifests"}, args...), env)
	return result{code, stdout.String(), stderr.String()}
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// pod returns a Pod manifest with one container.
func pod(name, image string, withResources bool) string {
	s := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\nspec:\n  containers:\n    - name: app\n      image: " + image + "\n"
	if withResources {
		s += "      resources:\n        requests: {cpu: 10m, memory: 16Mi}\n        limits: {cpu: 10m, memory: 16Mi}\n"
	}
	return s
}

func TestBadInput(t *testing.T) {
	dir := writeTree(t, map[string]string{"pod.yaml": pod("a", "nginx:1.27", true)})
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "unknown rule", args: []string{"--rules", "-resources-missin"}, wantErr: `input "rules": unknown rule "resources-missin" (known rules: yaml-syntax,`},
		{name: "empty rule", args: []string{"--rules", "+"}, wantErr: `input "rules": empty rule id`},
		{name: "bad fail-on", args: []string{"--fail-on", "notice"}, wantErr: `input "fail-on": "notice" is not error, warning or never`},
		{name: "bad format", args: []string{"--format", "xml"}, wantErr: `input "format": "xml" is not a format (use text, github, sarif, junit, json)`},
		{name: "bad kubernetes version", args: []string{"--kubernetes-version", "1.20"}, wantErr: `input "kubernetes-version": "1.20" has no embedded schemas (use one of 1.37`},
		{name: "missing path", args: []string{"--path", "nowhere"}, wantErr: `input "path": "nowhere" does not exist`},
		{name: "missing environment", args: []string{"--environments", "staging"}, wantErr: `input "environments": "staging" does not exist`},
		{name: "bad boolean", args: []string{"--list-rules=maybe"}, wantErr: `input "list-rules": "maybe" is not a boolean`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runCommand(t, dir, nil, tc.args...)
			if got.code != cli.ExitUsage {
				t.Errorf("exit code %d, want %d; stderr:\n%s", got.code, cli.ExitUsage, got.stderr)
			}
			if !strings.Contains(got.stderr, tc.wantErr) {
				t.Errorf("stderr does not say %q:\n%s", tc.wantErr, got.stderr)
			}
		})
	}
}

func TestFailOn(t *testing.T) {
	warningOnly := writeTree(t, map[string]string{"pod.yaml": pod("a", "nginx:1.27", false)})
	withError := writeTree(t, map[string]string{"pod.yaml": pod("a", "nginx:latest", true)})
	clean := writeTree(t, map[string]string{"pod.yaml": pod("a", "nginx:1.27", true)})
	tests := []struct {
		name     string
		dir      string
		args     []string
		wantCode int
	}{
		{name: "clean", dir: clean, wantCode: cli.ExitOK},
		{name: "warning, fail on error", dir: warningOnly, wantCode: cli.ExitOK},
		{name: "warning, fail on warning", dir: warningOnly, args: []string{"--fail-on", "warning"}, wantCode: cli.ExitFailed},
		{name: "warning rule off, fail on warning", dir: warningOnly, args: []string{"--fail-on", "warning", "--rules=-resources-missing"}, wantCode: cli.ExitOK},
		{name: "error, fail on error", dir: withError, wantCode: cli.ExitFailed},
		{name: "error, fail on warning", dir: withError, args: []string{"--fail-on", "warning"}, wantCode: cli.ExitFailed},
		{name: "error, never", dir: withError, args: []string{"--fail-on", "never"}, wantCode: cli.ExitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runCommand(t, tc.dir, nil, tc.args...)
			if got.code != tc.wantCode {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", got.code, tc.wantCode, got.stdout, got.stderr)
			}
		})
	}
}

func TestTextReport(t *testing.T) {
	dir := writeTree(t, map[string]string{"apps/pod.yaml": pod("a", "nginx", true)})
	got := runCommand(t, dir, nil, "--path", "apps")
	want := "apps/pod.yaml:8:14: error: image \"nginx\" has no tag, so it means :latest; pin a version [image-tag-latest]\nerrors=1\nwarnings=0\nresources=1\nfiles=1\nsarif-file=\n"
	if got.code != cli.ExitFailed || got.stdout != want {
		t.Errorf("exit %d, stdout:\n%s\nwant exit 1, stdout:\n%s", got.code, got.stdout, want)
	}
}

func TestActions(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"environments/staging/pod.yaml":    pod("a", "nginx:latest", true),
		"environments/production/pod.yaml": pod("a", "nginx:1.27", true),
	})
	out, summary := filepath.Join(t.TempDir(), "output"), filepath.Join(t.TempDir(), "summary")
	for _, f := range []string{out, summary} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	environ := map[string]string{
		"GITHUB_ACTIONS":       "true",
		"GITHUB_OUTPUT":        out,
		"GITHUB_STEP_SUMMARY":  summary,
		"INPUT_ENVIRONMENTS":   "environments/staging, environments/production",
		"INPUT_FAIL-ON":        "error",
		"INPUT_RULES":          "-environment-drift",
		"INPUT_PATH":           ".",
		"INPUT_KUBERNETES-VER": "ignored",
	}
	got := runCommand(t, dir, environ)
	if got.code != cli.ExitFailed {
		t.Errorf("exit code %d, want 1; stdout:\n%s\nstderr:\n%s", got.code, got.stdout, got.stderr)
	}
	wantAnnotation := "::error file=environments/staging/pod.yaml,line=8,col=14,title=image-tag-latest::"
	if !strings.Contains(got.stdout, wantAnnotation) {
		t.Errorf("stdout has no annotation %q:\n%s", wantAnnotation, got.stdout)
	}
	if strings.Count(got.stdout, "::error file=") != 1 {
		t.Errorf("want exactly one finding annotation:\n%s", got.stdout)
	}
	outputs, _ := os.ReadFile(out)
	for _, want := range []string{"errors<<", "\n1\n", "resources<<", "\n2\n", "files<<"} {
		if !strings.Contains(string(outputs), want) {
			t.Errorf("GITHUB_OUTPUT lacks %q:\n%s", want, outputs)
		}
	}
	sum, _ := os.ReadFile(summary)
	for _, want := range []string{"### verify-manifests", "`image-tag-latest`", "environments/staging"} {
		if !strings.Contains(string(sum), want) {
			t.Errorf("step summary lacks %q:\n%s", want, sum)
		}
	}
}

func TestSARIFFile(t *testing.T) {
	dir := writeTree(t, map[string]string{"pod.yaml": pod("a", "nginx:latest", true)})
	got := runCommand(t, dir, nil, "--format", "sarif")
	if got.code != cli.ExitFailed {
		t.Fatalf("exit code %d, want 1; stderr:\n%s", got.code, got.stderr)
	}
	if !strings.Contains(got.stdout, "sarif-file="+defaultSARIF+"\n") {
		t.Errorf("outputs do not name the SARIF file:\n%s", got.stdout)
	}
	data, err := os.ReadFile(filepath.Join(dir, defaultSARIF))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("SARIF does not parse: %v", err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 || len(doc.Runs[0].Results) != 1 || doc.Runs[0].Results[0].RuleID != "image-tag-latest" {
		t.Errorf("unexpected SARIF: %s", data)
	}
}

// TestJSONStdout: a JSON report on standard output is one JSON document,
// which scripts (scripts/bench-verify) parse.
func TestJSONStdout(t *testing.T) {
	dir := writeTree(t, map[string]string{"pod.yaml": pod("a", "nginx:latest", true)})
	got := runCommand(t, dir, nil, "--format", "json", "--fail-on", "never")
	var v any
	if err := json.Unmarshal([]byte(got.stdout), &v); err != nil || got.code != 0 {
		t.Errorf("exit %d; stdout is not one JSON document (%v):\n%s", got.code, err, got.stdout)
	}
}

func TestListRules(t *testing.T) {
	got := runCommand(t, t.TempDir(), nil, "--list-rules")
	if got.code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", got.code, got.stderr)
	}
	for _, r := range verify.Rules {
		if !strings.Contains(got.stdout, r.ID+" ") {
			t.Errorf("--list-rules does not list %q:\n%s", r.ID, got.stdout)
		}
	}
}

// TestExample runs the action on the bundled config repo, which must be
// clean.
func TestExample(t *testing.T) {
	got := runCommand(t, "../..", nil, "--path", "examples/config-repo", "--environments", "environments/staging,environments/production", "--fail-on", "warning")
	if got.code != 0 || !strings.Contains(got.stdout, "errors=0\nwarnings=0\nresources=7\nfiles=9\n") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", got.code, got.stdout, got.stderr)
	}
}

// TestRulesTable keeps the README's rule table equal to the catalogue; with
// -update (the flag of clitest) it rewrites it.
func TestRulesTable(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- rules -->\n", "<!-- /rules -->"
	i, j := bytes.Index(readme, []byte(start)), bytes.Index(readme, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q markers", start, end)
	}
	var b strings.Builder
	b.WriteString("| rule | severity | default | description |\n|---|---|---|---|\n")
	for _, r := range verify.Rules {
		on := "on"
		if !r.Default {
			on = "off"
		}
		b.WriteString("| `" + r.ID + "` | " + r.Severity.String() + " | " + on + " | " + strings.ReplaceAll(r.Description, "|", `\|`) + " |\n")
	}
	want := string(readme[:i+len(start)]) + b.String() + string(readme[j:])
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile("README.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(readme) != want {
		t.Errorf("README.md rule table differs from verify.Rules; run go test ./actions/verify-manifests -update")
	}
}

func TestKubernetesVersions(t *testing.T) {
	if got, want := kubernetesVersions, strings.Join(kubeschema.Versions(), ", "); got != want {
		t.Errorf("kubernetesVersions = %q, kubeschema embeds %q: update the constant and run go test ./... -run TestActionFiles -update", got, want)
	}
}

// TestPathOutsideWorkingDirectory: an absolute path elsewhere (a benchmark
// corpus) is verified in place, its files named relative to it.
func TestPathOutsideWorkingDirectory(t *testing.T) {
	corpus := writeTree(t, map[string]string{"team/pod.yaml": pod("a", "nginx", true)})
	got := runCommand(t, t.TempDir(), nil, "--path", corpus, "--format", "json", "--fail-on", "never")
	var doc struct {
		Findings []struct {
			File string `json:"file"`
			Rule string `json:"rule"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(got.stdout), &doc); err != nil || got.code != 0 {
		t.Fatalf("exit %d, stdout not JSON (%v):\n%s\nstderr:\n%s", got.code, err, got.stdout, got.stderr)
	}
	if len(doc.Findings) != 1 || doc.Findings[0].File != "team/pod.yaml" || doc.Findings[0].Rule != verify.RuleImageTagLatest {
		t.Errorf("findings = %+v, want one image-tag-latest in team/pod.yaml", doc.Findings)
	}
}
