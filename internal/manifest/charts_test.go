package manifest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

const helmRelease = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
spec:
  chart:
    spec:
      chart: podinfo
      version: 6.5.0%s
      sourceRef:
        kind: HelmRepository
        name: podinfo
  values:
    image:
      repository: ghcr.io/stefanprodan/podinfo
      tag: 6.5.0
`

// TestChartRules covers what the golden trees do not: holds, refusals,
// and why a place that names the chart is left as it is.
func TestChartRules(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		charts   []string
		images   []string
		changes  []string // file:line kind old→new
		held     []string // file:line what
		refused  []string // file:line what
		allMoved []string // AllHeld and AllRefused, in that order
		warnings []string
		wantErr  string
	}{
		{name: "a chart and an image in one run", files: map[string]string{"hr.yaml": strings.Replace(helmRelease, "%s", "", 1)},
			charts: []string{"podinfo@6.6.0"}, images: []string{"ghcr.io/stefanprodan/podinfo:6.6.0"},
			changes: []string{"hr.yaml:9 helmrelease 6.5.0→6.6.0", "hr.yaml:16 helm-values 6.5.0→6.6.0"}},
		{name: "held", files: map[string]string{"hr.yaml": strings.Replace(helmRelease, "%s", " # gitops-actions: hold (rollback of v1)", 1)},
			charts: []string{"podinfo@6.6.0"}, held: []string{"hr.yaml:9 chart podinfo"}, allMoved: []string{"chart podinfo"}},
		{name: "OCIRepository pinned by digest", files: map[string]string{"oci.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: podinfo\nspec:\n  url: oci://ghcr.io/stefanprodan/charts/podinfo\n  ref:\n    tag: 6.5.0\n    digest: " + digest + "\n"},
			charts: []string{"podinfo@6.6.0"}, refused: []string{"oci.yaml:8 chart podinfo"}, allMoved: []string{"chart podinfo"}},
		{name: "no version", files: map[string]string{"hr.yaml": strings.Replace(strings.Replace(helmRelease, "      version: 6.5.0%s\n", "", 1), "%s", "", 1)},
			charts:  []string{"podinfo@6.6.0"},
			wantErr: `no reference to chart "podinfo" under .; where it looked: hr.yaml:8: the HelmRelease of chart podinfo sets no version, so the newest version applies; left as it is`},
		{name: "a range", files: map[string]string{"Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies:\n  - name: podinfo\n    version: ~6.5.0\n    repository: oci://ghcr.io/stefanprodan/charts\n"},
			charts:  []string{"podinfo@6.6.0"},
			wantErr: `Chart.yaml:6: the version of chart podinfo is the range "~6.5.0", which the tool that reads it resolves to the newest version it allows; left as it is`},
		{name: "a dependency beside its Chart.lock", files: map[string]string{
			"charts/x/Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies:\n  - name: podinfo\n    version: 6.5.0\n    repository: oci://ghcr.io/stefanprodan/charts\n",
			"charts/x/Chart.lock": "dependencies:\n- name: podinfo\n  repository: oci://ghcr.io/stefanprodan/charts\n  version: 6.5.0\ndigest: sha256:00\ngenerated: \"2026-01-01T00:00:00Z\"\n"},
			charts: []string{"podinfo@6.6.0"}, changes: []string{"charts/x/Chart.yaml:6 chart-dependency 6.5.0→6.6.0"},
			warnings: []string{"charts/x/Chart.lock: records the versions Chart.yaml held before this bump: run helm dependency update in charts/x and commit Chart.lock, or helm dependency build (which Argo CD runs) refuses the chart as out of sync with Chart.yaml"}},
		{name: "a placeholder", files: map[string]string{"appset.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nspec:\n  template:\n    spec:\n      source:\n        repoURL: https://stefanprodan.github.io/podinfo\n        chart: podinfo\n        targetRevision: '{{.version}}'\n"},
			charts:  []string{"podinfo@6.6.0"},
			wantErr: `appset.yaml:9: the targetRevision of chart podinfo is a template placeholder ("{{.version}}")`},
		{name: "a chart from Git", files: map[string]string{"hr.yaml": strings.Replace(strings.Replace(helmRelease, "HelmRepository", "GitRepository", 1), "%s", "", 1)},
			charts:  []string{"podinfo@6.6.0"},
			wantErr: `hr.yaml:4: mentions chart podinfo, but in no place bump-image edits`},
		{name: "an Argo CD source from Git", files: map[string]string{"app.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    repoURL: https://github.com/stefanprodan/podinfo.git\n    path: charts/podinfo\n    targetRevision: 6.5.0\n"},
			charts:  []string{"podinfo@6.6.0"},
			wantErr: `no reference to chart "podinfo"`},
		{name: "Argo CD 3's oci:// source", files: map[string]string{"app.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    repoURL: oci://ghcr.io/stefanprodan/charts/podinfo\n    path: .\n    targetRevision: 6.5.0\n"},
			charts: []string{"oci://ghcr.io/stefanprodan/charts/podinfo@6.6.0"}, changes: []string{"app.yaml:7 argocd-chart 6.5.0→6.6.0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, data := range tc.files {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			res, err := Bump(context.Background(), fsys, []string{"."}, Options{Charts: charts(t, tc.charts...), Images: images(t, tc.images...)})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Bump: %v\nwant an error holding %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var changes, held, refused, warnings []string
			for _, w := range res.Warnings {
				warnings = append(warnings, w.String())
			}
			for _, c := range res.Changes {
				changes = append(changes, fmtPlace(c.File, c.Line, c.Kind+" "+c.Old+"→"+c.New))
			}
			for _, h := range res.Held {
				held = append(held, fmtPlace(h.File, h.Line, h.What()))
			}
			for _, f := range res.Refused {
				refused = append(refused, fmtPlace(f.File, f.Line, f.What()))
			}
			for _, x := range []struct {
				what      string
				got, want []string
			}{
				{"changes", changes, tc.changes}, {"held", held, tc.held}, {"refused", refused, tc.refused}, {"warnings", warnings, tc.warnings},
				{"unmoved", append(res.AllHeld(), res.AllRefused()...), tc.allMoved},
			} {
				if strings.Join(x.got, "\n") != strings.Join(x.want, "\n") {
					t.Errorf("%s:\n%s\nwant:\n%s", x.what, strings.Join(x.got, "\n"), strings.Join(x.want, "\n"))
				}
			}
		})
	}
}

func fmtPlace(file string, line int, what string) string {
	return fmt.Sprintf("%s:%d %s", file, line, what)
}
