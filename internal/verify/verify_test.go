package verify

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/helm/helmtest"
	"github.com/gitops-actions/gitops-actions/internal/kubeschema"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

var update = flag.Bool("update", false, "rewrite the golden findings files (testdata/*/want.out)")

// runGolden runs the engine on dir and compares its findings, one
// file:line:col: severity: message [rule] a line, with dir/want.out.
func runGolden(t *testing.T, dir string, opts Options) *Result {
	t.Helper()
	tree, err := workspace.Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	res, err := Run(context.Background(), tree, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	compareGolden(t, filepath.Join(dir, "want.out"), res)
	return res
}

// compareGolden compares the findings, one file:line:col: severity:
// message [rule] a line, with a golden file; -update rewrites it.
func compareGolden(t *testing.T, golden string, res *Result) {
	t.Helper()
	var b strings.Builder
	for _, f := range res.Findings {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	got := b.String()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("reading golden file: %v (run go test ./internal/verify -update)", err)
	}
	if got != string(want) {
		t.Errorf("findings differ from %s (go test ./internal/verify -update rewrites it)\n--- got\n%s--- want\n%s", golden, got, want)
	}
}

// remoteCharts serves testdata/helm-remote's charts from their
// repositories.
func remoteCharts(t testing.TB) chartref.Fetcher {
	t.Helper()
	data, err := helmtest.Pack(os.DirFS("testdata/helm-remote"), "podinfo", "podinfo")
	if err != nil {
		t.Fatal(err)
	}
	return &helmtest.Fetcher{Charts: []helmtest.Chart{{Repo: "https://stefanprodan.github.io/podinfo", Name: "podinfo", Version: "6.7.0", Data: data}}}
}

// schemas returns the real embedded schemas of a Kubernetes version.
func schemas(t testing.TB, version string) Validator {
	t.Helper()
	v, err := kubeschema.New(version)
	if err != nil {
		t.Fatal(err)
	}
	return KubeSchemas(v)
}

// goldenCase is a directory of testdata, verified with opts.
type goldenCase struct {
	name string
	opts Options
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			runGolden(t, filepath.Join("testdata", tc.name), tc.opts)
		})
	}
}

// goldenCases are the directories of testdata with their findings in
// want.out.
func goldenCases(t testing.TB) []goldenCase {
	rules := func(s ...string) RuleSet {
		rs, err := ParseRules(s)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	return []goldenCase{
		{name: "yaml-errors"},
		{name: "policies", opts: Options{KubernetesVersion: "1.37", Rules: rules("+image-digest-required")}},
		{name: "panda"},
		{name: "kustomize-overlay", opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")}},
		{name: "kustomize-broken"},
		{name: "kustomize-deprecated"},
		{name: "helm"},
		// A HelmRelease's chart rendered with its values: a typo the
		// chart's values.schema.json refuses, and an image tag set to
		// latest, each reported at the line of spec.values that wrote it.
		{name: "helm-releases", opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")}},
		{name: "drift", opts: Options{Environments: []string{"envs/staging", "envs/production"}}},
		{name: "drift-nested", opts: Options{Environments: []string{"envs/staging", "envs/production"}}},
		// An environment that does not build is said once, by its build:
		// no drift finding for each resource it lacks.
		{name: "drift-broken", opts: Options{Environments: []string{"envs/staging", "envs/production"}}},
		{name: "schema", opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")}},
		{name: "crds-input", opts: Options{Path: "repo", CRDs: []string{"crds"}, Schemas: schemas(t, "1.37")}},
		{name: "crd-order", opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")}},
		// A List's items are checked one by one, each at its line, in
		// YAML and in JSON; JSON that is no manifest is left alone.
		{name: "lists", opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")}},
		// What is meant as a resource and lacks apiVersion or kind is an
		// error; other YAML is not.
		{name: "untyped", opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")}},
		// No "add its CRD" for a kind of a group Kubernetes serves itself.
		{name: "no-schema-advice", opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")}},
		// A field the base lacks is reported once, at the base, naming
		// both environments; not at the patches that set replicas.
		{name: "kustomize-missing-field", opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")}},
		// A kustomization that does not build is pinned to the entry that
		// failed: a patch's path or item, a missing resource of a base.
		{name: "kustomize-broken-entries"},
		// Rendered resources are compared with what shares their scope: a
		// plain file beside the kustomization, another build of the same
		// environment.
		{name: "kustomize-duplicates", opts: Options{Environments: []string{"envs/prod"}}},
		// A pod's Pod Security level is its namespace's, from the
		// Namespace's labels wherever it is (here after the pods, and in a
		// kustomize build whose patch labels it):
		// enforce is an error, warn and audit (alone, too) are warnings, a namespace
		// the repository does not label is judged at the input's level.
		{name: "pod-security-levels", opts: Options{KubernetesVersion: "1.37", Rules: rules("-no-read-only-root-fs", "-run-as-non-root", "-host-network", "-host-pid", "-host-ipc")}},
		// No false report: other tools' YAML is left out; resources-missing
		// reads the pod templates of workloads, not a custom resource's
		// overlay; duplicates count within what is applied together;
		// an empty kind is reported.
		{name: "false-reports", opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37"), Rules: rules("-no-read-only-root-fs", "-run-as-non-root")}},
		// Charts rendered with Helm's engine: a chart of the repository
		// (its tag: latest at its values.yaml line; its ServiceMonitor
		// rendered since the repository holds the CRD, and checked
		// against it), kustomize helmCharts local (valuesInline lines,
		// namePrefix applied) and remote (through the fetcher; a value
		// its schema refuses at the inline line), a required value
		// missing, an Ansible role's templates/ that is no chart.
		{name: "helm-render", opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37"), Fetcher: remoteCharts(t)}},
		// A chart of a repository with no kustomization: its custom
		// resource is checked against the repository's CRD.
		{name: "helm-chart-crd", opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")}},
		// Fetching off: each remote chart is one notice naming it.
		{name: "helm-render-offline", opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")}},
	}
}

// TestPodSecurityInput: the pod-security input sets the level of the
// namespaces the repository does not label; privileged turns them off.
func TestPodSecurityInput(t *testing.T) {
	count := func(level string) (n int) {
		res := runDir(t, filepath.Join("testdata", "pod-security-levels"), Options{KubernetesVersion: "1.37", PodSecurity: level})
		for _, f := range res.Findings {
			if f.Rule == RulePodSecurity && strings.Contains(f.Message, "namespace elsewhere") {
				n++
			}
		}
		return n
	}
	base, restricted, privileged := count(""), count("restricted"), count("privileged")
	if base != 1 || restricted <= base || privileged != 0 {
		t.Errorf("findings in the unlabelled namespace: %d at the default (baseline), %d at restricted, %d at privileged; want 1, more, 0", base, restricted, privileged)
	}
}

// TestNotManifests: the other tools' files of a repository are left out
// and listed once each, by what they configure; none is a finding.
func TestNotManifests(t *testing.T) {
	res := runDir(t, filepath.Join("testdata", "false-reports"), Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")})
	var got []string
	for _, m := range res.NotManifests {
		got = append(got, m.File+": "+m.Tool)
	}
	want := []string{
		"Taskfile.yaml: Taskfile",
		"ansible/roles/web/tasks/main.yml: Ansible",
		"cluster/k3d.yaml: k3d cluster",
		"cluster/kind.yaml: kind cluster",
		"cluster/talos.yaml: Talos machine configuration",
		"helmfile.yaml: Helmfile",
		"renovate.json: Renovate configuration",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("left out:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range res.Findings {
		if strings.HasPrefix(f.File, "cluster/") || f.Rule == RuleNoSchema || f.Rule == RuleResourcesMissing {
			t.Errorf("a finding on what is not a manifest, or a custom resource's overlay: %s", f)
		}
	}
}
