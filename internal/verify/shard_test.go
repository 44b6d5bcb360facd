package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/render"
	"github.com/gitops-actions/gitops-actions/internal/verify/verifytest"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// fresh returns opts with schemas of their own: a Validator keeps the
// CRDs a run adds.
func fresh(t testing.TB, opts Options) Options {
	if opts.Schemas != nil {
		opts.Schemas = schemas(t, "1.37")
	}
	return opts
}

// sharded runs the engine on every share of n and merges their tallies,
// each through its JSON form, as the merge job reads them.
func sharded(t *testing.T, fsys fs.FS, opts Options, n int) (*Result, []*Result) {
	t.Helper()
	var tallies []*Tally
	var shares []*Result
	for i := 1; i <= n; i++ {
		o := fresh(t, opts)
		o.Shard = render.Shard{Index: i, Total: n}
		res, err := Run(context.Background(), fsys, o)
		if err != nil {
			t.Fatalf("shard %d/%d: %v", i, n, err)
		}
		if res.Plan == "" || len(shares) > 0 && res.Plan != shares[0].Plan {
			t.Fatalf("shard %d/%d has the plan %q, shard 1 %q", i, n, res.Plan, shares[0].Plan)
		}
		data, err := json.Marshal(res.Tally)
		if err != nil {
			t.Fatal(err)
		}
		var back Tally
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("reading back the tally of shard %d/%d: %v", i, n, err)
		}
		tallies = append(tallies, &back)
		shares = append(shares, res)
	}
	return Merge(tallies), shares
}

// reported is what a run reports, as lines to compare.
func reported(res *Result) string {
	var b strings.Builder
	for _, f := range res.Findings {
		fmt.Fprintf(&b, "%s (%s %s)\n", f, f.Environment, f.Resource)
	}
	fmt.Fprintf(&b, "files %d, resources %d, %d errors, %d warnings, %d notices\n", res.Files, res.Resources, res.Errors, res.Warnings, res.Notices)
	for _, e := range res.Environments {
		fmt.Fprintf(&b, "environment %s: %d resources, %d/%d/%d\n", e.Name, e.Resources, e.Errors, e.Warnings, e.Notices)
	}
	fmt.Fprintf(&b, "checked %q\nnot manifests %v\n", res.Checked, res.NotManifests)
	for _, f := range res.Suppressed {
		fmt.Fprintf(&b, "suppressed %s by %s\n", f, f.Suppression.By)
	}
	return b.String()
}

// TestShardsMergeToTheWholeRun: every golden case, checked in 2, 3 and 4
// shares whose tallies are merged, reports exactly what one run over the
// whole tree reports: the same findings at the same places with the same
// messages (a base seen by several shares once, naming every
// environment), the same counts.
func TestShardsMergeToTheWholeRun(t *testing.T) {
	t.Parallel() // see TestShardsOfTheLayout
	for _, tc := range goldenCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tree, err := workspace.Open(filepath.Join("testdata", tc.name), 0)
			if err != nil {
				t.Fatal(err)
			}
			defer tree.Close()
			whole, err := Run(context.Background(), tree, fresh(t, tc.opts))
			if err != nil {
				t.Fatal(err)
			}
			want := reported(whole)
			for n := 2; n <= 4; n++ {
				merged, _ := sharded(t, tree, tc.opts, n)
				if got := reported(merged); got != want {
					t.Errorf("%d shares merged:\n%s\nthe whole run:\n%s", n, got, want)
				}
			}
		})
	}
}

// TestShardsOfTheLayout: on the generated layout (applications of a
// base each, an overlay per environment; every fourth one a HelmRelease
// of a chart of its own; a directory every overlay renders, with a
// finding), 4 shares split the work evenly, each environment of an
// application in one share, and merge to the whole run: the shared
// finding once, naming all 72 environments.
func TestShardsOfTheLayout(t *testing.T) {
	// The shard tests run the engine over and over on trees and
	// validators of their own: they run beside each other, after the
	// package's other tests (TestMemoryFlat measures the heap alone).
	t.Parallel()
	dir := t.TempDir()
	if err := (verifytest.Layout{Apps: 24, Files: 2, PerFile: 3, Envs: []string{"staging", "production", "dev"}, HelmEvery: 4, Shared: true}).Write(dir); err != nil {
		t.Fatal(err)
	}
	tree, err := workspace.Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	opts := Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")}
	whole, err := Run(context.Background(), tree, fresh(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	merged, shares := sharded(t, tree, opts, 4)
	if got, want := reported(merged), reported(whole); got != want {
		t.Errorf("4 shares merged:\n%s\nthe whole run:\n%s", got, want)
	}
	// Before the merge, the shares' own findings between them hold every
	// place (file, line, column, rule) the whole run reports, and no
	// other: what each job of a matrix annotates is the single job's.
	places := func(fs ...[]finding.Finding) []string {
		set := map[string]bool{}
		for _, list := range fs {
			for _, f := range list {
				set[fmt.Sprintf("%s:%d:%d %s", f.File, f.Line, f.Column, f.Rule)] = true
			}
		}
		out := slices.Collect(maps.Keys(set))
		slices.Sort(out)
		return out
	}
	var own [][]finding.Finding
	for _, s := range shares {
		own = append(own, s.Findings)
	}
	if got, want := places(own...), places(whole.Findings); !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("the shares' findings are at %d places, the whole run's at %d:\nshares: %q\nwhole:  %q", len(got), len(want), got, want)
	}
	helm := 0
	for _, s := range shares {
		if s.Share.Cost*4 > s.Share.TotalCost*12/10 {
			t.Errorf("shard %s holds %d of %d of the work, over 120%% of a fourth", s.Shard, s.Share.Cost, s.Share.TotalCost)
		}
		for _, f := range s.Findings {
			if strings.Contains(f.Message, "(HelmRelease ") {
				helm++
			}
		}
	}
	if helm == 0 {
		t.Error("no finding of a HelmRelease's rendered objects: the layout's releases did not render")
	}
	shared := 0
	for _, f := range whole.Findings {
		if f.File == "shared/limits/limits.yaml" {
			shared++
			if !strings.Contains(f.Message, "(in 72 environments: ") {
				t.Errorf("the shared finding does not name every environment: %s", f)
			}
		}
	}
	if shared != 1 {
		t.Errorf("%d findings in the shared directory, want 1", shared)
	}
}

// TestShardsOfTheCorpora: the real repositories, checked in 2 and 4
// shares, merge to the whole run.
func TestShardsOfTheCorpora(t *testing.T) {
	tests := []struct {
		name string
		fsys func(dir string) fs.FS
		opts Options
	}{
		{name: "podinfo", fsys: func(dir string) fs.FS { return stubFS{os.DirFS(dir)} },
			opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37"), Environments: []string{"deploy/overlays/dev", "deploy/overlays/staging", "deploy/overlays/production"}}},
		{name: "podinfo", fsys: func(dir string) fs.FS { return stubFS{os.DirFS(dir)} },
			opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")}},
		{name: "flux2-kustomize-helm-example", fsys: os.DirFS, opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37"), Environments: []string{"apps/staging", "apps/production"}}},
		{name: "flux2-kustomize-helm-example", fsys: os.DirFS, opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")}},
		{name: "argocd-example-apps", fsys: os.DirFS, opts: Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37"), Repository: "argoproj/argocd-example-apps"}},
	}
	t.Parallel() // see TestShardsOfTheLayout
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fsys := tc.fsys(corpus(t, tc.name))
			whole, err := Run(context.Background(), fsys, fresh(t, tc.opts))
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{2, 4} {
				merged, shares := sharded(t, fsys, tc.opts, n)
				if got, want := reported(merged), reported(whole); got != want {
					t.Errorf("%d shares merged:\n%s\nthe whole run:\n%s", n, got, want)
				}
				for _, s := range shares {
					t.Logf("shard %s: %v, %d of %d", s.Shard, s.Share.Parts, s.Share.Cost, s.Share.TotalCost)
				}
			}
		})
	}
}
