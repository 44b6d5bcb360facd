package promote_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// tagEntry is one entry of the output tags.
type tagEntry struct {
	Tag      string `json:"tag"`
	SHA      string `json:"sha"`
	Pull     string `json:"pull-request-number"`
	Created  bool   `json:"created"`
	URL      string `json:"release-url"`
	CaughtUp bool   `json:"caught-up"`
}

func tagsOutput(t *testing.T, r result) []tagEntry {
	t.Helper()
	var list []tagEntry
	if err := json.Unmarshal([]byte(r.Outputs["tags"]), &list); err != nil {
		t.Fatalf("output tags %q: %v", r.Outputs["tags"], err)
	}
	return list
}

// small merges a pull request that changes one file of its own, titled
// title, at minute i after start.
func (f *fixture) small(i int, title string) merged {
	f.t.Helper()
	return f.merge(change{
		title: title, branch: fmt.Sprintf("change-%d", i), at: start.Add(time.Duration(i) * time.Minute),
		files: map[string]string{fmt.Sprintf("environments/staging/svc-%d.yaml", i): deployment("svc", fmt.Sprintf("ghcr.io/acme/svc-%d:1.0.0", i))},
	})
}

// TestCatchUpCancelledRun: three pull requests merge quickly, each push
// starting a run; GitHub cancels the middle one, which never runs. The
// third run tags the middle merge, then its own, in merge order (semantic
// versions too), each with its release and the compare link to the tag
// before it; a re-run of it makes nothing.
func TestCatchUpCancelledRun(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   [3]string // the tags of the three merges
	}{
		{format: "semver", want: [3]string{"v0.1.0", "v0.1.1", "v0.2.0"}},
		{format: "timestamp", want: [3]string{"v20260501120100", "v20260501120200", "v20260501120300"}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			f := newFixture(t, githubtest.Options{})
			in := map[string]string{"tag-format": tc.format}
			before := f.srv.Ref(f.repo, f.branch)
			m1 := f.small(1, "feat: add svc-1")
			f.run("push", f.pushEvent("push.json", before, m1.sha), in).WantCode(t, 0)
			m2 := f.small(2, "fix: add svc-2")
			m3 := f.small(3, "feat: add svc-3")
			// The run of m2's push was cancelled: m3's push runs next.
			r := f.run("push", f.pushEvent("push.json", m2.sha, m3.sha), in)
			r.WantCode(t, 0)

			got := tagsOutput(t, r)
			want := []tagEntry{
				{Tag: tc.want[1], SHA: m2.sha, Pull: fmt.Sprint(m2.number), Created: true, CaughtUp: true},
				{Tag: tc.want[2], SHA: m3.sha, Pull: fmt.Sprint(m3.number), Created: true},
			}
			if len(got) != len(want) {
				t.Fatalf("output tags:\n%+v\nwant\n%+v", got, want)
			}
			for i := range want {
				got[i].URL = ""
				if got[i] != want[i] {
					t.Errorf("tags[%d] = %+v, want %+v", i, got[i], want[i])
				}
			}
			r.WantOutputs(t, map[string]string{"tag": tc.want[2], "sha": m3.sha, "previous-tag": tc.want[1], "created": "true"})
			for i, m := range []merged{m1, m2, m3} {
				if tg := f.tag(tc.want[i]); tg.Commit != m.sha || !tg.Annotated {
					t.Errorf("%s on %s (annotated %v), want on merge %d, %s", tc.want[i], tg.Commit, tg.Annotated, i+1, m.sha)
				}
				if on := f.tagsOn()[m.sha]; len(on) != 1 {
					t.Errorf("merge %d has tags %v, want one", i+1, on)
				}
				rels := f.releasesOf(tc.want[i])
				if len(rels) != 1 {
					t.Fatalf("%s has %d releases, want 1", tc.want[i], len(rels))
				}
				if i > 0 {
					link := fmt.Sprintf("[%s...%s](%s/acme/config/compare/%s...%s)", tc.want[i-1], tc.want[i], f.srv.URL, tc.want[i-1], tc.want[i])
					wantContains(t, "the release notes of "+tc.want[i], rels[0].Body, link, fmt.Sprintf("#%d", []merged{m1, m2, m3}[i].number))
				}
			}
			wantContains(t, "the notice", commands(r.Stdout), fmt.Sprintf(`::notice::1 merge on "main" since %s has no tag (its run was cancelled or failed): it is tagged before %s, oldest first`, tc.want[0], m3.sha[:7]))
			wantContains(t, "the log", r.Stderr, fmt.Sprintf(`tagged #%d "fix: add svc-2" (%s): %q (an earlier run left it untagged)`, m2.number, m2.sha, tc.want[1]))
			wantContains(t, "the summary", r.Summary, "(left untagged by an earlier run)")

			// A re-run finds both tags and makes nothing.
			f.srv.ResetCalls()
			again := f.run("push", f.pushEvent("push.json", m2.sha, m3.sha), in)
			again.WantCode(t, 0)
			again.WantOutputs(t, map[string]string{"tag": tc.want[2], "created": "false"})
			if n := writes(f.srv); n != 0 {
				t.Errorf("the re-run wrote %d times: %v", n, f.srv.AllCalls())
			}
			if n := len(f.srv.Tags(f.repo)); n != 3 {
				t.Errorf("%d tags after the re-run, want 3", n)
			}
			if strings.Contains(again.Stdout, "no tag") {
				t.Errorf("the re-run reports a merge without a tag:\n%s", again.Stdout)
			}
		})
	}
}

// TestCatchUpRace: the merge of a cancelled run, and the one after it,
// are caught up by two runs at once (the next two pushes', in groups of
// their own), with and without faults: each merge gets exactly one tag
// and one release, the versions follow the merges, and no run fails.
func TestCatchUpRace(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults githubtest.Faults
	}{
		{name: "clean"},
		{name: "30% faults", faults: githubtest.Faults{Transient: 0.3, ResetAfterWrite: 0.3, Seed: 11}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, githubtest.Options{})
			in := map[string]string{"tag-format": "semver"}
			before := f.srv.Ref(f.repo, f.branch)
			m1 := f.small(1, "feat: add svc-1")
			f.run("push", f.pushEvent("push.json", before, m1.sha), in).WantCode(t, 0)
			m2 := f.small(2, "fix: add svc-2")
			m3 := f.small(3, "feat: add svc-3")
			m4 := f.small(4, "fix: add svc-4")
			events := []string{f.pushEvent("push.json", m2.sha, m3.sha), f.pushEvent("push.json", m3.sha, m4.sha)}
			f.srv.SetFaults(tc.faults)
			results := make([]result, len(events))
			var wg sync.WaitGroup
			for i := range events {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = f.run("push", events[i], in)
				}()
			}
			wg.Wait()
			f.srv.SetFaults(githubtest.Faults{})
			for _, r := range results {
				r.WantCode(t, 0)
			}
			results[0].WantOutputs(t, map[string]string{"tag": "v0.2.0", "sha": m3.sha})
			results[1].WantOutputs(t, map[string]string{"tag": "v0.2.1", "sha": m4.sha})
			on := f.tagsOn()
			for i, want := range map[int]string{1: "v0.1.0", 2: "v0.1.1", 3: "v0.2.0", 4: "v0.2.1"} {
				m := []merged{m1, m2, m3, m4}[i-1]
				if got := on[m.sha]; len(got) != 1 || got[0] != want {
					t.Errorf("merge %d has tags %v, want [%s]", i, got, want)
				}
				if rels := f.releasesOf(want); len(rels) != 1 {
					t.Errorf("%s has %d releases, want 1", want, len(rels))
				}
			}
			if n := len(f.srv.Tags(f.repo)); n != 4 {
				t.Errorf("%d tags, want 4: %v", n, on)
			}
			if n := len(f.srv.Releases(f.repo)); n != 4 {
				t.Errorf("%d releases, want 4", n)
			}
			if out := git(t, f.srv.GitDir(f.repo), "fsck", "--strict"); strings.Contains(out, "error") {
				t.Errorf("git fsck: %s", out)
			}
		})
	}
}

// TestCatchUpFirstRun: in a repository without a tag of the format, the
// first run tags its own merge only, never the history before it, and
// says so; a repository whose tags are of another format is the same.
func TestCatchUpFirstRun(t *testing.T) {
	for _, format := range []string{"timestamp", "semver"} {
		t.Run(format, func(t *testing.T) {
			f := newFixture(t, githubtest.Options{})
			root := f.srv.Ref(f.repo, f.branch)
			f.srv.CreateTagAt(f.repo, "release-candidate", root) // of no format
			for i := range 3 {
				f.clock.Set(start.Add(-time.Duration(3-i) * time.Hour))
				f.srv.PushCommit(f.repo, f.branch, map[string]string{"README.md": fmt.Sprintf("# config %d\n", i)}, fmt.Sprintf("feat: edit %d", i), githubtest.Identity{Login: "ann", Name: "ann", Email: "ann@example.com"})
			}
			m := f.small(1, "feat: add svc-1")
			r := f.afterMerge(m, map[string]string{"tag-format": format})
			r.WantCode(t, 0)
			r.WantOutputs(t, map[string]string{"sha": m.sha, "created": "true", "previous-tag": ""})
			if list := tagsOutput(t, r); len(list) != 1 || list[0].SHA != m.sha {
				t.Errorf("output tags: %+v, want the merge's only", list)
			}
			if n := len(f.srv.Tags(f.repo)); n != 2 {
				t.Errorf("%d tags, want the merge's and the one before: %+v", n, f.srv.Tags(f.repo))
			}
			wantContains(t, "the log", r.Stderr, fmt.Sprintf(`no tag of the format %q yet: %s is the first to get one, and the commits before it on "main" stay untagged`, format, m.sha[:7]))
			if strings.Contains(r.Stdout, "::warning::") {
				t.Errorf("a first run warns:\n%s", r.Stdout)
			}
		})
	}
}

// TestCatchUpBounds: a run looks back at most 30 commits. A longer gap is
// not caught up at all (the run tags its own merge and warns, naming what
// to do), unless none of what it saw needs a tag (default-bump none, where
// merges without a release are the rule): then it only logs it.
func TestCatchUpBounds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		gap     int
		subject string
		inputs  map[string]string
		labels  []string
		// caught is how many merges before the run's get a tag; warn the
		// warning, log what the log says instead.
		caught int
		warn   string
		log    string
	}{
		{name: "30 commits", gap: 30, subject: "Edit %d", caught: 30},
		{name: "31 commits", gap: 31, subject: "Edit %d",
			warn: `no tag of the format "timestamp" on the 30 commits of "main" before {sha} (a run looks back at most 30 commits): the 30 merges among them that have no tag, and any before them, are not caught up. To tag them, run the workflow by hand (workflow_dispatch) with sha set to a merge at most 30 commits after the newest tag`},
		{name: "default-bump none", gap: 40, subject: "Edit %d", inputs: map[string]string{"tag-format": "semver", "default-bump": "none"}, labels: []string{"release:minor"},
			log: `none of the 30 commits of "main" before {sha} needs a tag, and no tag of the format "semver" is among them (a run looks back at most 30 commits)`},
		{name: "default-bump none, one release among them", gap: 40, subject: "Edit %d", inputs: map[string]string{"tag-format": "semver", "default-bump": "none"}, labels: []string{"release:minor"},
			warn: `on the 30 commits of "main" before {sha} (a run looks back at most 30 commits): the 1 merge among them that has no tag, and any before them, are not caught up`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, githubtest.Options{})
			format := "timestamp"
			if tc.inputs["tag-format"] != "" {
				format = tc.inputs["tag-format"]
			}
			root := f.srv.Ref(f.repo, f.branch)
			first := "v20260501100000"
			if format == "semver" {
				first = "v1.0.0"
			}
			f.srv.CreateTagAt(f.repo, first, root)
			for i := range tc.gap {
				f.clock.Set(start.Add(-time.Hour + time.Duration(i)*time.Minute))
				msg := fmt.Sprintf(tc.subject, i)
				if strings.HasSuffix(tc.name, "one release among them") && i == tc.gap-5 {
					msg = "feat: a release"
				}
				f.srv.PushCommit(f.repo, f.branch, map[string]string{"README.md": msg + "\n"}, msg, githubtest.Identity{Login: "ann", Name: "ann", Email: "ann@example.com"})
			}
			c := bumpApp()
			c.labels = tc.labels
			m := f.merge(c)
			r := f.afterMerge(m, tc.inputs)
			r.WantCode(t, 0)
			r.WantOutputs(t, map[string]string{"sha": m.sha, "created": "true"})
			if got := len(tagsOutput(t, r)) - 1; got != tc.caught {
				t.Errorf("%d merges caught up, want %d: %s", got, tc.caught, r.Outputs["tags"])
			}
			if n := len(f.srv.Tags(f.repo)); n != tc.caught+2 {
				t.Errorf("%d tags, want %d", n, tc.caught+2)
			}
			out := commands(r.Stdout)
			sha := strings.NewReplacer("{sha}", m.sha[:7])
			switch {
			case tc.warn != "":
				wantContains(t, "the warning", out, "::warning::no tag of the format", sha.Replace(tc.warn))
			case tc.log != "":
				wantContains(t, "the log", r.Stderr, sha.Replace(tc.log))
				if strings.Contains(out, "::warning::") {
					t.Errorf("a gap of merges without a release warns:\n%s", out)
				}
			default:
				wantContains(t, "the notice", out, fmt.Sprintf(`::notice::%d merges on "main" since %s have no tag`, tc.caught, first))
			}
		})
	}
}

// TestCatchUpBeforeNoRelease: a run whose own merge makes no release
// (release:none) still tags the merge before it that a cancelled run
// left untagged.
func TestCatchUpBeforeNoRelease(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	in := map[string]string{"tag-format": "semver"}
	m1 := f.small(1, "feat: add svc-1")
	f.afterMerge(m1, in).WantCode(t, 0)
	m2 := f.small(2, "feat: add svc-2")
	c := bumpApp()
	c.labels, c.at = []string{"release:none"}, start.Add(time.Hour)
	m3 := f.merge(c)
	r := f.afterMerge(m3, in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"tag": "", "created": "false"})
	if list := tagsOutput(t, r); len(list) != 2 || list[0].Tag != "v0.2.0" || list[0].SHA != m2.sha || !list[0].CaughtUp || list[1].Tag != "" {
		t.Errorf("output tags %+v, want m2's v0.2.0 caught up, then m3 without a tag", list)
	}
	if on := f.tagsOn(); len(on[m2.sha]) != 1 || len(on[m3.sha]) != 0 {
		t.Errorf("tags by commit: %v", on)
	}
	wantContains(t, "the notices", commands(r.Stdout), "::notice::label release:none: no release, so "+m3.sha[:7]+" is not tagged")
}

// TestCatchUpRebasedPullRequest: the other commits of a pull request
// rebased as several belong to its merge, tagged once at its last; they
// are not merges an earlier run missed.
func TestCatchUpRebasedPullRequest(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	m1 := f.small(1, "Add svc-1")
	f.afterMerge(m1, nil).WantCode(t, 0)
	c := bumpApp()
	c.method, c.at = githubtest.Rebase, start.Add(time.Hour)
	c.files["docs/readme.md"] = "x\n"
	c.commits = 3
	m := f.merge(c)
	r := f.afterMerge(m, nil)
	r.WantCode(t, 0)
	if list := tagsOutput(t, r); len(list) != 1 || list[0].SHA != m.sha || list[0].Tag != "v20260501130000" {
		t.Errorf("output tags %+v, want the pull request's only, on its last commit", list)
	}
	if n := len(f.srv.Tags(f.repo)); n != 2 || strings.Contains(r.Stdout, "no tag") {
		t.Errorf("%d tags (want 2); stdout:\n%s", n, r.Stdout)
	}
}

// TestCatchUpBudget counts the requests of a run on a pull request's merge
// that catches up the merges of cancelled runs: the run's own six, and
// five for each merge caught up (its commit, one GraphQL lookup, the tag
// object, the ref, the release). Base's history comes with the run's own
// lookup.
func TestCatchUpBudget(t *testing.T) {
	for _, missed := range []int{0, 1, 3} {
		t.Run(fmt.Sprint(missed, " missed"), func(t *testing.T) {
			f := newFixture(t, githubtest.Options{})
			m1 := f.small(1, "Add svc-1")
			f.afterMerge(m1, nil).WantCode(t, 0)
			for i := range missed {
				f.small(2+i, fmt.Sprintf("Add svc-%d", 2+i))
			}
			m := f.small(2+missed, "Add the last")
			f.srv.ResetCalls()
			r := f.afterMerge(m, nil)
			r.WantCode(t, 0)
			if n := len(tagsOutput(t, r)); n != missed+1 {
				t.Fatalf("%d tags made, want %d", n, missed+1)
			}
			t.Logf("tag and release one merge, %d caught up: %d requests\n%s", missed, f.srv.TotalCalls(), f.srv.CallTable())
			if got, want := f.srv.TotalCalls(), 6+5*missed; got != want {
				t.Errorf("%d requests, want %d", got, want)
			}
		})
	}
}

// TestLocalCatchUp: on a checkout, a run tags the commits of HEAD's
// first-parent line since the newest tag of the format that no run
// tagged, oldest first (a merge commit, not the commits of the branch it
// merged), then HEAD; the first run tags HEAD only; a dry run shows what
// it would tag; a re-run tags nothing.
func TestLocalCatchUp(t *testing.T) {
	c := newCheckout(t)
	one := c.commit(start.Add(time.Hour), "feat: the worker", stagingAt("v2.1.0"))
	first := c.run("--tag-format", "semver")
	first.wantCode(t, 0)
	first.wantOutputs(t, map[string]string{"tag": "v0.1.0", "sha": one})
	wantContains(t, "the first run's log", first.Stderr, `no tag of the format "semver" yet: `+one[:7]+` is the first to get one`)
	if tags := c.git("tag", "--list"); tags != "v0.1.0" {
		t.Fatalf("tags after the first run: %q", tags)
	}

	// A branch of two commits merged by a merge commit, whose run never
	// ran, then a commit on main.
	c.git("switch", "--quiet", "-c", "feature")
	c.commit(start.Add(2*time.Hour), "fix: part one", map[string]string{"docs/a.md": "a\n"})
	c.commit(start.Add(3*time.Hour), "feat!: part two", map[string]string{"docs/b.md": "b\n"})
	c.git("switch", "--quiet", "main")
	c.t.Setenv("GIT_COMMITTER_DATE", start.Add(4*time.Hour).Format(time.RFC3339))
	c.git("merge", "--quiet", "--no-ff", "-m", "fix: merge the docs", "feature")
	merge := c.git("rev-parse", "HEAD")
	head := c.commit(start.Add(5*time.Hour), "feat: the api", stagingAt("v2.2.0"))

	dry := c.run("--tag-format", "semver", "--dry-run")
	dry.wantCode(t, 0)
	wantContains(t, "the dry run's log", dry.Stderr, `dry run: commit `+merge+` would be tagged "v0.1.1" (an earlier run left it untagged)`, `dry run: commit `+head+` would be tagged "v0.2.0"`)
	if tags := c.git("tag", "--list"); tags != "v0.1.0" {
		t.Fatalf("tags after the dry run: %q", tags)
	}

	r := c.run("--tag-format", "semver")
	r.wantCode(t, 0)
	r.wantOutputs(t, map[string]string{"tag": "v0.2.0", "sha": head, "previous-tag": "v0.1.1",
		"tags": `[{"tag":"v0.1.1","sha":"` + merge + `","pull-request-number":"","created":true,"release-url":"","caught-up":true},{"tag":"v0.2.0","sha":"` + head + `","pull-request-number":"","created":true,"release-url":""}]`})
	for name, sha := range map[string]string{"v0.1.0": one, "v0.1.1": merge, "v0.2.0": head} {
		if got := c.git("rev-parse", name+"^{commit}"); got != sha {
			t.Errorf("%s is on %s, want %s", name, got, sha)
		}
	}
	if tags := strings.Fields(c.git("tag", "--list")); len(tags) != 3 {
		t.Errorf("tags: %v, want 3 (none on the branch's commits)", tags)
	}
	wantContains(t, "the notes", r.Stderr, `the release notes of "v0.1.1"`, "## fix: merge the docs")
	wantContains(t, "the notice", r.Stderr, `notice: 1 merge on "main" since v0.1.0 has no tag`)

	again := c.run("--tag-format", "semver")
	again.wantCode(t, 0)
	again.wantOutputs(t, map[string]string{"tag": "v0.2.0", "created": "false", "tags": `[{"tag":"v0.2.0","sha":"` + head + `","pull-request-number":"","created":false,"release-url":""}]`})
	if tags := strings.Fields(c.git("tag", "--list")); len(tags) != 3 {
		t.Errorf("tags after the re-run: %v", tags)
	}
}
