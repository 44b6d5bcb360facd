package promote_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	fchange "github.com/gitops-actions/gitops-actions/internal/forge/change"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// This file holds what the promotion and rollback tests share: a config
// repository with two environments rendered by kustomize, like
// examples/config-repo, and ways to run promote on it.

// appDeployment is an environment's Deployment: the app, its api and
// worker containers, and its replicas.
func appDeployment(replicas int, app, api, worker string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: %d
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/app:%s # bumped by gitops-actions
        - name: api
          image: ghcr.io/acme/api:%s
        - name: worker
          image: ghcr.io/acme/worker:%s
`, replicas, app, api, worker)
}

// envKustomization is an environment's kustomization: its namespace, its
// resources, and the api's and worker's versions.
func envKustomization(ns, api, worker string, resources ...string) string {
	s := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: " + ns + "\nresources:\n"
	for _, r := range resources {
		s += "  - " + r + "\n"
	}
	return s + "images:\n  - name: ghcr.io/acme/api\n    newTag: " + api + "\n  - name: ghcr.io/acme/worker\n    newTag: " + worker + "\n"
}

const flags = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  beta: \"true\"\n"

const (
	staging    = "environments/staging"
	production = "environments/production"
	promoteBr  = "gitops-actions/promote/environments/production"
	rollbackBr = "gitops-actions/rollback/environments/production"
)

// envFiles are the environments: staging runs app v2.0.0, api 1.0.0 and
// worker 1.0.0 with 2 replicas and a flags ConfigMap; production runs app
// v1.9.0, api 1.0.0 and worker 0.9.0 with 4 replicas.
func envFiles() map[string]string {
	return map[string]string{
		"README.md":                        "# config\n",
		staging + "/kustomization.yaml":    envKustomization("app-staging", "1.0.0", "1.0.0", "app.yaml", "flags.yaml"),
		staging + "/app.yaml":              appDeployment(2, "v2.0.0", "1.0.0", "1.0.0"),
		staging + "/flags.yaml":            flags,
		production + "/kustomization.yaml": envKustomization("app-production", "1.0.0", "0.9.0", "app.yaml"),
		production + "/app.yaml":           appDeployment(4, "v1.9.0", "1.0.0", "0.9.0"),
	}
}

// newEnvFixture starts the fake with acme/config holding envFiles.
func newEnvFixture(t *testing.T, opts githubtest.Options) *fixture {
	t.Helper()
	f := newFixture(t, opts)
	// envFiles replaces every file newFixture's repository holds.
	f.srv.PushCommit(f.repo, f.branch, envFiles(), "Environments", githubtest.Identity{Login: "ann", Name: "ann", Email: "ann@example.com"})
	return f
}

// bumpMessage is the message bump-image gives its commit.
func bumpMessage(title string) string {
	return fchange.WithTrailers(title, fchange.Provenance{Repository: "acme/app", Commit: "abcdef0123456789abcdef0123456789abcdef01", RunURL: "https://github.com/acme/app/actions/runs/99"}, "Bumped-By")
}

// bumpStaging merges a pull request that bumps staging's app and api, as
// bump-image's commit would.
func (f *fixture) bumpStaging(app, api string, at time.Time) merged {
	f.t.Helper()
	title := fmt.Sprintf("Bump app to %s", app)
	return f.merge(change{
		title: title, author: "gitops-bot", approvers: []string{"bob"}, at: at, branch: "bump-" + app + "-" + api,
		message: bumpMessage(title),
		files: map[string]string{
			staging + "/app.yaml":           appDeployment(2, app, api, "1.0.0"),
			staging + "/kustomization.yaml": envKustomization("app-staging", api, "1.0.0", "app.yaml", "flags.yaml"),
		},
	})
}

// promoteInputs are the inputs of the directory promotion most tests run.
func promoteInputs(extra map[string]string) map[string]string {
	in := map[string]string{"from": staging, "to": production}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

// afterMerge runs promote on the closed event of m.
func (f *fixture) afterMerge(m merged, inputs map[string]string) result {
	f.t.Helper()
	return f.afterEvent("pull_request", m, inputs)
}

// eventOf writes the payload of the event that tells of m: its pull
// request closed (pull_request), or its push to the base branch (push).
func (f *fixture) eventOf(event string, m merged) string {
	f.t.Helper()
	if event == "push" {
		return f.pushEvent("push.json", m.parentOf, m.sha)
	}
	return f.prEvent("pull_request.closed.json", m)
}

// afterEvent runs promote on the event that tells of m.
func (f *fixture) afterEvent(event string, m merged, inputs map[string]string) result {
	f.t.Helper()
	return f.run(event, f.eventOf(event, m), inputs)
}

// dispatch runs promote on a workflow_dispatch event.
func (f *fixture) dispatch(inputs map[string]string) result {
	f.t.Helper()
	v := readPayload(f.t, "workflow_dispatch.json")
	f.setRepo(v)
	return f.run("workflow_dispatch", writePayload(f.t, v), inputs)
}

// file reads a file of the fake at ref, failing the test without it.
func (f *fixture) file(ref, path string) string {
	f.t.Helper()
	s, err := f.srv.File(f.repo, ref, path)
	if err != nil {
		f.t.Fatalf("%s at %s: %v", path, ref, err)
	}
	return s
}

// pull returns the fake's pull request n.
func (f *fixture) pull(n string) githubtest.PR {
	f.t.Helper()
	for _, p := range f.srv.PullRequests(f.repo) {
		if fmt.Sprint(p.Number) == n {
			return p
		}
	}
	f.t.Fatalf("no pull request %q", n)
	return githubtest.PR{}
}

// mergePull merges pull request n at the given time, as a person would.
func (f *fixture) mergePull(n string, at time.Time) merged {
	f.t.Helper()
	p := f.pull(n)
	parent := f.srv.Ref(f.repo, f.branch)
	f.clock.Set(at)
	sha := f.srv.MergePRWith(f.repo, p.Number, githubtest.MergeCommit)
	return merged{number: p.Number, sha: sha, at: at, change: change{branch: p.Head, title: p.Title, body: p.Body, author: "github-actions[bot]"}, htmlURL: f.srv.URL + "/" + f.repo + "/pull/" + n, parentOf: parent}
}

// promotedOf decodes the promoted output.
func promotedOf(t *testing.T, r result) []map[string]string {
	t.Helper()
	var out []map[string]string
	if err := json.Unmarshal([]byte(r.Outputs["promoted"]), &out); err != nil {
		t.Fatalf("promoted = %q: %v", r.Outputs["promoted"], err)
	}
	return out
}

// wantContains fails for each of wants that text lacks.
func wantContains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}
