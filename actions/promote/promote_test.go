package promote_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
	"github.com/gitops-actions/gitops-actions/internal/mdtext/mdtexttest"
)

// bumpApp is the change most tests merge: staging's app to v2.1.0 and its
// api to 1.1.0.
func bumpApp() change {
	return change{
		title:     "Bump app to v2.1.0",
		author:    "ann",
		approvers: []string{"bob", "carol"},
		labels:    []string{"gitops"},
		files: map[string]string{
			"environments/staging/app.yaml":           deployment("app", "ghcr.io/acme/app:v2.1.0"),
			"environments/staging/kustomization.yaml": "resources:\n  - app.yaml\nimages:\n  - name: ghcr.io/acme/api\n    newTag: 1.1.0\n",
		},
	}
}

// TestTagAMerge tags a pull request merged each way: the tag is annotated,
// on the commit the base branch now has, named after the merge time, and
// its message names the pull request, its author, approvers and URL, and
// the merge commit.
func TestTagAMerge(t *testing.T) {
	for _, method := range []string{githubtest.MergeCommit, githubtest.Squash, githubtest.Rebase} {
		t.Run(method, func(t *testing.T) {
			f := newFixture(t, githubtest.Options{})
			c := bumpApp()
			c.method = method
			if method != githubtest.Rebase {
				// Both files in two commits: the merge commit against its
				// first parent holds both changes. (A rebase lands each
				// commit on its own; its merge_commit_sha is the last.)
				c.commits = 2
			}
			m := f.merge(c)
			if got := f.srv.Ref(f.repo, "main"); got != m.sha {
				t.Fatalf("main at %s, the merge commit is %s", got, m.sha)
			}
			r := f.run("pull_request", f.prEvent("pull_request.closed.json", m), nil)
			r.WantCode(t, 0)
			r.WantOutputs(t, map[string]string{
				"tag": "v20260501120000", "sha": m.sha, "created": "true", "pull-request-number": fmt.Sprint(m.number),
				"previous-tag": "", "version": "",
			})
			tg := f.tag("v20260501120000")
			if !tg.Annotated || tg.Commit != m.sha {
				t.Errorf("tag: annotated %v on %s, want annotated on %s", tg.Annotated, tg.Commit, m.sha)
			}
			if tg.Tagger.Name != "github-actions[bot]" {
				t.Errorf("tagger %q, want the token's identity", tg.Tagger.Name)
			}
			for _, want := range []string{
				"Bump app to v2.1.0 (#1)\n\n",
				"Pull-Request: #1 Bump app to v2.1.0\n",
				"URL: " + m.htmlURL + "\n",
				"Author: ann\n",
				"Approved-By: bob, carol\n",
				"Labels: gitops\n",
				"Merged-At: 2026-05-01T12:00:00Z\n",
				"Merge-Commit: " + m.sha + "\n",
				"- staging: ghcr.io/acme/app v2.0.0 -> v2.1.0 (environments/staging/app.yaml:10)\n",
				"- staging: ghcr.io/acme/api 1.0.0 -> 1.1.0 (environments/staging/kustomization.yaml:5)\n",
			} {
				if !strings.Contains(tg.Message, want) {
					t.Errorf("tag message lacks %q:\n%s", want, tg.Message)
				}
			}
			dir := f.srv.GitDir(f.repo)
			if got := git(t, dir, "cat-file", "-t", "v20260501120000"); got != "tag" {
				t.Errorf("git cat-file -t: %q, want tag", got)
			}
			if got := git(t, dir, "rev-parse", "v20260501120000^{commit}"); got != m.sha {
				t.Errorf("git rev-parse: %s, want %s", got, m.sha)
			}
			rels := f.releasesOf("v20260501120000")
			if len(rels) != 1 || rels[0].Draft || rels[0].Name != "v20260501120000" {
				t.Fatalf("releases: %+v", rels)
			}
			r.WantOutputs(t, map[string]string{"release-id": fmt.Sprint(rels[0].ID), "release-url": f.srv.URL + "/acme/config/releases/tag/v20260501120000"})
			if !strings.Contains(r.Stderr, `tagged #1 "Bump app to v2.1.0"`) {
				t.Errorf("log:\n%s", r.Stderr)
			}
		})
	}
}

// TestReleaseNotes checks what a release says: the pull request, its
// people and labels, and each image change with its environment.
func TestReleaseNotes(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	first := f.merge(change{title: "Bump app to v2.0.1", files: map[string]string{"environments/staging/app.yaml": deployment("app", "ghcr.io/acme/app:v2.0.1")}, at: start.Add(-24 * time.Hour)})
	f.run("pull_request", f.prEvent("pull_request.closed.json", first), nil).WantCode(t, 0)
	m := f.merge(change{
		title: "Promote app v2.0.1 to production", author: "dave", approvers: []string{"erin"}, labels: []string{"promotion", "release:minor"},
		files: map[string]string{
			"environments/production/app.yaml":     deployment("app", "ghcr.io/acme/app:v2.0.1"),
			"environments/production/values.yaml":  "image:\n  repository: ghcr.io/acme/web\n  tag: 3.0.0\n",
			"environments/staging/app.yaml":        deployment("app", "ghcr.io/acme/app:v2.0.1@sha256:"+strings.Repeat("c", 64)),
			"shared/notes.md":                      "not yaml\n",
			"environments/production/broken.yaml":  "image: [\n",
			"environments/production/readme.yaml":  "# nothing here\n",
			"environments/production/cronjob.yaml": "apiVersion: batch/v1\nkind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: job\n              image: busybox:1.36\n",
		},
	})
	r := f.run("pull_request", f.prEvent("pull_request.closed.json", m), nil)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"tag": "v20260501120000", "previous-tag": "v20260430120000"})
	rels := f.releasesOf("v20260501120000")
	if len(rels) != 1 {
		t.Fatalf("releases: %+v", f.srv.Releases(f.repo))
	}
	body := rels[0].Body
	for _, want := range []string{
		fmt.Sprintf("## Promote app v2.0.1 to production ([#2](%s))\n", m.htmlURL),
		fmt.Sprintf("- **Pull request:** [#2](%s) by @dave\n", m.htmlURL),
		"- **Approved by:** @erin\n",
		"- **Labels:** `promotion`, `release:minor`\n",
		"- **Merged:** 2026-05-01 12:00:00 UTC\n",
		fmt.Sprintf("- **Commit:** [`%s`](%s/acme/config/commit/%s)\n", m.sha[:7], f.srv.URL, m.sha),
		"| environment | image | old | new | where |\n|---|---|---|---|---|\n",
		"| `production` | `ghcr.io/acme/app` | `v1.9.0` | `v2.0.1` | `environments/production/app.yaml:10` |\n",
		"| `production` | `docker.io/library/busybox` | `(none)` | `1.36` | `environments/production/cronjob.yaml:10` |\n",
		"| `production` | `ghcr.io/acme/web` | `(none)` | `3.0.0` | `environments/production/values.yaml:3` |\n",
		"| `staging` | `ghcr.io/acme/app` | `v2.0.1` | `v2.0.1@sha256:" + strings.Repeat("c", 12) + "…` | `environments/staging/app.yaml:10` |\n",
		"environments/production/broken.yaml",
		fmt.Sprintf("**Full changelog:** [v20260430120000...v20260501120000](%s/acme/config/compare/v20260430120000...v20260501120000)\n", f.srv.URL),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("notes lack %q:\n%s", want, body)
		}
	}
	page := mdtexttest.Render(t, body)
	mdtexttest.CheckTables(t, page)
	if l := mdtexttest.Inspect(page); len(l.References)+len(l.URLs) > 0 || strings.Join(l.Mentions, " ") != "@dave @erin" {
		t.Errorf("the notes link or mention more than the author and approver: %+v", l)
	}
	if strings.Contains(body, "notes.md") {
		t.Errorf("a file that is not YAML is in the notes:\n%s", body)
	}
	if !strings.Contains(r.Stdout, "::warning::environments/production/broken.yaml") {
		t.Errorf("no warning about the file that does not parse:\n%s", r.Stdout)
	}
}

// TestReRunCreatesNothing runs the same event again: the tag is found on
// its commit, nothing is written, the outputs are the same but created.
func TestReRunCreatesNothing(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	m := f.merge(bumpApp())
	ev := f.prEvent("pull_request.closed.json", m)
	first := f.run("pull_request", ev, nil)
	first.WantCode(t, 0)
	f.srv.ResetCalls()
	again := f.run("pull_request", ev, nil)
	again.WantCode(t, 0)
	for _, k := range []string{"tag", "sha", "pull-request-number", "release-url", "release-id"} {
		if again.Outputs[k] != first.Outputs[k] || first.Outputs[k] == "" {
			t.Errorf("output %s: %q on the re-run, %q at first", k, again.Outputs[k], first.Outputs[k])
		}
	}
	again.WantOutputs(t, map[string]string{"created": "false"})
	if n := writes(f.srv); n != 0 {
		t.Errorf("the re-run wrote %d times: %v", n, f.srv.AllCalls())
	}
	if n := f.srv.TotalCalls(); n > 4 {
		t.Errorf("the re-run cost %d requests, want at most 4: %v", n, f.srv.AllCalls())
	}
	if len(f.srv.Tags(f.repo)) != 1 || len(f.srv.Releases(f.repo)) != 1 {
		t.Errorf("tags %+v, releases %+v; want one each", f.srv.Tags(f.repo), f.srv.Releases(f.repo))
	}
	if !strings.Contains(again.Stderr, `is tagged "v20260501120000" already`) || !strings.Contains(again.Stderr, "left as it is") {
		t.Errorf("log of the re-run:\n%s", again.Stderr)
	}
}

// TestSameSecondCollision merges two pull requests in the same second: the
// second run finds the name taken by the first merge and takes -1.
func TestSameSecondCollision(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	a := f.merge(change{title: "A", files: map[string]string{"environments/staging/a.yaml": deployment("a", "ghcr.io/acme/a:1")}})
	b := f.merge(change{title: "B", files: map[string]string{"environments/staging/b.yaml": deployment("b", "ghcr.io/acme/b:1")}})
	ra := f.run("pull_request", f.prEvent("pull_request.closed.json", a), nil)
	rb := f.run("pull_request", f.prEvent("pull_request.closed.json", b), nil)
	ra.WantCode(t, 0)
	rb.WantCode(t, 0)
	ra.WantOutputs(t, map[string]string{"tag": "v20260501120000", "created": "true"})
	rb.WantOutputs(t, map[string]string{"tag": "v20260501120000-1", "created": "true", "previous-tag": "v20260501120000"})
	if !strings.Contains(rb.Stderr, `tag "v20260501120000" is held by another commit`) {
		t.Errorf("the collision is not in the log:\n%s", rb.Stderr)
	}
	on := f.tagsOn()
	if len(on[a.sha]) != 1 || len(on[b.sha]) != 1 {
		t.Errorf("tags by commit: %v", on)
	}
	// Re-running the second run finds its -1.
	again := f.run("pull_request", f.prEvent("pull_request.closed.json", b), nil)
	again.WantOutputs(t, map[string]string{"tag": "v20260501120000-1", "created": "false"})
	if len(f.srv.Tags(f.repo)) != 2 {
		t.Errorf("tags after the re-run: %+v", f.srv.Tags(f.repo))
	}
}

// TestSemver reads every existing tag (more than a page of 100) and bumps
// the highest by the pull request's labels or title.
func TestSemver(t *testing.T) {
	for _, tc := range []struct {
		name    string
		labels  []string
		title   string
		inputs  map[string]string
		want    string // "" for no tag
		wantWhy string
	}{
		{name: "major label", labels: []string{"release:major"}, title: "fix: typo", want: "v1.0.0", wantWhy: "label release:major"},
		{name: "minor label beats a breaking title", labels: []string{"release:minor"}, title: "feat!: new API", want: "v0.120.0"},
		{name: "patch label", labels: []string{"Release:Patch"}, title: "feat: x", want: "v0.119.1"},
		{name: "none label", labels: []string{"release:none", "release:major"}, title: "feat: x", want: ""},
		{name: "feat title", title: "feat(app): add staging", want: "v0.120.0", wantWhy: `Conventional Commits "feat"`},
		{name: "breaking title", title: "refactor!: drop v1 manifests", want: "v1.0.0"},
		{name: "breaking footer", title: "fix: rename", want: "v1.0.0"},
		{name: "fix title", title: "fix: pin nginx", want: "v0.119.1"},
		{name: "plain title, default", title: "Update the README", want: "v0.119.1", wantWhy: "default-bump"},
		{name: "plain title, default minor", title: "Update the README", inputs: map[string]string{"default-bump": "minor"}, want: "v0.120.0"},
		{name: "plain title, default none", title: "Update the README", inputs: map[string]string{"default-bump": "none"}, want: ""},
		{name: "prefix", title: "feat: x", inputs: map[string]string{"tag-prefix": "app-v"}, want: "app-v3.1.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, githubtest.Options{})
			base := f.srv.Ref(f.repo, "main")
			for i := range 120 {
				f.srv.CreateTagAt(f.repo, fmt.Sprintf("v0.%d.0", i), base)
			}
			for _, n := range []string{"v0.119.0-rc.1", "v9.0.0-beta", "app-v3.0.0", "vlatest"} {
				f.srv.CreateTagAt(f.repo, n, base)
			}
			c := bumpApp()
			c.labels, c.title = tc.labels, tc.title
			if tc.name == "breaking footer" {
				c.body = "Renames the app.\n\nBREAKING CHANGE: the old name is gone"
			}
			m := f.merge(c)
			in := map[string]string{"tag-format": "semver"}
			for k, v := range tc.inputs {
				in[k] = v
			}
			before := len(f.srv.Tags(f.repo))
			r := f.run("pull_request", f.prEvent("pull_request.closed.json", m), in)
			r.WantCode(t, 0)
			if tc.want == "" {
				r.WantOutputs(t, map[string]string{"tag": "", "created": "false"})
				if len(f.srv.Tags(f.repo)) != before || !strings.Contains(r.Stdout, "::notice::") {
					t.Errorf("no tag wanted, with a notice; stdout:\n%s", r.Stdout)
				}
				return
			}
			prefix := "v"
			if p := tc.inputs["tag-prefix"]; p != "" {
				prefix = p
			}
			r.WantOutputs(t, map[string]string{"tag": tc.want, "version": strings.TrimPrefix(tc.want, prefix), "created": "true"})
			if tg := f.tag(tc.want); tg.Commit != m.sha {
				t.Errorf("%s on %s, want %s", tc.want, tg.Commit, m.sha)
			}
			if tc.wantWhy != "" && !strings.Contains(r.Stderr, tc.wantWhy) {
				t.Errorf("the log does not say why (%s):\n%s", tc.wantWhy, r.Stderr)
			}
			// Run again: the version is found on the commit, not bumped
			// once more.
			again := f.run("pull_request", f.prEvent("pull_request.closed.json", m), in)
			again.WantOutputs(t, map[string]string{"tag": tc.want, "created": "false"})
			if len(f.srv.Tags(f.repo)) != before+1 {
				t.Errorf("tags after the re-run: %d, want %d", len(f.srv.Tags(f.repo)), before+1)
			}
		})
	}
}

// TestPatternFormat names tags with a strftime pattern; -1 tells apart
// two merges in the same minute.
func TestPatternFormat(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	a := f.merge(change{title: "A", files: map[string]string{"environments/staging/a.yaml": deployment("a", "ghcr.io/acme/a:1")}, at: start.Add(5 * time.Second)})
	b := f.merge(change{title: "B", files: map[string]string{"environments/staging/b.yaml": deployment("b", "ghcr.io/acme/b:1")}, at: start.Add(40 * time.Second)})
	in := map[string]string{"tag-format": "release-%Y.%m.%d-%H%M"}
	f.run("pull_request", f.prEvent("pull_request.closed.json", a), in).WantOutputs(t, map[string]string{"tag": "release-2026.05.01-1200"})
	f.run("pull_request", f.prEvent("pull_request.closed.json", b), in).WantOutputs(t, map[string]string{"tag": "release-2026.05.01-1200-1", "previous-tag": "release-2026.05.01-1200"})
}

// TestPushWithThreePullRequests is a merge queue's push: three pull
// requests land at once and each gets its tag, oldest first; a commit
// pushed without a pull request gets one at its committer time.
func TestPushWithThreePullRequests(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	before := f.srv.Ref(f.repo, "main")
	var ms []merged
	for i, method := range []string{githubtest.MergeCommit, githubtest.Squash, githubtest.Rebase} {
		ms = append(ms, f.merge(change{
			title: fmt.Sprintf("Change %d", i+1), method: method, commits: 2,
			files: map[string]string{fmt.Sprintf("environments/staging/c%d.yaml", i): deployment("c", fmt.Sprintf("ghcr.io/acme/c%d:1", i)), fmt.Sprintf("docs/c%d.md", i): "x\n"},
			at:    start.Add(time.Duration(i) * time.Second),
		}))
	}
	f.clock.Set(start.Add(time.Minute))
	direct := f.srv.PushCommit(f.repo, "main", map[string]string{"README.md": "# config, edited in place\n"}, "Edit the README", githubtest.Identity{Login: "dave", Name: "dave", Email: "dave@example.com"})
	f.srv.ResetCalls()
	r := f.run("push", f.pushEvent("push.json", before, direct), nil)
	r.WantCode(t, 0)
	// The compare, one GraphQL request for the pull requests of the five
	// commits of main's line, then 6 for the first merge and 5 for each
	// other (the tags are listed once).
	t.Logf("four merges of one push: %d requests\n%s", f.srv.TotalCalls(), f.srv.CallTable())
	if got, want := f.srv.TotalCalls(), 2+6+3*5; got != want || f.srv.Calls(githubtest.RouteCommitPulls) != 0 {
		t.Errorf("%d requests, want %d, none of them GET commits/{sha}/pulls", got, want)
	}
	var list []struct {
		Tag     string `json:"tag"`
		SHA     string `json:"sha"`
		Pull    string `json:"pull-request-number"`
		Created bool   `json:"created"`
	}
	if err := json.Unmarshal([]byte(r.Outputs["tags"]), &list); err != nil {
		t.Fatalf("output tags %q: %v", r.Outputs["tags"], err)
	}
	want := []string{
		"v20260501120000 " + ms[0].sha + " #1",
		"v20260501120001 " + ms[1].sha + " #2",
		"v20260501120002 " + ms[2].sha + " #3",
		"v20260501120100 " + direct + " #",
	}
	var got []string
	for _, e := range list {
		got = append(got, e.Tag+" "+e.SHA+" #"+e.Pull)
		if !e.Created {
			t.Errorf("%s not created", e.Tag)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tags:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	r.WantOutputs(t, map[string]string{"tag": "v20260501120100", "sha": direct, "pull-request-number": "", "previous-tag": "v20260501120002"})
	if n := len(f.srv.Tags(f.repo)); n != 4 {
		t.Errorf("%d tags, want 4: %+v", n, f.srv.Tags(f.repo))
	}
	if msg := f.tag("v20260501120100").Message; !strings.Contains(msg, "Edit the README\n\nCommit: "+direct) || !strings.Contains(msg, "Pull-Request: none") {
		t.Errorf("message of the direct push:\n%s", msg)
	}
	// The same push again tags nothing more.
	again := f.run("push", f.pushEvent("push.json", before, direct), nil)
	again.WantCode(t, 0)
	if n := len(f.srv.Tags(f.repo)); n != 4 || strings.Contains(again.Outputs["tags"], `"created":true`) {
		t.Errorf("the re-run: %d tags, output %s", n, again.Outputs["tags"])
	}
}

// TestWorkflowDispatch tags the head of the base branch, or the sha input.
func TestWorkflowDispatch(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	first := f.merge(change{title: "First", files: map[string]string{"environments/staging/a.yaml": deployment("a", "ghcr.io/acme/a:1")}, at: start.Add(-time.Hour)})
	second := f.merge(bumpApp())
	head := f.run("workflow_dispatch", "", nil)
	head.WantCode(t, 0)
	head.WantOutputs(t, map[string]string{"tag": "v20260501120000", "sha": second.sha, "pull-request-number": "2"})
	byInput := f.run("workflow_dispatch", "", map[string]string{"sha": first.sha[:10]})
	byInput.WantCode(t, 0)
	byInput.WantOutputs(t, map[string]string{"tag": "v20260501110000", "sha": first.sha, "pull-request-number": "1"})
}

// TestNothingToTag: events that bring no merge are no-ops with a notice.
func TestNothingToTag(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	m := f.merge(bumpApp())
	unmerged := readPayload(t, "pull_request.closed.json")
	f.setRepo(unmerged)
	tagPush := readPayload(t, "push.json")
	f.setRepo(tagPush)
	tagPush["ref"], tagPush["after"] = "refs/tags/v1", m.sha
	otherBranch := readPayload(t, "push.json")
	f.setRepo(otherBranch)
	otherBranch["ref"], otherBranch["after"] = "refs/heads/feature", m.sha
	queue := readPayload(t, "merge_group.checks_requested.json")
	f.setRepo(queue)
	issue := readPayload(t, "issues.opened.json")
	f.setRepo(issue)
	for _, tc := range []struct {
		name, event string
		payload     map[string]any
		wantNotice  string
	}{
		{"merge group", "merge_group", queue, "merge_group runs before anything lands"},
		{"closed without merging", "pull_request", unmerged, "pull request #1 was closed without merging"},
		{"push of a tag", "push", tagPush, `the push is of "refs/tags/v1", not of a branch`},
		{"push to another branch", "push", otherBranch, `the push is to "feature", not "main"`},
		{"unrelated event", "issues", issue, `event "issues" is not one that brings merges`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.srv.ResetCalls()
			r := f.run(tc.event, writePayload(t, tc.payload), nil)
			r.WantCode(t, 0)
			if !strings.Contains(r.Stdout, "::notice::") || !strings.Contains(r.Stdout, tc.wantNotice) {
				t.Errorf("notice %q missing:\n%s", tc.wantNotice, r.Stdout)
			}
			r.WantOutputs(t, map[string]string{"created": "false", "tag": "", "tags": "[]"})
			if n := writes(f.srv); n != 0 {
				t.Errorf("%d writes: %v", n, f.srv.AllCalls())
			}
			if !strings.Contains(r.Summary, "Nothing tagged") {
				t.Errorf("summary:\n%s", r.Summary)
			}
		})
	}
	if len(f.srv.Tags(f.repo)) != 0 {
		t.Errorf("tags: %+v", f.srv.Tags(f.repo))
	}
}

// TestExistingReleaseLeftAlone: a tag made without a release, then
// released by a person; running again with releases on leaves it.
func TestExistingReleaseLeftAlone(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	m := f.merge(bumpApp())
	ev := f.prEvent("pull_request.closed.json", m)
	r := f.run("pull_request", ev, map[string]string{"create-release": "false"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"tag": "v20260501120000", "release-url": "", "release-id": ""})
	if n := len(f.srv.Releases(f.repo)); n != 0 {
		t.Fatalf("%d releases with create-release false", n)
	}
	id := f.srv.CreateRelease(f.repo, "v20260501120000", "Hand-made", "Written by a person.")
	again := f.run("pull_request", ev, nil)
	again.WantCode(t, 0)
	again.WantOutputs(t, map[string]string{"created": "false", "release-id": fmt.Sprint(id)})
	rels := f.srv.Releases(f.repo)
	if len(rels) != 1 || rels[0].Body != "Written by a person." || rels[0].Name != "Hand-made" {
		t.Errorf("releases: %+v", rels)
	}
}

// TestDraftAndPrerelease: the release is made as asked, and a re-run finds
// the draft (which GitHub's lookup by tag does not) instead of adding one.
func TestDraftAndPrerelease(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	m := f.merge(bumpApp())
	ev := f.prEvent("pull_request.closed.json", m)
	in := map[string]string{"release-draft": "true", "prerelease": "true"}
	f.run("pull_request", ev, in).WantCode(t, 0)
	f.run("pull_request", ev, in).WantCode(t, 0)
	rels := f.srv.Releases(f.repo)
	if len(rels) != 1 || !rels[0].Draft || !rels[0].Prerelease {
		t.Errorf("releases: %+v, want one draft pre-release", rels)
	}
}

// TestReleaseFailsAfterTheTag: the release cannot be published (every try
// fails); the run fails naming the tag, and a re-run publishes it without a
// second tag.
func TestReleaseFailsAfterTheTag(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	m := f.merge(bumpApp())
	ev := f.prEvent("pull_request.closed.json", m)
	f.srv.SetFaults(githubtest.Faults{Transient: 1, Seed: 1, Routes: []string{githubtest.RouteCreateRelease}})
	r := f.run("pull_request", ev, nil)
	r.WantCode(t, 1)
	if !strings.Contains(r.Stdout, `::error::tag "v20260501120000" is made, but its release could not be published`) {
		t.Errorf("the error does not name the tag:\n%s", r.Stdout)
	}
	r.WantOutputs(t, map[string]string{"tag": "v20260501120000", "created": "true", "release-url": ""})
	if len(f.srv.Releases(f.repo)) != 0 || len(f.srv.Tags(f.repo)) != 1 {
		t.Fatalf("tags %+v, releases %+v", f.srv.Tags(f.repo), f.srv.Releases(f.repo))
	}
	f.srv.SetFaults(githubtest.Faults{})
	again := f.run("pull_request", ev, nil)
	again.WantCode(t, 0)
	again.WantOutputs(t, map[string]string{"tag": "v20260501120000", "created": "false"})
	if len(f.srv.Releases(f.repo)) != 1 || len(f.srv.Tags(f.repo)) != 1 {
		t.Errorf("after the re-run: tags %+v, releases %+v", f.srv.Tags(f.repo), f.srv.Releases(f.repo))
	}
	if again.Outputs["release-url"] == "" || !strings.Contains(again.Stderr, "published") {
		t.Errorf("release not published by the re-run:\n%s", again.Stderr)
	}
}

// TestBadInput: exit 2 naming the input, before anything is written.
func TestBadInput(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	m := f.merge(bumpApp())
	ev := f.prEvent("pull_request.closed.json", m)
	for _, tc := range []struct {
		name    string
		event   string
		inputs  map[string]string
		wantMsg string
	}{
		{name: "unknown tag-format directive", event: "pull_request", inputs: map[string]string{"tag-format": "release-%Y-%Q"}, wantMsg: `input "tag-format": "release-%Y-%Q": unknown directive "%Q"`},
		{name: "tag-format that is no format", event: "pull_request", inputs: map[string]string{"tag-format": "semvar"}, wantMsg: `input "tag-format": "semvar" is neither timestamp nor semver`},
		{name: "tag-prefix", event: "pull_request", inputs: map[string]string{"tag-prefix": "v 1"}, wantMsg: `input "tag-prefix": "v 1" cannot start a tag name`},
		{name: "tag-prefix with a colon", event: "pull_request", inputs: map[string]string{"tag-prefix": "rel:"}, wantMsg: `input "tag-prefix"`},
		{name: "default-bump", event: "pull_request", inputs: map[string]string{"default-bump": "huge"}, wantMsg: `input "default-bump": "huge"`},
		{name: "sha that does not exist", event: "workflow_dispatch", inputs: map[string]string{"sha": strings.Repeat("ab", 20)}, wantMsg: `input "sha": commit "` + strings.Repeat("ab", 20) + `" does not exist in acme/config`},
		{name: "sha that is no sha", event: "workflow_dispatch", inputs: map[string]string{"sha": "main~1"}, wantMsg: `input "sha": "main~1" is not a commit SHA`},
		{name: "base that does not exist", event: "workflow_dispatch", inputs: map[string]string{"base": "nope"}, wantMsg: `input "base": branch "nope" does not exist`},
		{name: "no token, and no checkout to work on instead", event: "pull_request", inputs: map[string]string{"token": ""}, wantMsg: `without token and app-id, promote works on the git checkout it runs in`},
		{name: "bad boolean", event: "pull_request", inputs: map[string]string{"create-release": "yes"}, wantMsg: `input "create-release": "yes" is not a boolean`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.srv.ResetCalls()
			r := f.run(tc.event, ev, tc.inputs)
			r.WantCode(t, 2)
			if out := commands(r.Stdout); !strings.Contains(out, "::error::") || !strings.Contains(out, tc.wantMsg) {
				t.Errorf("error %q missing:\n%s", tc.wantMsg, out)
			}
			if n := writes(f.srv); n != 0 {
				t.Errorf("%d writes on bad input", n)
			}
		})
	}
	if len(f.srv.Tags(f.repo)) != 0 {
		t.Errorf("tags after bad input: %+v", f.srv.Tags(f.repo))
	}
}
