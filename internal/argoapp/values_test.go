package argoapp

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
)

func parseObj(t *testing.T, text string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(text), &m); err != nil {
		t.Fatal(err)
	}
	return toInt64(m).(map[string]any)
}

func toInt64(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = toInt64(e)
		}
	case []any:
		for i, e := range x {
			x[i] = toInt64(e)
		}
	case int:
		return int64(x)
	}
	return v
}

func indent(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = by + l
	}
	return strings.Join(lines, "\n") + "\n"
}

func self(url string) bool { return strings.Contains(url, "acme/fleet") }

// plan reads an Application whose spec is given and plans its Helm
// source at index i.
func plan(t *testing.T, spec string, i int, repo fstest.MapFS) *Plan {
	t.Helper()
	a, issues := Read(parseObj(t, "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: guestbook, namespace: argocd}\nspec:\n"+indent(spec, "  ")))
	if len(issues) > 0 {
		t.Fatal(issues)
	}
	s := a.Sources[i]
	c, why := ChartOf(s, self, func(dir string) bool { _, ok := repo[dir+"/Chart.yaml"]; return ok }, isDir)
	if c == nil {
		t.Fatalf("ChartOf: no chart: %s", why)
	}
	return NewPlan(a, s, *c, self)
}

var repo = fstest.MapFS{
	"charts/app/Chart.yaml":         {Data: []byte("apiVersion: v2\nname: app\nversion: 1.0.0\n")},
	"charts/app/values.yaml":        {Data: []byte("replicas: 1\n")},
	"charts/app/values-prod.yaml":   {Data: []byte("replicas: 3\nimage: {tag: prod}\nfrom: prod\n")},
	"charts/app/values-a.yaml":      {Data: []byte("glob: a\nfrom: a\n")},
	"charts/app/values-b.yaml":      {Data: []byte("glob: b\nfrom: b\n")},
	"charts/app/values-c.yaml":      {Data: []byte("glob: c\nfrom: c\n")},
	"charts/app/guestbook.yaml":     {Data: []byte("app: guestbook\n")},
	"envs/prod/values.yaml":         {Data: []byte("image: {tag: env}\nenv: prod\n")},
	"envs/prod/multi.yaml":          {Data: []byte("a: 1\n---\nb: 2\n")},
	"files/config.toml":             {Data: []byte("key = \"value\"\n")},
	"charts/app/templates/cm.yaml":  {Data: []byte("{{ .Values }}\n")},
	"charts/other/Chart.yaml":       {Data: []byte("apiVersion: v2\nname: other\nversion: 1.0.0\n")},
	"charts/other/values-prod.yaml": {Data: []byte("other: true\n")},
}

func TestValues(t *testing.T) {
	chartFiles := fstest.MapFS{
		"values.yaml":      {Data: []byte("replicas: 1\n")},
		"values-prod.yaml": {Data: []byte("replicas: 5\n")},
	}
	tests := []struct {
		name       string
		spec       string
		source     int
		want       string
		layers     []LayerKind
		unresolved []string
		wantErr    string
	}{
		{
			name: "precedence: parameters over values over valueFiles, in order",
			spec: `source:
  repoURL: https://github.com/acme/fleet.git
  path: charts/app
  helm:
    valueFiles: [values-prod.yaml, ../../envs/prod/values.yaml]
    values: |
      image: {tag: inline}
      inline: true
    parameters:
    - {name: image.tag, value: param}
    - {name: replicas, value: "7"}
`,
			want:   "replicas: 7\nimage: {tag: param}\nfrom: prod\nenv: prod\ninline: true\n",
			layers: []LayerKind{ValueFile, ValueFile, InlineValues, Param, Param},
		},
		{
			name: "valuesObject replaces values",
			spec: `source:
  repoURL: https://github.com/acme/fleet.git
  path: charts/app
  helm:
    values: "fromValues: true\n"
    valuesObject: {fromObject: true, n: 2}
`,
			want:   "fromObject: true\nn: 2.0\n",
			layers: []LayerKind{InlineValues},
		},
		{
			name: "forceString keeps a string; --set-string after --set; the last parameter of a name wins",
			spec: `source:
  repoURL: https://github.com/acme/fleet.git
  path: charts/app
  helm:
    parameters:
    - {name: a, value: "1", forceString: true}
    - {name: a, value: "2"}
    - {name: b, value: "true"}
    - {name: b, value: "false"}
    - {name: hosts, value: "a.example.com,b.example.com"}
    - {name: list, value: "{x,y}"}
`,
			want: "a: \"1\"\nb: false\nhosts: a.example.com,b.example.com\nlist: [x, y]\n",
		},
		{
			name: "file parameters",
			spec: `source:
  repoURL: https://github.com/acme/fleet.git
  path: charts/app
  helm:
    fileParameters:
    - {name: config, path: ../../files/config.toml}
`,
			want:   "config: |\n  key = \"value\"\n",
			layers: []LayerKind{FileParam},
		},
		{
			name: "multi-source $values, env substitution in paths",
			spec: `sources:
- repoURL: https://github.com/acme/fleet.git
  path: charts/app
  helm:
    valueFiles: [$values/envs/prod/values.yaml, $values/charts/app/$ARGOCD_APP_NAME.yaml]
- repoURL: git@github.com:acme/fleet.git
  ref: values
`,
			want: "image: {tag: env}\nenv: prod\napp: guestbook\n",
		},
		{
			name: "$ref of another repository is unresolved",
			spec: `sources:
- repoURL: https://github.com/acme/fleet.git
  path: charts/app
  helm:
    valueFiles: [values-prod.yaml, $other/prod.yaml]
- repoURL: https://github.com/acme/other.git
  ref: other
`,
			want:       "replicas: 3\nimage: {tag: prod}\nfrom: prod\n",
			unresolved: []string{`"$other/prod.yaml" is in the repository https://github.com/acme/other.git (source $other), not this one: not read`},
		},
		{
			name: "a missing value file fails",
			spec: `source:
  repoURL: https://github.com/acme/fleet.git
  path: charts/app
  helm:
    valueFiles: [values-missing.yaml]
`,
			wantErr: `value file "values-missing.yaml" does not exist: Argo CD fails the application (set ignoreMissingValueFiles to allow it)`,
		},
		{
			name: "ignoreMissingValueFiles leaves a missing file and an empty glob out",
			spec: `source:
  repoURL: https://github.com/acme/fleet.git
  path: charts/app
  helm:
    ignoreMissingValueFiles: true
    valueFiles: [values-missing.yaml, missing-*.yaml, values-prod.yaml]
`,
			want: "replicas: 3\nimage: {tag: prod}\nfrom: prod\n",
		},
		{
			name: "a glob expands in lexical order; a file named again later keeps its later place; each file once",
			spec: `source:
  repoURL: https://github.com/acme/fleet.git
  path: charts/app
  helm:
    valueFiles: ['values-?.yaml', values-a.yaml, values-b.yaml]
`,
			want:   "glob: b\nfrom: b\n",
			layers: []LayerKind{ValueFile, ValueFile, ValueFile},
		},
		{
			name: "a value file outside the repository fails",
			spec: `source:
  repoURL: https://github.com/acme/fleet.git
  path: charts/app
  helm:
    valueFiles: [../../../etc/passwd]
`,
			wantErr: `value file "../../../etc/passwd": the path leaves the repository`,
		},
		{
			name: "an absolute path is from the repository's root; a multi-document file merges its documents",
			spec: `source:
  repoURL: https://github.com/acme/fleet.git
  path: charts/app
  helm:
    valueFiles: [/envs/prod/multi.yaml]
`,
			want: "a: 1\nb: 2\n",
		},
		{
			name: "a URL is not fetched",
			spec: `source:
  repoURL: https://github.com/acme/fleet.git
  path: charts/app
  helm:
    valueFiles: [https://example.com/values.yaml]
`,
			want:       "{}\n",
			unresolved: []string{`"https://example.com/values.yaml" is a URL, which is not fetched`},
		},
		{
			name: "a fetched chart's value files are its own",
			spec: `source:
  repoURL: https://charts.example.com
  chart: app
  targetRevision: 1.0.0
  helm:
    valueFiles: [values-prod.yaml]
`,
			want: "replicas: 5\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := plan(t, tc.spec, tc.source, repo)
			got, layers, unresolved, err := Values(p, repo, chartFiles)
			if tc.wantErr != "" {
				var ve *ValuesError
				if !errors.As(err, &ve) || ve.Message != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			if err := yaml.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normalize(got), normalize(want)) {
				t.Errorf("values = %#v, want %#v", got, want)
			}
			if tc.layers != nil {
				var kinds []LayerKind
				for _, l := range layers {
					kinds = append(kinds, l.Kind)
				}
				if !reflect.DeepEqual(kinds, tc.layers) {
					t.Errorf("layers = %v, want %v", kinds, tc.layers)
				}
			}
			var msgs []string
			for _, u := range unresolved {
				msgs = append(msgs, u.Message)
			}
			if !reflect.DeepEqual(msgs, tc.unresolved) {
				t.Errorf("unresolved = %q, want %q", msgs, tc.unresolved)
			}
		})
	}
}

func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case int:
		return float64(x)
	case int64:
		return float64(x)
	}
	return v
}

func TestChartOf(t *testing.T) {
	tests := []struct {
		name, source string
		want         *Chart
		why          string
	}{
		{name: "https chart", source: "{repoURL: https://charts.example.com/, chart: app, targetRevision: 1.2.x}", want: &Chart{Remote: chartRef("https://charts.example.com", "app", "1.2.x")}},
		{name: "oci chart without a scheme", source: "{repoURL: ghcr.io/acme/charts, chart: app, targetRevision: 1.0.0}", want: &Chart{Remote: chartRef("oci://ghcr.io/acme/charts", "app", "1.0.0")}},
		{name: "oci chart", source: "{repoURL: oci://ghcr.io/acme/charts, chart: app}", want: &Chart{Remote: chartRef("oci://ghcr.io/acme/charts", "app", "")}},
		{name: "chart of this repository", source: "{repoURL: 'git@github.com:acme/fleet.git', path: ./charts/app/}", want: &Chart{Dir: "charts/app"}},
		{name: "plain manifests of this repository", source: "{repoURL: https://github.com/acme/fleet, path: envs/prod}"},
		{name: "kustomize of this repository, though a chart is there", source: "{repoURL: https://github.com/acme/fleet, path: charts/app, kustomize: {}}"},
		{name: "a plugin", source: "{repoURL: https://github.com/acme/fleet, path: charts/app, plugin: {name: kustomized-helm}}", why: `the source "charts/app" is rendered by a config management plugin, which is not run here`},
		{name: "jsonnet", source: "{repoURL: https://github.com/acme/fleet, path: envs/prod, directory: {jsonnet: {tlas: []}}}", why: `the source "envs/prod" is rendered with jsonnet, which is not run here`},
		{name: "a path the repository lacks", source: "{repoURL: https://github.com/acme/fleet, path: nowhere}", why: `the source's path "nowhere" is not a directory of the repository: Argo CD fails to render it`},
		{name: "chart of another repository", source: "{repoURL: https://github.com/acme/other, path: charts/app, helm: {releaseName: x}}", why: `the chart at "charts/app" is in the repository https://github.com/acme/other, not this one: not rendered`},
		{name: "manifests of another repository", source: "{repoURL: https://github.com/acme/other, path: envs/prod}", why: `the source "envs/prod" is in the repository https://github.com/acme/other, not this one: not rendered`},
		{name: "helm settings without a chart", source: "{repoURL: https://github.com/acme/fleet, path: envs/prod, helm: {releaseName: x}}", why: `the source has helm settings but "envs/prod" holds no Chart.yaml: Argo CD fails to render it`},
		{name: "ref-only source", source: "{repoURL: https://github.com/acme/fleet, ref: values}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := readSource(parseObj(t, tc.source), []string{"spec", "source"})
			got, why := ChartOf(s, self, func(dir string) bool { _, ok := repo[dir+"/Chart.yaml"]; return ok }, isDir)
			if why != tc.why {
				t.Errorf("why = %q, want %q", why, tc.why)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func chartRef(repo, name, version string) *chartref.Ref {
	return &chartref.Ref{Repo: repo, Name: name, Version: version}
}

// isDir reports whether the test repository has the directory dir.
func isDir(dir string) bool {
	for p := range repo {
		if strings.HasPrefix(p, dir+"/") {
			return true
		}
	}
	return false
}
