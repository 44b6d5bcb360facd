package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/verify/verifytest"
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
				fmt.Fprintf(&b, verifytest.DeploymentTemplate, name, name, name, name, i%7)
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
			fmt.Fprintf(&buf, verifytest.DeploymentTemplate, name, name, name, name, n%7)
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

// BenchmarkLayout verifies a config repository of 20 applications, each a
// base of 20 files of 5 resources rendered by 2 environments' overlays:
// 2,000 rendered resources in 40 builds.
func BenchmarkLayout(b *testing.B) {
	dir := b.TempDir()
	const apps, files, perFile = 20, 20, 5
	verifytest.WriteLayout(b, dir, apps, files, perFile, "staging", "production")
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
