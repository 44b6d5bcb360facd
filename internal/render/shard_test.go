package render

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in      string
		want    Shard
		wantErr string
	}{
		{in: "2/4", want: Shard{2, 4}},
		{in: " 1 / 1 ", want: Shard{1, 1}},
		{in: "4/4", want: Shard{4, 4}},
		{in: "0/4", wantErr: "between 1 and 4"},
		{in: "5/4", wantErr: "between 1 and 4"},
		{in: "1/0", wantErr: "between 1 and 256"},
		{in: "1/300", wantErr: "between 1 and 256"},
		{in: "4", wantErr: "is not I/N"},
		{in: "a/b", wantErr: "is not I/N"},
		{in: "", wantErr: "is not I/N"},
	}
	for _, tc := range tests {
		got, err := ParseShard(tc.in)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("ParseShard(%q) = %v, %v; want an error saying %q", tc.in, got, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || got != tc.want):
			t.Errorf("ParseShard(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if got, want := (Shard{2, 4}).ID(), "shard-2-of-4"; got != want {
		t.Errorf("ID = %q, want %q", got, want)
	}
}

func TestAppKey(t *testing.T) {
	tests := []struct{ dir, want string }{
		{"apps/web/overlays/staging", "apps/web/overlays/*"},
		{"apps/web/overlays/production", "apps/web/overlays/*"},
		{"environments/staging/web", "environments/*/web"},
		{"environments/prod/web", "environments/*/web"},
		{"clusters/eu-west-1/web", "clusters/*/web"},
		{"apps/web/staging", "apps/web/*"},
		{"apps/web/prod2", "apps/web/*"},
		{"deploy/web-stg", "deploy/web-*"},
		{"deploy/web-prd", "deploy/web-*"},
		{"teams/prod-eu-1/web", "teams/*-eu-1/web"},
		{"apps/web/base", "apps/web/base"},
		{"apps/webhook", "apps/webhook"},
	}
	for _, tc := range tests {
		if got := appKey(tc.dir); got != tc.want {
			t.Errorf("appKey(%q) = %q, want %q", tc.dir, got, tc.want)
		}
	}
	names := []struct{ name, want string }{
		{"web-staging", "web"}, {"prod-web", "web"}, {"web", "web"}, {"production", ""}, {"web_api-dev", "web-api"},
	}
	for _, tc := range names {
		if got := appName(tc.name); got != tc.want {
			t.Errorf("appName(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

const cmTemplate = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  a: b\n"

// layoutFS is a repository of every layout the partition recognises,
// apps applications of each.
func layoutFS(apps int) fstest.MapFS {
	m := fstest.MapFS{}
	envs := []string{"staging", "production", "dev"}
	for a := 0; a < apps; a++ {
		app := fmt.Sprintf("app%02d", a)
		// apps/APP/overlays/ENV over apps/APP/base.
		m["apps/"+app+"/base/kustomization.yaml"] = mapFile("resources:\n  - cm.yaml\n")
		m["apps/"+app+"/base/cm.yaml"] = mapFile(fmt.Sprintf(cmTemplate, app))
		for _, e := range envs {
			m["apps/"+app+"/overlays/"+e+"/kustomization.yaml"] = mapFile("namespace: " + e + "\nresources:\n  - ../../base\n")
			// environments/ENV/APP over a base of its own.
			m["environments/"+e+"/"+app+"/kustomization.yaml"] = mapFile("namespace: " + e + "\nresources:\n  - ../../../bases/" + app + "\n")
		}
		m["bases/"+app+"/kustomization.yaml"] = mapFile("resources:\n  - cm.yaml\n")
		m["bases/"+app+"/cm.yaml"] = mapFile(fmt.Sprintf(cmTemplate, "b-"+app))
		// clusters/CLUSTER/APP of plain HelmReleases.
		for _, c := range []string{"eu-1", "us-2"} {
			m["clusters/"+c+"/"+app+"/release.yaml"] = mapFile(fmt.Sprintf("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: %s\nspec:\n  chart:\n    spec:\n      chart: %s\n      sourceRef: {kind: HelmRepository, name: charts}\n", app, app))
		}
		// Flux Kustomizations of one name in two clusters, over
		// directories whose paths say nothing of an environment.
		for i, c := range []string{"alpha", "beta"} {
			m["flux/"+c+"/"+app+".yaml"] = mapFile(fmt.Sprintf("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: %s\nspec:\n  path: ./deploy/x%d/%s\n  sourceRef: {kind: GitRepository, name: flux-system}\n", app, i, app))
			m[fmt.Sprintf("deploy/x%d/%s/kustomization.yaml", i, app)] = mapFile("resources:\n  - cm.yaml\n")
			m[fmt.Sprintf("deploy/x%d/%s/cm.yaml", i, app)] = mapFile(fmt.Sprintf(cmTemplate, fmt.Sprintf("x%d-%s", i, app)))
		}
		// Argo CD Applications of one application, by environment, in
		// two directories.
		for _, e := range []string{"staging", "production"} {
			m["argo/"+e[:4]+"/"+app+".yaml"] = mapFile(fmt.Sprintf("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: %s-%s\nspec:\n  source:\n    repoURL: https://example.com/other.git\n    path: x\n", app, e))
		}
	}
	// A release and the chart directory it renders.
	m["charts/web/Chart.yaml"] = mapFile("apiVersion: v2\nname: web\nversion: 1.0.0\n")
	m["charts/web/templates/cm.yaml"] = mapFile("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n")
	m["releases/web/release.yaml"] = mapFile("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\nspec:\n  chart:\n    spec:\n      chart: ./charts/web\n      sourceRef: {kind: GitRepository, name: flux-system}\n")
	// An ApplicationSet over the chart directories of charts2/.
	for _, c := range []string{"a", "b"} {
		m["charts2/"+c+"/Chart.yaml"] = mapFile("apiVersion: v2\nname: " + c + "\nversion: 1.0.0\n")
	}
	m["appsets/set.yaml"] = mapFile("apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: charts\nspec:\n  generators:\n    - git:\n        repoURL: https://example.com/this.git\n        directories:\n          - path: charts2/*\n  template:\n    spec:\n      source:\n        path: '{{path}}'\n")
	// A unit that includes a file of another unit's directory.
	m["teams/one/kustomization.yaml"] = mapFile("resources:\n  - ../two/cm.yaml\n")
	m["teams/two/kustomization.yaml"] = mapFile("resources:\n  - cm.yaml\n")
	m["teams/two/cm.yaml"] = mapFile(fmt.Sprintf(cmTemplate, "two"))
	// The environments input's pair.
	m["pair/left/kustomization.yaml"] = mapFile("resources:\n  - cm.yaml\n")
	m["pair/left/cm.yaml"] = mapFile(fmt.Sprintf(cmTemplate, "left"))
	m["pair/right/kustomization.yaml"] = mapFile("resources:\n  - cm.yaml\n")
	m["pair/right/cm.yaml"] = mapFile(fmt.Sprintf(cmTemplate, "right"))
	// Plain files a Flux Kustomization applies as one directory.
	m["infra/a/cm.yaml"] = mapFile(fmt.Sprintf(cmTemplate, "infra-a"))
	m["infra/b/cm.yaml"] = mapFile(fmt.Sprintf(cmTemplate, "infra-b"))
	m["flux/infra.yaml"] = mapFile("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: infra\nspec:\n  path: ./infra\n  sourceRef: {kind: GitRepository, name: flux-system}\n")
	// Files outside any unit: a Component nothing uses.
	m["components/unused/kustomization.yaml"] = mapFile("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n")
	return m
}

// shuffledFS lists every directory's entries in a random order, as a file
// system that does not sort them would: the walk meets the files in
// another order.
type shuffledFS struct {
	fstest.MapFS
	mu  sync.Mutex
	rng *rand.Rand
}

func (s *shuffledFS) ReadDir(name string) ([]fs.DirEntry, error) {
	es, err := s.MapFS.ReadDir(name)
	s.mu.Lock()
	s.rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
	s.mu.Unlock()
	return es, err
}

func walkShare(t *testing.T, fsys fs.FS, shard Shard, envs ...string) *Tree {
	t.Helper()
	tree, err := Walk(context.Background(), fsys, Options{Shard: shard, Environments: envs})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// shares returns each part's directory with its share.
func shares(p *Partition) map[string]int {
	out := map[string]int{}
	for _, part := range p.Parts {
		out[string(part.Kind)+" "+part.Dir] = part.Shard
	}
	return out
}

// TestPartitionIsDeterministic: two walks of one tree, and a walk that
// meets the files in another order, give the same shares.
func TestPartitionIsDeterministic(t *testing.T) {
	m := layoutFS(12)
	for _, n := range []int{2, 3, 4, 7} {
		first := walkShare(t, m, Shard{1, n}).Partition()
		again := walkShare(t, m, Shard{1, n}).Partition()
		shuffled := walkShare(t, &shuffledFS{MapFS: m, rng: rand.New(rand.NewSource(int64(n)))}, Shard{1, n})
		if sorted := walkShare(t, m, Shard{1, n}); slices.Equal(sorted.Files, shuffled.Files) {
			t.Fatalf("the shuffled walk met the files in the same order")
		}
		if first.Digest != again.Digest || first.Digest != shuffled.Partition().Digest {
			t.Errorf("%d shares: digests %s, %s and (shuffled) %s", n, first.Digest, again.Digest, shuffled.Partition().Digest)
		}
		want := shares(first)
		for name, got := range map[string]map[string]int{"again": shares(again), "shuffled": shares(shuffled.Partition())} {
			for dir, s := range want {
				if got[dir] != s {
					t.Errorf("%d shares, %s: %s in share %d, first walk %d", n, name, dir, got[dir], s)
				}
			}
		}
		// Another share's walk makes the same partition.
		if other := walkShare(t, m, Shard{n, n}).Partition(); other.Digest != first.Digest {
			t.Errorf("%d shares: share %d partitions otherwise than share 1", n, n)
		}
	}
}

// TestEveryUnitInOneShare: each unit of the tree, and each release its
// units hold, renders in exactly one share, and the shares' estimated
// work is balanced.
func TestEveryUnitInOneShare(t *testing.T) {
	m := layoutFS(12)
	render := func(shard Shard) []string {
		var mu sync.Mutex
		var names []string
		walkShare(t, m, shard).RenderAll(2, func(u *Unit) func(*Object) {
			mu.Lock()
			names = append(names, string(u.Kind)+" "+u.Name)
			mu.Unlock()
			return func(*Object) {}
		})
		return names
	}
	whole := render(Shard{})
	sort.Strings(whole)
	if len(whole) < 100 {
		t.Fatalf("only %d units rendered in the whole tree", len(whole))
	}
	for _, n := range []int{2, 3, 4} {
		var union []string
		for i := 1; i <= n; i++ {
			names := render(Shard{i, n})
			if len(names) == 0 {
				t.Errorf("share %d of %d renders nothing", i, n)
			}
			union = append(union, names...)
		}
		sort.Strings(union)
		if !slices.Equal(union, whole) {
			t.Errorf("%d shares render %d units, the whole tree %d:\nshares: %q\nwhole:  %q", n, len(union), len(whole), union, whole)
		}
		p := walkShare(t, m, Shard{1, n}).Partition()
		total := p.Stats(1).TotalCost
		for i := 1; i <= n; i++ {
			if st := p.Stats(i); st.Cost*n > total*13/10 {
				t.Errorf("share %d of %d holds %d of %d of the work, over 130%% of its part", i, n, st.Cost, total)
			}
		}
	}
}

// TestEnvironmentsOfOneApplicationTogether: on every layout, the
// environments of one application, a unit and the unit whose files it
// renders, and the environments input's pair are in one share, while
// applications are spread over all shares.
func TestEnvironmentsOfOneApplicationTogether(t *testing.T) {
	m := layoutFS(12)
	together := [][]string{
		{"apps/app03/overlays/staging", "apps/app03/overlays/production", "apps/app03/overlays/dev"},
		{"environments/staging/app05", "environments/production/app05", "environments/dev/app05"},
		{"clusters/eu-1/app07", "clusters/us-2/app07"},
		{"deploy/x0/app02", "deploy/x1/app02"},
		{"argo/stag", "argo/prod"},
		{"releases/web", "charts/web"},
		{"appsets", "charts2/a", "charts2/b"},
		{"teams/one", "teams/two"},
		{"pair/left", "pair/right"},
		{"infra/a", "infra/b"},
	}
	for _, n := range []int{2, 3, 4} {
		p := walkShare(t, m, Shard{1, n}, "pair/left", "pair/right").Partition()
		for _, set := range together {
			first, ok := p.ShardOfDir(set[0])
			if !ok {
				t.Fatalf("%s is no part", set[0])
			}
			for _, d := range set[1:] {
				if s, ok := p.ShardOfDir(d); !ok || s != first {
					t.Errorf("%d shares: %s in share %d, %s in %d", n, set[0], first, d, s)
				}
			}
		}
		used := map[int]bool{}
		for a := 0; a < 12; a++ {
			s, _ := p.ShardOfDir(fmt.Sprintf("apps/app%02d/overlays/staging", a))
			used[s] = true
		}
		if len(used) != n {
			t.Errorf("%d shares: the applications are in %d of them", n, len(used))
		}
		if p.EnvironmentsShard() != first(p, "pair/left") {
			t.Errorf("%d shares: the environments input is checked by share %d, its units are in %d", n, p.EnvironmentsShard(), first(p, "pair/left"))
		}
		// Files outside every unit: the first share.
		if got := p.Owner("components/unused/kustomization.yaml"); got != 1 {
			t.Errorf("%d shares: a file outside every unit belongs to share %d, want 1", n, got)
		}
		if got, want := p.Owner("apps/app03/base/cm.yaml"), first(p, "apps/app03/overlays/staging"); got != want {
			t.Errorf("%d shares: a base's file belongs to share %d, its overlays' is %d", n, got, want)
		}
	}
}

func first(p *Partition, dir string) int {
	s, _ := p.ShardOfDir(dir)
	return s
}
