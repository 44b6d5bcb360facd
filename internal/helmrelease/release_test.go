package helmrelease

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
)

func TestRead(t *testing.T) {
	tests := []struct {
		name   string
		spec   string
		check  func(t *testing.T, r *Release)
		issues []string
	}{
		{
			name: "release name is the object's name",
			spec: "chart: {spec: {chart: app, sourceRef: {kind: HelmRepository, name: r}}}\n",
			check: func(t *testing.T, r *Release) {
				if r.ReleaseName != "app" || r.ReleaseNamespace != "apps" || !r.IncludeCRDs || r.PostRenderStrategy != "combined" {
					t.Errorf("got %q in %q, crds %v, strategy %q", r.ReleaseName, r.ReleaseNamespace, r.IncludeCRDs, r.PostRenderStrategy)
				}
			},
		},
		{
			name: "target namespace prefixes the release name",
			spec: "targetNamespace: prod\nchart: {spec: {chart: app, sourceRef: {kind: HelmRepository, name: r}}}\n",
			check: func(t *testing.T, r *Release) {
				if r.ReleaseName != "prod-app" || r.ReleaseNamespace != "prod" {
					t.Errorf("got %q in %q", r.ReleaseName, r.ReleaseNamespace)
				}
			},
		},
		{
			name: "release name wins over the target namespace",
			spec: "targetNamespace: prod\nreleaseName: web\nchart: {spec: {chart: app, sourceRef: {kind: HelmRepository, name: r}}}\n",
			check: func(t *testing.T, r *Release) {
				if r.ReleaseName != "web" || r.ReleaseNamespace != "prod" {
					t.Errorf("got %q in %q", r.ReleaseName, r.ReleaseNamespace)
				}
			},
		},
		{
			name: "a long name is shortened as helm-controller does",
			spec: "targetNamespace: some-front-appended-namespace\nchart: {spec: {chart: app, sourceRef: {kind: HelmRepository, name: r}}}\n",
			check: func(t *testing.T, r *Release) {
				// Not long enough: 33 characters.
				if r.ReleaseName != "some-front-appended-namespace-app" {
					t.Errorf("got %q", r.ReleaseName)
				}
			},
		},
		{
			name: "install.crds Skip leaves CRDs out; post-render strategy and schema validation are read",
			spec: "install: {crds: Skip, disableSchemaValidation: true}\npostRenderStrategy: nohooks\nchartRef: {kind: OCIRepository, name: app}\n",
			check: func(t *testing.T, r *Release) {
				if r.IncludeCRDs || !r.SkipSchemaValidation || r.PostRenderStrategy != "nohooks" || r.ChartRef == nil || r.Chart != nil {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name: "post-renderers and common metadata",
			spec: `chartRef: {kind: OCIRepository, name: app}
commonMetadata: {labels: {team: a}}
postRenderers:
- kustomize:
    patches:
    - target: {kind: Deployment}
      patch: |
        - op: add
          path: /spec/template/spec/priorityClassName
          value: high
    images:
    - {name: nginx, newTag: "1.27"}
`,
			check: func(t *testing.T, r *Release) {
				if len(r.PostRenderers) != 1 || len(r.PostRenderers[0].Patches) != 1 || len(r.PostRenderers[0].Images) != 1 || r.CommonLabels["team"] != "a" {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name:   "no chart",
			spec:   "values: {a: 1}\n",
			issues: []string{"a HelmRelease needs spec.chart or spec.chartRef: helm-controller has no chart to install"},
		},
		{
			name:   "both chart and chartRef",
			spec:   "chartRef: {kind: OCIRepository, name: app}\nchart: {spec: {chart: app, sourceRef: {kind: HelmRepository, name: r}}}\n",
			issues: []string{"a HelmRelease names either spec.chart or spec.chartRef, not both: helm-controller refuses it"},
		},
		{
			name:   "unknown source kind",
			spec:   "chart: {spec: {chart: app, sourceRef: {kind: HelmRepo, name: r}}}\n",
			issues: []string{`spec.chart.spec.sourceRef.kind "HelmRepo" is not one of HelmRepository, GitRepository or Bucket`},
		},
		{
			name:   "values from an unknown kind",
			spec:   "chartRef: {kind: OCIRepository, name: app}\nvaluesFrom: [{kind: Configmap, name: v}]\n",
			issues: []string{`valuesFrom kind "Configmap" is not ConfigMap or Secret: helm-controller fails the release`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj := parse(t, "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app, namespace: apps}\nspec:\n"+indent(tc.spec, "  "))[0]
			if !IsHelmRelease(obj) {
				t.Fatal("IsHelmRelease = false")
			}
			r, issues := Read(obj)
			var got []string
			for _, i := range issues {
				got = append(got, i.Message)
			}
			if !reflect.DeepEqual(got, tc.issues) {
				t.Fatalf("issues = %q, want %q", got, tc.issues)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func TestShortenName(t *testing.T) {
	// helm-controller's own example (internal/release/name_test.go).
	name := "some-front-appended-namespace-release-with-5-chars-more"
	if got, want := ShortenName(name), "some-front-appended-namespace-release-wi-1234567890ab"; len(got) != len(want) || !strings.HasPrefix(got, "some-front-appended-namespace-release-wi-") {
		t.Errorf("ShortenName = %q, want the form %q", got, want)
	}
	if got := ShortenName("short"); got != "short" {
		t.Errorf("ShortenName(short) = %q", got)
	}
}

func TestResolveChart(t *testing.T) {
	repo := func(kind, name, spec string) map[string]any {
		return parse(t, "apiVersion: source.toolkit.fluxcd.io/v1\nkind: "+kind+"\nmetadata: {name: "+name+", namespace: flux-system}\nspec:\n"+indent(spec, "  "))[0]
	}
	objs := objects{
		repo("HelmRepository", "https", "url: https://charts.example.com\n"),
		repo("HelmRepository", "oci", "type: oci\nurl: oci://ghcr.io/acme/charts\n"),
		repo("HelmRepository", "badoci", "type: oci\nurl: https://ghcr.io/acme/charts\n"),
		repo("GitRepository", "self", "url: ssh://git@github.com/acme/fleet\n"),
		repo("GitRepository", "other", "url: https://github.com/acme/other\n"),
		repo("Bucket", "bucket", "bucketName: charts\n"),
		repo("OCIRepository", "digest", "url: oci://ghcr.io/acme/charts/app\nref: {digest: 'sha256:abc', tag: '1.0.0'}\n"),
		repo("OCIRepository", "semver", "url: oci://ghcr.io/acme/charts/app\nref: {semver: '1.x', tag: '1.0.0'}\n"),
		repo("OCIRepository", "tag", "url: oci://ghcr.io/acme/charts/app/\nref: {tag: '1.0.0'}\n"),
		repo("OCIRepository", "latest", "url: oci://ghcr.io/acme/charts/app\n"),
		repo("HelmChart", "hc", "chart: app\nversion: 2.x\nsourceRef: {kind: HelmRepository, name: https}\nvaluesFiles: [values.yaml, values-prod.yaml]\nignoreMissingValuesFiles: true\n"),
	}
	self := func(url string) bool { return strings.Contains(url, "acme/fleet") }
	tests := []struct {
		name    string
		spec    string
		want    *Chart
		wantErr string
	}{
		{
			name: "https HelmRepository, no version: the newest stable",
			spec: "chart: {spec: {chart: app, sourceRef: {kind: HelmRepository, name: https, namespace: flux-system}}}\n",
			want: &Chart{Remote: &chartref.Ref{Repo: "https://charts.example.com", Name: "app", Version: "*"}, Name: "app", Via: []ObjectRef{{"HelmRepository", "https", "flux-system"}}},
		},
		{
			name: "oci HelmRepository with valuesFiles that are only values.yaml",
			spec: "chart: {spec: {chart: app, version: 1.2.3, valuesFiles: [./values.yaml], sourceRef: {kind: HelmRepository, name: oci, namespace: flux-system}}}\n",
			want: &Chart{Remote: &chartref.Ref{Repo: "oci://ghcr.io/acme/charts", Name: "app", Version: "1.2.3"}, Name: "app", Via: []ObjectRef{{"HelmRepository", "oci", "flux-system"}}},
		},
		{
			name:    "oci HelmRepository with an https url",
			spec:    "chart: {spec: {chart: app, sourceRef: {kind: HelmRepository, name: badoci, namespace: flux-system}}}\n",
			wantErr: `HelmRepository flux-system/badoci is of type oci but its url "https://ghcr.io/acme/charts" does not start with oci://: source-controller refuses it`,
		},
		{
			name: "GitRepository that is this repository: a chart directory, valuesFiles from the root",
			spec: "chart: {spec: {chart: ./charts/app/, valuesFiles: [charts/app/values.yaml, envs/prod.yaml], sourceRef: {kind: GitRepository, name: self, namespace: flux-system}}}\n",
			want: &Chart{Dir: "charts/app", Name: "charts/app", ValuesFiles: []string{"charts/app/values.yaml", "envs/prod.yaml"}, Via: []ObjectRef{{"GitRepository", "self", "flux-system"}}},
		},
		{
			name:    "GitRepository of another repository",
			spec:    "chart: {spec: {chart: charts/app, sourceRef: {kind: GitRepository, name: other, namespace: flux-system}}}\n",
			wantErr: `the chart "charts/app" is in GitRepository flux-system/other, which is the repository https://github.com/acme/other, not this one: not rendered`,
		},
		{
			name:    "Bucket",
			spec:    "chart: {spec: {chart: app, sourceRef: {kind: Bucket, name: bucket, namespace: flux-system}}}\n",
			wantErr: `the chart "app" is in Bucket flux-system/bucket, an object storage bucket nothing here reads: not rendered`,
		},
		{
			name:    "source not in the repository",
			spec:    "chart: {spec: {chart: app, sourceRef: {kind: HelmRepository, name: gone}}}\n",
			wantErr: `the chart's source, HelmRepository apps/gone, is not in the repository: not rendered (the cluster may hold it)`,
		},
		{
			name: "OCIRepository: digest first",
			spec: "chartRef: {kind: OCIRepository, name: digest, namespace: flux-system}\n",
			want: &Chart{Remote: &chartref.Ref{Repo: "oci://ghcr.io/acme/charts", Name: "app", Digest: "sha256:abc"}, Name: "app", DigestVersion: true, Via: []ObjectRef{{"OCIRepository", "digest", "flux-system"}}},
		},
		{
			name: "OCIRepository: semver before tag",
			spec: "chartRef: {kind: OCIRepository, name: semver, namespace: flux-system}\n",
			want: &Chart{Remote: &chartref.Ref{Repo: "oci://ghcr.io/acme/charts", Name: "app", Version: "1.x"}, Name: "app", DigestVersion: true, Via: []ObjectRef{{"OCIRepository", "semver", "flux-system"}}},
		},
		{
			name: "OCIRepository: tag",
			spec: "chartRef: {kind: OCIRepository, name: tag, namespace: flux-system}\n",
			want: &Chart{Remote: &chartref.Ref{Repo: "oci://ghcr.io/acme/charts", Name: "app", Version: "1.0.0"}, Name: "app", DigestVersion: true, Via: []ObjectRef{{"OCIRepository", "tag", "flux-system"}}},
		},
		{
			name: "OCIRepository: latest when no ref",
			spec: "chartRef: {kind: OCIRepository, name: latest, namespace: flux-system}\n",
			want: &Chart{Remote: &chartref.Ref{Repo: "oci://ghcr.io/acme/charts", Name: "app", Version: "latest"}, Name: "app", DigestVersion: true, Via: []ObjectRef{{"OCIRepository", "latest", "flux-system"}}},
		},
		{
			name: "HelmChart with valuesFiles of the chart",
			spec: "chartRef: {kind: HelmChart, name: hc, namespace: flux-system}\n",
			want: &Chart{Remote: &chartref.Ref{Repo: "https://charts.example.com", Name: "app", Version: "2.x"}, Name: "app",
				ValuesFiles: []string{"values.yaml", "values-prod.yaml"}, IgnoreMissingValuesFiles: true,
				Via: []ObjectRef{{"HelmChart", "hc", "flux-system"}, {"HelmRepository", "https", "flux-system"}}},
		},
		{
			name:    "ExternalArtifact",
			spec:    "chartRef: {kind: ExternalArtifact, name: x}\n",
			wantErr: `the chart comes from ExternalArtifact apps/x, an artifact another controller produces: not rendered`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj := parse(t, "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app, namespace: apps}\nspec:\n"+indent(tc.spec, "  "))[0]
			r, issues := Read(obj)
			if len(issues) > 0 {
				t.Fatal(issues)
			}
			got, err := ResolveChart(r, objs, self)
			if tc.wantErr != "" {
				var se *SourceError
				if !errors.As(err, &se) || se.Message != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v %+v\nwant %+v %+v", got, got.Remote, tc.want, tc.want.Remote)
			}
		})
	}
}
