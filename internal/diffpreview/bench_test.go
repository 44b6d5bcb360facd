package diffpreview

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/kubeschema"
	"github.com/gitops-actions/gitops-actions/internal/verify"
	"github.com/gitops-actions/gitops-actions/internal/verify/verifytest"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

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
		verifytest.WriteLayout(b, baseDir, apps, files, perFile, "staging", "production")
		verifytest.WriteLayout(b, headDir, apps, files, perFile, "staging", "production")
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
