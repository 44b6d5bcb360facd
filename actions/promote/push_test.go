package promote_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// TestPushOfOneMerge: a run on the push of one merged pull request (a
// merge commit, a squash, a rebase of one commit) finds the pull request
// itself and tags the merge as the run on its pull_request closed event
// does: the same name (the merge time; semver: the label's bump), the
// same message (the pull request, its approvers, its labels, the image
// changes) and the same release notes. The push's tag and release cost
// the same 6 requests: the compare gives the commit and its files, the
// GraphQL lookup the pull request with its approvers.
func TestPushOfOneMerge(t *testing.T) {
	for _, method := range []string{githubtest.MergeCommit, githubtest.Squash, githubtest.Rebase} {
		for _, format := range []string{"timestamp", "semver"} {
			t.Run(method+" "+format, func(t *testing.T) {
				in := map[string]string{"tag-format": format}
				c := bumpApp()
				c.method, c.labels = method, []string{"release:minor"}
				run := func(event string) (result, githubtest.Tag, string, *fixture) {
					t.Helper()
					f := newFixture(t, githubtest.Options{})
					// The first tag of the format (semver: v0.0.1, a patch); the
					// merge is the second (the label's minor: v0.1.0).
					first := f.srv.Ref(f.repo, f.branch)
					f.run("workflow_dispatch", "", in).WantCode(t, 0)
					m := f.merge(c)
					if m.parentOf != first {
						t.Fatalf("main moved: %s, want %s", m.parentOf, first)
					}
					ev := f.eventOf(event, m)
					f.srv.ResetCalls()
					r := f.run(event, ev, in)
					r.WantCode(t, 0)
					r.WantOutputs(t, map[string]string{"created": "true", "sha": m.sha, "pull-request-number": "1"})
					tg := f.tag(r.Outputs["tag"])
					notes := f.releasesOf(tg.Name)[0].Body
					// Each fixture has its own server: its address differs.
					return r, tg, strings.ReplaceAll(notes, f.srv.URL, "SERVER"), f
				}
				pr, prTag, prNotes, _ := run("pull_request")
				push, pushTag, pushNotes, f := run("push")
				want := map[string]string{"timestamp": "v20260501120000", "semver": "v0.1.0"}[format]
				if prTag.Name != want || pushTag.Name != want {
					t.Errorf("tags: pull_request %q, push %q; want %q", prTag.Name, pushTag.Name, want)
				}
				prMsg := strings.ReplaceAll(prTag.Message, strings.Split(pr.Outputs["release-url"], "/acme/")[0], "SERVER")
				pushMsg := strings.ReplaceAll(pushTag.Message, f.srv.URL, "SERVER")
				if prMsg != pushMsg {
					t.Errorf("the push's tag message:\n%s\nthe pull_request's:\n%s", pushMsg, prMsg)
				}
				wantContains(t, "the push's tag message", pushMsg, "Pull-Request: #1 Bump app to v2.1.0", "Approved-By: bob, carol", "Labels: release:minor", "Merged-At: 2026-05-01T12:00:00Z", "ghcr.io/acme/app v2.0.0 -> v2.1.0")
				if prNotes != pushNotes {
					t.Errorf("the push's release notes:\n%s\nthe pull_request's:\n%s", pushNotes, prNotes)
				}
				t.Logf("tag and release on push: %d requests\n%s", f.srv.TotalCalls(), f.srv.CallTable())
				for route, n := range map[string]int{
					githubtest.RouteCompare:       1,
					githubtest.RouteMatchingRefs:  1,
					githubtest.RouteGraphQL:       1,
					githubtest.RouteCreateTag:     1,
					githubtest.RouteCreateRef:     1,
					githubtest.RouteCreateRelease: 1,
				} {
					if got := f.srv.Calls(route); got != n {
						t.Errorf("%s ×%d, want %d", route, got, n)
					}
				}
				if got := f.srv.TotalCalls(); got != 6 {
					t.Errorf("%d requests, want 6", got)
				}
				if push.Outputs["version"] != pr.Outputs["version"] {
					t.Errorf("version: push %q, pull_request %q", push.Outputs["version"], pr.Outputs["version"])
				}
			})
		}
	}
}

// TestPushOfADirectCommit: a commit pushed straight to main, without a
// pull request, is tagged at its committer time with what it says of
// itself, in the same 6 requests.
func TestPushOfADirectCommit(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	before := f.srv.Ref(f.repo, f.branch)
	f.clock.Set(start.Add(3 * time.Second))
	direct := f.srv.PushCommit(f.repo, f.branch, map[string]string{"environments/staging/app.yaml": deployment("app", "ghcr.io/acme/app:v2.2.0")}, "Hotfix the app", githubtest.Identity{Login: "dave", Name: "Dave", Email: "dave@example.com"})
	f.srv.ResetCalls()
	r := f.run("push", f.pushEvent("push.json", before, direct), nil)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"tag": "v20260501120003", "sha": direct, "pull-request-number": "", "created": "true"})
	wantContains(t, "the tag message", f.tag("v20260501120003").Message, "Hotfix the app\n\nCommit: "+direct, "Author: Dave", "Pull-Request: none", "ghcr.io/acme/app v2.0.0 -> v2.2.0")
	if got := f.srv.TotalCalls(); got != 6 || f.srv.Calls(githubtest.RouteGetCommit) != 0 {
		t.Errorf("%d requests, want 6 without reading the commit\n%s", got, f.srv.CallTable())
	}
}
