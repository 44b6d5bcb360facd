package verifymanifests

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/kubeschema"
	"github.com/gitops-actions/gitops-actions/internal/verify"
)

// pod returns a Pod manifest with one container.
func pod(name, image string, withResources bool) string {
	s := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\nspec:\n  containers:\n    - name: app\n      image: " + image + "\n"
	if withResources {
		s += "      resources:\n        requests: {cpu: 10m, memory: 16Mi}\n        limits: {cpu: 10m, memory: 16Mi}\n"
	}
	s += "      securityContext: {runAsNonRoot: true, readOnlyRootFilesystem: true}\n"
	return s
}

func TestBadInput(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{"pod.yaml": pod("a", "nginx:1.27", true)})
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
		{name: "patch of a minor not embedded", args: []string{"--kubernetes-version", "v1.20.15"}, wantErr: `input "kubernetes-version": "v1.20.15" is Kubernetes 1.20, which has no embedded schemas (use one of 1.37`},
		{name: "not a version", args: []string{"--kubernetes-version", "latest"}, wantErr: `input "kubernetes-version": "latest" is not a Kubernetes version: give the minor (1.37) or the version kubectl version prints (v1.37.2)`},
		{name: "major only", args: []string{"--kubernetes-version", "1"}, wantErr: `input "kubernetes-version": "1" is not a Kubernetes version`},
		{name: "four parts", args: []string{"--kubernetes-version", "1.30.1.2"}, wantErr: `input "kubernetes-version": "1.30.1.2" is not a Kubernetes version`},
		{name: "missing path", args: []string{"--path", "nowhere"}, wantErr: `input "path": "nowhere" does not exist`},
		{name: "missing environment", args: []string{"--environments", "staging"}, wantErr: `input "environments": "staging" does not exist`},
		{name: "bad boolean", args: []string{"--list-rules=maybe"}, wantErr: `input "list-rules": "maybe" is not a boolean`},
		{name: "bad api version", args: []string{"--api-versions", "monitoring.coreos.com/v1,monitoring coreos"}, wantErr: `input "api-versions": "monitoring coreos" is not a group/version or group/version/kind`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := clitest.Run(t, Command, dir, nil, tc.args...)
			if got.Code != cli.ExitUsage {
				t.Errorf("exit code %d, want %d; stderr:\n%s", got.Code, cli.ExitUsage, got.Stderr)
			}
			if !strings.Contains(got.Stderr, tc.wantErr) {
				t.Errorf("stderr does not say %q:\n%s", tc.wantErr, got.Stderr)
			}
		})
	}
}

func TestFailOn(t *testing.T) {
	warningOnly := clitest.WriteTree(t, map[string]string{"pod.yaml": pod("a", "nginx:1.27", false)})
	withError := clitest.WriteTree(t, map[string]string{"pod.yaml": pod("a", "nginx:latest", true)})
	clean := clitest.WriteTree(t, map[string]string{"pod.yaml": pod("a", "nginx:1.27", true)})
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
			got := clitest.Run(t, Command, tc.dir, nil, tc.args...)
			if got.Code != tc.wantCode {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", got.Code, tc.wantCode, got.Stdout, got.Stderr)
			}
		})
	}
}

func TestTextReport(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{"apps/pod.yaml": pod("a", "nginx", true)})
	got, outs := clitest.RunOutputs(t, Command, dir, nil, "--path", "apps")
	want := "apps/pod.yaml:8:14: error: image \"nginx\" has no tag, so it means :latest; pin a version [image-tag-latest]\n"
	if got.Code != cli.ExitFailed || got.Stdout != want {
		t.Errorf("exit %d, stdout:\n%s\nwant exit 1, stdout:\n%s", got.Code, got.Stdout, want)
	}
	if got, want := clitest.OutputLines(&Command.Spec, outs), "errors=1\nwarnings=0\nresources=1\nfiles=1\nsarif-file=\n"; got != want {
		t.Errorf("outputs:\n%s\nwant:\n%s", got, want)
	}
}

func TestActions(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{
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
	got := clitest.Run(t, Command, dir, environ)
	if got.Code != cli.ExitFailed {
		t.Errorf("exit code %d, want 1; stdout:\n%s\nstderr:\n%s", got.Code, got.Stdout, got.Stderr)
	}
	wantAnnotation := "::error file=environments/staging/pod.yaml,line=8,col=14,title=image-tag-latest::"
	if !strings.Contains(got.Stdout, wantAnnotation) {
		t.Errorf("stdout has no annotation %q:\n%s", wantAnnotation, got.Stdout)
	}
	if strings.Count(got.Stdout, "::error file=") != 1 {
		t.Errorf("want exactly one finding annotation:\n%s", got.Stdout)
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

// TestSARIFFile: where a SARIF report goes. In GitHub Actions, with no
// output-file, to verify-manifests.sarif, which the sarif-file output names
// for upload-sarif; on a laptop, to standard output, and nothing is written
// into the repository being checked; with output-file, to that file.
func TestSARIFFile(t *testing.T) {
	tests := []struct {
		name      string
		actions   bool
		args      []string
		wantFile  string // the report's file; "" for standard output
		wantNamed string // the sarif-file output, in Actions
	}{
		{name: "actions, no output-file", actions: true, wantFile: defaultSARIF, wantNamed: defaultSARIF},
		{name: "actions, output-file", actions: true, args: []string{"--output-file", "out/r.sarif"}, wantFile: "out/r.sarif", wantNamed: "out/r.sarif"},
		{name: "local, no output-file", wantFile: ""},
		{name: "local, output-file", args: []string{"--output-file", "r.sarif"}, wantFile: "r.sarif"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := clitest.WriteTree(t, map[string]string{"pod.yaml": pod("a", "nginx:latest", true), "out/.keep": ""})
			var got clitest.Result
			if tc.actions {
				inputs := map[string]string{"format": "sarif"}
				if len(tc.args) == 2 {
					inputs["output-file"] = tc.args[1]
				}
				r := clitest.RunAction(t, Command, dir, nil, inputs)
				got = r.Result
				if r.Outputs["sarif-file"] != tc.wantNamed {
					t.Errorf("output sarif-file = %q, want %q", r.Outputs["sarif-file"], tc.wantNamed)
				}
			} else {
				got = clitest.Run(t, Command, dir, nil, append([]string{"--format", "sarif"}, tc.args...)...)
			}
			if got.Code != cli.ExitFailed {
				t.Fatalf("exit code %d, want 1; stderr:\n%s", got.Code, got.Stderr)
			}
			var data []byte
			if tc.wantFile == "" {
				data = []byte(got.Stdout)
			} else {
				var err error
				if data, err = os.ReadFile(filepath.Join(dir, tc.wantFile)); err != nil {
					t.Fatal(err)
				}
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
				t.Fatalf("the report is not one JSON document: %v\n%s", err, data)
			}
			if doc.Version != "2.1.0" || len(doc.Runs) != 1 || len(doc.Runs[0].Results) != 1 || doc.Runs[0].Results[0].RuleID != "image-tag-latest" {
				t.Errorf("unexpected SARIF: %s", data)
			}
			// Nothing but the inputs and the named report is left in
			// the repository.
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if n := e.Name(); n != "pod.yaml" && n != "out" && n != tc.wantFile {
					t.Errorf("the run left %s in the repository", n)
				}
			}
		})
	}
}

// TestJSONStdout: a JSON report on standard output is one JSON document,
// which scripts (scripts/bench-verify) parse.
func TestJSONStdout(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{"pod.yaml": pod("a", "nginx:latest", true)})
	got := clitest.Run(t, Command, dir, nil, "--format", "json", "--fail-on", "never")
	var v any
	if err := json.Unmarshal([]byte(got.Stdout), &v); err != nil || got.Code != 0 {
		t.Errorf("exit %d; stdout is not one JSON document (%v):\n%s", got.Code, err, got.Stdout)
	}
}

func TestListRules(t *testing.T) {
	got := clitest.Run(t, Command, t.TempDir(), nil, "--list-rules")
	if got.Code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", got.Code, got.Stderr)
	}
	for _, r := range verify.Rules {
		if !strings.Contains(got.Stdout, r.ID+" ") {
			t.Errorf("--list-rules does not list %q:\n%s", r.ID, got.Stdout)
		}
	}

	got = clitest.Run(t, Command, t.TempDir(), nil, "--list-rules", "--format", "json")
	var rules []struct {
		ID, Severity, Description, Fix string
		Default                        bool
	}
	if err := json.Unmarshal([]byte(got.Stdout), &rules); err != nil || got.Code != 0 {
		t.Fatalf("--list-rules --format json: exit %d, not a JSON array (%v):\n%s", got.Code, err, got.Stdout)
	}
	if len(rules) != len(verify.Rules) {
		t.Fatalf("%d rules in JSON, want %d", len(rules), len(verify.Rules))
	}
	for i, r := range verify.Rules {
		if g := rules[i]; g.ID != r.ID || g.Severity != r.Severity.String() || g.Default != r.Default || g.Description != r.Description || g.Fix != r.Fix {
			t.Errorf("rule %d = %+v, want %s %s %v %q fix %q", i, g, r.ID, r.Severity, r.Default, r.Description, r.Fix)
		}
	}

	// A rule that reports what kube-linter or Polaris checks says how to
	// fix it, in the table and in JSON: a user coming from either tool
	// finds the remediation they had there.
	text := clitest.Run(t, Command, t.TempDir(), nil, "--list-rules").Stdout
	for _, p := range verify.PeerChecks {
		for _, id := range p.Rules {
			i := slices.IndexFunc(verify.Rules, func(r finding.Rule) bool { return r.ID == id })
			if i < 0 {
				continue // TestPeersTable reports it
			}
			r := verify.Rules[i]
			if r.Fix == "" || rules[i].Fix != r.Fix || !strings.Contains(text, "Fix: "+r.Fix) {
				t.Errorf("rule %s (covers %s %s) has no fix in --list-rules", id, p.Tool, p.Name)
			}
		}
	}
}

// TestExample runs the action on the bundled config repo, which must be
// clean: 3 resources in each environment (shared/ is rendered by both, and
// not checked on its own).
func TestExample(t *testing.T) {
	got := runCLI(t, "../..", "--path", "examples/config-repo", "--environments", "environments/staging,environments/production", "--fail-on", "warning")
	if got.Code != 0 || !strings.Contains(got.Stdout, "errors=0\nwarnings=0\nresources=6\nfiles=9\n") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", got.Code, got.Stdout, got.Stderr)
	}
}

// referencePath is the action's user reference, beside its action.yml.
const referencePath = "../../verify-manifests/README.md"

// TestRulesTable keeps the reference's rule table equal to the catalogue; with
// -update (the flag of clitest) it rewrites it.
func TestRulesTable(t *testing.T) {
	var b strings.Builder
	b.WriteString("| rule | severity | default | description | fix |\n|---|---|---|---|---|\n")
	for _, r := range verify.Rules {
		on := "on"
		if !r.Default {
			on = "off"
		}
		b.WriteString("| `" + r.ID + "` | " + r.Severity.String() + " | " + on + " | " + cell(r.Description) + " | " + cell(r.Fix) + " |\n")
	}
	syncSection(t, "rules", b.String())
}

// TestPeersTable keeps the reference's side-by-side table of kube-linter's
// and Polaris's checks equal to verify.PeerChecks, and every rule it names
// in the catalogue.
func TestPeersTable(t *testing.T) {
	var b strings.Builder
	b.WriteString("| tool | check | on there by default | verify-manifests | notes |\n|---|---|---|---|---|\n")
	covered := 0
	for _, p := range verify.PeerChecks {
		def := "yes"
		if !p.Default {
			def = "no"
		}
		var rules []string
		for _, r := range p.Rules {
			if !slices.ContainsFunc(verify.Rules, func(x finding.Rule) bool { return x.ID == r }) {
				t.Errorf("%s %s: rule %q is not in the catalogue", p.Tool, p.Name, r)
			}
			rules = append(rules, "`"+r+"`")
		}
		ours := "not covered"
		if len(rules) > 0 {
			ours = strings.Join(rules, ", ")
			covered++
		}
		b.WriteString("| " + p.Tool + " | `" + p.Name + "` | " + def + " | " + ours + " | " + cell(p.Note) + " |\n")
	}
	syncSection(t, "peers", b.String())
	if covered == 0 {
		t.Error("no peer check is covered")
	}
}

// cell escapes a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// syncSection keeps the reference's text between <!-- name --> and
// <!-- /name --> equal to body; with -update it rewrites it.
func syncSection(t *testing.T, name, body string) {
	t.Helper()
	readme, err := os.ReadFile(referencePath)
	if err != nil {
		t.Fatal(err)
	}
	start, end := "<!-- "+name+" -->\n", "<!-- /"+name+" -->"
	i, j := bytes.Index(readme, []byte(start)), bytes.Index(readme, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q markers", referencePath, start, end)
	}
	want := string(readme[:i+len(start)]) + body + string(readme[j:])
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(referencePath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(readme) != want {
		t.Errorf("%s: the %s table differs from the code; run go test ./actions/verify-manifests -update", referencePath, name)
	}
}

// TestConfigFile: the repository's config file changes severities and
// turns rules off and sets the pod-security level, the rules and
// pod-security inputs still win, and a file naming an unknown rule or
// breaking the schema is bad input.
func TestConfigFile(t *testing.T) {
	files := func(config string) string {
		m := map[string]string{"pod.yaml": pod("a", "nginx:1.27", false)}
		if config != "" {
			m[".gitops-actions.yaml"] = config
		}
		return clitest.WriteTree(t, m)
	}
	tests := []struct {
		name     string
		config   string
		args     []string
		wantCode int
		want     string
		wantNot  string
	}{
		{name: "no file", wantCode: cli.ExitOK, want: "warning: container \"app\" has no"},
		{name: "severity raised", config: "verify-manifests:\n  rules:\n    resources-missing: error\n", wantCode: cli.ExitFailed, want: "error: container \"app\" has no"},
		{name: "rule off", config: "verify-manifests:\n  rules:\n    resources-missing: off\n", args: []string{"--fail-on", "warning"}, wantCode: cli.ExitOK},
		{name: "input wins", config: "verify-manifests:\n  rules:\n    resources-missing: off\n", args: []string{"--rules", "+resources-missing"}, wantCode: cli.ExitOK, want: "[resources-missing]"},
		{name: "unknown rule", config: "verify-manifests:\n  rules:\n    resources-mising: off\n", wantCode: cli.ExitUsage, want: `unknown rule "resources-mising" (did you mean "resources-missing"?)`},
		{name: "bad value", config: "verify-manifests:\n  rules:\n    resources-missing: loud\n", wantCode: cli.ExitUsage, want: "at verify-manifests.rules.resources-missing: value must be one of"},
		{name: "unknown key", config: "verify-manifests:\n  podsecurity: restricted\n", wantCode: cli.ExitUsage, want: "additional properties 'podsecurity' not allowed"},
		{name: "named file", args: []string{"--config", "missing.yaml"}, wantCode: cli.ExitUsage, want: `"missing.yaml" does not exist`},
		// The pod sets no seccomp profile: restricted forbids it, baseline
		// (the default) does not.
		{name: "pod-security default", wantCode: cli.ExitOK, wantNot: "[pod-security]"},
		{name: "pod-security in the file", config: "verify-manifests:\n  pod-security: restricted\n", wantCode: cli.ExitOK, want: "the restricted Pod Security Standard forbids it, the level the pod-security input sets for namespace"},
		{name: "pod-security input wins", config: "verify-manifests:\n  pod-security: restricted\n", args: []string{"--pod-security", "baseline"}, wantCode: cli.ExitOK, wantNot: "[pod-security]"},
		{name: "pod-security bad input", args: []string{"--pod-security", "strict"}, wantCode: cli.ExitUsage, want: `input "pod-security": "strict" is not a Pod Security Standard level (use privileged, baseline or restricted)`},
		{name: "pod-security bad value", config: "verify-manifests:\n  pod-security: strict\n", wantCode: cli.ExitUsage, want: "at verify-manifests.pod-security: value must be one of"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := clitest.Run(t, Command, files(tc.config), nil, append([]string{"--format", "text"}, tc.args...)...)
			if got.Code != tc.wantCode || !strings.Contains(got.Stdout+got.Stderr, tc.want) || tc.wantNot != "" && strings.Contains(got.Stdout+got.Stderr, tc.wantNot) {
				t.Errorf("exit %d, want %d, and %q in the output\nstdout:\n%s\nstderr:\n%s", got.Code, tc.wantCode, tc.want, got.Stdout, got.Stderr)
			}
		})
	}
}

func TestKubernetesVersions(t *testing.T) {
	if got, want := kubernetesVersions, strings.Join(kubeschema.Versions(), ", "); got != want {
		t.Errorf("kubernetesVersions = %q, kubeschema embeds %q: update the constant and run go test ./... -run TestActionFiles -update", got, want)
	}
}

// TestKubernetesVersionJudgesAPIs: every embedded version is accepted, and
// the schemas and the removed-api and deprecated-api rules judge an API
// by the version given, as that version's API server would.
func TestKubernetesVersionJudgesAPIs(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{
		// Served as v1beta3 up to 1.31, deprecated since 1.29.
		"flowschema.yaml": "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata:\n  name: f\nspec:\n  priorityLevelConfiguration:\n    name: global-default\n",
		// v1beta1 deprecated in 1.31, last served by 1.33.
		"policy.yaml": "apiVersion: admissionregistration.k8s.io/v1beta1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: p\nspec:\n  validations:\n    - expression: \"true\"\n",
		// v1beta1 from 1.31, deprecated in 1.34, gone in 1.37.
		"cidr.yaml": "apiVersion: networking.k8s.io/v1beta1\nkind: ServiceCIDR\nmetadata:\n  name: c\nspec:\n  cidrs: [10.96.0.0/16]\n",
		"pod.yaml":  pod("a", "nginx:1.27", true),
	})
	tests := []struct {
		version string
		want    map[string]string // file → the rule of its one finding; none when absent
	}{
		{version: "1.30", want: map[string]string{"flowschema.yaml": "deprecated-api", "cidr.yaml": "no-schema"}},
		// A patch version, as kubectl version prints it, is its minor.
		{version: "1.30.14", want: map[string]string{"flowschema.yaml": "deprecated-api", "cidr.yaml": "no-schema"}},
		{version: "v1.31", want: map[string]string{"flowschema.yaml": "deprecated-api", "policy.yaml": "deprecated-api"}},
		{version: "v1.31.2", want: map[string]string{"flowschema.yaml": "deprecated-api", "policy.yaml": "deprecated-api"}},
		{version: "v1.34.1-eks-931bdca", want: map[string]string{"flowschema.yaml": "removed-api", "policy.yaml": "removed-api", "cidr.yaml": "deprecated-api"}},
		{version: "1.32", want: map[string]string{"flowschema.yaml": "removed-api", "policy.yaml": "deprecated-api"}},
		{version: "1.33", want: map[string]string{"flowschema.yaml": "removed-api", "policy.yaml": "deprecated-api"}},
		{version: "1.34", want: map[string]string{"flowschema.yaml": "removed-api", "policy.yaml": "removed-api", "cidr.yaml": "deprecated-api"}},
		{version: "1.35", want: map[string]string{"flowschema.yaml": "removed-api", "policy.yaml": "removed-api", "cidr.yaml": "deprecated-api"}},
		{version: "1.36", want: map[string]string{"flowschema.yaml": "removed-api", "policy.yaml": "removed-api", "cidr.yaml": "deprecated-api"}},
		{version: "1.37", want: map[string]string{"flowschema.yaml": "removed-api", "policy.yaml": "removed-api", "cidr.yaml": "removed-api"}},
		{version: "", want: map[string]string{"flowschema.yaml": "removed-api", "policy.yaml": "removed-api", "cidr.yaml": "removed-api"}},
	}
	for _, tc := range tests {
		t.Run("kubernetes "+tc.version, func(t *testing.T) {
			got := clitest.Run(t, Command, dir, nil, "--kubernetes-version", tc.version, "--fail-on", "never")
			if got.Code != cli.ExitOK {
				t.Fatalf("exit code %d, want 0; stderr:\n%s", got.Code, got.Stderr)
			}
			findings := map[string]string{}
			for _, line := range strings.Split(got.Stdout, "\n") {
				file, _, ok := strings.Cut(line, ":")
				open, closing := strings.LastIndex(line, "["), strings.LastIndex(line, "]")
				if !ok || open < 0 || closing != len(line)-1 {
					continue
				}
				if _, dup := findings[file]; dup {
					t.Errorf("more than one finding for %s:\n%s", file, got.Stdout)
				}
				findings[file] = line[open+1 : closing]
			}
			if !reflect.DeepEqual(findings, tc.want) {
				t.Errorf("findings by file = %v, want %v; stdout:\n%s", findings, tc.want, got.Stdout)
			}
		})
	}
}

// TestAPIVersions: a chart that renders an object only when its API
// exists renders it once api-versions names the API, and it is checked.
// TestKubernetesVersionReachesHelm holds Helm's Capabilities.KubeVersion
// to the kubernetes-version input: a chart that declares kubeVersion
// "<1.34.0-0" renders for 1.33 and is refused for 1.37 and for the
// default (the newest embedded, never Helm's library default, v1.20).
func TestKubernetesVersionReachesHelm(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{
		"chart/Chart.yaml":        "apiVersion: v2\nname: old\nversion: 1.0.0\nkubeVersion: \"<1.34.0-0\"\n",
		"chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster\ndata:\n  minor: \"{{ .Capabilities.KubeVersion.Minor }}\"\n",
	})
	for _, tc := range []struct {
		name string
		args []string
		want string // a line of the report, "" for no helm-render finding
	}{
		{name: "1.33", args: []string{"--kubernetes-version", "1.33"}},
		{name: "1.37", args: []string{"--kubernetes-version", "v1.37.2"}, want: "chart/Chart.yaml:1:1: error: chart old 1.0.0 requires kubeVersion <1.34.0-0, which Kubernetes v1.37.0 is not (kubernetes-version) [helm-render]"},
		{name: "default", want: "which Kubernetes v1.37.0 is not (kubernetes-version) [helm-render]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := clitest.Run(t, Command, dir, nil, append(tc.args, "--format", "text", "--fail-on", "never")...)
			if got.Code != cli.ExitOK {
				t.Fatalf("exit code %d; stderr:\n%s", got.Code, got.Stderr)
			}
			if tc.want == "" && strings.Contains(got.Stdout, "[helm-render]") || tc.want != "" && !strings.Contains(got.Stdout, tc.want) {
				t.Errorf("stdout:\n%s\nwant %q", got.Stdout, tc.want)
			}
			if tc.want == "" && !strings.Contains(got.Stdout+got.Stderr, "1 resource(s)") {
				t.Errorf("the chart's ConfigMap was not rendered and checked:\n%s%s", got.Stdout, got.Stderr)
			}
		})
	}
}

func TestAPIVersions(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{
		"chart/Chart.yaml": "apiVersion: v2\nname: probe\nversion: 1.0.0\n",
		"chart/templates/probe.yaml": "{{- if .Capabilities.APIVersions.Has \"acme.example.com/v1/Probe\" }}\n" +
			"apiVersion: acme.example.com/v1\nkind: Probe\nmetadata:\n  name: p\n{{- end }}\n",
	})
	for _, tc := range []struct {
		name string
		args []string
		want string // a line of the report, "" for no finding
	}{
		{name: "not served", want: ""},
		{name: "served", args: []string{"--api-versions", "acme.example.com/v1/Probe"}, want: "chart/Chart.yaml:1:1: warning: no schema for acme.example.com/v1 Probe; it was not validated (add its CRD under crds) (chart directory chart → probe 1.0.0, templates/probe.yaml) [no-schema]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := clitest.Run(t, Command, dir, nil, append(tc.args, "--fail-on", "never")...)
			if got.Code != cli.ExitOK {
				t.Fatalf("exit code %d; stderr:\n%s", got.Code, got.Stderr)
			}
			if tc.want == "" && strings.Contains(got.Stdout, "Probe") || tc.want != "" && !strings.Contains(got.Stdout, tc.want) {
				t.Errorf("stdout:\n%s\nwant %q", got.Stdout, tc.want)
			}
		})
	}
}

// runCLI runs verify-manifests outside Actions with an outputs file; the
// outputs follow what it printed on standard output, as name=value lines.
func runCLI(t *testing.T, dir string, args ...string) clitest.Result {
	t.Helper()
	got, outs := clitest.RunOutputs(t, Command, dir, nil, args...)
	got.Stdout += clitest.OutputLines(&Command.Spec, outs)
	return got
}

// TestSuppressions: the annotations users of kube-linter and Polaris
// already write silence findings, the whole tool's at once too; a peer's
// annotation silences the Pod Security finding of its field where the
// namespace only warns, never where it enforces; and the log and the job
// summary count what was silenced, with the reasons written.
func TestSuppressions(t *testing.T) {
	const container = `  containers:
  - name: app
    image: ghcr.io/acme/app:1.0.0
    resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {cpu: 10m, memory: 16Mi}}
`
	const hardened = "    securityContext: {readOnlyRootFilesystem: true, runAsNonRoot: true}\n"
	pod := func(name, ns, annotation, spec string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
			"\n  annotations:\n    " + annotation + "\nspec:\n" + spec + container
	}
	dir := clitest.WriteTree(t, map[string]string{
		"namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: locked\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n",
		"enforced.yaml":  pod("enforced", "locked", "ignore-check.kube-linter.io/host-network: node exporter", "  hostNetwork: true\n") + hardened,
		"warned.yaml":    pod("warned", "open", "ignore-check.kube-linter.io/host-network: node exporter", "  hostNetwork: true\n") + hardened,
		"linter.yaml":    pod("linter", "open", "kube-linter.io/ignore-all: legacy image", ""),
		"polaris.yaml":   pod("polaris", "open", `polaris.fairwinds.com/exempt: "true"`, ""),
	})
	got := clitest.RunAction(t, Command, dir, nil, map[string]string{"path": ".", "fail-on": "warning"})
	if got.Code != cli.ExitFailed {
		t.Errorf("exit code %d, want 1 (the enforced namespace's error)", got.Code)
	}
	if n := strings.Count(got.Stdout, "::error file=") + strings.Count(got.Stdout, "::warning file="); n != 1 ||
		!strings.Contains(got.Stdout, "::error file=enforced.yaml,line=9,") || !strings.Contains(got.Stdout, "title=pod-security::") {
		t.Errorf("want one finding, the enforced namespace's hostNetwork error; stdout:\n%s", got.Stdout)
	}
	want := "suppressed: 5 finding(s) silenced by annotations on their objects, 3 with a reason: no-read-only-root-fs: legacy image (1); pod-security: node exporter (1); run-as-non-root: legacy image (1)"
	// The summary is Markdown: its parentheses are escaped.
	summary := strings.NewReplacer(`\(`, "(", `\)`, ")").Replace(got.Summary)
	for name, text := range map[string]string{"the log": got.Stdout + got.Stderr, "the job summary": summary} {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", name, want, text)
		}
	}
}
