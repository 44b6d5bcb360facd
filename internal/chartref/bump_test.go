package chartref

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in                     string
		name, repo, alias, ver string
		wantErr                string
	}{
		{in: "podinfo@6.5.0", name: "podinfo", ver: "6.5.0"},
		{in: " podinfo@v6.5.0 ", name: "podinfo", ver: "v6.5.0"},
		{in: "oci://ghcr.io/stefanprodan/charts/podinfo@6.5.0", name: "podinfo", repo: "ghcr.io/stefanprodan/charts", ver: "6.5.0"},
		{in: "ghcr.io/stefanprodan/charts/podinfo@6.5.0", name: "podinfo", repo: "ghcr.io/stefanprodan/charts", ver: "6.5.0"},
		{in: "https://Stefanprodan.GitHub.io/podinfo/podinfo@6.5.0", name: "podinfo", repo: "stefanprodan.github.io/podinfo", ver: "6.5.0"},
		{in: "https://charts.bitnami.com/bitnami/redis@20.1.0-rc.1", name: "redis", repo: "charts.bitnami.com/bitnami", ver: "20.1.0-rc.1"},
		{in: "bitnami/redis@20.1.0", name: "redis", alias: "bitnami", ver: "20.1.0"},
		{in: "localhost:5000/charts/app@1.0.0", name: "app", repo: "localhost:5000/charts", ver: "1.0.0"},
		{in: "podinfo", wantErr: `chart "podinfo" has no version: give it as NAME@VERSION, e.g. "podinfo@1.2.3"`},
		{in: "podinfo@", wantErr: `chart "podinfo@" has no version`},
		{in: "podinfo@6.x", wantErr: `chart "podinfo@6.x": version "6.x" is not a semantic version`},
		{in: "podinfo@latest", wantErr: `version "latest" is not a semantic version`},
		{in: "git://x/podinfo@1.0.0", wantErr: `repository "git://x" is neither https://, http:// nor oci://`},
		{in: "a/b/podinfo@1.0.0", wantErr: `"a/b" is neither a repository URL`},
		{in: "oci://ghcr.io/x/@1.0.0", wantErr: `"" is not a chart name`},
		{in: " ", wantErr: "empty chart"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tc.name || got.Repository != tc.repo || got.Alias != tc.alias || got.Version != tc.ver {
				t.Errorf("Parse(%q) = %+v, want name %q repo %q alias %q version %q", tc.in, got, tc.name, tc.repo, tc.alias, tc.ver)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	byName, _ := Parse("podinfo@6.5.0")
	byURL, _ := Parse("oci://ghcr.io/stefanprodan/charts/podinfo@6.5.0")
	byAlias, _ := Parse("podinfo/podinfo@6.5.0")
	tests := []struct {
		name  string
		chart Chart
		place string
		src   Source
		want  bool
	}{
		{name: "by name, any repository", chart: byName, place: "podinfo", src: Source{URL: "charts.example.com"}, want: true},
		{name: "by name, unknown repository", chart: byName, place: "podinfo", want: true},
		{name: "another name", chart: byName, place: "podinfo-ui", want: false},
		{name: "by URL, Argo CD's spelling", chart: byURL, place: "podinfo", src: Source{URL: NormalizeRepo("ghcr.io/stefanprodan/charts/")}, want: true},
		{name: "by URL, Flux's spelling", chart: byURL, place: "podinfo", src: Source{URL: NormalizeRepo("oci://ghcr.io/stefanprodan/charts")}, want: true},
		{name: "by URL, another repository", chart: byURL, place: "podinfo", src: Source{URL: "ghcr.io/fork/charts"}, want: false},
		{name: "by URL, unknown repository", chart: byURL, place: "podinfo", src: Source{Alias: "podinfo"}, want: false},
		{name: "by alias", chart: byAlias, place: "podinfo", src: Source{Alias: "podinfo", URL: "x"}, want: true},
		{name: "by alias, another", chart: byAlias, place: "podinfo", src: Source{Alias: "bitnami"}, want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.chart.Matches(tc.place, tc.src); got != tc.want {
				t.Errorf("Matches(%q, %+v) = %t, want %t", tc.place, tc.src, got, tc.want)
			}
		})
	}
}

func TestExact(t *testing.T) {
	for v, want := range map[string]bool{
		"6.5.0": true, "v6.5.0": true, "1.0.0-rc.1": true, "1.0.0+build": true,
		"6.x": false, ">=6.0.0": false, "~1.2.3": false, "^1.2": false, "*": false, "6.5": false, "": false,
	} {
		if got := Exact(v); got != want {
			t.Errorf("Exact(%q) = %t, want %t", v, got, want)
		}
	}
}
