package promote_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// payload is what a deployment carries, as the tests read it.
type payload struct {
	Directory   string `json:"directory"`
	Kind        string `json:"kind"`
	Tag         string `json:"tag"`
	PullRequest *struct {
		Number   int    `json:"number"`
		Title    string `json:"title"`
		URL      string `json:"url"`
		Author   string `json:"author"`
		MergedAt string `json:"merged-at"`
	} `json:"pull-request"`
	Approvers []string `json:"approvers"`
	Versions  []struct {
		Image, Version, Previous, File string
		Line                           int
	} `json:"versions"`
	Run string `json:"workflow-run"`
}

// deploymentsOf returns the fake's deployments of a commit, each with its
// payload decoded.
func (f *fixture) deploymentsOf(sha string) ([]githubtest.Deployment, []payload) {
	f.t.Helper()
	var ds []githubtest.Deployment
	var ps []payload
	for _, d := range f.srv.Deployments(f.repo) {
		if d.SHA != sha {
			continue
		}
		var p payload
		if err := json.Unmarshal(d.Payload, &p); err != nil {
			f.t.Fatalf("payload %s: %v", d.Payload, err)
		}
		ds, ps = append(ds, d), append(ps, p)
	}
	return ds, ps
}

// TestDeployments: each merge is recorded as a Deployment of each
// environment whose directory it changed, on the merge commit, with the
// versions, the pull request and its approvers in the payload and a
// success status; once, however often the run is repeated; promotions
// and rollbacks too, and an input maps directories to environment names.
func TestDeployments(t *testing.T) {
	f := newGateFixture(t)
	in := promoteInputs(map[string]string{"deployments": "true", "environments": "environments/staging\nenvironments/production=prod"})
	m := f.bumpStaging("v2.1.0", "1.1.0", start)
	f.srv.ResetCalls()
	r := f.afterMerge(m, in)
	r.WantCode(t, 0)
	deployCalls := f.srv.Calls(githubtest.RouteListDeployments) + f.srv.Calls(githubtest.RouteCreateDeployment) + f.srv.Calls(githubtest.RouteCreateDeployStatus)
	ds, ps := f.deploymentsOf(m.sha)
	if len(ds) != 1 || ds[0].Environment != "staging" || ds[0].Ref != m.sha {
		t.Fatalf("deployments of the bump: %+v", ds)
	}
	p := ps[0]
	if p.Directory != staging || p.Kind != "change" || p.Tag != "v20260501120000" || p.PullRequest == nil || p.PullRequest.Number != m.number || p.PullRequest.URL != m.htmlURL ||
		p.PullRequest.MergedAt != "2026-05-01T12:00:00Z" || p.PullRequest.Author != "gitops-bot" || strings.Join(p.Approvers, ",") != "bob" || p.Run != f.srv.URL+"/acme/config/actions/runs/4242" {
		t.Errorf("payload: %+v", p)
	}
	var versions []string
	for _, v := range p.Versions {
		versions = append(versions, fmt.Sprintf("%s %s->%s %s:%d", v.Image, v.Previous, v.Version, v.File, v.Line))
	}
	wantContains(t, "the versions", strings.Join(versions, "\n"), "ghcr.io/acme/app v2.0.0->v2.1.0 environments/staging/app.yaml:", "ghcr.io/acme/api 1.0.0->1.1.0 environments/staging/kustomization.yaml:")
	if st := ds[0].Statuses; len(st) != 1 || st[0].State != "success" || st[0].LogURL != f.srv.URL+"/acme/config/actions/runs/4242" || st[0].Description != fmt.Sprintf("#%d Bump app to v2.1.0 (v20260501120000)", m.number) {
		t.Errorf("statuses: %+v", st)
	}
	if ds[0].Description != fmt.Sprintf("#%d Bump app to v2.1.0 (v20260501120000)", m.number) {
		t.Errorf("description %q", ds[0].Description)
	}
	id := fmt.Sprint(ds[0].ID)
	r.WantOutputs(t, map[string]string{"deployment-id": id, "deployments": fmt.Sprintf(`[{"environment":"staging","directory":"environments/staging","id":%s,"sha":"%s","created":true}]`, id, m.sha)})
	wantContains(t, "the job summary", r.Summary, "### Deployments", "| staging | `environments/staging` | "+id+" | `"+m.sha[:7]+"` | by this run |")
	t.Logf("recording one environment's deployment cost %d requests", deployCalls)
	if deployCalls != 3 {
		t.Errorf("recording the deployment took %d requests, want 3 (the list, the deployment, its status)", deployCalls)
	}

	// A re-run records nothing twice.
	r = f.afterMerge(m, in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"deployment-id": id, "deployments": fmt.Sprintf(`[{"environment":"staging","directory":"environments/staging","id":%s,"sha":"%s","created":false}]`, id, m.sha)})
	if ds, _ := f.deploymentsOf(m.sha); len(ds) != 1 || len(ds[0].Statuses) != 1 {
		t.Errorf("after a re-run: %+v", ds)
	}

	// The promotion merges: production, under its mapped name.
	pm := f.mergePull(r.Outputs["promotion-pull-request-number"], start.Add(time.Hour))
	f.afterMerge(pm, in).WantCode(t, 0)
	ds, ps = f.deploymentsOf(pm.sha)
	if len(ds) != 1 || ds[0].Environment != "prod" || ps[0].Kind != "promotion" || ps[0].Directory != production || ps[0].PullRequest.Number != pm.number || len(ps[0].Versions) == 0 {
		t.Errorf("deployments of the promotion: %+v %+v", ds, ps)
	}

	// Its rollback merges: production again, as a rollback.
	r = f.dispatch(map[string]string{"to": production, "rollback": "last"})
	r.WantCode(t, 0)
	rm := f.mergePull(r.Outputs["promotion-pull-request-number"], start.Add(2*time.Hour))
	f.afterMerge(rm, map[string]string{"deployments": "true", "environments": "environments/production=prod"}).WantCode(t, 0)
	ds, ps = f.deploymentsOf(rm.sha)
	if len(ds) != 1 || ds[0].Environment != "prod" || ps[0].Kind != "rollback" || len(ds[0].Statuses) != 1 || ds[0].Statuses[0].State != "success" {
		t.Errorf("deployments of the rollback: %+v %+v", ds, ps)
	}

	// A person's change to both environments: one deployment each.
	both := f.merge(change{title: "Replicas", at: start.Add(3 * time.Hour), files: map[string]string{
		staging + "/app.yaml":    appDeployment(3, "v2.1.0", "1.1.0", "1.0.0"),
		production + "/app.yaml": appDeployment(5, "v1.9.0", "1.0.0", "0.9.0"),
	}})
	r = f.afterMerge(both, in)
	r.WantCode(t, 0)
	ds, _ = f.deploymentsOf(both.sha)
	if len(ds) != 2 || ds[0].Environment != "prod" || ds[1].Environment != "staging" {
		t.Errorf("deployments of a change to both: %+v", ds)
	}
	if got := r.Outputs["deployment-id"]; got != fmt.Sprint(ds[1].ID) {
		t.Errorf("deployment-id %s, want the last recorded, %d", got, ds[1].ID)
	}
}

// TestDeploymentsDefaults: without the environments input, a tagging run
// records the directories under environments/ it changed, each named by
// its last element; a change elsewhere records none.
func TestDeploymentsDefaults(t *testing.T) {
	f := newGateFixture(t)
	m := f.merge(change{title: "QA and docs", files: map[string]string{
		"environments/qa/app.yaml": appDeployment(1, "v2.1.0", "1.1.0", "1.0.0"),
		"README.md":                "# config, with QA\n",
	}})
	r := f.afterMerge(m, map[string]string{"deployments": "true"})
	r.WantCode(t, 0)
	ds, ps := f.deploymentsOf(m.sha)
	if len(ds) != 1 || ds[0].Environment != "qa" || ps[0].Directory != "environments/qa" {
		t.Errorf("deployments: %+v %+v", ds, ps)
	}
	docs := f.merge(change{title: "Docs", files: map[string]string{"README.md": "# config\n"}, at: start.Add(time.Minute)})
	r = f.afterMerge(docs, map[string]string{"deployments": "true"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"deployment-id": "", "deployments": "[]"})
}

// TestDeploymentsUnderFaults: half the answers to creating a deployment
// and its status are lost, the first deployment's among them; the run
// still records exactly one, with its status.
func TestDeploymentsUnderFaults(t *testing.T) {
	f := newGateFixture(t)
	m := f.bumpStaging("v2.1.0", "1.1.0", start)
	f.srv.SetFaults(githubtest.Faults{ResetAfterWrite: 0.5, Seed: 1, Routes: []string{githubtest.RouteCreateDeployment, githubtest.RouteCreateDeployStatus}})
	f.srv.ResetCalls()
	r := f.afterMerge(m, map[string]string{"deployments": "true"})
	f.srv.SetFaults(githubtest.Faults{})
	r.WantCode(t, 0)
	if n := f.srv.Calls(githubtest.RouteListDeployments); n < 2 {
		t.Errorf("the deployments were listed %d times: the lost answer was never looked up (pick another seed)", n)
	}
	ds, _ := f.deploymentsOf(m.sha)
	if len(ds) != 1 || len(ds[0].Statuses) == 0 || ds[0].Statuses[0].State != "success" {
		t.Errorf("deployments: %+v", ds)
	}
}
