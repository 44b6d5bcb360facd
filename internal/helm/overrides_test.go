package helm

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

func TestChartFiles(t *testing.T) {
	c, err := (&Loader{FS: os.DirFS("testdata/repo"), Limits: DefaultLimits()}).Dir(context.Background(), "charts/app")
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(c.Files(), "Chart.yaml", "values.yaml", "templates/deployment.yaml"); err != nil {
		t.Fatal(err)
	}
}

func TestWithDefaults(t *testing.T) {
	c, err := (&Loader{FS: os.DirFS("testdata/repo"), Limits: DefaultLimits()}).Dir(context.Background(), "charts/app")
	if err != nil {
		t.Fatal(err)
	}
	layer, err := fileLayer("envs/prod.yaml", []byte("replicaCount: 5\nimage:\n  repository: ghcr.io/acme/app\n  tag: \"2.0\"\nservice: {port: 80}\nmonitoring: {enabled: false}\n"))
	if err != nil {
		t.Fatal(err)
	}
	render := func(c *Chart) *Result {
		res, err := Render(context.Background(), c, Request{ReleaseName: "app", Namespace: "apps", Capabilities: Capabilities{KubeVersion: "1.33"}})
		if err != nil || res.Failed {
			t.Fatalf("render: %v %+v", err, res.Problems)
		}
		return res
	}
	deployment := func(res *Result) string {
		for _, m := range res.Manifests {
			if strings.HasSuffix(m.Template, "deployment.yaml") {
				return m.Content
			}
		}
		t.Fatal("no deployment")
		return ""
	}
	with := render(c.WithDefaults(layer.Values, []Layer{layer}))
	if d := deployment(with); !strings.Contains(d, "replicas: 5") || !strings.Contains(d, `image: "ghcr.io/acme/app:2.0"`) {
		t.Errorf("with the defaults replaced:\n%s", d)
	}
	// monitoring.enabled is true in values.yaml only.
	for _, m := range with.Manifests {
		if strings.Contains(m.Content, "ServiceMonitor") {
			t.Errorf("values.yaml still applies: %s", m.Template)
		}
	}
	if d := deployment(render(c)); !strings.Contains(d, "replicas: 2") {
		t.Errorf("the chart itself changed:\n%s", d)
	}
	pos, ok := with.Locate("app/templates/deployment.yaml", map[string]any{"spec": map[string]any{"replicas": int64(5)}}, []string{"spec", "replicas"})
	if !ok || pos.File != "envs/prod.yaml" || pos.Line != 1 {
		t.Errorf("Locate = %+v %v, want envs/prod.yaml:1", pos, ok)
	}
}
