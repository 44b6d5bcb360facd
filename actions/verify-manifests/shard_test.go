package verifymanifests

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
	"github.com/gitops-actions/gitops-actions/internal/render"
	"github.com/gitops-actions/gitops-actions/internal/verify"
)

// matrixFiles is a config repository of apps applications, each a base
// and an overlay per environment, at one image version; every overlay
// also renders a shared file with a finding (one finding naming every
// environment, whichever shares render them), and one application's
// image is :latest (an error).
func matrixFiles(apps int, version string) map[string]string {
	m := map[string]string{
		"README.md":                 "# config\n",
		"shared/kustomization.yaml": "resources:\n  - limits.yaml\n",
		"shared/limits.yaml":        "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: defaults\nspec:\n  limits:\n    - type: Container\n      defaultt: {cpu: 100m}\n",
		"plain/namespaces.yaml":     "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: tools\n",
	}
	for a := 0; a < apps; a++ {
		app := fmt.Sprintf("app%02d", a)
		image := "ghcr.io/acme/" + app + ":" + version
		if a == 3 {
			image = "ghcr.io/acme/" + app + ":latest"
		}
		m["apps/"+app+"/base/kustomization.yaml"] = "resources:\n  - deploy.yaml\n"
		m["apps/"+app+"/base/deploy.yaml"] = strings.Replace(deployment(app, image), "namespace: web\n", "", 1)
		for _, env := range []string{"staging", "production"} {
			m["environments/"+env+"/"+app+"/kustomization.yaml"] = "namespace: " + env + "-" + app + "\nresources:\n  - ../../../apps/" + app + "/base\n  - ../../../shared\n"
		}
	}
	return m
}

// matrix is a run of shard jobs and a merge job on a pull request of the
// fake GitHub.
type matrix struct {
	*diffFixture
	sha string
}

func newMatrix(t *testing.T, apps int) *matrix {
	t.Helper()
	f := newDiffFixtureOf(t, githubtest.RepoOptions{}, matrixFiles(apps, "v1.0.0"), matrixFiles(apps, "v1.1.0"))
	return &matrix{diffFixture: f, sha: "0123456789abcdef0123456789abcdef01234567"}
}

// job runs verify-manifests in Actions with these inputs only, on commit
// sha.
func (m *matrix) job(sha string, inputs map[string]string) clitest.ActionResult {
	m.t.Helper()
	environ := map[string]string{
		"GITHUB_EVENT_NAME": "pull_request",
		"GITHUB_EVENT_PATH": m.event,
		"GITHUB_REPOSITORY": "acme/config",
		"GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_RUN_ID":     "42",
		"GITHUB_SHA":        sha,
	}
	return clitest.RunAction(m.t, NewCommand(Deps{Retry: fastRetry}), m.dir, environ, inputs)
}

// common are the inputs every job of the matrix gives.
func (m *matrix) common(extra map[string]string) map[string]string {
	in := map[string]string{"token": testToken, "github-api-url": m.srv.APIURL, "format": "json"}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

// shards runs the n shard jobs and moves their results into dir.
func (m *matrix) shards(n int, sha, dir string) []clitest.ActionResult {
	m.t.Helper()
	var out []clitest.ActionResult
	for i := 1; i <= n; i++ {
		res := m.job(sha, m.common(map[string]string{"shard": fmt.Sprintf("%d/%d", i, n), "diff-base": m.baseSHA, "fail-on": "never",
			"output-file": fmt.Sprintf("report-%d.json", i)}))
		res.WantCode(m.t, cli.ExitOK)
		file := res.Outputs["result-file"]
		if want := fmt.Sprintf("verify-manifests-shard-%d-of-%d.json", i, n); file != want {
			m.t.Fatalf("shard %d/%d: result-file output %q, want %q", i, n, file, want)
		}
		// Each job of a matrix has a checkout of its own: what a shard
		// wrote is moved out of the tree the next one verifies.
		m.move(file, filepath.Join(dir, file))
		m.move(fmt.Sprintf("report-%d.json", i), filepath.Join(".reports", dir, fmt.Sprintf("report-%d.json", i)))
		out = append(out, res)
	}
	return out
}

// move moves a file of the working tree into a hidden directory, which
// verify skips.
func (m *matrix) move(from, to string) {
	m.t.Helper()
	to = filepath.Join(m.dir, ".moved", to)
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		m.t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(m.dir, from), to); err != nil {
		m.t.Fatal(err)
	}
}

// read returns a file of the working tree.
func (m *matrix) read(name string) string {
	m.t.Helper()
	b, err := os.ReadFile(filepath.Join(m.dir, name))
	if err != nil {
		m.t.Fatal(err)
	}
	return string(b)
}

// TestMatrixMergesToOneJob: four shard jobs and a merge job report what
// one job over the whole repository reports: the same JSON report, the
// same outputs and exit code, and the same one pull-request comment,
// which only the merge job makes.
func TestMatrixMergesToOneJob(t *testing.T) {
	const apps = 8
	// One job over the whole repository, on a pull request of its own.
	single := newMatrix(t, apps)
	whole := single.job(single.sha, single.common(map[string]string{"diff-base": single.baseSHA, "output-file": "report.json"}))
	whole.WantCode(t, cli.ExitFailed)
	wholeComments := single.ours(".")
	if len(wholeComments) != 1 {
		t.Fatalf("the single job left %d comments, want 1", len(wholeComments))
	}

	m := newMatrix(t, apps)
	m.srv.ResetCalls()
	shards := m.shards(4, m.sha, "results")
	// The merge job downloads the shards' artifacts into a directory.
	if n := m.srv.Calls(githubtest.RouteCreateComment) + m.srv.Calls(githubtest.RouteUpdateComment); n != 0 || len(m.ours(".")) != 0 {
		t.Errorf("the shard jobs commented (%d calls): only the merge job comments", n)
	}
	for i, s := range shards {
		want := fmt.Sprintf("Shard %d of 4: this job checked ", i+1)
		if !strings.Contains(s.Summary, want) {
			t.Errorf("shard %d's summary does not say which share it checked (%q):\n%s", i+1, want, s.Summary)
		}
		var rep struct{ Shard struct{ Index, Total int } }
		if err := json.Unmarshal([]byte(m.read(fmt.Sprintf(".moved/.reports/results/report-%d.json", i+1))), &rep); err != nil || rep.Shard.Index != i+1 || rep.Shard.Total != 4 {
			t.Errorf("shard %d's JSON report names shard %+v (%v)", i+1, rep.Shard, err)
		}
	}
	merged := m.job(m.sha, m.common(map[string]string{"merge-results": ".moved/results", "output-file": "report.json"}))
	if merged.Code != whole.Code {
		t.Errorf("the merge exits %d, the single job %d\nstderr:\n%s", merged.Code, whole.Code, merged.Stderr)
	}
	if got, want := m.read("report.json"), single.read("report.json"); got != want {
		t.Errorf("the merged report differs from the single job's:\n%s\nwant:\n%s", got, want)
	}
	for _, k := range []string{"errors", "warnings", "resources", "files", "diff-added", "diff-removed", "diff-changed"} {
		if merged.Outputs[k] != whole.Outputs[k] {
			t.Errorf("output %s: merged %q, single job %q", k, merged.Outputs[k], whole.Outputs[k])
		}
	}
	if n := m.srv.Calls(githubtest.RouteCreateComment); n != 1 {
		t.Errorf("the merge posted %d comments, want 1", n)
	}
	comments := m.ours(".")
	if len(comments) != 1 {
		t.Fatalf("%d comments with our marker after the merge, want 1", len(comments))
	}
	// The two pull requests' bases are commits of their own.
	got, want := strings.ReplaceAll(comments[0], m.baseSHA, "BASE"), strings.ReplaceAll(wholeComments[0], single.baseSHA, "BASE")
	if got != want {
		t.Errorf("the merge's comment differs from the single job's:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(merged.Summary, "Merged from 4 shards of commit 0123456789ab") || !strings.Contains(merged.Summary, "### Rendered changes") {
		t.Errorf("the merge's summary does not say what it merged, or lacks the diff:\n%s", merged.Summary)
	}
	if !strings.Contains(m.read("report.json"), "(in 16 environments: ") {
		t.Errorf("the shared file's finding does not name every environment of every share:\n%s", m.read("report.json"))
	}
	// A second merge (a re-run) leaves the one comment as it is.
	m.srv.ResetCalls()
	m.job(m.sha, m.common(map[string]string{"merge-results": ".moved/results"}))
	if n := m.srv.Calls(githubtest.RouteCreateComment); n != 0 || len(m.ours(".")) != 1 {
		t.Errorf("a re-run of the merge posted %d more comments", n)
	}
	diffRun{ActionResult: merged, tokenGiven: true}.checkSecrets(t)
	for i, s := range shards {
		diffRun{ActionResult: s, tokenGiven: true}.checkSecrets(t)
		if strings.Contains(m.read(fmt.Sprintf(".moved/results/verify-manifests-shard-%d-of-4.json", i+1)), testToken) {
			t.Errorf("the token is in the result of shard %d", i+1)
		}
	}
}

// TestMergeRefusesWhatIsNotOneRun: a missing shard, one there twice, one
// of another commit, of another number of shards or of another tree or
// settings, a file that is no result: each fails the merge naming it,
// with no report, no outputs and no comment.
func TestMergeRefusesWhatIsNotOneRun(t *testing.T) {
	m := newMatrix(t, 4)
	m.shards(3, m.sha, "three")
	m.shards(4, m.sha, "four")
	m.shards(4, "fedcba9876543210fedcba9876543210fedcba98", "other-commit")
	four := func(i int) string { return m.read(fmt.Sprintf(".moved/four/verify-manifests-shard-%d-of-4.json", i)) }
	otherPlan := strings.Replace(four(2), `"plan":"sha256:`, `"plan":"sha256:0`, 1)
	if otherPlan == four(2) {
		t.Fatal("no plan in the result of shard 2")
	}
	tests := []struct {
		name     string
		files    map[string]string
		wantCode int
		want     []string
	}{
		{name: "a shard missing", files: map[string]string{"1.json": four(1), "2.json": four(2), "4.json": four(4)},
			wantCode: cli.ExitFailed, want: []string{"shard 3 of 4 is missing", "found 1, 2 and 4"}},
		{name: "two shards missing", files: map[string]string{"1.json": four(1), "4.json": four(4)},
			wantCode: cli.ExitFailed, want: []string{"shards 2 and 3 of 4 are missing"}},
		{name: "a shard twice", files: map[string]string{"1.json": four(1), "2.json": four(2), "2-again.json": four(2), "3.json": four(3), "4.json": four(4)},
			wantCode: cli.ExitFailed, want: []string{"shard 2 of 4 is there 2 times", "2-again.json"}},
		{name: "a shard of another commit", files: map[string]string{"1.json": four(1), "2.json": m.read(".moved/other-commit/verify-manifests-shard-2-of-4.json"), "3.json": four(3), "4.json": four(4)},
			wantCode: cli.ExitFailed, want: []string{`2.json" is shard 2 of 4 of commit fedcba987654`, `checked commit "fedcba987654", not "0123456789ab"`, "shard 2 of 4 is missing"}},
		{name: "a shard of a run of 3", files: map[string]string{"1.json": four(1), "2.json": four(2), "3.json": m.read(".moved/three/verify-manifests-shard-3-of-3.json"), "4.json": four(4)},
			wantCode: cli.ExitFailed, want: []string{"is one of 3 shards, not 4", "shard 3 of 4 is missing"}},
		{name: "a shard of another tree or settings", files: map[string]string{"1.json": four(1), "2.json": otherPlan, "3.json": four(3), "4.json": four(4)},
			wantCode: cli.ExitFailed, want: []string{"partitioned another tree or ran with other settings"}},
		{name: "a file that is no result", files: map[string]string{"1.json": four(1), "2.json": four(2), "3.json": four(3), "4.json": four(4), "junit.json": `{"tests": 3}`},
			wantCode: cli.ExitUsage, want: []string{`junit.json": not a verify-manifests shard result`}},
		{name: "nothing", files: map[string]string{"README.txt": "no results"},
			wantCode: cli.ExitFailed, want: []string{"holds no shard result"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := fmt.Sprintf("case%d", i)
			for name, data := range tc.files {
				clitest.Write(t, filepath.Join(m.dir, dir), map[string]string{name: data})
			}
			m.srv.ResetCalls()
			got := m.job(m.sha, m.common(map[string]string{"merge-results": dir, "output-file": dir + "/report.json"}))
			got.WantCode(t, tc.wantCode)
			for _, w := range tc.want {
				if !strings.Contains(got.Stdout+got.Stderr, w) {
					t.Errorf("the error does not say %q:\n%s%s", w, got.Stdout, got.Stderr)
				}
			}
			if _, err := os.Stat(filepath.Join(m.dir, dir, "report.json")); err == nil {
				t.Error("a report was written for an incomplete run")
			}
			if got.Outputs["errors"] != "" || got.Summary != "" {
				t.Errorf("outputs %v or a summary for an incomplete run:\n%s", got.Outputs, got.Summary)
			}
			if n := m.srv.Calls(githubtest.RouteCreateComment) + m.srv.Calls(githubtest.RouteUpdateComment); n != 0 {
				t.Errorf("%d comment calls for an incomplete run", n)
			}
		})
	}
}

// TestShardInputs: what the shard inputs refuse, before any work.
func TestShardInputs(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{"a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n", "results/x.txt": "x"})
	tests := []struct {
		name   string
		inputs map[string]string
		want   string
	}{
		{name: "not I/N", inputs: map[string]string{"shard": "2"}, want: `input "shard": "2" is not I/N`},
		{name: "share over N", inputs: map[string]string{"shard": "5/4"}, want: "the share must be between 1 and 4"},
		{name: "shard and merge", inputs: map[string]string{"shard": "1/2", "merge-results": "results"}, want: `"shard" and "merge-results" are both set`},
		{name: "result-file without shard", inputs: map[string]string{"result-file": "r.json"}, want: `"result-file" is set without shard`},
		{name: "merge with a base", inputs: map[string]string{"merge-results": "results", "diff-base-path": "results"}, want: "the shard jobs compare with the base"},
		{name: "merge of no directory", inputs: map[string]string{"merge-results": "a.yaml"}, want: `"a.yaml" is not a directory`},
		{name: "result-file out of the tree", inputs: map[string]string{"shard": "1/2", "result-file": "../r.json"}, want: "result-file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := clitest.RunAction(t, Command, dir, nil, tc.inputs)
			got.WantCode(t, cli.ExitUsage)
			if !strings.Contains(got.Stdout+got.Stderr, tc.want) {
				t.Errorf("the error does not say %q:\n%s%s", tc.want, got.Stdout, got.Stderr)
			}
		})
	}
}

// TestShareLine: the summary of a shard says what it checked, and warns
// when one group of units checked together is more than an even share.
func TestShareLine(t *testing.T) {
	tests := []struct {
		name    string
		share   render.ShareStats
		want    []string
		wantNot string
	}{
		{name: "balanced", share: render.ShareStats{Parts: map[render.Kind]int{render.Kustomization: 1500, render.Directory: 1}, Cost: 250, TotalCost: 1000, Largest: "environments/dev/app1", LargestCost: 3},
			want: []string{"Shard 2 of 4: this job checked 1500 kustomizations and 1 directory of plain manifests, about 25% of the repository's work"}, wantNot: "more shards"},
		{name: "one group over an even share", share: render.ShareStats{Parts: map[render.Kind]int{render.Kustomization: 2}, Cost: 700, TotalCost: 1000, Largest: "environments/production", LargestCost: 700},
			want: []string{"about 70% of the repository's work", "with environments/production, is about 70% of the work", "more shards cannot make this job shorter"}},
		{name: "nothing", share: render.ShareStats{Parts: map[render.Kind]int{}, TotalCost: 10},
			want: []string{"this job checked no unit, about 0%"}, wantNot: "more shards"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.share
			got := shareLine(&verify.Result{Shard: render.Shard{Index: 2, Total: 4}, Share: &st})
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q does not say %q", got, w)
				}
			}
			if tc.wantNot != "" && strings.Contains(got, tc.wantNot) {
				t.Errorf("%q says %q", got, tc.wantNot)
			}
		})
	}
	if got := shareLine(&verify.Result{}); got != "" {
		t.Errorf("a run over the whole repository says %q", got)
	}
}

// TestShardSARIFCategory: a shard job's SARIF names its share as its
// code scanning category, which upload-sarif keeps; a whole run's names
// none.
func TestShardSARIFCategory(t *testing.T) {
	dir := clitest.WriteTree(t, matrixFiles(2, "v1.0.0"))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{args: []string{"--shard", "2/4", "--result-file", ".results/r.json"}, want: "verify-manifests/shard-2-of-4/"},
		{args: nil, want: ""},
	} {
		clitest.Write(t, dir, map[string]string{".results/keep": ""})
		got := clitest.Run(t, Command, dir, nil, append([]string{"--format", "sarif", "--fail-on", "never"}, tc.args...)...)
		if got.Code != cli.ExitOK {
			t.Fatalf("%v: exit code %d; stderr:\n%s", tc.args, got.Code, got.Stderr)
		}
		var log struct {
			Runs []struct {
				AutomationDetails *struct{ ID string } `json:"automationDetails"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(got.Stdout), &log); err != nil || len(log.Runs) != 1 {
			t.Fatalf("%v: not a SARIF log of one run (%v):\n%s", tc.args, err, got.Stdout)
		}
		id := ""
		if d := log.Runs[0].AutomationDetails; d != nil {
			id = d.ID
		}
		if id != tc.want {
			t.Errorf("%v: automationDetails.id %q, want %q", tc.args, id, tc.want)
		}
	}
}
