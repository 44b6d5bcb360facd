package bumpimage_test

import (
	"fmt"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	bumpimage "github.com/gitops-actions/gitops-actions/actions/bump-image"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
	"github.com/gitops-actions/gitops-actions/internal/mdtext/mdtexttest"
)

// testToken is the token the fake accepts; no test output may contain it.
const testToken = "ghp_remoteTestToken0123456789abcdefABCDEF"

const configRepo = "acme/config"

// fastRetry keeps every wait in milliseconds; Max is high enough that the
// fault tests practically never exhaust it. There a write fails one try in
// two (30% answered 5xx, and 30% of the rest applied but never answered),
// so 11 tries left a request failing 6 times in 10,000, and a test of ten
// racing runs, a hundred requests, failed about once in twenty; 31 tries
// make that 1 in 10^9 per request.
var fastRetry = forge.Retry{Max: 30, WaitMin: time.Millisecond, WaitMax: 4 * time.Millisecond, SecondaryWait: time.Millisecond, MaxWait: 10 * time.Millisecond}

func deployment(name, image string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
spec:
  template:
    spec:
      containers:
        - name: %s
          image: %s # keep this comment
`, name, name, image)
}

// newForge starts the fake with the config repo: staging and production
// overlays of ghcr.io/acme/app at v2.0.0.
func newForge(t *testing.T, opts githubtest.Options, ro githubtest.RepoOptions) *githubtest.Server {
	t.Helper()
	if opts.Token == "" && opts.App == nil {
		opts.Token = testToken
	}
	srv := githubtest.NewServer(t, opts)
	if ro.Files == nil {
		ro.Files = map[string]string{
			"README.md":                           "# config\n",
			"environments/staging/app.yaml":       deployment("app", "ghcr.io/acme/app:v2.0.0"),
			"environments/staging/worker.yaml":    deployment("worker", "ghcr.io/acme/worker:1.0.0"),
			"environments/production/app.yaml":    deployment("app", "ghcr.io/acme/app:v1.9.0"),
			"environments/production/worker.yaml": deployment("worker", "ghcr.io/acme/worker:1.0.0"),
		}
	}
	srv.CreateRepo(configRepo, ro)
	return srv
}

// result is what one run of the command left behind.
type result = clitest.ActionResult

// runAction runs bump-image as the runner would: GITHUB_ACTIONS=true, the
// inputs as INPUT_* variables, outputs and summary in files.
func runAction(t *testing.T, srv *githubtest.Server, inputs map[string]string) result {
	t.Helper()
	return runActionDeps(t, srv, inputs, bumpimage.Deps{Deps: cli.Deps{Retry: fastRetry}})
}

func runActionDeps(t *testing.T, srv *githubtest.Server, inputs map[string]string, deps bumpimage.Deps) result {
	t.Helper()
	env := map[string]string{
		"GITHUB_REPOSITORY": "acme/app",
		"GITHUB_SHA":        "0123456789abcdef0123456789abcdef01234567",
		"GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_RUN_ID":     "4242",
		"GITHUB_ACTOR":      "octocat",
		"GITHUB_API_URL":    srv.APIURL,
	}
	in := map[string]string{"repository": configRepo, "token": testToken}
	for k, v := range inputs {
		in[k] = v
	}
	r := clitest.RunAction(t, bumpimage.NewCommand(deps), t.TempDir(), env, in)
	checkNoToken(t, r, in["token"] != "")
	return r
}

// checkNoToken fails when the token appears anywhere but in the one line
// that asks the runner to mask it, which must come first.
func checkNoToken(t *testing.T, r result, given bool) {
	t.Helper()
	clitest.CheckNotPrinted(t, testToken, given && r.Code >= 0, r.Stdout, map[string]string{"stderr": r.Stderr, "$GITHUB_OUTPUT": r.RawOut, "$GITHUB_STEP_SUMMARY": r.Summary})
}

func fileAt(t *testing.T, srv *githubtest.Server, ref, path string) string {
	t.Helper()
	s, err := srv.File(configRepo, ref, path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openPulls(srv *githubtest.Server) []githubtest.PR {
	var out []githubtest.PR
	for _, p := range srv.PullRequests(configRepo) {
		if p.State == "open" {
			out = append(out, p)
		}
	}
	return out
}

const stagingBranch = "gitops-actions/bump/staging/ghcr.io-acme-app"

// TestPullRequestLifecycle walks one branch through every operation: a new
// pull request, the same bump again, a newer tag, a person's commit, and a
// bump the base already holds.
func TestPullRequestLifecycle(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{})
	base := srv.Ref(configRepo, "main")
	stagingApp := "environments/staging/app.yaml"

	// A new pull request.
	r := runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{
		"pull-request-operation": "created", "pull-request-number": "1", "branch": stagingBranch,
		"changed": "true", "files": stagingApp, "commit-verified": "true",
	})
	if got, want := r.Outputs["commit-sha"], srv.Ref(configRepo, stagingBranch); got != want || got == "" {
		t.Errorf("commit-sha = %q, branch at %q", got, want)
	}
	if got, want := fileAt(t, srv, stagingBranch, stagingApp), deployment("app", "ghcr.io/acme/app:v2.1.0"); got != want {
		t.Errorf("%s on the branch:\n%s\nwant:\n%s", stagingApp, got, want)
	}
	if got := srv.Ref(configRepo, "main"); got != base {
		t.Errorf("main moved from %s to %s in pull-request mode", base, got)
	}
	prs := openPulls(srv)
	if len(prs) != 1 {
		t.Fatalf("%d open pull requests, want 1: %+v", len(prs), prs)
	}
	pr := prs[0]
	if got, want := pr.Title, "chore(staging): bump ghcr.io/acme/app to v2.1.0"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	for _, want := range []string{"| `environments/staging` | `ghcr.io/acme/app` | `v2.0.0` | `v2.1.0` | `environments/staging/app.yaml:10` |", "https://github.com/acme/app/actions/runs/4242", "Built from [`acme/app@0123456`](https://github.com/acme/app/commit/0123456789abcdef0123456789abcdef01234567)."} {
		if !strings.Contains(pr.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, pr.Body)
		}
	}
	msg := gitLog(t, srv, stagingBranch, "-1", "--format=%B")
	for _, want := range []string{"chore(staging): bump ghcr.io/acme/app to v2.1.0\n", "Source-Repository: acme/app\n", "Source-Commit: 0123456789abcdef0123456789abcdef01234567\n", "Workflow-Run: https://github.com/acme/app/actions/runs/4242\n", "Bumped-By: gitops-actions"} {
		if !strings.Contains(msg, want) {
			t.Errorf("commit message lacks %q:\n%s", want, msg)
		}
	}
	if parent := strings.TrimSpace(gitLog(t, srv, stagingBranch, "-1", "--format=%P")); parent != base {
		t.Errorf("commit's parent %s, want the base %s", parent, base)
	}

	// The same bump again: nothing written.
	tip := srv.Ref(configRepo, stagingBranch)
	srv.ResetCalls()
	r = runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "unchanged", "pull-request-number": "1", "commit-sha": tip, "changed": "true"})
	if got := srv.Ref(configRepo, stagingBranch); got != tip {
		t.Errorf("branch moved to %s on an unchanged bump", got)
	}
	for route, n := range srv.Writes() {
		t.Errorf("unchanged bump wrote: %s ×%d", route, n)
	}

	// Unrelated work lands on the base: the pull request is still the same change.
	srv.PushCommit(configRepo, "main", map[string]string{"README.md": "# config repo\n"}, "Edit the README", githubtest.Identity{Login: "alice", Name: "Alice", Email: "alice@example.com"})
	r = runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "unchanged"})

	// A newer tag: the same pull request, a new commit on the new base.
	base = srv.Ref(configRepo, "main")
	r = runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.2.0"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "updated", "pull-request-number": "1", "branch": stagingBranch})
	if got, want := fileAt(t, srv, stagingBranch, stagingApp), deployment("app", "ghcr.io/acme/app:v2.2.0"); got != want {
		t.Errorf("%s on the branch after update:\n%s", stagingApp, got)
	}
	if got := strings.TrimSpace(gitLog(t, srv, stagingBranch, "--format=%H", "^"+base)); got != srv.Ref(configRepo, stagingBranch) {
		t.Errorf("branch holds more than one commit on top of the base: %q", got)
	}
	prs = openPulls(srv)
	if len(prs) != 1 || prs[0].Title != "chore(staging): bump ghcr.io/acme/app to v2.2.0" {
		t.Errorf("after update: %+v", prs)
	}

	// A person pushes to the branch, setting the line the bump edits: the
	// next bump would rewrite it, so the tool refuses and leaves it alone.
	human := srv.PushCommit(configRepo, stagingBranch, map[string]string{"environments/staging/app.yaml": deployment("app", "ghcr.io/acme/app:v2.2.0-hotfix")}, "Use the hotfix build", githubtest.Identity{Login: "alice", Name: "Alice", Email: "alice@example.com"})
	srv.ResetCalls()
	r = runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.3.0"})
	r.WantCode(t, cli.ExitFailed)
	if !strings.Contains(r.Stdout+r.Stderr, "did not make") || !strings.Contains(r.Stdout+r.Stderr, short(human)) {
		t.Errorf("the error does not name the person's commit:\n%s%s", r.Stdout, r.Stderr)
	}
	if got := srv.Ref(configRepo, stagingBranch); got != human {
		t.Errorf("branch moved from the person's commit %s to %s", human, got)
	}
	for route, n := range srv.Writes() {
		t.Errorf("refused bump wrote: %s ×%d", route, n)
	}
	if prs := srv.PullRequests(configRepo); len(prs) != 1 || prs[0].Title != "chore(staging): bump ghcr.io/acme/app to v2.2.0" {
		t.Errorf("the pull request changed after the refusal: %+v", prs)
	}
}

func short(sha string) string { return sha[:7] }

// TestNothingToBump covers a bump the base already holds: no pull request,
// and an obsolete one of the tool's is closed with a comment.
func TestNothingToBump(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{})
	r := runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.0.0"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "none", "changed": "false", "files": "", "pull-request-number": ""})
	if prs := srv.PullRequests(configRepo); len(prs) != 0 {
		t.Errorf("pull requests opened for a no-op bump: %+v", prs)
	}
	if srv.Ref(configRepo, stagingBranch) != "" {
		t.Errorf("branch created for a no-op bump")
	}

	// Open a pull request, then land the same change on the base by hand.
	r = runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0"})
	r.WantCode(t, 0)
	srv.PushCommit(configRepo, "main", map[string]string{"environments/staging/app.yaml": deployment("app", "ghcr.io/acme/app:v2.1.0")}, "Bump by hand", githubtest.Identity{Login: "alice", Name: "Alice", Email: "alice@example.com"})
	r = runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "closed", "pull-request-number": "1", "changed": "false"})
	prs := srv.PullRequests(configRepo)
	if len(prs) != 1 || prs[0].State != "closed" || len(prs[0].Comments) != 1 || !strings.Contains(prs[0].Comments[0], "already holds ghcr.io/acme/app to v2.1.0") {
		t.Errorf("pull requests after the change landed: %+v", prs)
	}
}

// gitLog runs git log in the fake's repository.
func gitLog(t *testing.T, srv *githubtest.Server, args ...string) string {
	t.Helper()
	return git(t, srv.GitDir(configRepo), append([]string{"log"}, args...)...)
}

// git runs git on the fake's bare repository dir.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"--git-dir", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestTransientFailures runs the pull request's life with 30% of requests
// failing (5xx, 429, secondary rate limits) and some writes losing their
// answer after GitHub applied them: each run must still leave exactly one
// pull request holding exactly one commit.
func TestTransientFailures(t *testing.T) {
	baseline := 0 // requests of the same runs without faults
	for seed := int64(0); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{})
			if seed > 0 {
				srv.SetFaults(githubtest.Faults{Transient: 0.2, RateLimit: 0.05, SecondaryRateLimit: 0.05, ResetAfterWrite: 0.2, Seed: seed})
			}
			base := srv.Ref(configRepo, "main")
			for i, step := range []struct{ image, op string }{
				{"ghcr.io/acme/app:v2.1.0", "created"},
				{"ghcr.io/acme/app:v2.1.0", "unchanged"},
				{"ghcr.io/acme/app:v2.2.0", "updated"},
				{"ghcr.io/acme/app:v2.2.0", "unchanged"},
			} {
				// No labels here: githubtest lists a pull request with a
				// label as "description": null, which its own OpenAPI check
				// then rejects (TestOptionsOfThePullRequest covers labels).
				r := runAction(t, srv, map[string]string{"path": "environments/staging", "images": step.image, "assignees": "bob", "auto-merge": "squash"})
				r.WantCode(t, 0)
				r.WantOutputs(t, map[string]string{"pull-request-operation": step.op, "pull-request-number": "1"})
				prs := srv.PullRequests(configRepo)
				if len(prs) != 1 || prs[0].State != "open" {
					t.Fatalf("step %d: pull requests %+v, want exactly one open", i, prs)
				}
				commits := strings.Fields(gitLog(t, srv, stagingBranch, "--format=%H", "^"+base))
				if len(commits) != 1 || commits[0] != prs[0].HeadSHA {
					t.Fatalf("step %d: branch holds %v on top of the base, want one commit", i, commits)
				}
				if got, want := fileAt(t, srv, stagingBranch, "environments/staging/app.yaml"), deployment("app", step.image); got != want {
					t.Errorf("step %d: file on the branch:\n%s", i, got)
				}
				if got := prs[0].Assignees; len(got) != 1 || got[0] != "bob" {
					t.Errorf("step %d: assignees %v", i, got)
				}
			}
			n := srv.TotalCalls()
			if seed == 0 {
				baseline = n
				return
			}
			t.Logf("%d requests, %d without faults", n, baseline)
			if n <= baseline {
				t.Errorf("%d requests with faults, %d without: no faults were injected", n, baseline)
			}
		})
	}
}

// TestConcurrentPush starts twenty runs of mode push at once, each bumping
// its own image on the base branch: all twenty must land, also when
// requests fail and writes lose their answers.
func TestConcurrentPush(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults githubtest.Faults
	}{
		{name: "no faults"},
		{name: "faults", faults: githubtest.Faults{Transient: 0.1, SecondaryRateLimit: 0.05, ResetAfterWrite: 0.1, Seed: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) { concurrentPush(t, tc.faults) })
	}
}

func concurrentPush(t *testing.T, faults githubtest.Faults) {
	const n = 20
	files := map[string]string{"README.md": "# config\n"}
	for i := 0; i < n; i++ {
		files[fmt.Sprintf("environments/production/svc-%02d.yaml", i)] = deployment(fmt.Sprintf("svc-%02d", i), fmt.Sprintf("ghcr.io/acme/svc-%02d:1.0.0", i))
	}
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{Files: files})
	base := srv.Ref(configRepo, "main")
	srv.SetFaults(faults)
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runAction(t, srv, map[string]string{"mode": "push", "path": "environments/production", "images": fmt.Sprintf("ghcr.io/acme/svc-%02d:2.0.0", i)})
		}()
	}
	wg.Wait()
	srv.SetFaults(githubtest.Faults{})
	var shas []string
	for i, r := range results {
		if r.Code != 0 {
			t.Errorf("run %d: exit %d\n%s%s", i, r.Code, r.Stdout, r.Stderr)
			continue
		}
		if r.Outputs["branch"] != "main" || r.Outputs["changed"] != "true" || r.Outputs["commit-sha"] == "" {
			t.Errorf("run %d: outputs %v", i, r.Outputs)
		}
		shas = append(shas, r.Outputs["commit-sha"])
	}
	onMain := strings.Fields(gitLog(t, srv, "main", "--format=%H", "^"+base))
	if len(onMain) != n {
		t.Errorf("%d commits on main, want %d", len(onMain), n)
	}
	sort.Strings(shas)
	sort.Strings(onMain)
	if strings.Join(shas, " ") != strings.Join(onMain, " ") {
		t.Errorf("commit-sha outputs %v, commits on main %v", shas, onMain)
	}
	for i := 0; i < n; i++ {
		p := fmt.Sprintf("environments/production/svc-%02d.yaml", i)
		if got, want := fileAt(t, srv, "main", p), deployment(fmt.Sprintf("svc-%02d", i), fmt.Sprintf("ghcr.io/acme/svc-%02d:2.0.0", i)); got != want {
			t.Errorf("%s on main:\n%s", p, got)
		}
	}
	if out := git(t, srv.GitDir(configRepo), "fsck", "--no-dangling", "--strict"); strings.TrimSpace(out) != "" {
		t.Errorf("git fsck:\n%s", out)
	}
	if prs := srv.PullRequests(configRepo); len(prs) != 0 {
		t.Errorf("mode push opened pull requests: %+v", prs)
	}
}

// TestAPIBudget counts the requests of each operation on a pull request
// touching 1 file and on one touching 200: the same, and at most 11.
func TestAPIBudget(t *testing.T) {
	steps := []struct{ image, op string }{
		{"ghcr.io/acme/app:v2.1.0", "created"},
		{"ghcr.io/acme/app:v2.1.0", "unchanged"},
		{"ghcr.io/acme/app:v2.2.0", "updated"},
	}
	counts := map[string]map[int]int{}
	for _, nfiles := range []int{1, 200} {
		files := map[string]string{"README.md": "# config\n"}
		for i := 0; i < nfiles; i++ {
			files[fmt.Sprintf("environments/staging/app-%03d.yaml", i)] = deployment(fmt.Sprintf("app-%03d", i), "ghcr.io/acme/app:v2.0.0")
		}
		srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{Files: files})
		for _, step := range steps {
			srv.ResetCalls()
			r := runAction(t, srv, map[string]string{"path": "environments/staging", "images": step.image})
			r.WantCode(t, 0)
			r.WantOutputs(t, map[string]string{"pull-request-operation": step.op})
			if got := len(strings.Split(r.Outputs["files"], "\n")); got != nfiles {
				t.Errorf("%d files changed, want %d", got, nfiles)
			}
			if counts[step.op] == nil {
				counts[step.op] = map[int]int{}
			}
			counts[step.op][nfiles] = srv.TotalCalls()
			t.Logf("%s, %d file(s): %d requests\n%s", step.op, nfiles, srv.TotalCalls(), srv.CallTable())
		}
	}
	for _, step := range steps {
		if c := counts[step.op]; c[1] != c[200] || c[1] > 11 {
			t.Errorf("%s: %d requests for 1 file, %d for 200; want the same, at most 11", step.op, c[1], c[200])
		}
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{})
	r := runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0", "dry-run": "true"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"changed": "true", "files": "environments/staging/app.yaml", "branch": stagingBranch})
	if !strings.Contains(r.Stdout, "-          image: ghcr.io/acme/app:v2.0.0 # keep this comment\n+          image: ghcr.io/acme/app:v2.1.0 # keep this comment\n") {
		t.Errorf("no diff on stdout:\n%s", r.Stdout)
	}
	for route, n := range srv.Writes() {
		t.Errorf("dry run wrote: %s ×%d", route, n)
	}
}

func TestOptionsOfThePullRequest(t *testing.T) {
	for _, tc := range []struct {
		name          string
		allow         bool
		wantAutoMerge string
		wantWarning   bool
	}{
		{name: "auto-merge allowed", allow: true, wantAutoMerge: "REBASE"},
		{name: "auto-merge not allowed", allow: false, wantWarning: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{AllowAutoMerge: tc.allow})
			r := runAction(t, srv, map[string]string{
				"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0", "auto-merge": "rebase", "draft": "true",
				"labels": "deps, staging", "reviewers": "alice", "team-reviewers": "platform", "assignees": "bob",
				"branch": "bump/{{.Scope}}", "title": "Bump {{range .Images}}{{.Name}} {{.Version}}{{end}}", "body": "{{len .Changes}} change(s) from {{.Source.Repository}}",
				"commit-message": "deploy: {{.Title}}",
			})
			r.WantCode(t, 0)
			r.WantOutputs(t, map[string]string{"pull-request-operation": "created", "branch": "bump/staging"})
			prs := srv.PullRequests(configRepo)
			if len(prs) != 1 {
				t.Fatalf("pull requests: %+v", prs)
			}
			p := prs[0]
			if p.Title != "Bump ghcr.io/acme/app v2.1.0" || p.Body != "1 change(s) from acme/app" || !p.Draft || p.Head != "bump/staging" {
				t.Errorf("pull request %+v", p)
			}
			if strings.Join(p.Labels, ",") != "deps,staging" || strings.Join(p.Reviewers, ",") != "alice" || strings.Join(p.TeamReviewers, ",") != "platform" || strings.Join(p.Assignees, ",") != "bob" {
				t.Errorf("labels %v reviewers %v teams %v assignees %v", p.Labels, p.Reviewers, p.TeamReviewers, p.Assignees)
			}
			if p.AutoMerge != tc.wantAutoMerge {
				t.Errorf("auto-merge %q, want %q", p.AutoMerge, tc.wantAutoMerge)
			}
			if got := strings.Contains(r.Stdout, "::warning::") && strings.Contains(r.Stdout, "auto-merge"); got != tc.wantWarning {
				t.Errorf("warning shown: %t, want %t\n%s", got, tc.wantWarning, r.Stdout)
			}
			msg := gitLog(t, srv, "bump/staging", "-1", "--format=%B")
			if !strings.HasPrefix(msg, "deploy: Bump ghcr.io/acme/app v2.1.0\n\n") || !strings.Contains(msg, "Bumped-By: gitops-actions") {
				t.Errorf("commit message:\n%s", msg)
			}
		})
	}
}

// TestFailures checks exit codes and messages, and that the token leaks
// nowhere when a run fails.
func TestFailures(t *testing.T) {
	tests := []struct {
		name     string
		server   string // token the fake accepts; empty: testToken
		inputs   map[string]string
		wantCode int
		wantMsg  string
		noCalls  bool
	}{
		{name: "bad credentials", server: "ghp_someoneElse", inputs: map[string]string{"images": "ghcr.io/acme/app:v2.1.0"}, wantCode: cli.ExitFailed, wantMsg: "401"},
		{name: "missing image", inputs: map[string]string{"images": "ghcr.io/acme/nope:v1"}, wantCode: cli.ExitFailed, wantMsg: `no reference to image "ghcr.io/acme/nope"`},
		{name: "missing repository", inputs: map[string]string{"images": "ghcr.io/acme/app:v2.1.0", "repository": "acme/nope"}, wantCode: cli.ExitFailed, wantMsg: "repository acme/nope not found"},
		{name: "missing base", inputs: map[string]string{"images": "ghcr.io/acme/app:v2.1.0", "base": "nope"}, wantCode: cli.ExitFailed, wantMsg: `branch "nope" of acme/config not found`},
		{name: "missing path", inputs: map[string]string{"images": "ghcr.io/acme/app:v2.1.0", "path": "environments/qa"}, wantCode: cli.ExitUsage, wantMsg: `"environments/qa" does not exist`},
		{name: "path outside", inputs: map[string]string{"images": "ghcr.io/acme/app:v2.1.0", "path": "../x"}, wantCode: cli.ExitUsage, wantMsg: "outside the repository", noCalls: true},
		{name: "title does not parse", inputs: map[string]string{"images": "ghcr.io/acme/app:v2.1.0", "title": "bump {{.Images"}, wantCode: cli.ExitUsage, wantMsg: `input "title" is not a valid Go template`, noCalls: true},
		{name: "body does not parse", inputs: map[string]string{"images": "ghcr.io/acme/app:v2.1.0", "body": "{{end}}"}, wantCode: cli.ExitUsage, wantMsg: `input "body" is not a valid Go template`, noCalls: true},
		{name: "branch template fails", inputs: map[string]string{"images": "ghcr.io/acme/app:v2.1.0", "branch": "{{.Nope}}"}, wantCode: cli.ExitUsage, wantMsg: `input "branch"`},
		{name: "branch invalid", inputs: map[string]string{"images": "ghcr.io/acme/app:v2.1.0", "branch": "a..b"}, wantCode: cli.ExitUsage, wantMsg: `"a..b" is not a valid branch name`},
		{name: "bad mode", inputs: map[string]string{"images": "ghcr.io/acme/app:v2.1.0", "mode": "force"}, wantCode: cli.ExitUsage, wantMsg: `input "mode"`, noCalls: true},
		{name: "bad auto-merge", inputs: map[string]string{"images": "ghcr.io/acme/app:v2.1.0", "auto-merge": "fast-forward"}, wantCode: cli.ExitUsage, wantMsg: `input "auto-merge"`, noCalls: true},
		{name: "token and app", inputs: map[string]string{"images": "ghcr.io/acme/app:v2.1.0", "app-id": "1", "app-private-key": "x"}, wantCode: cli.ExitUsage, wantMsg: "not both", noCalls: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newForge(t, githubtest.Options{Token: tc.server}, githubtest.RepoOptions{})
			r := runAction(t, srv, tc.inputs)
			r.WantCode(t, tc.wantCode)
			if !strings.Contains(r.Stdout, tc.wantMsg) {
				t.Errorf("output lacks %q:\n%s", tc.wantMsg, r.Stdout)
			}
			if tc.noCalls && srv.TotalCalls() != 0 {
				t.Errorf("%d requests before the input error", srv.TotalCalls())
			}
			if prs := srv.PullRequests(configRepo); len(prs) != 0 {
				t.Errorf("pull requests: %+v", prs)
			}
		})
	}
}

// TestGitHubAppAuth runs the action as a GitHub App: the installation token
// it mints is masked first and appears nowhere else, nor does the key.
func TestGitHubAppAuth(t *testing.T) {
	app, keyPEM := githubtest.NewApp(t, 1234, 99)
	srv := newForge(t, githubtest.Options{App: app}, githubtest.RepoOptions{})
	r := runAction(t, srv, map[string]string{"token": "", "app-id": "1234", "app-private-key": keyPEM, "path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "created", "commit-verified": "true"})
	if n := srv.Calls(githubtest.RouteCreateInstallToken); n != 1 {
		t.Errorf("%d installation tokens minted, want 1", n)
	}
	var token string
	for _, line := range strings.Split(r.Stdout, "\n") {
		if m, ok := strings.CutPrefix(line, "::add-mask::"); ok && !strings.Contains(m, "PRIVATE KEY") {
			token = m
		}
	}
	if token == "" {
		t.Fatalf("the installation token was not masked:\n%s", r.Stdout)
	}
	rest := strings.Replace(r.Stdout, "::add-mask::"+token+"\n", "", 1)
	// The key is masked whole, its line breaks escaped as %0A: drop that line.
	keyMask, rest, _ := strings.Cut(rest, "\n")
	if !strings.HasPrefix(keyMask, "::add-mask::-----BEGIN RSA PRIVATE KEY-----%0A") {
		t.Errorf("stdout does not start by masking the key: %.40q", keyMask)
	}
	for name, text := range map[string]string{"stdout": rest, "stderr": r.Stderr, "$GITHUB_OUTPUT": r.RawOut, "$GITHUB_STEP_SUMMARY": r.Summary} {
		if strings.Contains(text, token) {
			t.Errorf("the installation token appears in %s", name)
		}
		// Any line of the key's body would be a leak.
		for _, line := range strings.Split(keyPEM, "\n")[1:5] {
			if strings.Contains(text, line) {
				t.Errorf("the private key appears in %s", name)
			}
		}
	}
}

// TestBranchLeftByAMergedPullRequest reuses the tool's branch once its pull
// request is merged, and refuses a left-over branch a person committed on.
func TestBranchLeftByAMergedPullRequest(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{})
	r := runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0"})
	r.WantCode(t, 0)
	srv.MergePR(configRepo, 1)
	if srv.Ref(configRepo, stagingBranch) == "" {
		t.Fatal("merging deleted the branch; this test needs it left over")
	}
	r = runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.2.0"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "created", "pull-request-number": "2"})
	if got := fileAt(t, srv, stagingBranch, "environments/staging/app.yaml"); got != deployment("app", "ghcr.io/acme/app:v2.2.0") {
		t.Errorf("file on the reused branch:\n%s", got)
	}

	// A person's commit on a left-over branch without a pull request.
	srv.MergePR(configRepo, 2)
	human := srv.PushCommit(configRepo, stagingBranch, map[string]string{"notes.txt": "mine\n"}, "Keep my notes here", githubtest.Identity{Login: "alice", Name: "Alice", Email: "alice@example.com"})
	r = runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.3.0"})
	r.WantCode(t, cli.ExitFailed)
	if !strings.Contains(r.Stdout, "did not make") {
		t.Errorf("no clear error:\n%s", r.Stdout)
	}
	if got := srv.Ref(configRepo, stagingBranch); got != human {
		t.Errorf("the person's branch moved to %s", got)
	}
	if n := len(openPulls(srv)); n != 0 {
		t.Errorf("%d pull requests opened from a person's branch", n)
	}
}

// TestConcurrentPullRequestRuns starts several builds' runs at once for the
// same branch: they must end with one pull request holding one commit, of
// the newest version.
func TestConcurrentPullRequestRuns(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{})
	base := srv.Ref(configRepo, "main")
	const n = 5
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runAction(t, srv, map[string]string{"path": "environments/staging", "images": fmt.Sprintf("ghcr.io/acme/app:v2.1.%d", i)})
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.Code != 0 {
			t.Errorf("run %d: exit %d\n%s%s", i, r.Code, r.Stdout, r.Stderr)
		}
	}
	prs := srv.PullRequests(configRepo)
	if len(prs) != 1 || prs[0].State != "open" {
		t.Fatalf("pull requests %+v, want one open", prs)
	}
	if commits := strings.Fields(gitLog(t, srv, stagingBranch, "--format=%H", "^"+base)); len(commits) != 1 {
		t.Errorf("branch holds %d commits on top of the base, want 1", len(commits))
	}
	// Whatever their order, title and content tell the newest version.
	content := fileAt(t, srv, stagingBranch, "environments/staging/app.yaml")
	if want := fmt.Sprintf("v2.1.%d", n-1); prs[0].Title != "chore(staging): bump ghcr.io/acme/app to "+want || content != deployment("app", "ghcr.io/acme/app:"+want) {
		t.Errorf("title %q and the branch holds:\n%s\nwant %s", prs[0].Title, content, want)
	}
}

// TestPullRequestBodyRendered renders the body of a bump as GitHub would:
// one row per image and environment with its places, the digest short,
// a file name from the repository literal, the app commit linked, and a
// link comparing it with the source commit of the bump before (read from
// that commit's trailers); nothing else live.
func TestPullRequestBodyRendered(t *testing.T) {
	const digest = "sha256:abababababababababababababababababababababababababababababababab"
	hostile := "environments/staging/@acme #1 [x](https:||evil.example).yaml"
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{Files: map[string]string{
		"environments/staging/app.yaml":           deployment("app", "ghcr.io/acme/app:v2.0.0"),
		"environments/staging/kustomization.yaml": "resources:\n  - app.yaml\nimages:\n  - name: ghcr.io/acme/app\n    newTag: v2.0.0\n",
		hostile: deployment("other", "ghcr.io/acme/app:v2.0.0"),
	}})
	const previous = "fedcba9876543210fedcba9876543210fedcba98"
	srv.PushCommit(configRepo, "main", map[string]string{"environments/staging/app.yaml": deployment("app", "ghcr.io/acme/app:v2.0.0") + "# bumped\n"},
		"chore: bump\n\nSource-Repository: acme/app\nSource-Commit: "+previous+"\nBumped-By: gitops-actions\n", githubtest.Identity{Name: "bot", Email: "bot@example.com"})
	r := runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0@" + digest})
	r.WantCode(t, 0)
	prs := openPulls(srv)
	if len(prs) != 1 {
		t.Fatalf("%d pull requests", len(prs))
	}
	body := prs[0].Body
	page := mdtexttest.Render(t, body)
	mdtexttest.CheckInert(t, page, "https://github.com/acme/app/")
	mdtexttest.CheckTables(t, page)
	var rows [][]string
	for _, tb := range mdtexttest.Tables(page) {
		rows = append(rows, tb.Rows...)
	}
	if len(rows) != 1 || rows[0][0] != "environments/staging" || rows[0][3] != "v2.1.0@sha256:abababababab…" || strings.Count(rows[0][4], ".yaml:") != 3 || !strings.Contains(rows[0][4], "@acme #1 [x](https:||evil.example).yaml:") {
		t.Errorf("rows %q, want one for the image in staging, with its three places", rows)
	}
	links := mdtexttest.Inspect(page).Links
	want := "https://github.com/acme/app/compare/" + previous + "...0123456789abcdef0123456789abcdef01234567"
	if !slices.Contains(links, want) || !slices.Contains(links, "https://github.com/acme/app/commit/0123456789abcdef0123456789abcdef01234567") {
		t.Errorf("links %q, want the app commit and %q", links, want)
	}
	summary := mdtexttest.Render(t, r.Summary)
	mdtexttest.CheckInert(t, summary, srv.URL+"/acme/config/pull/")
	mdtexttest.CheckTables(t, summary)
	if !strings.Contains(mdtexttest.Text(summary), "Opened pull request #") {
		t.Errorf("the summary does not say what happened:\n%s", r.Summary)
	}
}
