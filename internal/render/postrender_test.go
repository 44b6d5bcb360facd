package render

import (
	"encoding/json"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/helmrelease"
)

func TestPostRender(t *testing.T) {
	deployment := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: apps}
spec:
  template:
    spec:
      containers:
      - {name: web, image: "nginx:1.25"}
`
	job := `apiVersion: batch/v1
kind: Job
metadata: {name: migrate, annotations: {helm.sh/hook: pre-install}}
spec:
  template:
    spec:
      containers:
      - {name: migrate, image: "nginx:1.25"}
`
	tests := []struct {
		name    string
		spec    string
		want    []string // for each object out: template, then JSON of the fields looked at
		wantErr string
	}{
		{
			name: "patches and images, in order, hooks too by default; origin labels win over common ones",
			spec: `postRenderers:
- kustomize:
    patches:
    - target: {kind: Deployment}
      patch: |
        - op: add
          path: /spec/template/spec/priorityClassName
          value: high
    - patch: |
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: apps}
        spec: {replicas: 3}
    images:
    - {name: nginx, newTag: "1.27"}
- kustomize:
    images:
    - {name: nginx, newName: registry.example/nginx}
commonMetadata:
  labels: {team: web, helm.toolkit.fluxcd.io/name: other}
  annotations: {owner: me}
`,
			want: []string{
				`templates/deployment.yaml {"annotations":{"owner":"me"},"image":"registry.example/nginx:1.27","labels":{"helm.toolkit.fluxcd.io/name":"app","helm.toolkit.fluxcd.io/namespace":"apps","team":"web"},"priority":"high","replicas":3}`,
				`templates/job.yaml hook {"annotations":{"helm.sh/hook":"pre-install","owner":"me"},"image":"registry.example/nginx:1.27","labels":{"helm.toolkit.fluxcd.io/name":"app","helm.toolkit.fluxcd.io/namespace":"apps","team":"web"}}`,
			},
		},
		{
			name: "nohooks leaves hooks as they are",
			spec: `postRenderStrategy: nohooks
postRenderers:
- kustomize:
    images: [{name: nginx, newTag: "1.27"}]
`,
			want: []string{
				`templates/job.yaml hook {"annotations":{"helm.sh/hook":"pre-install"},"image":"nginx:1.25"}`,
				`templates/deployment.yaml {"image":"nginx:1.27","labels":{"helm.toolkit.fluxcd.io/name":"app","helm.toolkit.fluxcd.io/namespace":"apps"}}`,
			},
		},
		{
			name: "a patch whose target is missing fails the release",
			spec: `postRenderers:
- kustomize:
    patches:
    - patch: |
        - op: remove
          path: /spec/replicas
      target: {kind: Deployment, name: web}
`,
			wantErr: "spec.postRenderers[0].kustomize:",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hr map[string]any
			if err := yaml.Unmarshal([]byte("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app, namespace: apps}\nspec:\n  chartRef: {kind: OCIRepository, name: app}\n"+indentText(tc.spec, "  ")), &hr); err != nil {
				t.Fatal(err)
			}
			r, issues := helmrelease.Read(hr)
			if len(issues) > 0 {
				t.Fatal(issues)
			}
			objs := []chartObject{{Obj: mustObj(t, deployment), Template: "templates/deployment.yaml"}, {Obj: mustObj(t, job), Template: "templates/job.yaml", Hook: true}}
			out, err := postRender(objs, r)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one starting %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range out {
				md := o.Obj["metadata"].(map[string]any)
				spec := o.Obj["spec"].(map[string]any)
				pod := spec["template"].(map[string]any)["spec"].(map[string]any)
				f := map[string]any{"image": pod["containers"].([]any)[0].(map[string]any)["image"]}
				for _, k := range []string{"labels", "annotations"} {
					if v, ok := md[k]; ok {
						f[k] = v
					}
				}
				if v, ok := pod["priorityClassName"]; ok {
					f["priority"] = v
				}
				if v, ok := spec["replicas"]; ok {
					f["replicas"] = v
				}
				b, _ := json.Marshal(f)
				s := o.Template
				if o.Hook {
					s += " hook"
				}
				got = append(got, s+" "+string(b))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func mustObj(t *testing.T, text string) map[string]any {
	t.Helper()
	docs, problems := ParseYAML("test.yaml", []byte(text))
	if len(problems) > 0 || len(docs) != 1 {
		t.Fatalf("parse: %v", problems)
	}
	return docs[0].Obj
}

func indentText(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = by + l
	}
	return strings.Join(lines, "\n") + "\n"
}
