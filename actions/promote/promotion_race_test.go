package promote_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	bumpimage "github.com/gitops-actions/gitops-actions/actions/bump-image"
	"github.com/gitops-actions/gitops-actions/actions/promote"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// beforeFirst runs do once, before the first request matching reaches
// GitHub: the moment another writer acts in a race.
type beforeFirst struct {
	match func(*http.Request) bool
	once  sync.Once
	do    func()
}

func (b *beforeFirst) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.match(r) {
		b.once.Do(b.do)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// bodyOf reads a request's body without consuming it.
func bodyOf(r *http.Request) string {
	if r.GetBody == nil {
		return ""
	}
	b, err := r.GetBody()
	if err != nil {
		return ""
	}
	defer b.Close()
	data, _ := io.ReadAll(b)
	return string(data)
}

// TestPromotionAndBumpRace races a promotion of production with bump-image
// writing production too: a bump pushed to main after the promotion read
// it (the promotion's pull request is then built on an older head), and
// bumps and promotions run at once, each run several times. Both land and
// neither overwrites the other: one pull request each, one commit each on
// its own branch, and merging both gives main both changes.
func TestPromotionAndBumpRace(t *testing.T) {
	f := newEnvFixture(t, githubtest.Options{})
	f.srv.PushCommit(f.repo, "main", map[string]string{production + "/cache.yaml": deployment("cache", "ghcr.io/acme/cache:v0")}, "A cache", githubtest.Identity{})
	m := f.bumpStaging("v2.1.0", "1.1.0", start)
	event := f.prEvent("pull_request.closed.json", m)
	bump := func(inputs map[string]string) result {
		return f.runCommand(bumpimage.NewCommand(bumpimage.Deps{Deps: cli.Deps{Retry: fastRetry}}), "push", "", inputs)
	}

	// A push lands between the promotion's read and its commit: before
	// the promotion makes its branch.
	hook := &beforeFirst{
		match: func(r *http.Request) bool {
			return r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/git/refs") && strings.Contains(bodyOf(r), "refs/heads/")
		},
		do: func() {
			r := bump(map[string]string{"images": "ghcr.io/acme/cache:v1", "path": production + "/cache.yaml", "mode": "push"})
			if r.Code != 0 {
				t.Errorf("the bump during the promotion: exit %d\n%s", r.Code, r.Stdout)
			}
		},
	}
	r := f.runDeps("pull_request", event, promoteInputs(nil), promote.Deps{Retry: fastRetry, Transport: hook})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "created"})
	if got := f.file("main", production+"/cache.yaml"); !strings.Contains(got, "ghcr.io/acme/cache:v1") {
		t.Fatalf("the bump did not land on main:\n%s", got)
	}
	if parent, main := git(t, f.srv.GitDir(f.repo), "rev-parse", promoteBr+"^"), f.srv.Ref(f.repo, "main"); parent == main {
		t.Errorf("the promotion is built on %s, which holds the bump: the bump did not land during the promotion", parent)
	}

	// Promotions and pull-request bumps at once, three of each.
	var wg sync.WaitGroup
	results := make([]result, 6)
	for i := range 6 {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%2 == 0 {
				results[i] = f.run("pull_request", event, promoteInputs(nil))
			} else {
				results[i] = bump(map[string]string{"images": "ghcr.io/acme/cache:v2", "path": production + "/cache.yaml", "branch": "bump-cache"})
			}
		}(i)
	}
	wg.Wait()
	for i, r := range results {
		if r.Code != 0 {
			t.Errorf("run %d: exit %d\n%s%s", i, r.Code, r.Stdout, r.Stderr)
		}
	}
	dir := f.srv.GitDir(f.repo)
	for _, b := range []string{promoteBr, "bump-cache"} {
		if n := len(strings.Fields(git(t, dir, "log", "--format=%H", b, "^main"))); n != 1 {
			t.Errorf("%s holds %d commits on main, want 1", b, n)
		}
	}
	open := 0
	for _, p := range f.srv.PullRequests(f.repo) {
		if p.State == "open" {
			open++
		}
	}
	if open != 2 {
		t.Fatalf("%d open pull requests, want the promotion's and the bump's: %+v", open, f.srv.PullRequests(f.repo))
	}
	var numbers []string
	for _, p := range f.srv.PullRequests(f.repo) {
		if p.State == "open" {
			numbers = append(numbers, fmt.Sprint(p.Number))
		}
	}
	for i, n := range numbers {
		f.mergePull(n, start.Add(time.Duration(i+1)*time.Hour))
	}
	if got, want := f.file("main", production+"/app.yaml"), appDeployment(4, "v2.1.0", "1.1.0", "1.0.0"); got != want {
		t.Errorf("production app.yaml on main:\n%s\nwant\n%s", got, want)
	}
	if got := f.file("main", production+"/cache.yaml"); !strings.Contains(got, "ghcr.io/acme/cache:v2") {
		t.Errorf("production cache.yaml on main:\n%s", got)
	}
}

// TestPromotionBudget counts the requests a promotion adds to a run, for
// 1 and 20 images in as many files: the same, 5 to open the pull request
// (one read of the base, the branch, its pull requests and the two
// directories; one blame of the sources; the branch; the commit on it; the
// pull request), and 3 when it holds the promotion already (the read, the
// blame, and the compare that shows it).
func TestPromotionBudget(t *testing.T) {
	setup := func(n int) (*fixture, string) {
		f := newEnvFixture(t, githubtest.Options{})
		old, files := map[string]string{}, map[string]string{}
		for i := range n {
			name := fmt.Sprintf("svc-%02d.yaml", i)
			old[production+"/"+name] = deployment("svc", fmt.Sprintf("ghcr.io/acme/svc-%02d:1.0.0", i))
			old[staging+"/"+name] = deployment("svc", fmt.Sprintf("ghcr.io/acme/svc-%02d:1.0.0", i))
			files[staging+"/"+name] = deployment("svc", fmt.Sprintf("ghcr.io/acme/svc-%02d:1.1.0", i))
		}
		f.srv.PushCommit(f.repo, "main", old, "Add the services", githubtest.Identity{})
		m := f.merge(change{title: "Bump the services", files: files})
		return f, f.prEvent("pull_request.closed.json", m)
	}
	in := promoteInputs(map[string]string{"images": "ghcr.io/acme/svc-*"})
	counts := map[int][2]int{}
	for _, n := range []int{1, 20} {
		tagOnly, event := setup(n)
		tagOnly.srv.ResetCalls()
		tagOnly.run("pull_request", event, nil).WantCode(t, 0)
		base := tagOnly.srv.TotalCalls()
		tagOnly.srv.ResetCalls()
		tagOnly.run("pull_request", event, nil).WantCode(t, 0)
		baseRerun := tagOnly.srv.TotalCalls()

		f, event := setup(n)
		f.srv.ResetCalls()
		r := f.run("pull_request", event, in)
		r.WantCode(t, 0)
		if got := len(promotedOf(t, r)); got != n {
			t.Fatalf("%d images promoted, want %d", got, n)
		}
		opened := f.srv.TotalCalls() - base
		f.srv.ResetCalls()
		r = f.run("pull_request", event, in)
		r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "unchanged"})
		rerun := f.srv.TotalCalls() - baseRerun
		counts[n] = [2]int{opened, rerun}
		calls := f.srv.AllCalls()
		t.Logf("%d images: the promotion opened its pull request in %d requests, found it unchanged in %d; the re-run's requests: %v", n, opened, rerun, calls)
	}
	if counts[1] != counts[20] || counts[1] != [2]int{5, 3} {
		t.Errorf("requests (opened, unchanged): %v for 1 image, %v for 20; want the same, 5 and 3", counts[1], counts[20])
	}
}

// TestPromotionUnderFaults: with 30% of the requests failing (5xx, rate
// limits) or losing their answer after GitHub applied them, a promotion
// still makes exactly one pull request with one commit, and a rollback
// likewise.
func TestPromotionUnderFaults(t *testing.T) {
	f := newEnvFixture(t, githubtest.Options{})
	m := f.bumpStaging("v2.1.0", "1.1.0", start)
	event := f.prEvent("pull_request.closed.json", m)
	f.srv.SetFaults(githubtest.Faults{Transient: 0.3, RateLimit: 0.05, ResetAfterWrite: 0.3, Seed: 11})
	r := f.run("pull_request", event, promoteInputs(map[string]string{"labels": "promotion"}))
	f.srv.SetFaults(githubtest.Faults{})
	r.WantCode(t, 0)
	if prs := f.srv.PullRequests(f.repo); len(prs) != 2 || prs[1].Head != promoteBr || len(prs[1].Labels) != 1 {
		t.Fatalf("pull requests: %+v", prs)
	}
	if n := len(strings.Fields(git(t, f.srv.GitDir(f.repo), "log", "--format=%H", promoteBr, "^main"))); n != 1 {
		t.Errorf("%d commits on the promotion branch, want 1", n)
	}
	if got, want := f.file(promoteBr, production+"/app.yaml"), appDeployment(4, "v2.1.0", "1.1.0", "1.0.0"); got != want {
		t.Errorf("production:\n%s\nwant\n%s", got, want)
	}
	f.mergePull(r.Outputs["promotion-pull-request-number"], start.Add(time.Hour))
	f.srv.SetFaults(githubtest.Faults{Transient: 0.3, RateLimit: 0.05, ResetAfterWrite: 0.3, Seed: 12})
	r = f.dispatch(map[string]string{"to": production, "rollback": "last"})
	f.srv.SetFaults(githubtest.Faults{})
	r.WantCode(t, 0)
	if prs := f.srv.PullRequests(f.repo); len(prs) != 3 || prs[2].Head != rollbackBr {
		t.Fatalf("pull requests: %+v", prs)
	}
	if n := len(strings.Fields(git(t, f.srv.GitDir(f.repo), "log", "--format=%H", rollbackBr, "^main"))); n != 1 {
		t.Errorf("%d commits on the rollback branch, want 1", n)
	}
}
