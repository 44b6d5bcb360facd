package diffpreview

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/render"
	"github.com/gitops-actions/gitops-actions/internal/verify/verifytest"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// text is a preview as diff-file holds it.
func text(t *testing.T, p *Preview) string {
	t.Helper()
	var b strings.Builder
	if err := p.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// union compares base and head in n shares and puts their environments
// together, as the merge does.
func union(t *testing.T, base, head *workspace.Tree, opts Options, n int) *Preview {
	t.Helper()
	out := &Preview{}
	seen := map[string]int{}
	for i := 1; i <= n; i++ {
		o := opts
		o.Shard = render.Shard{Index: i, Total: n}
		p, err := Compare(context.Background(), base, head, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Environments {
			if j, dup := seen[e.Name]; dup {
				t.Errorf("environment %s compared by shares %d and %d of %d", e.Name, j, i, n)
			}
			seen[e.Name] = i
		}
		out.Environments = append(out.Environments, p.Environments...)
	}
	sort.Slice(out.Environments, func(i, j int) bool { return out.Environments[i].Name < out.Environments[j].Name })
	return out
}

// TestShardsPreviewTheWhole: every case, compared in 2, 3 and 4 shares,
// previews exactly what one comparison of the whole tree previews, each
// environment by one share.
func TestShardsPreviewTheWhole(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			dir := filepath.Join("testdata", c.Name())
			want := text(t, compareCase(t, dir))
			for n := 2; n <= 4; n++ {
				if got := text(t, union(t, openSide(t, dir, "base"), openSide(t, dir, "head"), caseOptions(t, dir), n)); got != want {
					t.Errorf("%d shares:\n%s\nwhole:\n%s", n, got, want)
				}
			}
		})
	}
}

// TestShardsPreviewTheLayout: on the generated layout with a change to a
// base (every environment of one application), an application added and
// one removed, 3 shares preview what the whole comparison does.
func TestShardsPreviewTheLayout(t *testing.T) {
	baseDir, headDir := t.TempDir(), t.TempDir()
	verifytest.WriteLayout(t, baseDir, 12, 1, 3, "staging", "production")
	verifytest.WriteLayout(t, headDir, 13, 1, 3, "staging", "production")
	for _, p := range []string{"apps/app004", "environments/staging/app004", "environments/production/app004"} {
		if err := os.RemoveAll(filepath.Join(headDir, p)); err != nil {
			t.Fatal(err)
		}
	}
	f := filepath.Join(headDir, "apps", "app007", "base", "file00.yaml")
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, []byte(strings.Replace(string(data), "replicas: 2", "replicas: 5", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	open := func(dir string) *workspace.Tree {
		tree, err := workspace.Open(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tree.Close() })
		return tree
	}
	base, head := open(baseDir), open(headDir)
	whole, err := Compare(context.Background(), base, head, Options{})
	if err != nil {
		t.Fatal(err)
	}
	added, removed, changed := whole.Counts()
	if added == 0 || removed == 0 || changed == 0 {
		t.Fatalf("the change adds %d, removes %d and changes %d resources: the test needs each", added, removed, changed)
	}
	if got, want := text(t, union(t, base, head, Options{}, 3)), text(t, whole); got != want {
		t.Errorf("3 shares:\n%s\nwhole:\n%s", got, want)
	}
}
