package promote_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// TestTenMergesInOneSecond merges ten pull requests within one second and
// runs their ten workflow runs at once: exactly ten tags, one per merge
// commit, each made by one run (a run may tag an earlier merge whose run
// it races), and no run fails; then re-running any of them creates
// nothing. The runs answer pull_request closed, or push: a push run finds
// the pull request and its merge time itself, and gets the same names.
// With faults, 30% of the requests fail (5xx) or lose their answer after
// GitHub applied them.
func TestTenMergesInOneSecond(t *testing.T) {
	for _, tc := range []struct {
		name, event string
		faults      githubtest.Faults
	}{
		{name: "clean", event: "pull_request"},
		{name: "30% faults", event: "pull_request", faults: githubtest.Faults{Transient: 0.3, ResetAfterWrite: 0.3, Seed: 7}},
		{name: "clean, on push", event: "push"},
		{name: "30% faults, on push", event: "push", faults: githubtest.Faults{Transient: 0.3, ResetAfterWrite: 0.3, Seed: 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, githubtest.Options{})
			const n = 10
			var ms []merged
			var events []string
			for i := range n {
				m := f.merge(change{
					title: fmt.Sprintf("Bump service %d", i),
					files: map[string]string{fmt.Sprintf("environments/staging/svc-%d.yaml", i): deployment("svc", fmt.Sprintf("ghcr.io/acme/svc-%d:1.0.0", i))},
				})
				ms = append(ms, m)
				events = append(events, f.eventOf(tc.event, m))
			}
			f.srv.SetFaults(tc.faults)
			results := make([]result, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					results[i] = f.run(tc.event, events[i], nil)
				}(i)
			}
			wg.Wait()
			f.srv.SetFaults(githubtest.Faults{})
			var names []string
			made := map[string]int{}
			for i, r := range results {
				r.WantCode(t, 0)
				r.WantOutputs(t, map[string]string{"sha": ms[i].sha, "pull-request-number": fmt.Sprint(ms[i].number)})
				names = append(names, r.Outputs["tag"])
				// A run may tag the merge of a run racing it, which then
				// finds its tag made.
				for _, e := range tagsOutput(t, r) {
					if e.Created {
						made[e.SHA]++
					}
				}
			}
			for _, m := range ms {
				// Each tag is made by one run. Under faults two runs that
				// made the same tag object (same name, message and
				// second) cannot tell whose ref GitHub kept when its
				// answer is lost, and both may say they made it; there is
				// still one tag, and one release (checked below).
				if made[m.sha] != 1 && (tc.faults.Transient == 0 || made[m.sha] == 0) {
					t.Errorf("%s: made by %d runs, want 1", m.sha[:7], made[m.sha])
				}
			}
			sort.Strings(names)
			want := []string{"v20260501120000"}
			for i := 1; i < n; i++ {
				want = append(want, fmt.Sprintf("v20260501120000-%d", i))
			}
			sort.Strings(want)
			if strings.Join(names, " ") != strings.Join(want, " ") {
				t.Errorf("tags of the runs:\n%v\nwant\n%v", names, want)
			}
			on := f.tagsOn()
			for _, m := range ms {
				if len(on[m.sha]) != 1 {
					t.Errorf("%s has tags %v, want one", m.sha[:7], on[m.sha])
				}
			}
			if got := len(f.srv.Tags(f.repo)); got != n {
				t.Errorf("%d tags, want %d: %v", got, n, on)
			}
			for _, name := range names {
				if rels := f.releasesOf(name); len(rels) != 1 {
					t.Errorf("tag %s has %d releases, want 1", name, len(rels))
				}
			}
			if out := git(t, f.srv.GitDir(f.repo), "fsck", "--strict"); strings.Contains(out, "error") {
				t.Errorf("git fsck: %s", out)
			}

			// Re-running any of them, all at once again, creates nothing.
			f.srv.SetFaults(tc.faults)
			again := make([]result, n)
			for i := range n {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					again[i] = f.run(tc.event, events[i], nil)
				}(i)
			}
			wg.Wait()
			f.srv.SetFaults(githubtest.Faults{})
			for i, r := range again {
				r.WantCode(t, 0)
				r.WantOutputs(t, map[string]string{"tag": results[i].Outputs["tag"], "created": "false", "release-id": results[i].Outputs["release-id"]})
			}
			if got := len(f.srv.Tags(f.repo)); got != n {
				t.Errorf("%d tags after the re-runs, want %d", got, n)
			}
			if got := len(f.srv.Releases(f.repo)); got != n {
				t.Errorf("%d releases after the re-runs, want %d", got, n)
			}
		})
	}
}

// TestPushAndPullRequestOfOneMerge: a workflow that runs on both push and
// pull_request closed runs twice for each merge; three merges in one
// second, their six runs at once, make three tags, one per merge, each
// made by one run and named the same by both.
func TestPushAndPullRequestOfOneMerge(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	var ms []merged
	for i := range 3 {
		ms = append(ms, f.merge(change{
			title: fmt.Sprintf("Bump service %d", i),
			files: map[string]string{fmt.Sprintf("environments/staging/svc-%d.yaml", i): deployment("svc", fmt.Sprintf("ghcr.io/acme/svc-%d:1.0.0", i))},
		}))
	}
	events := []string{"push", "pull_request"}
	results := make([][2]result, len(ms))
	var wg sync.WaitGroup
	for i, m := range ms {
		for j, event := range events {
			ev := f.eventOf(event, m)
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i][j] = f.run(event, ev, nil)
			}()
		}
	}
	wg.Wait()
	made := map[string]int{}
	for i, rs := range results {
		for j, r := range rs {
			r.WantCode(t, 0)
			r.WantOutputs(t, map[string]string{"sha": ms[i].sha, "pull-request-number": fmt.Sprint(ms[i].number)})
			if r.Outputs["tag"] != rs[0].Outputs["tag"] {
				t.Errorf("merge %d: the %s run's tag %q, the push run's %q", i, events[j], r.Outputs["tag"], rs[0].Outputs["tag"])
			}
			for _, e := range tagsOutput(t, r) {
				if e.Created {
					made[e.SHA]++
				}
			}
		}
	}
	on := f.tagsOn()
	for _, m := range ms {
		if made[m.sha] != 1 || len(on[m.sha]) != 1 {
			t.Errorf("%s: made by %d runs, tags %v; want one, by one run", m.sha[:7], made[m.sha], on[m.sha])
		}
	}
	if got := len(f.srv.Tags(f.repo)); got != len(ms) {
		t.Errorf("%d tags, want %d", got, len(ms))
	}
}

// TestInjectedFaults tags one merge while 30% of the requests fail or lose
// their answer after GitHub applied them, with several seeds: still exactly
// one tag and one release.
func TestInjectedFaults(t *testing.T) {
	for seed := int64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			f := newFixture(t, githubtest.Options{})
			m := f.merge(bumpApp())
			ev := f.prEvent("pull_request.closed.json", m)
			f.srv.SetFaults(githubtest.Faults{Transient: 0.3, ResetAfterWrite: 0.3, Seed: seed})
			r := f.run("pull_request", ev, nil)
			f.srv.SetFaults(githubtest.Faults{})
			r.WantCode(t, 0)
			r.WantOutputs(t, map[string]string{"tag": "v20260501120000", "created": "true", "sha": m.sha})
			if tags := f.srv.Tags(f.repo); len(tags) != 1 || tags[0].Commit != m.sha || !tags[0].Annotated {
				t.Errorf("tags: %+v", tags)
			}
			if rels := f.srv.Releases(f.repo); len(rels) != 1 || rels[0].Tag != "v20260501120000" {
				t.Errorf("releases: %+v", rels)
			}
			if r.Outputs["release-id"] == "" {
				t.Errorf("no release-id")
			}
			t.Logf("%d requests under faults", f.srv.TotalCalls())
		})
	}
}

// TestAPIBudget counts the requests of tagging one merged pull request and
// publishing its release, for a change of 1 YAML file and one of 200 (each
// read before and after): the same, and at most 6.
func TestAPIBudget(t *testing.T) {
	counts := map[int]int{}
	for _, nfiles := range []int{1, 200} {
		f := newFixture(t, githubtest.Options{})
		old, files := map[string]string{}, map[string]string{}
		for i := range nfiles {
			p := fmt.Sprintf("environments/staging/svc-%03d.yaml", i)
			old[p] = deployment("svc", fmt.Sprintf("ghcr.io/acme/svc-%03d:1.0.0", i))
			files[p] = deployment("svc", fmt.Sprintf("ghcr.io/acme/svc-%03d:1.1.0", i))
		}
		f.srv.PushCommit(f.repo, "main", old, "Add the services", githubtest.Identity{})
		c := bumpApp()
		c.files = files
		m := f.merge(c)
		ev := f.prEvent("pull_request.closed.json", m)
		f.srv.ResetCalls()
		r := f.run("pull_request", ev, nil)
		r.WantCode(t, 0)
		r.WantOutputs(t, map[string]string{"created": "true"})
		last := fmt.Sprintf("| `staging` | `ghcr.io/acme/svc-%03d` | `1.0.0` | `1.1.0` |", nfiles-1)
		if !strings.Contains(f.releasesOf("v20260501120000")[0].Body, last) {
			t.Errorf("%d files: the notes lack %q", nfiles, last)
		}
		counts[nfiles] = f.srv.TotalCalls()
		calls := f.srv.AllCalls()
		t.Logf("tag and release, %d changed file(s): %d requests\n%s", nfiles, f.srv.TotalCalls(), f.srv.CallTable())
		for route, want := range map[string]int{
			githubtest.RouteGetCommit:     1,
			githubtest.RouteMatchingRefs:  1,
			githubtest.RouteGraphQL:       1,
			githubtest.RouteCreateTag:     1,
			githubtest.RouteCreateRef:     1,
			githubtest.RouteCreateRelease: 1,
		} {
			if calls[route] != want {
				t.Errorf("%d files: %s ×%d, want %d", nfiles, route, calls[route], want)
			}
		}
	}
	if counts[1] != counts[200] || counts[1] > 6 {
		t.Errorf("%d requests for 1 file, %d for 200; want the same, at most 6", counts[1], counts[200])
	}
}

// TestGitHubApp tags as a GitHub App: the installation token is minted,
// masked, and never printed.
func TestGitHubApp(t *testing.T) {
	app, pemKey := githubtest.NewApp(t, 42, 7)
	f := newFixture(t, githubtest.Options{App: app})
	// The App's JWT is signed at the real time, which the fake checks
	// against its clock: merge now.
	c := bumpApp()
	c.at = time.Now().UTC().Truncate(time.Second)
	m := f.merge(c)
	r := f.run("pull_request", f.prEvent("pull_request.closed.json", m), map[string]string{"token": "", "app-id": "42", "app-private-key": pemKey})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"tag": "v" + c.at.Format("20060102150405"), "created": "true"})
	if !strings.Contains(r.Stdout, "::add-mask::ghs_") {
		t.Errorf("the installation token is not masked:\n%s", r.Stdout)
	}
	for _, text := range []string{r.Stderr, r.RawOut, r.Summary, strings.Join(strings.Split(r.Stdout, "\n")[1:], "\n")} {
		if strings.Contains(text, "BEGIN RSA PRIVATE KEY") || strings.Contains(strings.ReplaceAll(text, "::add-mask::ghs_", ""), "ghs_") {
			t.Errorf("a secret was printed:\n%s", text)
		}
	}
}

// TestTokenInNoOutput: the token reaches no output, log, summary, error,
// tag or release, whether the run succeeds or fails. (Every run of these
// tests checks its own outputs; this one also reads what GitHub stored.)
func TestTokenInNoOutput(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	m := f.merge(bumpApp())
	ev := f.prEvent("pull_request.closed.json", m)
	f.srv.SetFaults(githubtest.Faults{Transient: 1, Seed: 1, Routes: []string{githubtest.RouteCreateRelease}})
	failed := f.run("pull_request", ev, nil)
	f.srv.SetFaults(githubtest.Faults{})
	failed.WantCode(t, 1)
	f.run("pull_request", ev, map[string]string{"tag-format": "%Q"}).WantCode(t, 2)
	f.run("pull_request", ev, nil).WantCode(t, 0)
	for _, tg := range f.srv.Tags(f.repo) {
		if strings.Contains(tg.Message, testToken) {
			t.Errorf("tag %s holds the token", tg.Name)
		}
	}
	for _, r := range f.srv.Releases(f.repo) {
		if strings.Contains(r.Body, testToken) || strings.Contains(r.Name, testToken) {
			t.Errorf("release %s holds the token", r.Tag)
		}
	}
}
