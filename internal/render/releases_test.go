package render

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/helm/helmtest"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

var updateReleases = flag.Bool("update", false, "rewrite the golden files of the release tests (testdata/releases/*/want.txt)")

// packed packs the chart in testdata/releases/CASE/remote/DIR, as a
// chart repository serves it.
func packed(t *testing.T, name, dir, repo string) helmtest.Chart {
	t.Helper()
	remote := filepath.Join("testdata", "releases", name, "remote")
	meta, err := os.ReadFile(filepath.Join(remote, dir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Name, Version string }
	if err := yaml.Unmarshal(meta, &m); err != nil {
		t.Fatal(err)
	}
	data, err := helmtest.Pack(os.DirFS(remote), dir, m.Name)
	if err != nil {
		t.Fatal(err)
	}
	return helmtest.Chart{Repo: repo, Name: m.Name, Version: m.Version, Data: data}
}

// refusing answers 401 for the charts of one repository, and passes the
// others to the Fetcher.
type refusing struct {
	*helmtest.Fetcher
	repo string
}

func (r refusing) Fetch(ctx context.Context, ref chartref.Ref) (*chartref.Archive, error) {
	if ref.Repo == r.repo {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.Unauthorized, Err: errors.New("401 Unauthorized")}
	}
	return r.Fetcher.Fetch(ctx, ref)
}

// renderGolden renders every unit of the repository testdata/releases/
// name/repo (charts fetched from testdata/releases/name/remote) and
// compares what the release units rendered with want.txt: each unit's
// problems, then each object it rendered with the origin of its values.
func renderGolden(t *testing.T, name string, opts Options, fetch chartref.Fetcher) string {
	t.Helper()
	base := filepath.Join("testdata", "releases", name)
	tree, err := workspace.Open(filepath.Join(base, "repo"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if fetch != nil {
		opts.Fetcher = fetch
	}
	if opts.KubernetesVersion == "" {
		opts.KubernetesVersion = "1.33"
	}
	tr, err := Walk(context.Background(), tree, opts)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	objs := map[*Unit][]string{}
	outs := tr.RenderAll(2, func(u *Unit) func(*Object) {
		return func(o *Object) {
			if !releaseKind(u.Kind) {
				return
			}
			s := describe(o)
			mu.Lock()
			objs[u] = append(objs[u], s)
			mu.Unlock()
		}
	})
	var b strings.Builder
	for _, o := range outs {
		if !releaseKind(o.Unit.Kind) {
			continue
		}
		fmt.Fprintf(&b, "== %s\n", o.Unit.Name)
		for _, p := range o.Problems {
			fmt.Fprintf(&b, "%s:%d:%d: %s: %s\n", p.File, p.Line, p.Column, p.Kind, p.Message)
		}
		if o.Err != nil {
			fmt.Fprintf(&b, "failed: %v\n", o.Err)
		}
		for _, s := range objs[o.Unit] {
			b.WriteString(s)
		}
	}
	got := b.String()
	golden := filepath.Join(base, "want.txt")
	if *updateReleases {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./internal/render -run %s -update writes it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("rendered releases differ from %s (go test ./internal/render -run %s -update rewrites it)\n--- got\n%s--- want\n%s", golden, t.Name(), got, want)
	}
	return got
}

// describe writes an object a release rendered: its identity and
// template, then each of its scalars under data, spec.replicas and the
// containers' images and env, with the position its origin gives.
func describe(o *Object) string {
	var b strings.Builder
	a, k, ns, name := Meta(o.Object)
	tmpl := ""
	if h := o.Origin.Helm; h != nil {
		tmpl = h.String()
	}
	fmt.Fprintf(&b, "--- %s %s %s/%s  [%s]\n", a, k, ns, name, tmpl)
	md, _ := o.Object["metadata"].(map[string]any)
	if labels, ok := md["labels"].(map[string]any); ok {
		for _, l := range sortedKeys(labels) {
			if strings.Contains(l, "fluxcd") || l == "team" {
				fmt.Fprintf(&b, "  metadata.labels.%s = %v\n", l, labels[l])
			}
		}
	}
	var walk func(v any, p []string)
	walk = func(v any, p []string) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(x) {
				walk(x[k], append(slices.Clip(p), k))
			}
		case []any:
			for i, e := range x {
				walk(e, append(slices.Clip(p), fmt.Sprint(i)))
			}
		default:
			j := strings.Join(p, ".")
			if strings.HasPrefix(j, "data.") || j == "spec.replicas" || strings.HasSuffix(j, ".image") || strings.Contains(j, ".env.") || strings.HasPrefix(j, "spec.template.spec.priorityClassName") {
				file, line, col := o.Origin.Position(p, PinValue)
				fmt.Fprintf(&b, "  %s = %v  (%s:%d:%d)\n", j, x, path.Clean(file), line, col)
			}
		}
	}
	walk(o.Object, nil)
	return b.String()
}

func TestFluxHelmReleases(t *testing.T) {
	charts := &helmtest.Fetcher{Charts: []helmtest.Chart{
		packed(t, "flux", "app", "https://charts.example.com"),
		packed(t, "flux", "app", "oci://registry.example/charts"),
	}}
	renderGolden(t, "flux", Options{Substitute: true}, refusing{charts, "https://private.example.com"})
	var asked []string
	for _, r := range charts.Asked() {
		asked = append(asked, r.String())
	}
	if got := strings.Join(asked, "\n"); !strings.Contains(got, "oci://registry.example/charts/app@1.x") || !strings.Contains(got, "https://charts.example.com app@1.0.0") {
		t.Errorf("charts asked for:\n%s", got)
	}
}

func TestArgoApplications(t *testing.T) {
	renderGolden(t, "argo", Options{Repository: "acme/fleet"}, &helmtest.Fetcher{Charts: []helmtest.Chart{
		packed(t, "argo", "guestbook", "https://charts.example.com"),
		packed(t, "argo", "guestbook", "oci://ghcr.io/acme/charts"),
	}})
}

func TestReleasesWithoutFetching(t *testing.T) {
	// With no fetcher (fetch-charts: false), every remote chart is a
	// notice naming it and its release; charts of the repository render.
	renderGolden(t, "offline", Options{Substitute: true}, nil)
}

func TestNormalizeGitURL(t *testing.T) {
	for _, u := range []string{"https://github.com/Acme/Fleet.git", "ssh://git@github.com/acme/fleet", "ssh://git@github.com:22/acme/fleet.git", "git@github.com:acme/fleet.git", "https://user:token@github.com/acme/fleet/"} {
		if got := normalizeGitURL(u); got != "github.com/acme/fleet" {
			t.Errorf("normalizeGitURL(%q) = %q", u, got)
		}
	}
}

func releaseKind(k Kind) bool { return k == HelmRelease || k == Application || k == ApplicationSet }
