package promote_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// The tests below feed promote the real webhook payloads of
// ../shared/github/webhooks (npm @octokit/webhooks-examples), in a fake
// repository named like theirs (Codertocat/Hello-World, branch master);
// they skip when ../shared is absent. The testdata payloads cover the same
// paths without it.

// TestRealPullRequestPayloads: none of GitHub's pull_request.closed
// examples is a merged pull request. As it is, it is a no-op; its copy,
// edited into a merge (merged, merged_at, merge_commit_sha, and the fake's
// number), is tagged.
func TestRealPullRequestPayloads(t *testing.T) {
	for _, name := range []string{"pull_request.closed.3.json", "pull_request.closed.4.json"} {
		t.Run(name, func(t *testing.T) {
			f := newFixtureRepo(t, githubtest.Options{}, "Codertocat/Hello-World", "master")
			// As sent: closed, not merged.
			r := f.run("pull_request", writePayload(t, readPayload(t, "shared:"+name)), nil)
			r.WantCode(t, 0)
			if !strings.Contains(r.Stdout, "::notice::pull request #2 was closed without merging") {
				t.Errorf("no notice:\n%s", r.Stdout)
			}
			if n := writes(f.srv); n != 0 || len(f.srv.Tags(f.repo)) != 0 {
				t.Errorf("an unmerged pull request wrote %d times", n)
			}
			// The payload's own pull request, merged in the fake.
			v := readPayload(t, "shared:"+name)
			pr := v["pull_request"].(map[string]any)
			m := f.merge(change{
				title: pr["title"].(string), body: pr["body"].(string), author: pr["user"].(map[string]any)["login"].(string),
				labels: []string{"bug"}, approvers: []string{"octocat"},
				files: map[string]string{"environments/staging/app.yaml": deployment("app", "ghcr.io/acme/app:v2.1.0")},
			})
			r = f.run("pull_request", f.prEvent("shared:"+name, m), nil)
			r.WantCode(t, 0)
			r.WantOutputs(t, map[string]string{"tag": "v20260501120000", "sha": m.sha, "created": "true", "pull-request-number": "1"})
			msg := f.tag("v20260501120000").Message
			for _, want := range []string{"Update the README with new information. (#1)", "Author: Codertocat", "Approved-By: octocat", "Labels: bug", "ghcr.io/acme/app v2.0.0 -> v2.1.0"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q:\n%s", want, msg)
				}
			}
		})
	}
}

// TestRealPushAndDispatchPayloads: GitHub's push to master, its
// before/after edited to the fake's commits, tags each merge; its tag
// pushes do nothing; its workflow_dispatch (of another repository, as sent)
// tags the head of the default branch; a release event does nothing.
func TestRealPushAndDispatchPayloads(t *testing.T) {
	f := newFixtureRepo(t, githubtest.Options{}, "Codertocat/Hello-World", "master")
	before := f.srv.Ref(f.repo, "master")
	a := f.merge(change{title: "A", files: map[string]string{"environments/staging/a.yaml": deployment("a", "ghcr.io/acme/a:1")}, at: start})
	b := f.merge(change{title: "B", method: githubtest.Squash, files: map[string]string{"environments/staging/b.yaml": deployment("b", "ghcr.io/acme/b:1")}, at: start.Add(90 * time.Second)})

	r := f.run("push", f.pushEvent("shared:push.4.json", before, b.sha), nil)
	r.WantCode(t, 0)
	on := f.tagsOn()
	if len(on[a.sha]) != 1 || len(on[b.sha]) != 1 || on[a.sha][0] != "v20260501120000" || on[b.sha][0] != "v20260501120130" {
		t.Errorf("tags: %v", on)
	}
	r.WantOutputs(t, map[string]string{"tag": "v20260501120130", "previous-tag": "v20260501120000", "pull-request-number": "2"})

	for _, tc := range []struct {
		event, payload, notice string
	}{
		{"push", "push.0.json", `the push is of "refs/tags/simple-tag", not of a branch`},
		{"push", "push.1.json", `the push is of "refs/tags/simple-tag", not of a branch`},
		{"release", "release.created.1.json", `event "release" is not one that brings merges`},
	} {
		f.srv.ResetCalls()
		r := f.run(tc.event, writePayload(t, readPayload(t, "shared:"+tc.payload)), nil)
		r.WantCode(t, 0)
		if !strings.Contains(r.Stdout, "::notice::"+tc.notice) {
			t.Errorf("%s: no notice %q:\n%s", tc.payload, tc.notice, r.Stdout)
		}
		if n := writes(f.srv); n != 0 {
			t.Errorf("%s: %d writes", tc.payload, n)
		}
	}

	c := f.merge(change{title: "C", files: map[string]string{"environments/production/app.yaml": deployment("app", "ghcr.io/acme/app:v2.0.0")}, at: start.Add(time.Hour)})
	r = f.run("workflow_dispatch", writePayload(t, readPayload(t, "shared:workflow_dispatch.0.json")), nil)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"tag": "v20260501130000", "sha": c.sha, "pull-request-number": "3", "previous-tag": "v20260501120130"})
}

// TestRealPayloadsPromote: GitHub's real pull_request.closed payload,
// edited into the merge of a staging bump, promotes it; its real
// workflow_dispatch payload, edited to this repository, rolls production
// back.
func TestRealPayloadsPromote(t *testing.T) {
	f := newEnvFixture(t, githubtest.Options{})
	m := f.bumpStaging("v2.1.0", "1.1.0", start)
	r := f.run("pull_request", f.prEvent("shared:pull_request.closed.4.json", m), promoteInputs(nil))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"tag": "v20260501120000", "promotion-pull-request-operation": "created"})
	f.mergePull(r.Outputs["promotion-pull-request-number"], start.Add(time.Hour))

	v := readPayload(t, "shared:workflow_dispatch.1.json")
	f.setRepo(v)
	r = f.run("workflow_dispatch", writePayload(t, v), map[string]string{"to": production, "rollback": "last"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "created", "tag": ""})
	if got := f.file(rollbackBr, production+"/app.yaml"); !strings.Contains(got, "app:v1.9.0 # bumped by gitops-actions # gitops-actions: hold (rollback of #2)") {
		t.Errorf("production after the rollback:\n%s", got)
	}
}
