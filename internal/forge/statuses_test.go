package forge_test

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// TestReports reads a commit's statuses and check runs in two requests:
// the latest of each, with their links.
func TestReports(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	sha := srv.Ref("acme/config", "main")
	srv.CreateStatus("acme/config", sha, githubtest.Status{Context: "kustomization/apps/1a", State: "pending"})
	srv.CreateStatus("acme/config", sha, githubtest.Status{Context: "kustomization/apps/1a", State: "success", TargetURL: "https://flux.example.com/1a"})
	srv.CreateCheckRun("acme/config", sha, githubtest.CheckRun{Name: "smoke", Conclusion: "failure", DetailsURL: "https://ci.example.com/smoke"})
	srv.ResetCalls()
	got, err := c.Reports(ctx, sha)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.TotalCalls(); n != 2 {
		t.Errorf("%d requests, want 2: %v", n, srv.AllCalls())
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Name < got[j].Name })
	want := []forge.Report{
		{Name: "kustomization/apps/1a", State: "success", URL: "https://flux.example.com/1a"},
		{Name: "smoke", CheckRun: true, State: "completed", Conclusion: "failure", URL: "https://ci.example.com/smoke"},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Reports:\ngot  %+v\nwant %+v", got, want)
	}
}

// TestSetStatus posts a status, its description cut to GitHub's 140
// characters, and posts it again when the first answer was lost.
func TestSetStatus(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	sha := srv.Ref("acme/config", "main")
	srv.SetFaults(githubtest.Faults{ResetAfterWrite: 1, Seed: 1, Routes: []string{githubtest.RouteCreateStatus}})
	err := c.SetStatus(ctx, sha, forge.NewStatus{Context: "gitops-actions/promotion-window", State: "pending", Description: strings.Repeat("closed ", 40)})
	srv.SetFaults(githubtest.Faults{})
	if err == nil {
		t.Fatal("every answer lost, yet no error")
	}
	if err := c.SetStatus(ctx, sha, forge.NewStatus{Context: "gitops-actions/promotion-window", State: "success", Description: strings.Repeat("open ", 40)}); err != nil {
		t.Fatal(err)
	}
	sts := srv.Statuses("acme/config", sha)
	if len(sts) < 2 || sts[0].State != "success" || len([]rune(sts[0].Description)) != 140 || !strings.HasSuffix(sts[0].Description, "…") {
		t.Errorf("statuses: %+v", sts)
	}
}

// TestCreateDeployment records a deployment with its payload exactly once
// although every answer to the create is lost, and its success status.
func TestCreateDeployment(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	sha := srv.Ref("acme/config", "main")
	// A pending context on the commit does not keep the record from being
	// made.
	srv.CreateStatus("acme/config", sha, githubtest.Status{Context: "kustomization/apps/1a", State: "pending"})
	srv.SetFaults(githubtest.Faults{ResetAfterWrite: 1, Seed: 1, Routes: []string{githubtest.RouteCreateDeployment}})
	d, err := c.CreateDeployment(ctx, forge.NewDeployment{SHA: sha, Environment: "staging", Description: "#12 Bump app", Payload: map[string]any{"pull-request": map[string]any{"number": 12}}})
	srv.SetFaults(githubtest.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetDeploymentStatus(ctx, d.ID, forge.NewDeploymentStatus{State: "success", Description: "merged", LogURL: "https://github.com/acme/config/actions/runs/1"}); err != nil {
		t.Fatal(err)
	}
	ds := srv.Deployments("acme/config")
	if len(ds) != 1 || ds[0].ID != d.ID || ds[0].SHA != sha || ds[0].Environment != "staging" || len(ds[0].Statuses) != 1 || ds[0].Statuses[0].LogURL != "https://github.com/acme/config/actions/runs/1" {
		t.Fatalf("deployments: %+v", ds)
	}
	var payload struct {
		Pull struct{ Number int } `json:"pull-request"`
	}
	if err := json.Unmarshal(ds[0].Payload, &payload); err != nil || payload.Pull.Number != 12 {
		t.Errorf("payload %s: %v", ds[0].Payload, err)
	}
	list, err := c.Deployments(ctx, sha)
	if err != nil || len(list) != 1 || list[0].ID != d.ID {
		t.Errorf("Deployments = %+v, %v", list, err)
	}
	states, err := c.DeploymentStates(ctx, d.ID)
	if err != nil || len(states) != 1 || states[0] != "success" {
		t.Errorf("DeploymentStates = %v, %v", states, err)
	}
}
