package render

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

func surveyFS() fstest.MapFS {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		"apps/web/base/kustomization.yaml":   f("resources:\n  - deploy.yaml\n"),
		"apps/web/base/deploy.yaml":          f("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"),
		"components/team/kustomization.yaml": f("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nlabels:\n  - pairs:\n      team: a\n"),
		"envs/prod/kustomization.yaml":       f("resources:\n  - web\n"),
		"envs/prod/web/kustomization.yaml":   f("namespace: prod\nresources:\n  - ../../../apps/web/base\ncomponents:\n  - ../../../components/team\n"),
		"envs/dev/web/kustomization.yaml":    f("namespace: dev\nresources:\n  - ../../../apps/web/base\n"),
		"envs/broken/kustomization.yaml":     f("resources:\n  - missing.yaml\n"),
		"envs/syntax/kustomization.yaml":     f("resources: [\n"),
		"plain/list.yaml":                    f("apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: a\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: b\n"),
		"plain/bad.yaml":                     f("a: [\n"),
		".github/workflows/ci.yaml":          f("on: push\n"),
		"charts/c/Chart.yaml":                f("name: c\n"),
		"charts/c/templates/deployment.yaml": f("{{ .Values.x }}\n"),
		"other/kustomization.yaml":           f("apiVersion: v1\nkind: ConfigMap\n"),
	}
}

// TestTops: what renders on its own, in the whole tree and under a
// directory: no base another includes, no Component, no file of another
// kind.
func TestTops(t *testing.T) {
	s, err := Walk(context.Background(), surveyFS(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dir  string
		want []string
	}{
		{dir: ".", want: []string{"envs/broken", "envs/dev/web", "envs/prod", "envs/syntax"}},
		{dir: "envs/prod", want: []string{"envs/prod"}},
		{dir: "envs/prod/web", want: []string{"envs/prod/web"}},
		{dir: "apps", want: []string{"apps/web/base"}},
	}
	for _, tc := range tests {
		if got := s.Tops(tc.dir); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Tops(%q) = %q, want %q", tc.dir, got, tc.want)
		}
	}
	for _, f := range s.Files {
		if strings.HasPrefix(f, ".github/") {
			t.Errorf("a file of a hidden directory listed: %s", f)
		}
	}
}

func TestBuildAndFile(t *testing.T) {
	s, err := Walk(context.Background(), surveyFS(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	names := func(objs []map[string]any) []string {
		var out []string
		for _, o := range objs {
			_, k, ns, n := Meta(o)
			out = append(out, k+" "+ns+"/"+n)
		}
		return out
	}
	tests := []struct {
		name, file, dir string
		want            []string
		wantErr         string
		wantRead        string
	}{
		{name: "an overlay with a component", dir: "envs/prod", want: []string{"Deployment prod/web"}, wantRead: "apps/web/base/deploy.yaml"},
		{name: "a build that fails", dir: "envs/broken", wantErr: `rendering "envs/broken": kustomize build failed: `, wantRead: "envs/broken/kustomization.yaml"},
		{name: "a kustomization with a syntax error", dir: "envs/syntax", wantErr: `rendering "envs/syntax": envs/syntax/kustomization.yaml:2: `},
		{name: "a Component", dir: "components/team", wantErr: "not a kustomization that builds on its own"},
		{name: "a List", file: "plain/list.yaml", want: []string{"ConfigMap /a", "ConfigMap /b"}},
		{name: "not YAML", file: "plain/bad.yaml", wantErr: `rendering "plain/bad.yaml": line 2: `},
		{name: "a Helm template", file: "charts/c/templates/deployment.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rd *Rendered
			var err error
			if tc.dir != "" {
				rd, err = s.Build(tc.dir)
			} else {
				rd, err = s.File(tc.file)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if rd == nil {
				return
			}
			if got := names(rd.Objects); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if tc.wantRead != "" && !strings.Contains(strings.Join(rd.Read, " "), tc.wantRead) {
				t.Errorf("read %q, want %s among them", rd.Read, tc.wantRead)
			}
		})
	}
}

// TestUnits: each kustomization that renders on its own is a unit, named
// for its directory, with the files its build will read as its cost.
func TestUnits(t *testing.T) {
	tree, err := Walk(context.Background(), surveyFS(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range tree.Units("envs") {
		got = append(got, fmt.Sprintf("%s %s %s %s %d", u.Kind, u.Name, u.Dir, u.File, u.Cost))
	}
	want := []string{
		"kustomization envs/broken envs/broken envs/broken/kustomization.yaml 1",
		// Its own kustomization and the base's two files.
		"kustomization envs/dev/web envs/dev/web envs/dev/web/kustomization.yaml 3",
		// Its own, web's, the base's two and the component's.
		"kustomization envs/prod envs/prod envs/prod/kustomization.yaml 5",
		"kustomization envs/syntax envs/syntax envs/syntax/kustomization.yaml 1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("units:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// origins renders every unit of fsys with RenderAll and describes each
// object: its unit, kind and name, and where its metadata.name and its
// first container's image are written.
func origins(t *testing.T, fsys fstest.MapFS, opts Options) (objects []string, outs []*Output) {
	t.Helper()
	tree, err := Walk(context.Background(), fsys, opts)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	outs = tree.RenderAll(2, func(u *Unit) func(*Object) {
		return func(o *Object) {
			_, kind, _, name := Meta(o.Object)
			f1, l1, c1 := o.Origin.Position([]string{"metadata", "name"}, PinValue)
			f2, l2, c2 := o.Origin.Position([]string{"spec", "template", "spec", "containers", "0", "image"}, PinValue)
			mu.Lock()
			defer mu.Unlock()
			objects = append(objects, fmt.Sprintf("%s: %s/%s name %s:%d:%d image %s:%d:%d", u.Name, kind, name, f1, l1, c1, f2, l2, c2))
		}
	})
	sort.Strings(objects)
	return objects, outs
}

// TestRenderAll: every kustomization that is no part of another renders,
// object by object, each with the place that wrote a value: the
// resource's document, the overlay's images entry that rewrote its image.
// A base only a failing overlay includes renders on its own, so that its
// objects are still handed over; what the builds left out is a problem.
func TestRenderAll(t *testing.T) {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	fsys := fstest.MapFS{
		"base/kustomization.yaml":   f("resources:\n  - deploy.yaml\n"),
		"base/deploy.yaml":          f("# web\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ghcr.io/acme/web:v1\n"),
		"prod/kustomization.yaml":   f("namePrefix: prod-\nresources:\n  - ../base\n  - https://github.com/acme/remote//base?ref=v1\nimages:\n  - name: ghcr.io/acme/web\n    newTag: v2\n"),
		"lone/kustomization.yaml":   f("resources:\n  - ../lonely\n  - missing.yaml\n"),
		"lonely/kustomization.yaml": f("commonLabels:\n  a: b\nresources:\n  - cm.yaml\n"),
		"lonely/cm.yaml":            f("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lonely\n"),
	}
	objects, outs := origins(t, fsys, Options{})
	want := []string{
		// A path the object lacks is pinned to the object.
		"lonely: ConfigMap/lonely name lonely/cm.yaml:4:9 image lonely/cm.yaml:1:1",
		"prod: Deployment/prod-web name base/deploy.yaml:5:9 image prod/kustomization.yaml:7:13",
	}
	if !reflect.DeepEqual(objects, want) {
		t.Errorf("objects:\n%s\nwant:\n%s", strings.Join(objects, "\n"), strings.Join(want, "\n"))
	}
	var problems []string
	for _, o := range outs {
		for _, p := range o.Problems {
			problems = append(problems, fmt.Sprintf("%s: %s:%d:%d %s", o.Unit.Name, p.File, p.Line, p.Column, p.Kind))
		}
		if (o.Err != nil) != (o.Unit.Name == "lone") {
			t.Errorf("unit %s: error %v", o.Unit.Name, o.Err)
		}
	}
	sort.Strings(problems)
	wantProblems := []string{
		"lone: lone/kustomization.yaml:3:5 build-failed",
		// Each build that reads a kustomization reports its fields.
		"lone: lonely/kustomization.yaml:1:1 deprecated-field",
		"lonely: lonely/kustomization.yaml:1:1 deprecated-field",
		"prod: prod/kustomization.yaml:4:5 remote-skipped",
	}
	if !reflect.DeepEqual(problems, wantProblems) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(wantProblems, "\n"))
	}
}

// TestRenderSubstitutes: a tree rendered with Substitute hands over the
// objects a Flux Kustomization applies as Flux's post-build step leaves
// them, saying what it did; without, as the repository writes them.
func TestRenderSubstitutes(t *testing.T) {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	fsys := fstest.MapFS{
		"clusters/prod/apps.yaml": f("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  path: ./apps\n  postBuild:\n    substitute:\n      REPLICAS: \"3\"\n"),
		"apps/kustomization.yaml": f("resources:\n  - deploy.yaml\n"),
		"apps/deploy.yaml":        f("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: ${REPLICAS}\n  paused: ${PAUSED}\n"),
	}
	for _, tc := range []struct {
		substitute bool
		replicas   any
		skipped    int
	}{
		{substitute: false, replicas: "${REPLICAS}"},
		{substitute: true, replicas: float64(3), skipped: 1},
	} {
		tree, err := Walk(context.Background(), fsys, Options{Substitute: tc.substitute})
		if err != nil {
			t.Fatal(err)
		}
		var got []*Object
		tree.RenderAll(1, func(*Unit) func(*Object) { return func(o *Object) { got = append(got, o) } })
		if len(got) != 1 {
			t.Fatalf("substitute %v: %d objects, want 1", tc.substitute, len(got))
		}
		spec, _ := got[0].Object["spec"].(map[string]any)
		if spec["replicas"] != tc.replicas {
			t.Errorf("substitute %v: replicas %#v, want %#v", tc.substitute, spec["replicas"], tc.replicas)
		}
		if (got[0].Flux != nil) != tc.substitute {
			t.Fatalf("substitute %v: Flux %v", tc.substitute, got[0].Flux)
		}
		if got[0].Flux == nil {
			continue
		}
		if vars, ok := got[0].Flux.Variables([]string{"spec", "replicas"}); !ok || vars != "${REPLICAS}" {
			t.Errorf("replicas substituted with %q (%v), want ${REPLICAS}", vars, ok)
		}
		if i := got[0].Flux.SkippedAt([]string{"spec", "paused"}); i < 0 || len(got[0].Flux.Skipped) != tc.skipped {
			t.Errorf("skipped %v, want spec.paused alone", got[0].Flux.Skipped)
		}
		if len(got[0].Flux.Issues) != 1 || got[0].Flux.Issues[0].Kind != VariableUnset {
			t.Errorf("issues %v, want one: ${PAUSED} unset", got[0].Flux.Issues)
		}
	}
}

// TestRenderManifests: a file of plain manifests renders each resource, a
// List's items each at their own lines.
func TestRenderManifests(t *testing.T) {
	tree, err := Walk(context.Background(), surveyFS(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	out := tree.Render(tree.ManifestsUnit("plain/list.yaml"), func(o *Object) {
		_, _, _, name := Meta(o.Object)
		file, line, col := o.Origin.Position([]string{"metadata", "name"}, PinValue)
		got = append(got, fmt.Sprintf("%s %s:%d:%d", name, file, line, col))
	})
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	if want := []string{"a plain/list.yaml:7:13", "b plain/list.yaml:11:13"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
