package verify

import (
	"context"
	"reflect"
	"strings"
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

// TestSurveyTops: what Run builds on its own, in the whole tree and under
// a directory: no base another includes, no Component, no file of
// another kind.
func TestSurveyTops(t *testing.T) {
	s, err := NewSurvey(context.Background(), surveyFS())
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

func TestSurveyRender(t *testing.T) {
	s, err := NewSurvey(context.Background(), surveyFS())
	if err != nil {
		t.Fatal(err)
	}
	names := func(objs []map[string]any) []string {
		var out []string
		for _, o := range objs {
			_, k, ns, n := meta(o)
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
