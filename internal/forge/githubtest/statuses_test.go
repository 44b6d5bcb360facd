package githubtest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

// TestCommitStatuses: statuses posted through the API and as a reporter
// are a log per commit; the combined status holds the latest of each
// context (without case) and derives GitHub's state.
func TestCommitStatuses(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	main := srv.Ref("acme/config", "main")

	combined := func() *github.CombinedStatus {
		t.Helper()
		cs, _, err := gh.Repositories.GetCombinedStatus(ctx, "acme", "config", main, nil)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	if cs := combined(); cs.GetState() != "pending" || cs.GetTotalCount() != 0 || cs.GetSHA() != main {
		t.Errorf("no status yet: got %s, %d statuses, sha %s; want pending, 0, %s", cs.GetState(), cs.GetTotalCount(), cs.GetSHA(), main)
	}
	srv.CreateStatus("acme/config", main, Status{Context: "kustomization/apps-staging/1a2b", State: "pending"})
	st, _, err := gh.Repositories.CreateStatus(ctx, "acme", "config", main, &github.RepoStatus{
		State: github.String("success"), Context: github.String("ci/build"), TargetURL: github.String("https://ci.example.com/1"), Description: github.String("built"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.GetState() != "success" || st.GetContext() != "ci/build" || st.GetTargetURL() != "https://ci.example.com/1" || st.GetCreator().GetLogin() != defaultBot.Login {
		t.Errorf("created status: %+v", st)
	}
	if cs := combined(); cs.GetState() != "pending" || cs.GetTotalCount() != 2 {
		t.Errorf("one pending: got %s with %d statuses, want pending with 2", cs.GetState(), cs.GetTotalCount())
	}
	srv.CreateStatus("acme/config", main, Status{Context: "Kustomization/apps-staging/1a2b", State: "success"})
	if cs := combined(); cs.GetState() != "success" || cs.GetTotalCount() != 2 {
		t.Errorf("the context's newer success replaces its pending: got %s with %d statuses", cs.GetState(), cs.GetTotalCount())
	}
	srv.CreateStatus("acme/config", main, Status{Context: "ci/build", State: "error", TargetURL: "https://ci.example.com/2"})
	cs := combined()
	if cs.GetState() != "failure" {
		t.Errorf("an error: got %s, want failure", cs.GetState())
	}
	for _, s := range cs.Statuses {
		if s.GetContext() == "ci/build" && s.GetTargetURL() != "https://ci.example.com/2" {
			t.Errorf("ci/build's latest: %+v", s)
		}
	}
	all, _, err := gh.Repositories.ListStatuses(ctx, "acme", "config", main, &github.ListOptions{PerPage: 3})
	if err != nil || len(all) != 3 || all[0].GetState() != "error" {
		t.Errorf("list, newest first, a page of 3: got %d (%v)", len(all), err)
	}
	if got := srv.Statuses("acme/config", main); len(got) != 4 || got[0].State != "error" || got[3].State != "pending" {
		t.Errorf("Statuses: %+v", got)
	}
	// A commit GitHub does not have.
	_, _, err = gh.Repositories.CreateStatus(ctx, "acme", "config", "0123456789abcdef0123456789abcdef01234567", &github.RepoStatus{State: github.String("success")})
	if status, msg, _ := apiError(t, err); status != 422 || msg != "No commit found for SHA: 0123456789abcdef0123456789abcdef01234567" {
		t.Errorf("status on a missing commit: %d %q", status, msg)
	}
}

// TestCheckRuns: the newest run of each name by default, every run with
// filter=all.
func TestCheckRuns(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	main := srv.Ref("acme/config", "main")
	srv.CreateCheckRun("acme/config", main, CheckRun{Name: "health", Conclusion: "failure"})
	srv.CreateCheckRun("acme/config", main, CheckRun{Name: "health", Conclusion: "success", DetailsURL: "https://ci.example.com/h"})
	srv.CreateCheckRun("acme/config", main, CheckRun{Name: "smoke", Status: "in_progress"})
	runs, _, err := gh.Checks.ListCheckRunsForRef(ctx, "acme", "config", main, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range runs.CheckRuns {
		got[r.GetName()] = r.GetStatus() + "/" + r.GetConclusion() + " " + r.GetDetailsURL()
	}
	want := map[string]string{"health": "completed/success https://ci.example.com/h", "smoke": "in_progress/ "}
	if runs.GetTotal() != 2 || len(got) != 2 || got["health"] != want["health"] || got["smoke"] != want["smoke"] {
		t.Errorf("latest check runs: got %v (total %d), want %v", got, runs.GetTotal(), want)
	}
	all, _, err := gh.Checks.ListCheckRunsForRef(ctx, "acme", "config", main, &github.ListCheckRunsOptions{Filter: github.String("all")})
	if err != nil || all.GetTotal() != 3 {
		t.Errorf("filter=all: got %d (%v), want 3", all.GetTotal(), err)
	}
}

// TestDeployments: a deployment of a commit, its statuses, and GitHub's
// rules: the commit's status contexts must be green unless
// required_contexts says otherwise, and a success marks the environment's
// earlier deployment inactive.
func TestDeployments(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	main := srv.Ref("acme/config", "main")
	srv.CreateStatus("acme/config", main, Status{Context: "kustomization/apps/1", State: "pending"})
	req := &github.DeploymentRequest{Ref: github.String(main), Environment: github.String("staging"), AutoMerge: github.Bool(false), Payload: map[string]any{"pull-request": 12}}
	_, _, err := gh.Repositories.CreateDeployment(ctx, "acme", "config", req)
	if status, _, _ := apiError(t, err); status != 409 {
		t.Errorf("a pending context: got %d, want 409", status)
	}
	req.RequiredContexts = &[]string{}
	d1, _, err := gh.Repositories.CreateDeployment(ctx, "acme", "config", req)
	if err != nil {
		t.Fatal(err)
	}
	var payload map[string]any
	if err := json.Unmarshal(d1.Payload, &payload); err != nil || payload["pull-request"] != float64(12) {
		t.Errorf("payload %s: %v", d1.Payload, err)
	}
	if d1.GetSHA() != main || d1.GetEnvironment() != "staging" || d1.GetTask() != "deploy" {
		t.Errorf("deployment: %+v", d1)
	}
	if _, _, err := gh.Repositories.CreateDeploymentStatus(ctx, "acme", "config", d1.GetID(), &github.DeploymentStatusRequest{State: github.String("success"), LogURL: github.String("https://example.com/run/1")}); err != nil {
		t.Fatal(err)
	}
	d2, _, err := gh.Repositories.CreateDeployment(ctx, "acme", "config", req)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := gh.Repositories.CreateDeploymentStatus(ctx, "acme", "config", d2.GetID(), &github.DeploymentStatusRequest{State: github.String("success")}); err != nil {
		t.Fatal(err)
	}
	sts, _, err := gh.Repositories.ListDeploymentStatuses(ctx, "acme", "config", d1.GetID(), nil)
	if err != nil || len(sts) != 2 || sts[0].GetState() != "inactive" || sts[1].GetState() != "success" || sts[1].GetLogURL() != "https://example.com/run/1" {
		t.Errorf("the first deployment's statuses: %+v (%v)", sts, err)
	}
	list, _, err := gh.Repositories.ListDeployments(ctx, "acme", "config", &github.DeploymentsListOptions{SHA: main, Environment: "staging"})
	if err != nil || len(list) != 2 || list[0].GetID() != d2.GetID() {
		t.Errorf("list, newest first: %v (%v)", list, err)
	}
	if got, _, _ := gh.Repositories.ListDeployments(ctx, "acme", "config", &github.DeploymentsListOptions{Environment: "production"}); len(got) != 0 {
		t.Errorf("production has none: %v", got)
	}
	long := strings.Repeat("x", 141)
	_, _, err = gh.Repositories.CreateDeploymentStatus(ctx, "acme", "config", d2.GetID(), &github.DeploymentStatusRequest{State: github.String("success"), Description: github.String(long)})
	if status, _, _ := apiError(t, err); status != 422 {
		t.Errorf("a 141-character description: got %d, want 422", status)
	}
	ds := srv.Deployments("acme/config")
	if len(ds) != 2 || ds[0].Statuses[0].State != "inactive" || ds[1].Statuses[0].State != "success" {
		t.Errorf("Deployments: %+v", ds)
	}
}
