package bumpimage_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

var bob = githubtest.Identity{Login: "bob", Name: "Bob", Email: "bob@example.com"}

// supersededOut is one item of the output superseded, as a workflow
// reads it.
type supersededOut struct {
	Image   string `json:"image,omitempty"`
	Chart   string `json:"chart,omitempty"`
	Version string `json:"version"`
	Wanted  string `json:"wanted"`
	Pull    int    `json:"pull-request,omitempty"`
}

// superseded decodes the output superseded.
func superseded(t *testing.T, r result) []supersededOut {
	t.Helper()
	var out []supersededOut
	if err := json.Unmarshal([]byte(r.Outputs["superseded"]), &out); err != nil {
		t.Fatalf("output superseded = %q: %v", r.Outputs["superseded"], err)
	}
	return out
}

// TestLateBuild: the build of v2.5.0 opens the pull request; the build of
// v2.4.0, started earlier and finishing later, finds it proposing a newer
// version: it leaves it, says so, and succeeds.
func TestLateBuild(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{})
	r := runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.5.0"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "created", "superseded": "[]"})
	tip := srv.Ref(configRepo, stagingBranch)
	before := openPulls(srv)

	srv.ResetCalls()
	r = runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.4.0"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "unchanged", "pull-request-number": "1", "commit-sha": tip})
	if got := superseded(t, r); len(got) != 1 || got[0] != (supersededOut{Image: "ghcr.io/acme/app", Version: "ghcr.io/acme/app:v2.5.0", Wanted: "ghcr.io/acme/app:v2.4.0", Pull: 1}) {
		t.Errorf("superseded = %+v", got)
	}
	if want := "::notice::ghcr.io/acme/app: pull request #1 already proposes ghcr.io/acme/app:v2.5.0, newer than ghcr.io/acme/app:v2.4.0; it keeps ghcr.io/acme/app:v2.5.0."; !strings.Contains(strings.ReplaceAll(r.Stdout, "%3A", ":"), want) {
		t.Errorf("stdout lacks %q:\n%s", want, r.Stdout)
	}
	wantUntouched(t, srv, stagingBranch, tip, before)

	// A newer build still moves it.
	r = runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.6.0"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "updated", "superseded": "[]"})
	if got := fileAt(t, srv, stagingBranch, "environments/staging/app.yaml"); got != deployment("app", "ghcr.io/acme/app:v2.6.0") {
		t.Errorf("the branch holds:\n%s", got)
	}
}

// wantUntouched fails the test when the last run wrote anything (since
// srv.ResetCalls): branch still at tip, the one open pull request as it
// was read before.
func wantUntouched(t *testing.T, srv *githubtest.Server, branch, tip string, before []githubtest.PR) {
	t.Helper()
	if got := srv.Ref(configRepo, branch); got != tip {
		t.Errorf("the branch moved from %s to %s", tip, got)
	}
	for route, n := range srv.Writes() {
		t.Errorf("the late build wrote: %s ×%d", route, n)
	}
	if after := openPulls(srv); len(after) != 1 || len(before) != 1 || after[0].Title != before[0].Title || after[0].Body != before[0].Body {
		t.Errorf("the pull request changed: %+v, was %+v", after, before)
	}
}

// TestRacingBuilds runs builds of the same service at once, round after
// round, in both orders: whatever their order, each round ends with the
// pull request at its newest version, one commit on the branch, and every
// run succeeding.
func TestRacingBuilds(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{})
	base := srv.Ref(configRepo, "main")
	version := func(n int) string { return fmt.Sprintf("v2.%d.0", n) }
	inputs := func(v string) map[string]string {
		return map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:" + v}
	}
	raceRounds(t, srv, 4, version, "v2.6.5", inputs, func(round int, newest string) {
		if got := fileAt(t, srv, stagingBranch, "environments/staging/app.yaml"); got != deployment("app", "ghcr.io/acme/app:"+newest) {
			t.Errorf("round %d: the branch holds\n%s\nwant %s", round, got, newest)
		}
		prs := openPulls(srv)
		if len(prs) != 1 || prs[0].Title != "chore(staging): bump ghcr.io/acme/app to "+newest {
			t.Errorf("round %d: open pull requests %+v, want one for %s", round, prs, newest)
		}
		if commits := strings.Fields(gitLog(t, srv, stagingBranch, "--format=%H", "^"+base)); len(commits) != 1 {
			t.Errorf("round %d: %d commits on the branch, want 1", round, len(commits))
		}
	})
}

// raceRounds runs rounds of builds of one image or chart at once: round r
// builds version(2r+1) and version(2r+2), the newer first in every other
// round, and the last round a late build of late beside them. Every run
// must succeed; check then gets the round and its newest version.
func raceRounds(t *testing.T, srv *githubtest.Server, rounds int, version func(n int) string, late string, inputs func(v string) map[string]string, check func(round int, newest string)) {
	t.Helper()
	for round := range rounds {
		versions := []string{version(2*round + 1), version(2*round + 2)}
		if round%2 == 1 {
			versions[0], versions[1] = versions[1], versions[0]
		}
		if round == rounds-1 {
			versions = append(versions, late)
		}
		start := make(chan struct{})
		results := make([]result, len(versions))
		var wg sync.WaitGroup
		for i, v := range versions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i] = runAction(t, srv, inputs(v))
			}()
		}
		close(start)
		wg.Wait()
		for i, r := range results {
			if r.Code != 0 {
				t.Errorf("round %d, build of %s: exit %d\n%s%s", round, versions[i], r.Code, r.Stdout, r.Stderr)
				continue
			}
			wantSuperseded(t, round, r, versions[i], version(2*round+2), version(2*round+1))
		}
		check(round, version(2*round+2))
	}
}

// wantSuperseded holds a racing build to what it says: the newest build
// is never superseded; a build that left the pull request as it was says
// so in the output superseded, naming a newer build of its round (newest,
// then next; a late build is older than both); a build that says it is
// superseded asked for its own version.
func wantSuperseded(t *testing.T, round int, r result, v, newest, next string) {
	t.Helper()
	sup, op := superseded(t, r), r.Outputs["pull-request-operation"]
	rank := func(x string) int {
		switch x {
		case newest:
			return 2
		case next:
			return 1
		}
		return 0
	}
	switch {
	case v == newest && len(sup) > 0:
		t.Errorf("round %d: the newest build, of %s, is superseded: %+v", round, v, sup)
	case len(sup) == 0 && op == "unchanged":
		t.Errorf("round %d: the build of %s left the pull request as it was and the output superseded is empty", round, v)
	case len(sup) > 1:
		t.Errorf("round %d: the build of %s: superseded %+v, want one item", round, v, sup)
	case len(sup) == 1:
		kept := sup[0].Version[strings.LastIndexAny(sup[0].Version, ":@")+1:]
		if !strings.HasSuffix(sup[0].Wanted, v) || rank(kept) <= rank(v) {
			t.Errorf("round %d: the build of %s: superseded %+v, want it to name a newer build of the round", round, v, sup[0])
		}
	}
}

// TestPersonsCommitOnTheBranch: a person's commit on an open bump branch
// stays, and the next bump goes on top of it; a bump that would rewrite
// the person's line is refused and writes nothing (TestPullRequestLifecycle
// covers that).
func TestPersonsCommitOnTheBranch(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{})
	r := runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0"})
	r.WantCode(t, 0)
	scaled := strings.Replace(deployment("app", "ghcr.io/acme/app:v2.1.0"), "spec:\n  template:", "spec:\n  replicas: 3\n  template:", 1)
	person := srv.PushCommit(configRepo, stagingBranch, map[string]string{"environments/staging/app.yaml": scaled}, "Scale staging up", bob)

	r = runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.2.0"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "updated", "pull-request-number": "1", "commit-verified": "true"})
	tip := srv.Ref(configRepo, stagingBranch)
	if r.Outputs["commit-sha"] != tip {
		t.Errorf("commit-sha %s, branch at %s", r.Outputs["commit-sha"], tip)
	}
	if parent := strings.TrimSpace(gitLog(t, srv, stagingBranch, "-1", "--format=%P")); parent != person {
		t.Errorf("the bump's parent is %s, want the person's commit %s", parent, person)
	}
	if got, want := fileAt(t, srv, stagingBranch, "environments/staging/app.yaml"), strings.Replace(scaled, "app:v2.1.0", "app:v2.2.0", 1); got != want {
		t.Errorf("the file on the branch:\n%s\nwant\n%s", got, want)
	}
	if prs := openPulls(srv); len(prs) != 1 || prs[0].Title != "chore(staging): bump ghcr.io/acme/app to v2.2.0" {
		t.Errorf("pull requests %+v", prs)
	}
}

// TestFinishedPullRequestWithAPersonsCommit: a bump branch holds a
// person's commit when its pull request is merged with squash, or closed;
// the branch stays. The next bump starts afresh from the base in a new
// pull request that links the previous one, whose commits GitHub keeps.
func TestFinishedPullRequestWithAPersonsCommit(t *testing.T) {
	for _, how := range []string{"merged", "closed"} {
		t.Run(how, func(t *testing.T) {
			srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{})
			runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0"}).WantCode(t, 0)
			person := srv.PushCommit(configRepo, stagingBranch, map[string]string{"environments/staging/notes.md": "bob's notes\n"}, "Add notes", bob)
			if how == "merged" {
				srv.MergePRWith(configRepo, 1, githubtest.Squash)
			} else {
				srv.ClosePR(configRepo, 1)
			}
			if srv.Ref(configRepo, stagingBranch) != person {
				t.Fatal("the branch is gone; this test needs it left over")
			}
			r := runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.2.0"})
			r.WantCode(t, 0)
			r.WantOutputs(t, map[string]string{"pull-request-operation": "created", "pull-request-number": "2"})
			main := srv.Ref(configRepo, "main")
			if parent := strings.TrimSpace(gitLog(t, srv, stagingBranch, "-1", "--format=%P")); parent != main {
				t.Errorf("the new pull request's commit is on %s, want the base's head %s", parent, main)
			}
			if got := srv.Ref(configRepo, "refs/pull/1/head"); got != person {
				t.Errorf("refs/pull/1/head at %q, want bob's commit %s", got, person)
			}
			prs := openPulls(srv)
			if len(prs) != 1 || prs[0].Number != 2 || !strings.Contains(prs[0].Body, "Follows [#1](") || !strings.Contains(prs[0].Body, "("+how+")") {
				t.Errorf("open pull requests %+v, want #2 linking #1", prs)
			}
			if strings.Contains(r.Stderr, "held pull request #1") == false {
				t.Errorf("the log does not name the previous pull request:\n%s", r.Stderr)
			}
		})
	}
}

// busyRepo is a config repository of the shape the requests are counted
// in: eight services, each in staging and production.
func busyRepo() map[string]string {
	files := map[string]string{"README.md": "# config\n"}
	for i := range 8 {
		name := fmt.Sprintf("svc-%d", i)
		files["environments/staging/"+name+".yaml"] = deployment(name, "ghcr.io/acme/"+name+":1.0.0")
		files["environments/production/"+name+".yaml"] = deployment(name, "ghcr.io/acme/"+name+":1.0.0")
	}
	return files
}

// TestBumpBudget counts the requests of each bump of one service in a
// busy repository, with a GitHub App and a label, and with a token and a
// label: at most 12 and 10. Each count is every request the fake saw,
// the installation token and the archive's redirect included.
func TestBumpBudget(t *testing.T) {
	app, keyPEM := githubtest.NewApp(t, 7, 70)
	const branch = "gitops-actions/bump/staging/ghcr.io-acme-svc-3"
	for _, tc := range []struct {
		name   string
		opts   githubtest.Options
		inputs map[string]string
		max    int
	}{
		{name: "GitHub App", opts: githubtest.Options{App: app}, inputs: map[string]string{"token": "", "app-id": "7", "app-private-key": keyPEM}, max: 12},
		{name: "token", max: 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newForge(t, tc.opts, githubtest.RepoOptions{Files: busyRepo()})
			run := func(step, version, op string) {
				t.Helper()
				in := map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/svc-3:" + version, "labels": "deploy"}
				for k, v := range tc.inputs {
					in[k] = v
				}
				srv.ResetCalls()
				r := runAction(t, srv, in)
				r.WantCode(t, 0)
				r.WantOutputs(t, map[string]string{"pull-request-operation": op})
				t.Logf("%s: %d requests\n%s", step, srv.TotalCalls(), srv.CallTable())
				if n := srv.TotalCalls(); n > tc.max {
					t.Errorf("%s: %d requests, want at most %d", step, n, tc.max)
				}
			}
			run("a new pull request", "1.1.0", "created")
			run("an update", "1.2.0", "updated")
			run("a late build", "1.1.5", "unchanged")
			srv.PushCommit(configRepo, branch, map[string]string{"environments/staging/notes.md": "notes\n"}, "Notes", bob)
			run("on top of a person's commit", "1.3.0", "updated")
			srv.MergePRWith(configRepo, 1, githubtest.Squash)
			run("after a squash merge, from the branch it left", "1.4.0", "created")
			if n := len(srv.PullRequests(configRepo)); n != 2 {
				t.Errorf("%d pull requests, want 2", n)
			}
		})
	}
}

// TestHeldMessageNamesTheRollback: a bump whose every reference is held
// fails (the app's bump did not land) and says which rollback holds it and
// how to lift the hold.
func TestHeldMessageNamesTheRollback(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{Files: map[string]string{
		"environments/production/app.yaml": heldDeployment,
	}})
	r := runAction(t, srv, map[string]string{"path": "environments/production", "images": "ghcr.io/acme/app:v2.1.0"})
	r.WantCode(t, cli.ExitFailed)
	for _, want := range []string{
		"every reference of ghcr.io/acme/app is held by a hold comment",
		"held ghcr.io/acme/app by rollback of v20260501120000 (environments/production/app.yaml:10)",
		"until a pull request removes the comments (# gitops-actions: hold); set force",
	} {
		if !strings.Contains(strings.ReplaceAll(r.Stdout, "%3A", ":"), want) {
			t.Errorf("the error lacks %q:\n%s", want, r.Stdout)
		}
	}
}

// TestLateBuildOrderedByTagPattern: tags that carry a commit SHA, as the
// example application workflow makes them, are ordered by the timestamp
// tag-pattern extracts, so a late build leaves the newer one in the pull
// request; without the pattern they cannot be ordered, and the late build
// moves it with a warning that says to give tag-pattern.
func TestLateBuildOrderedByTagPattern(t *testing.T) {
	const pattern = `^main-(?P<version>\d{14})-[0-9a-f]{7}$`
	const newer, older = "ghcr.io/acme/app:main-20260503080000-0a1b2c3", "ghcr.io/acme/app:main-20260502090000-8e1b0d4"
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{Files: map[string]string{
		"README.md":                     "# config\n",
		"environments/staging/app.yaml": deployment("app", "ghcr.io/acme/app:main-20260501120000-3f2a9c1"),
	}})
	in := func(image, pattern string) map[string]string {
		return map[string]string{"path": "environments/staging", "images": image, "tag-pattern": pattern}
	}
	runAction(t, srv, in(newer, pattern)).WantCode(t, 0)
	tip := srv.Ref(configRepo, stagingBranch)

	r := runAction(t, srv, in(older, pattern))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "unchanged", "commit-sha": tip})
	if got := superseded(t, r); len(got) != 1 || got[0] != (supersededOut{Image: "ghcr.io/acme/app", Version: newer, Wanted: older, Pull: 1}) {
		t.Errorf("superseded = %+v", got)
	}
	if got := fileAt(t, srv, stagingBranch, "environments/staging/app.yaml"); got != deployment("app", newer) {
		t.Errorf("the branch holds:\n%s", got)
	}

	r = runAction(t, srv, in(older, ""))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "updated", "superseded": "[]"})
	if !strings.Contains(strings.ReplaceAll(r.Stdout, "%3A", ":"), "so it is set without the downgrade guard: give tag-pattern") {
		t.Errorf("no warning that names tag-pattern:\n%s", r.Stdout)
	}
}
