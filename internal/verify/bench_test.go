package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// writeCorpus writes files YAML files of perFile resources each (a
// Deployment, a Service, a ConfigMap, ... in turn), the shape of the
// side-by-side corpus of scripts/bench-verify.
func writeCorpus(tb testing.TB, dir string, files, perFile int) {
	tb.Helper()
	for i := 0; i < files; i++ {
		var b strings.Builder
		for j := 0; j < perFile; j++ {
			if j > 0 {
				b.WriteString("---\n")
			}
			name := fmt.Sprintf("app-%d-%d", i, j)
			switch j % 3 {
			case 0:
				fmt.Fprintf(&b, deploymentTemplate, name, name, name, name, i%7)
			case 1:
				fmt.Fprintf(&b, "apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: team-%d\nspec:\n  selector:\n    app: %s\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n", name, i%10, name)
			default:
				fmt.Fprintf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: team-%d\ndata:\n  LOG_LEVEL: info\n  FEATURES: \"a,b,c\"\n", name, i%10)
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("team-%d", i%10), fmt.Sprintf("app-%d.yaml", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
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

// BenchmarkVerify verifies 10,000 resources in 2,000 files against the
// real schemas, schemas compiled once per run as in the binary.
func BenchmarkVerify(b *testing.B) {
	dir := b.TempDir()
	const files, perFile = 2000, 5
	writeCorpus(b, dir, files, perFile)
	fsys := os.DirFS(dir)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Run(context.Background(), fsys, Options{KubernetesVersion: "1.37", Schemas: schemas(b, "1.37")})
		if err != nil {
			b.Fatal(err)
		}
		if res.Resources != files*perFile || res.Errors != 0 {
			b.Fatalf("%d resources, %d errors: %v", res.Resources, res.Errors, res.Findings[:min(3, len(res.Findings))])
		}
	}
	b.ReportMetric(float64(files*perFile)*float64(b.N)/b.Elapsed().Seconds(), "resources/s")
}

// BenchmarkPodinfo verifies the podinfo corpus: kustomize builds included.
func BenchmarkPodinfo(b *testing.B) {
	dir := corpus(b, "podinfo")
	fsys := stubFS{os.DirFS(dir)}
	var resources int
	for i := 0; i < b.N; i++ {
		res, err := Run(context.Background(), fsys, Options{KubernetesVersion: "1.37", Schemas: schemas(b, "1.37")})
		if err != nil {
			b.Fatal(err)
		}
		resources = res.Resources
	}
	b.ReportMetric(float64(resources)*float64(b.N)/b.Elapsed().Seconds(), "resources/s")
}

// BenchmarkBigFile verifies one file of resources just under the 5 MiB
// default limit: memory per byte of one file (scripts/bench-verify/bigfile.sh
// measures the binary's peak RSS on the same shape).
func BenchmarkBigFile(b *testing.B) {
	dir := b.TempDir()
	var buf strings.Builder
	n := 0
	for buf.Len() < 5<<20-2048 {
		if n > 0 {
			buf.WriteString("---\n")
		}
		name := fmt.Sprintf("app-%d", n)
		switch n % 3 {
		case 0:
			fmt.Fprintf(&buf, deploymentTemplate, name, name, name, name, n%7)
		case 1:
			fmt.Fprintf(&buf, "apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: team-%d\nspec:\n  selector:\n    app: %s\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n", name, n%10, name)
		default:
			fmt.Fprintf(&buf, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: team-%d\ndata:\n  LOG_LEVEL: info\n  FEATURES: \"a,b,c\"\n", name, n%10)
		}
		n++
	}
	if err := os.WriteFile(filepath.Join(dir, "big.yaml"), []byte(buf.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	tree, err := workspace.Open(dir, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer tree.Close()
	v := schemas(b, "1.37")
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Run(context.Background(), tree, Options{KubernetesVersion: "1.37", Schemas: v})
		if err != nil {
			b.Fatal(err)
		}
		if res.Resources != n || res.Errors != 0 {
			b.Fatalf("%d resources, %d errors: %v", res.Resources, res.Errors, res.Findings[:min(3, len(res.Findings))])
		}
	}
}

// writeLayout writes a config repository in the layout of
// scripts/bench-verify's layout command, smaller per file: apps bases
// (apps/APP/base) of files files of perFile resources each, and an overlay
// per application and environment (environments/ENV/APP) that sets the
// namespace, labels and the image's tag.
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
	for a := 0; a < apps; a++ {
		app := fmt.Sprintf("app%03d", a)
		var k strings.Builder
		k.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
		for f := 0; f < files; f++ {
			var b strings.Builder
			for j := 0; j < perFile; j++ {
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

// BenchmarkLayout verifies a config repository of 20 applications, each a
// base of 20 files of 5 resources rendered by 2 environments' overlays:
// 2,000 rendered resources in 40 builds.
func BenchmarkLayout(b *testing.B) {
	dir := b.TempDir()
	const apps, files, perFile = 20, 20, 5
	writeLayout(b, dir, apps, files, perFile, "staging", "production")
	tree, err := workspace.Open(dir, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer tree.Close()
	v := schemas(b, "1.37")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Run(context.Background(), tree, Options{KubernetesVersion: "1.37", Schemas: v})
		if err != nil {
			b.Fatal(err)
		}
		if res.Errors != 0 {
			b.Fatalf("%d errors: %v", res.Errors, res.Findings[:min(3, len(res.Findings))])
		}
	}
	b.ReportMetric(float64(2*apps*files*perFile)*float64(b.N)/b.Elapsed().Seconds(), "resources/s")
}
