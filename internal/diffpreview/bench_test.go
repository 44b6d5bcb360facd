package diffpreview

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/kubeschema"
	"github.com/gitops-actions/gitops-actions/internal/verify"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// writeLayout writes a config repository in the layout of the scale issue
// (scripts/bench-verify's layout command; internal/verify's writeLayout):
// a base per application (apps/APP/base, files files of perFile
// resources) and an overlay per application and environment
// (environments/ENV/APP) setting the namespace, a label and the image tag.
func writeLayout(tb testing.TB, dir string, apps, files, perFile int, envs ...string) {
	tb.Helper()
	write := func(p, data string) {
		p = filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	for a := range apps {
		app := fmt.Sprintf("app%03d", a)
		var k strings.Builder
		k.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
		for f := range files {
			var b strings.Builder
			for j := range perFile {
				if j > 0 {
					b.WriteString("---\n")
				}
				name := fmt.Sprintf("%s-%d-%d", app, f, j)
				switch j % 3 {
				case 0:
					fmt.Fprintf(&b, deploymentTemplate, name, name, name, name, a%7)
				case 1:
					fmt.Fprintf(&b, "apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\nspec:\n  selector:\n    app: %s\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n", name, name)
				default:
					fmt.Fprintf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  LOG_LEVEL: info\n", name)
				}
			}
			fmt.Fprintf(&k, "  - file%02d.yaml\n", f)
			write(fmt.Sprintf("apps/%s/base/file%02d.yaml", app, f), b.String())
		}
		write(fmt.Sprintf("apps/%s/base/kustomization.yaml", app), k.String())
		for i, env := range envs {
			write(fmt.Sprintf("environments/%s/%s/kustomization.yaml", env, app), fmt.Sprintf(
				"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: %s-%s\nresources:\n  - ../../../apps/%s/base\nlabels:\n  - pairs:\n      environment: %s\nimages:\n  - name: ghcr.io/acme/app\n    newTag: v1.%d.0\n",
				env, app, app, env, i))
		}
	}
}

const deploymentTemplate = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
  labels:
    app.kubernetes.io/name: %s
spec:
  replicas: 2
  selector:
    matchLabels:
      app: %s
  template:
    metadata:
      labels:
        app: %s
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/app:v1.%d.0
          ports:
            - name: http
              containerPort: 8080
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
          readinessProbe:
            httpGet: {path: /healthz, port: http}
`

// benchEnvironments are the environments of the benchmark layout.
var benchEnvironments = []string{"environments/staging", "environments/production"}

// benchTrees writes the scale issue's layout (100 applications of 20
// files of 5 resources, 2 environments: 20,000 rendered resources) as the
// base, and as the head the same with one line changed in one base, the
// replicas of one Deployment. DIFFPREVIEW_BENCH_DIR names a directory to
// write them to once and reuse (to measure a run's peak RSS without the
// writing); else they go to a temporary directory.
func benchTrees(b *testing.B) (base, head *workspace.Tree) {
	b.Helper()
	dir := os.Getenv("DIFFPREVIEW_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	baseDir, headDir := filepath.Join(dir, "base"), filepath.Join(dir, "head")
	if _, err := os.Stat(filepath.Join(headDir, "apps")); err != nil {
		const apps, files, perFile = 100, 20, 5
		writeLayout(b, baseDir, apps, files, perFile, "staging", "production")
		writeLayout(b, headDir, apps, files, perFile, "staging", "production")
		p := filepath.Join(headDir, "apps", "app042", "base", "file07.yaml")
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.Replace(string(data), "replicas: 2", "replicas: 3", 1)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	open := func(d string) *workspace.Tree {
		t, err := workspace.Open(d, 0)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { t.Close() })
		return t
	}
	return open(baseDir), open(headDir)
}

// BenchmarkCompare renders both trees of benchTrees and compares them:
// the part of a verify-manifests run with diff-base that verify alone
// does not do.
func BenchmarkCompare(b *testing.B) {
	base, head := benchTrees(b)
	b.ResetTimer()
	for range b.N {
		p, err := Compare(context.Background(), base, head, Options{Environments: benchEnvironments})
		if err != nil {
			b.Fatal(err)
		}
		if a, r, c := p.Counts(); a != 0 || r != 0 || c != 2 {
			b.Fatalf("%d added, %d removed, %d changed; want 2 changed (app042 in both environments)", a, r, c)
		}
	}
}

// BenchmarkVerify verifies the head of benchTrees as verify-manifests does
// without a diff, the real schemas compiled once, as in the binary.
func BenchmarkVerify(b *testing.B) {
	_, head := benchTrees(b)
	v := benchSchemas(b)
	b.ResetTimer()
	for range b.N {
		runVerify(b, head, v)
	}
}

// BenchmarkVerifyAndCompare is the whole run with diff-base: verify the
// head, then render the base and the head and compare them. Against
// BenchmarkVerify, the cost of the diff (the target: within 2×).
func BenchmarkVerifyAndCompare(b *testing.B) {
	base, head := benchTrees(b)
	v := benchSchemas(b)
	b.ResetTimer()
	for range b.N {
		runVerify(b, head, v)
		if _, err := Compare(context.Background(), base, head, Options{Environments: benchEnvironments}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSchemas(b *testing.B) verify.Validator {
	k, err := kubeschema.New("1.37")
	if err != nil {
		b.Fatal(err)
	}
	return verify.KubeSchemas(k)
}

func runVerify(b *testing.B, tree *workspace.Tree, v verify.Validator) {
	res, err := verify.Run(context.Background(), tree, verify.Options{Environments: benchEnvironments, KubernetesVersion: "1.37", Schemas: v})
	if err != nil {
		b.Fatal(err)
	}
	if res.Errors != 0 {
		b.Fatalf("%d errors: %v", res.Errors, res.Findings[:min(3, len(res.Findings))])
	}
}

// BenchmarkCompareEverything is BenchmarkCompare with every build and
// file rendered on both sides, as when a change reaches every build (a
// component all applications use): the worst case.
func BenchmarkCompareEverything(b *testing.B) {
	base, head := benchTrees(b)
	b.ResetTimer()
	for range b.N {
		if _, err := Compare(context.Background(), base, head, Options{Environments: benchEnvironments, renderAll: true}); err != nil {
			b.Fatal(err)
		}
	}
}
