package bumpimage_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bumpimage "github.com/gitops-actions/gitops-actions/actions/bump-image"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// chartFiles holds chart podinfo at version in each place bump-image
// bumps a chart's version, under environments/staging, and an image.
func chartFiles(version string) map[string]string {
	return map[string]string{
		"README.md":                     "# config\n",
		"environments/staging/app.yaml": deployment("app", "ghcr.io/acme/app:v2.0.0"),
		"environments/staging/flux/sources.yaml": `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  url: https://stefanprodan.github.io/podinfo
`,
		"environments/staging/flux/helmrelease.yaml": `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: flux-system
spec:
  chart:
    spec:
      chart: podinfo
      version: ` + version + ` # the chart
      sourceRef:
        kind: HelmRepository
        name: podinfo
`,
		"environments/staging/flux/helmchart.yaml": `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmChart
metadata:
  name: podinfo
  namespace: flux-system
spec:
  chart: podinfo
  version: "` + version + `"
  sourceRef:
    kind: HelmRepository
    name: podinfo
`,
		"environments/staging/flux/ocirepository.yaml": `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: podinfo
spec:
  url: oci://ghcr.io/stefanprodan/charts/podinfo
  ref:
    tag: ` + version + `
`,
		"environments/staging/argocd/podinfo.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: podinfo
spec:
  source:
    repoURL: ghcr.io/stefanprodan/charts
    chart: podinfo
    targetRevision: ` + version + `
`,
		"environments/staging/charts/umbrella/Chart.yaml": `apiVersion: v2
name: umbrella
version: 1.0.0
dependencies:
  - name: podinfo
    version: ` + version + `
    repository: https://stefanprodan.github.io/podinfo
`,
		"environments/staging/kustomize/kustomization.yaml": `helmCharts:
  - name: podinfo
    repo: https://stefanprodan.github.io/podinfo
    version: ` + version + `
`,
	}
}

// chartPaths are the files of chartFiles that hold the chart's version.
var chartPaths = []string{
	"environments/staging/argocd/podinfo.yaml",
	"environments/staging/charts/umbrella/Chart.yaml",
	"environments/staging/flux/helmchart.yaml",
	"environments/staging/flux/helmrelease.yaml",
	"environments/staging/flux/ocirepository.yaml",
	"environments/staging/kustomize/kustomization.yaml",
}

// TestChartsRemote bumps a chart and an image through the API: one
// commit and one pull request change every place, and a chart that would
// move down changes nothing.
func TestChartsRemote(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{Files: chartFiles("6.5.0")})
	r := runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0", "charts": "podinfo@6.6.0"})
	r.WantCode(t, 0)
	branch := "gitops-actions/bump/staging/ghcr.io-acme-app+chart-podinfo"
	r.WantOutputs(t, map[string]string{"pull-request-operation": "created", "branch": branch, "changed": "true"})
	want := chartFiles("6.6.0")
	for _, p := range append(chartPaths, "environments/staging/app.yaml") {
		w := want[p]
		if p == "environments/staging/app.yaml" {
			w = deployment("app", "ghcr.io/acme/app:v2.1.0")
		}
		if got := fileAt(t, srv, branch, p); got != w {
			t.Errorf("%s on the branch:\n%s\nwant:\n%s", p, got, w)
		}
	}
	if n := strings.Count(gitLog(t, srv, branch, "--format=%H", "main.."+branch), "\n"); n != 1 {
		t.Errorf("%d commits on the branch, want 1", n)
	}
	prs := openPulls(srv)
	if len(prs) != 1 {
		t.Fatalf("%d open pull requests, want 1", len(prs))
	}
	if got, want := prs[0].Title, "chore(staging): bump ghcr.io/acme/app to v2.1.0, chart podinfo to 6.6.0"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	if want := "| `environments/staging` | `chart podinfo` | `6.5.0` | `6.6.0` | `environments/staging/argocd/podinfo.yaml:9`<br>"; !strings.Contains(prs[0].Body, want) {
		t.Errorf("body lacks %q:\n%s", want, prs[0].Body)
	}
	var changes []map[string]any
	if err := json.Unmarshal([]byte(r.Outputs["changes"]), &changes); err != nil {
		t.Fatal(err)
	}
	charts := 0
	for _, c := range changes {
		if c["chart"] == "podinfo" && c["image"] == nil {
			charts++
		}
	}
	if charts != len(chartPaths) || len(changes) != len(chartPaths)+1 {
		t.Errorf("changes output: %d of chart podinfo in %d, want %d and %d:\n%s", charts, len(changes), len(chartPaths), len(chartPaths)+1, r.Outputs["changes"])
	}

	// A lower version: refused, and nothing written.
	tip := srv.Ref(configRepo, branch)
	srv.ResetCalls()
	r = runAction(t, srv, map[string]string{"path": "environments/staging", "charts": "podinfo@6.4.0"})
	r.WantCode(t, cli.ExitFailed)
	if !strings.Contains(r.Stdout, "refusing to downgrade chart podinfo from") {
		t.Errorf("no downgrade error:\n%s", r.Stdout)
	}
	for route, n := range srv.Writes() {
		t.Errorf("a refused downgrade wrote: %s ×%d", route, n)
	}
	if got := srv.Ref(configRepo, branch); got != tip {
		t.Errorf("the branch moved on a refused downgrade")
	}
}

// TestChartsLocal bumps every chart place in the working tree, and a
// held one is left as it is.
func TestChartsLocal(t *testing.T) {
	files := chartFiles("6.5.0")
	files["environments/staging/flux/helmchart.yaml"] = strings.Replace(files["environments/staging/flux/helmchart.yaml"], `version: "6.5.0"`, `version: "6.5.0" # gitops-actions: hold (incident 7)`, 1)
	dir := clitest.WriteTree(t, files)
	got, outs := clitest.RunOutputs(t, bumpimage.Command, dir, nil, "--charts", "oci://ghcr.io/stefanprodan/charts/podinfo@6.6.0,", "--path", "environments/staging")
	if got.Code != 0 {
		t.Fatalf("exit %d:\n%s", got.Code, got.Stderr)
	}
	want := chartFiles("6.6.0")
	for _, p := range []string{"environments/staging/flux/ocirepository.yaml", "environments/staging/argocd/podinfo.yaml"} {
		if data, _ := os.ReadFile(filepath.Join(dir, p)); string(data) != want[p] {
			t.Errorf("%s = %q, want %q", p, data, want[p])
		}
	}
	// By its OCI registry: the places from the HTTP repository stay.
	if data, _ := os.ReadFile(filepath.Join(dir, "environments/staging/kustomize/kustomization.yaml")); string(data) != files["environments/staging/kustomize/kustomization.yaml"] {
		t.Errorf("a chart from another repository changed: %q", data)
	}
	if !strings.Contains(outs["files"], "environments/staging/flux/ocirepository.yaml") || outs["held"] != "[]" {
		t.Errorf("outputs %v", outs)
	}

	got, outs = clitest.RunOutputs(t, bumpimage.Command, dir, nil, "--charts", "podinfo@6.6.0", "--path", "environments/staging")
	if got.Code != 0 {
		t.Fatalf("exit %d:\n%s", got.Code, got.Stderr)
	}
	if !strings.Contains(got.Stderr, "notice: environments/staging/flux/helmchart.yaml:8: chart podinfo stays at 6.5.0, held by a hold comment (incident 7)") {
		t.Errorf("no notice of the hold:\n%s", got.Stderr)
	}
	if !strings.Contains(outs["held"], `"chart":"podinfo"`) {
		t.Errorf("held = %s", outs["held"])
	}
	for _, p := range chartPaths {
		w := want[p]
		if p == "environments/staging/flux/helmchart.yaml" {
			w = files[p]
		}
		if data, _ := os.ReadFile(filepath.Join(dir, p)); string(data) != w {
			t.Errorf("%s = %q, want %q", p, data, w)
		}
	}
}

// chartBranch is the branch a bump of chart podinfo alone goes to.
const chartBranch = "gitops-actions/bump/staging/chart-podinfo"

// TestLateChartBuild: the build of chart podinfo 6.7.0 opens the pull
// request; the build of 6.6.0, finishing later, finds it proposing a newer
// version: it leaves every place as the pull request has it, says so, and
// succeeds.
func TestLateChartBuild(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{Files: chartFiles("6.5.0")})
	in := func(chart string) map[string]string {
		return map[string]string{"path": "environments/staging", "charts": chart}
	}
	r := runAction(t, srv, in("podinfo@6.7.0"))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "created", "branch": chartBranch, "superseded": "[]"})
	tip := srv.Ref(configRepo, chartBranch)
	before := openPulls(srv)

	srv.ResetCalls()
	r = runAction(t, srv, in("podinfo@6.6.0"))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "unchanged", "pull-request-number": "1", "commit-sha": tip})
	if got, want := superseded(t, r), (supersededOut{Chart: "podinfo", Version: "podinfo@6.7.0", Wanted: "podinfo@6.6.0", Pull: 1}); len(got) != 1 || got[0] != want {
		t.Errorf("superseded = %+v, want [%+v]", got, want)
	}
	if want := "::notice::chart podinfo: pull request #1 already proposes podinfo@6.7.0, newer than podinfo@6.6.0; it keeps podinfo@6.7.0."; !strings.Contains(strings.ReplaceAll(r.Stdout, "%3A", ":"), want) {
		t.Errorf("stdout lacks %q:\n%s", want, r.Stdout)
	}
	wantUntouched(t, srv, chartBranch, tip, before)

	// A late build given by its repository keeps it too, and a newer
	// build still moves every place.
	r = runAction(t, srv, in("oci://ghcr.io/stefanprodan/charts/podinfo@6.6.1"))
	r.WantCode(t, 0)
	if got := superseded(t, r); len(got) != 1 || got[0].Version != "oci://ghcr.io/stefanprodan/charts/podinfo@6.7.0" {
		t.Errorf("superseded = %+v", got)
	}
	r = runAction(t, srv, in("podinfo@6.8.0"))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "updated", "superseded": "[]"})
	want := chartFiles("6.8.0")
	for _, p := range chartPaths {
		if got := fileAt(t, srv, chartBranch, p); got != want[p] {
			t.Errorf("%s on the branch:\n%s\nwant:\n%s", p, got, want[p])
		}
	}
}

// TestRacingChartBuilds runs builds of chart podinfo at once, round after
// round, in both orders: each round ends with every place of the pull
// request at the newest version, one commit on the branch, and every run
// succeeding.
func TestRacingChartBuilds(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{Files: chartFiles("6.0.0")})
	base := srv.Ref(configRepo, "main")
	version := func(n int) string { return fmt.Sprintf("6.%d.0", n) }
	inputs := func(v string) map[string]string {
		return map[string]string{"path": "environments/staging", "charts": "podinfo@" + v}
	}
	raceRounds(t, srv, 3, version, "6.4.5", inputs, func(round int, newest string) {
		want := chartFiles(newest)
		for _, p := range chartPaths {
			if got := fileAt(t, srv, chartBranch, p); got != want[p] {
				t.Errorf("round %d: %s on the branch:\n%s\nwant %s", round, p, got, newest)
			}
		}
		prs := openPulls(srv)
		if len(prs) != 1 || prs[0].Title != "chore(staging): bump chart podinfo to "+newest {
			t.Errorf("round %d: open pull requests %+v, want one for %s", round, prs, newest)
		}
		if commits := strings.Fields(gitLog(t, srv, chartBranch, "--format=%H", "^"+base)); len(commits) != 1 {
			t.Errorf("round %d: %d commits on the branch, want 1", round, len(commits))
		}
	})
}

// TestLateChartBuildByRepository: a chart given with its repository's URL
// is matched in a HelmRelease through the HelmRepository it names, in
// another file; a late build compares with the branch's HelmRelease all
// the same.
func TestLateChartBuildByRepository(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{Files: chartFiles("6.5.0")})
	const repo = "https://stefanprodan.github.io/podinfo/podinfo@"
	const branch = "gitops-actions/bump/flux/chart-podinfo"
	in := map[string]string{"path": "environments/staging/flux", "charts": repo + "6.7.0"}
	runAction(t, srv, in).WantCode(t, 0)
	tip := srv.Ref(configRepo, branch)
	if tip == "" {
		t.Fatalf("no branch %s", branch)
	}
	in["charts"] = repo + "6.6.0"
	r := runAction(t, srv, in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "unchanged"})
	if got, want := superseded(t, r), (supersededOut{Chart: "podinfo", Version: repo + "6.7.0", Wanted: repo + "6.6.0", Pull: 1}); len(got) != 1 || got[0] != want {
		t.Errorf("superseded = %+v, want [%+v]", got, want)
	}
	if got := srv.Ref(configRepo, branch); got != tip {
		t.Errorf("the branch moved from %s to %s", tip, got)
	}
	want := chartFiles("6.7.0")
	for _, p := range []string{"environments/staging/flux/helmrelease.yaml", "environments/staging/flux/helmchart.yaml"} {
		if got := fileAt(t, srv, branch, p); got != want[p] {
			t.Errorf("%s on the branch:\n%s\nwant:\n%s", p, got, want[p])
		}
	}
}

// TestLateChartBuildBesideANewImage: a run that moves an image and asks
// for an older chart than the pull request proposes commits the image
// anew and keeps the chart at the pull request's version in that commit.
func TestLateChartBuildBesideANewImage(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{Files: chartFiles("6.5.0")})
	const branch = "gitops-actions/bump/staging/ghcr.io-acme-app+chart-podinfo"
	in := map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0", "charts": "podinfo@6.7.0"}
	runAction(t, srv, in).WantCode(t, 0)
	in["images"], in["charts"] = "ghcr.io/acme/app:v2.2.0", "podinfo@6.6.0"
	r := runAction(t, srv, in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "updated", "branch": branch})
	if got := superseded(t, r); len(got) != 1 || got[0].Chart != "podinfo" || got[0].Version != "podinfo@6.7.0" {
		t.Errorf("superseded = %+v", got)
	}
	if got, want := fileAt(t, srv, branch, "environments/staging/app.yaml"), deployment("app", "ghcr.io/acme/app:v2.2.0"); got != want {
		t.Errorf("app.yaml on the branch:\n%s\nwant:\n%s", got, want)
	}
	want := chartFiles("6.7.0")
	for _, p := range chartPaths {
		if got := fileAt(t, srv, branch, p); got != want[p] {
			t.Errorf("%s on the branch:\n%s\nwant:\n%s", p, got, want[p])
		}
	}
	if prs := openPulls(srv); len(prs) != 1 || prs[0].Title != "chore(staging): bump ghcr.io/acme/app to v2.2.0, chart podinfo to 6.7.0" {
		t.Errorf("open pull requests %+v", prs)
	}
}
