package render

import (
	"context"
	"fmt"
	"log"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/helm/helmtest"
)

func mapFile(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

const (
	webChart    = "apiVersion: v2\nname: web\nversion: 1.0.0\n"
	webValues   = "image:\n  repository: ghcr.io/acme/web\n  tag: \"1.0\"\nmonitor: true\n"
	webTemplate = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Namespace }}
spec:
  template:
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
`
	monitorTemplate = `{{- if and .Values.monitor (.Capabilities.APIVersions.Has "acme.example.com/v1/Probe") }}
apiVersion: acme.example.com/v1
kind: Probe
metadata:
  name: {{ .Release.Name }}
{{- end }}
`
)

func chartFS() fstest.MapFS {
	return fstest.MapFS{
		"charts/web/Chart.yaml":                      mapFile(webChart),
		"charts/web/values.yaml":                     mapFile(webValues),
		"charts/web/templates/deployment.yaml":       mapFile(webTemplate),
		"charts/web/templates/probe.yaml":            mapFile(monitorTemplate),
		"charts/web/charts/sub/Chart.yaml":           mapFile("apiVersion: v2\nname: sub\nversion: 0.1.0\n"),
		"charts/umbrella/Chart.yaml":                 mapFile("apiVersion: v2\nname: umbrella\nversion: 1.0.0\ndependencies:\n- name: lib\n  version: 0.1.0\n  repository: file://../lib\n"),
		"charts/lib/Chart.yaml":                      mapFile("apiVersion: v2\nname: lib\nversion: 0.1.0\n"),
		"charts/common/Chart.yaml":                   mapFile("apiVersion: v2\nname: common\nversion: 0.1.0\ntype: library\n"),
		"charts/common/templates/_helpers.tpl":       mapFile("{{- define \"common.name\" }}x{{ end }}\n"),
		"apps/shop/kustomization.yaml":               mapFile("namePrefix: shop-\nnamespace: shop\nhelmCharts:\n  - name: web\n    releaseName: web\n    valuesInline:\n      image:\n        tag: latest\n  - name: podinfo\n    repo: https://charts.example.com\n    version: 6.x\n    releaseName: podinfo\nimages:\n  - name: ghcr.io/acme/podinfo\n    newTag: 6.7.1\n"),
		"apps/shop/charts/web/Chart.yaml":            mapFile(webChart),
		"apps/shop/charts/web/values.yaml":           mapFile(webValues),
		"apps/shop/charts/web/templates/deploy.yaml": mapFile(webTemplate),
		"roles/nginx/templates/site.yaml":            mapFile("listen: {{ port }}\n"),
		"remote/podinfo/Chart.yaml":                  mapFile("apiVersion: v2\nname: podinfo\nversion: 6.7.0\n"),
		"remote/podinfo/values.yaml":                 mapFile("image: ghcr.io/acme/podinfo:6.7.0\n"),
		"remote/podinfo/templates/deploy.yaml":       mapFile("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  template:\n    spec:\n      containers:\n        - name: p\n          image: {{ .Values.image }}\n"),
	}
}

// TestChartUnits: a chart directory is a unit when nothing else renders
// it: not a chart under another's charts/, not a file:// dependency, not
// a helmCharts chart, not a library; a templates/ folder without a
// Chart.yaml is no chart at all.
func TestChartUnits(t *testing.T) {
	fsys := chartFS()
	delete(fsys, "remote/podinfo/Chart.yaml")
	tree, err := Walk(context.Background(), fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range tree.ChartUnits(".") {
		got = append(got, u.Dir)
	}
	if want := []string{"charts/umbrella", "charts/web"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ChartUnits = %q, want %q", got, want)
	}
	skipped := tree.SkippedTemplates([]string{"roles/nginx/templates/site.yaml", "charts/common/templates/_helpers.tpl"},
		map[string]bool{"roles/nginx/templates/site.yaml": true, "charts/common/templates/_helpers.tpl": true})
	if len(skipped) != 1 || skipped[0].File != "charts/common/Chart.yaml" {
		t.Errorf("SkippedTemplates = %+v, want one, for the library chart charts/common", skipped)
	}
}

// renderedObject is what a test checks of a rendered object.
type renderedObject struct {
	id, helm, pos string
}

func renderUnit(t *testing.T, opts Options, kind Kind, dir string) ([]renderedObject, *Output) {
	t.Helper()
	tree, err := Walk(context.Background(), chartFS(), opts)
	if err != nil {
		t.Fatal(err)
	}
	u := &Unit{Kind: kind, Name: dir, Dir: dir}
	switch kind {
	case HelmChart:
		u.File = dir + "/Chart.yaml"
	default:
		u = tree.kustomizationUnit(dir)
	}
	var got []renderedObject
	out := tree.Render(u, func(o *Object) {
		_, k, ns, n := Meta(o.Object)
		ro := renderedObject{id: fmt.Sprintf("%s %s/%s", k, ns, n)}
		if o.SchemaOnly {
			ro.id += " (schema only)"
		}
		if o.Origin.Helm != nil {
			ro.helm = o.Origin.Helm.String()
		}
		if k == "Deployment" {
			f, l, c := o.Origin.Position([]string{"spec", "template", "spec", "containers", "0", "image"}, PinValue)
			ro.pos = fmt.Sprintf("%s:%d:%d", f, l, c)
		}
		got = append(got, ro)
	})
	return got, out
}

// TestRenderChartUnit: a chart directory renders with its own values;
// the Probe only where the cluster serves its API (the api-versions
// input here: no embedded CRD defines it); positions at its values.yaml.
func TestRenderChartUnit(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want []renderedObject
	}{
		{name: "no Probe API", opts: Options{KubernetesVersion: "1.37"}, want: []renderedObject{
			{id: "Deployment default/web", helm: "chart directory charts/web → web 1.0.0, templates/deployment.yaml", pos: "charts/web/values.yaml:3:8"},
		}},
		{name: "api-versions", opts: Options{KubernetesVersion: "1.37", APIVersions: []string{"acme.example.com/v1/Probe"}}, want: []renderedObject{
			{id: "Probe /web", helm: "chart directory charts/web → web 1.0.0, templates/probe.yaml"},
			{id: "Deployment default/web", helm: "chart directory charts/web → web 1.0.0, templates/deployment.yaml", pos: "charts/web/values.yaml:3:8"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, out := renderUnit(t, tc.opts, HelmChart, "charts/web")
			if out.Err != nil {
				t.Fatal(out.Err)
			}
			slices.SortFunc(got, func(a, b renderedObject) int { return -strings.Compare(a.id, b.id) })
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if !slices.Contains(out.Read, "charts/web/templates/deployment.yaml") {
				t.Errorf("Read = %q lacks the chart's templates", out.Read)
			}
		})
	}
}

// TestHelmChartsInKustomization: helmCharts render in process, local
// from chartHome and remote through the Fetcher; the rest of the
// kustomization applies to them (namePrefix, namespace, images); a
// finding on the image goes to the valuesInline line, or to the images
// entry that rewrote it.
func TestHelmChartsInKustomization(t *testing.T) {
	fsys := chartFS()
	data, err := helmtest.Pack(fsys, "remote/podinfo", "podinfo")
	if err != nil {
		t.Fatal(err)
	}
	fetcher := &helmtest.Fetcher{Charts: []helmtest.Chart{{Repo: "https://charts.example.com", Name: "podinfo", Version: "6.7.0", Data: data}}}
	got, out := renderUnit(t, Options{KubernetesVersion: "1.37", Fetcher: fetcher}, Kustomization, "apps/shop")
	if out.Err != nil {
		t.Fatalf("%v: %+v", out.Err, out.Problems)
	}
	want := []renderedObject{
		{id: "Deployment shop/shop-web", helm: "helmCharts web of apps/shop/kustomization.yaml → web 1.0.0, templates/deploy.yaml", pos: "apps/shop/kustomization.yaml:8:14"},
		{id: "Deployment shop/shop-podinfo", helm: "helmCharts podinfo of apps/shop/kustomization.yaml → podinfo 6.7.0, templates/deploy.yaml", pos: "apps/shop/kustomization.yaml:15:13"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if asked := fetcher.Asked(); len(asked) != 1 || asked[0] != (chartref.Ref{Repo: "https://charts.example.com", Name: "podinfo", Version: "6.x"}) {
		t.Errorf("fetched %+v", asked)
	}
	if !slices.Contains(out.Read, "apps/shop/charts/web/templates/deploy.yaml") {
		t.Errorf("Read = %q lacks the local chart's files", out.Read)
	}

	// Without a fetcher the remote chart is one notice, and the rest builds.
	got, out = renderUnit(t, Options{KubernetesVersion: "1.37"}, Kustomization, "apps/shop")
	if out.Err != nil || len(got) != 1 {
		t.Fatalf("err %v, objects %q", out.Err, got)
	}
	var notices []string
	for _, p := range out.Problems {
		notices = append(notices, fmt.Sprintf("%s:%d:%d %s %s", p.File, p.Line, p.Column, p.Kind, p.Message))
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "apps/shop/kustomization.yaml:9:5 chart-skipped chart https://charts.example.com podinfo@6.x") {
		t.Errorf("problems = %q", notices)
	}

	// Build, as the diff preview calls it, strips the markers.
	tree, _ := Walk(context.Background(), fsys, Options{KubernetesVersion: "1.37", Fetcher: fetcher})
	rd, err := tree.Build("apps/shop")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rd.Objects {
		if _, ok := o[helmKey]; ok {
			t.Errorf("marker left in %v", o)
		}
	}
	if len(rd.Objects) != 2 {
		t.Errorf("Build gave %d objects, want 2", len(rd.Objects))
	}
}

// TestHelmLogsHushed: Helm's warnings (here, a value that is not a table
// where a dependency's values are, its key written by the pull request
// with a newline and a workflow command in it) never reach the log.
func TestHelmLogsHushed(t *testing.T) {
	var buf strings.Builder
	prev := log.Writer()
	log.SetOutput(&buf)
	defer log.SetOutput(prev)
	fsys := fstest.MapFS{
		"charts/umbrella/Chart.yaml":          mapFile("apiVersion: v2\nname: umbrella\nversion: 1.0.0\ndependencies:\n- name: lib\n  version: 0.1.0\n  repository: file://../lib\n"),
		"charts/umbrella/values.yaml":         mapFile("lib:\n  \"m\\n::warning::forged\": {a: 1}\n"),
		"charts/lib/Chart.yaml":               mapFile("apiVersion: v2\nname: lib\nversion: 0.1.0\n"),
		"charts/lib/values.yaml":              mapFile("\"m\\n::warning::forged\": hi\n"),
		"charts/lib/templates/configmap.yaml": mapFile("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"),
	}
	tree, err := Walk(context.Background(), fsys, Options{KubernetesVersion: "1.37"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	out := tree.Render(&Unit{Kind: HelmChart, Name: "charts/umbrella", Dir: "charts/umbrella", File: "charts/umbrella/Chart.yaml"}, func(*Object) { n++ })
	if out.Err != nil {
		t.Fatalf("%v: %+v", out.Err, out.Problems)
	}
	if buf.Len() > 0 {
		t.Errorf("Helm wrote to the log: %q", buf.String())
	}
	log.SetOutput(&buf)
	if _, err := tree.Chart("charts/umbrella"); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 0 {
		t.Errorf("Helm wrote to the log: %q", buf.String())
	}
}
