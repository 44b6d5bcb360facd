package diffpreview

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gitops-actions/gitops-actions/internal/mdtext/mdtexttest"
)

const runURL = "https://github.com/acme/config/actions/runs/1"

// put writes a file of a tree.
func put(fs fstest.MapFS, name, data string) { fs[name] = &fstest.MapFile{Data: []byte(data)} }

// compareMaps compares two trees.
func compareMaps(t *testing.T, base, head fstest.MapFS) *Preview {
	t.Helper()
	p, err := Compare(context.Background(), base, head, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// deployment is a Deployment of a plain environment.
func deployment(name, ns, image string, replicas int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
  namespace: %s
spec:
  replicas: %d
  selector:
    matchLabels:
      app: %s
  template:
    metadata:
      labels:
        app: %s
    spec:
      containers:
        - image: %s
          name: %s
          securityContext:
            capabilities:
              drop:
                - ALL
`, name, ns, replicas, name, name, image, name)
}

// ninety is a repository of 90 environments, and a change to three: the
// production replicas, the staging image, and a ConfigMap added to one
// other environment.
func ninety(t *testing.T) *Preview {
	t.Helper()
	base, head := fstest.MapFS{}, fstest.MapFS{}
	var envs []string
	for i := range 88 {
		envs = append(envs, fmt.Sprintf("clusters/region-%02d", i))
	}
	envs = append(envs, "clusters/production", "clusters/staging")
	for _, e := range envs {
		ns := filepath.Base(e)
		d := deployment("web", ns, "ghcr.io/acme/web:v2.0.0", 2)
		put(base, e+"/web.yaml", d)
		put(head, e+"/web.yaml", d)
	}
	put(head, "clusters/production/web.yaml", deployment("web", "production", "ghcr.io/acme/web:v2.0.0", 3))
	put(head, "clusters/staging/web.yaml", deployment("web", "staging", "ghcr.io/acme/web:v2.1.0", 2))
	put(head, "clusters/region-07/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"@acme/oncall #12 [x](https://evil.example)\"\n  namespace: region-07\ndata:\n  note: see www.evil.example and @octocat\n")
	return compareMaps(t, base, head)
}

// TestRenderedNinetyEnvironments renders the comment of a three-change
// run on a repository of 90 environments as GitHub would, and compares
// it with testdata/ninety-environments.html: the verdict first,
// linked to the run; only the environments with a change or a finding;
// each diff open, listed once; nothing live from the repository.
func TestRenderedNinetyEnvironments(t *testing.T) {
	p := ninety(t)
	check := &Check{Errors: 5, Warnings: 1, ByEnvironment: map[string]Tally{"clusters/production": {Errors: 1}, "clusters/region-40": {Errors: 4, Warnings: 1}}}
	md := p.MarkdownWith(MarkdownOptions{Limit: commentLimit, RunURL: runURL, Check: check, About: "verify-manifests · `.` against `main`"})
	page := mdtexttest.Render(t, md)
	golden(t, filepath.Join("testdata", "ninety-environments.html"), page)
	mdtexttest.CheckInert(t, page, runURL)
	mdtexttest.CheckTables(t, page)
	text := strings.TrimSpace(mdtexttest.Text(page))
	if want := "❌ 5 errors (1 in production) · 3 resources change in 3 of 90 environments"; !strings.HasPrefix(text, want) {
		t.Errorf("the page does not start with the verdict %q:\n%s", want, text[:min(len(text), 300)])
	}
	if l := mdtexttest.Inspect(page).Links; len(l) == 0 || l[0] != runURL {
		t.Errorf("the verdict does not link to the run: %q", l)
	}
	headings := strings.Count(page, "<h4>")
	if headings != 4 || !strings.Contains(text, "No change in the other 86 environments.") {
		t.Errorf("%d environments listed, want the 3 changed and the 1 with findings, and a count of the rest:\n%s", headings, md)
	}
	if i, j := strings.Index(page, "clusters/production"), strings.Index(page, "clusters/region-40"); i < 0 || j < 0 || i > j {
		t.Errorf("production is not listed first")
	}
	for _, want := range []string{"@@ spec.replicas @@", "@@ spec.template.spec.containers[0].image @@", "+1 −1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Count(page, "<details open>") != 3 || strings.Contains(page, "<table>") {
		t.Errorf("each change is not listed once, open:\n%s", md)
	}
}

// oversized is a change far larger than a comment: production and
// staging HelmReleases whose values change, 80 Kustomizations whose
// interval changes the same way, and 135 ConfigMaps each with a large
// change, in eight environments, one of which does not render.
func oversized(t *testing.T) *Preview {
	t.Helper()
	base, head := fstest.MapFS{}, fstest.MapFS{}
	hr := func(ns string, replicas int) string {
		var v strings.Builder
		for c := range 12 {
			fmt.Fprintf(&v, "      c%02d:\n        replicas: %d\n        securityContext:\n          capabilities:\n            drop:\n              - ALL\n", c, map[bool]int{true: replicas, false: 1}[c == 7])
		}
		return fmt.Sprintf("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\n  namespace: %s\nspec:\n  values:\n    controllers:\n%s", ns, v.String())
	}
	for _, e := range []string{"production", "staging"} {
		put(base, "clusters/"+e+"/hr.yaml", hr(e, 2))
		put(head, "clusters/"+e+"/hr.yaml", hr(e, 3))
	}
	ks := func(i int, interval string) string {
		return fmt.Sprintf("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app-%02d\n  namespace: flux-system\nspec:\n  interval: %s\n  path: ./apps/app-%02d\n  prune: true\n", i, interval, i)
	}
	for i := range 80 {
		put(base, fmt.Sprintf("clusters/fleet/ks-%02d.yaml", i), ks(i, "1h"))
		put(head, fmt.Sprintf("clusters/fleet/ks-%02d.yaml", i), ks(i, "10m"))
	}
	cm := func(name, v string) string {
		return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  value: %q\n", name, v)
	}
	for e := range 5 {
		for i := range 27 {
			name := fmt.Sprintf("clusters/region-%d/cm-%02d.yaml", e, i)
			v := strings.Repeat(fmt.Sprintf("line %d of a value in region %d\n", i, e), 12)
			put(base, name, cm(fmt.Sprintf("cm-%02d", i), v))
			put(head, name, cm(fmt.Sprintf("cm-%02d", i), strings.ToUpper(v)))
		}
	}
	put(base, "clusters/broken/kustomization.yaml", "resources:\n  - cm.yaml\n")
	put(base, "clusters/broken/cm.yaml", cm("x", "y"))
	put(head, "clusters/broken/kustomization.yaml", "resources:\n  - missing.yaml\n")
	return compareMaps(t, base, head)
}

// TestRenderedOversized renders a diff far larger than a comment, as
// GitHub would, and compares it with testdata/oversized.html:
// the budget filled with whole diffs, production's first, the one that
// does not render before the others; the 80 identical edits folded into
// one; the rest named, each once.
func TestRenderedOversized(t *testing.T) {
	p := oversized(t)
	var whole strings.Builder
	if err := p.WriteText(&whole); err != nil {
		t.Fatal(err)
	}
	if whole.Len() < 2*commentLimit {
		t.Fatalf("the diff is %d bytes: not oversized", whole.Len())
	}
	md := p.MarkdownWith(MarkdownOptions{Limit: commentLimit, RunURL: runURL, Check: &Check{}, About: "verify-manifests · `.` against `main`"})
	if len(md) > commentLimit || len(md) < commentLimit*9/10 {
		t.Errorf("%d bytes of a budget of %d", len(md), commentLimit)
	}
	checkMarkdown(t, p, md, commentLimit)
	page := mdtexttest.Render(t, md)
	golden(t, filepath.Join("testdata", "oversized.html"), page)
	text := mdtexttest.Text(page)
	order := []string{"clusters/production", "clusters/broken", "clusters/fleet", "clusters/region-0"}
	last := -1
	for _, o := range order {
		i := strings.Index(page, "<h4><code>"+o)
		if i < last {
			t.Errorf("%s is not in its place (production, then errors, then the rest)", o)
		}
		last = i
	}
	if !strings.Contains(text, "@@ spec.values.controllers.c07.replicas @@") {
		t.Errorf("the HelmRelease's hunk does not say which controller changed")
	}
	if !strings.Contains(text, "×80") || strings.Count(text, "@@ spec.interval @@") != 1 {
		t.Errorf("the 80 identical edits are not folded into one diff")
	}
	if !strings.Contains(text, "do not fit here whole") || !strings.Contains(text, "- changed") && !strings.Contains(page, "<li>changed") {
		t.Errorf("the diffs that do not fit are not named")
	}
	for _, e := range p.Environments {
		for _, r := range e.Changed {
			// A folded resource is named by what its ID does not share.
			if !strings.Contains(text, r.ID) && !strings.Contains(page, "<code>"+r.ID[strings.LastIndex(r.ID, "/")+1:]+"</code>") {
				t.Errorf("%s in %s is neither shown nor named", r.ID, e.Name)
			}
		}
	}
}
