package argoapp

import (
	"encoding/json"
	"reflect"
	"testing"
)

type dirs []string

func (d dirs) Dirs() []string { return d }

func TestGenerate(t *testing.T) {
	repoDirs := dirs{"apps", "apps/api", "apps/web", "apps/web/templates", "apps/legacy", "charts"}
	tests := []struct {
		name    string
		spec    string
		want    []string // each generated application's name, destination namespace and path, as JSON
		notices []string
		wantErr string
	}{
		{
			name: "list generator, flat parameters",
			spec: `generators:
- list:
    elements:
    - {cluster: staging, url: https://staging, values: {ns: stage}}
    - {cluster: prod, url: https://prod, values: {ns: live}}
template:
  metadata: {name: '{{cluster}}-app'}
  spec:
    source: {repoURL: https://github.com/acme/fleet, path: 'apps/{{ cluster }}', targetRevision: '{{unknown}}'}
    destination: {server: '{{url}}', namespace: '{{values.ns}}'}
`,
			want: []string{
				`{"name":"staging-app","ns":"stage","path":"apps/staging","rev":"{{unknown}}"}`,
				`{"name":"prod-app","ns":"live","path":"apps/prod","rev":"{{unknown}}"}`,
			},
		},
		{
			name: "list generator with goTemplate and elementsYaml",
			spec: `goTemplate: true
goTemplateOptions: [missingkey=error]
generators:
- list:
    elements:
    - {cluster: staging, replicas: 2}
    elementsYaml: |
      - {cluster: prod, replicas: 3}
template:
  metadata: {name: '{{ .cluster | upper }}'}
  spec:
    source: {repoURL: https://github.com/acme/fleet, path: 'apps/{{ .cluster }}', targetRevision: '{{ .replicas }}'}
    destination: {namespace: '{{ .cluster | normalize }}'}
`,
			want: []string{
				`{"name":"STAGING","ns":"staging","path":"apps/staging","rev":"2"}`,
				`{"name":"PROD","ns":"prod","path":"apps/prod","rev":"3"}`,
			},
		},
		{
			name: "git directories of this repository, with an exclude and values",
			spec: `generators:
- git:
    repoURL: git@github.com:acme/fleet.git
    revision: HEAD
    directories:
    - path: apps/*
    - {path: apps/legacy, exclude: true}
    values: {ns: 'team-{{path.basename}}'}
template:
  metadata: {name: '{{path.basename}}'}
  spec:
    source: {repoURL: https://github.com/acme/fleet, path: '{{path}}', targetRevision: '{{path[0]}}'}
    destination: {namespace: '{{values.ns}}'}
`,
			want: []string{
				`{"name":"api","ns":"team-api","path":"apps/api","rev":"apps"}`,
				`{"name":"web","ns":"team-web","path":"apps/web","rev":"apps"}`,
			},
		},
		{
			name: "git directories with goTemplate and a generator's own template",
			spec: `goTemplate: true
generators:
- git:
    repoURL: https://github.com/acme/fleet.git
    directories: [{path: 'apps/w*'}]
  template:
    metadata: {name: 'own-{{ .path.basename }}'}
    spec: {}
template:
  metadata: {name: '{{ .path.basename }}'}
  spec:
    source: {repoURL: https://github.com/acme/fleet, path: '{{ .path.path }}', targetRevision: '{{ index .path.segments 0 }}'}
    destination: {namespace: '{{ .path.basenameNormalized }}'}
`,
			want: []string{`{"name":"own-web","ns":"web","path":"apps/web","rev":"apps"}`},
		},
		{
			name: "generators that need the cluster, another repository, a templatePatch-free set",
			spec: `generators:
- clusters: {}
- git: {repoURL: https://github.com/acme/other, directories: [{path: '*'}]}
- git: {repoURL: https://github.com/acme/fleet, files: [{path: config.json}]}
- list: {elements: []}
  selector: {matchLabels: {a: b}}
template: {metadata: {name: x}, spec: {}}
`,
			notices: []string{
				"ApplicationSet set: the clusters generator reads the cluster or another service, which is not done here: its applications are not rendered",
				"ApplicationSet set: the git generator reads https://github.com/acme/other, not this repository: its applications are not rendered",
				"ApplicationSet set: the git generator's files form is not read here: its applications are not rendered",
				"ApplicationSet set: a generator's selector is not applied here: its applications are not rendered",
			},
		},
		{
			name:    "templatePatch",
			spec:    "generators: [{list: {elements: [{a: b}]}}]\ntemplate: {metadata: {name: x}, spec: {}}\ntemplatePatch: 'spec: {}'\n",
			notices: []string{"ApplicationSet set has a templatePatch, which is not applied here: its applications are not rendered"},
		},
		{
			name:    "a template that does not render",
			spec:    "goTemplate: true\ngoTemplateOptions: [missingkey=error]\ngenerators: [{list: {elements: [{a: b}]}}]\ntemplate: {metadata: {name: '{{ .missing }}'}, spec: {}}\n",
			wantErr: `ApplicationSet set, generator 0: failed to execute go template {{ .missing }}: template: :1:3: executing "" at <.missing>: map has no entry for key "missing"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj := parseObj(t, "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: set, namespace: argocd}\nspec:\n"+indent(tc.spec, "  "))
			apps, notices, err := Generate(obj, self, repoDirs)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range apps {
				if !IsApplication(g.Object) {
					t.Errorf("generated %v is not an Application", g.Object)
				}
				a, issues := Read(g.Object)
				if len(issues) > 0 || a.Namespace != "argocd" || len(a.Sources) != 1 {
					t.Fatalf("generated %+v, issues %v", a, issues)
				}
				b, _ := json.Marshal(map[string]string{"name": a.Name, "ns": a.DestinationNamespace, "path": a.Sources[0].Dir, "rev": a.Sources[0].TargetRevision})
				got = append(got, string(b))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("applications:\n got %q\nwant %q", got, tc.want)
			}
			var msgs []string
			for _, n := range notices {
				msgs = append(msgs, n.Message)
			}
			if !reflect.DeepEqual(msgs, tc.notices) {
				t.Errorf("notices:\n got %q\nwant %q", msgs, tc.notices)
			}
		})
	}
}
