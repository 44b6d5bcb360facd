package promote_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// services are the services of a busy config repository.
const services = 8

func svc(i int) string { return fmt.Sprintf("svc-%d", i) }

// newBusyFixture is a config repository of the shape the requests are
// counted in: eight services, each in staging and production at 1.0.0;
// production's svc-2 held at 1.0.0 by a rollback when held is set.
func newBusyFixture(t *testing.T, opts githubtest.Options, held bool) *fixture {
	t.Helper()
	f := newFixture(t, opts)
	files := map[string]string{}
	// The repository holds the services only.
	for _, p := range []string{staging + "/app.yaml", staging + "/kustomization.yaml", production + "/app.yaml"} {
		files[p] = githubtest.Deleted
	}
	for i := range services {
		files[staging+"/"+svc(i)+".yaml"] = deployment(svc(i), "ghcr.io/acme/"+svc(i)+":1.0.0")
		files[production+"/"+svc(i)+".yaml"] = deployment(svc(i), "ghcr.io/acme/"+svc(i)+":1.0.0")
	}
	if held {
		files[production+"/"+svc(2)+".yaml"] = strings.Replace(files[production+"/"+svc(2)+".yaml"], ":1.0.0\n", ":1.0.0 # gitops-actions: hold (rollback of v20260501110000)\n", 1)
	}
	f.srv.PushCommit(f.repo, f.branch, files, "Services", githubtest.Identity{Login: "ann", Name: "ann", Email: "ann@example.com"})
	return f
}

// bumpService merges a bump of one service's staging version, as
// bump-image's pull request does.
func (f *fixture) bumpService(i int, version string, at time.Time) merged {
	f.t.Helper()
	title := fmt.Sprintf("Bump %s to %s", svc(i), version)
	return f.merge(change{
		title: title, author: "gitops-bot", approvers: []string{"bob"}, at: at, branch: "bump-" + svc(i) + "-" + version, message: bumpMessage(title),
		files: map[string]string{staging + "/" + svc(i) + ".yaml": deployment(svc(i), "ghcr.io/acme/"+svc(i)+":"+version)},
	})
}

// TestHeldImageOnMerge: while a rollback's hold keeps an image in
// production, a promote run on a merge promotes every other image, reports
// the held one (a notice, the output held, a line of the pull request's
// body that names the hold and its reason) and succeeds.
func TestHeldImageOnMerge(t *testing.T) {
	f := newBusyFixture(t, githubtest.Options{}, true)
	f.bumpService(2, "1.1.0", start.Add(-time.Hour))
	m := f.bumpService(1, "1.1.0", start)
	r := f.afterMerge(m, promoteInputs(nil))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"tag": "v20260501120000", "promotion-pull-request-operation": "created",
		"promoted": `[{"image":"ghcr.io/acme/svc-1","from-version":"1.0.0","to-version":"1.1.0"}]`})
	wantContains(t, "the held output", r.Outputs["held"], `"file":"environments/production/svc-2.yaml","line":10,"image":"ghcr.io/acme/svc-2"`, `"reason":"rollback of v20260501110000"`)
	wantContains(t, "the notices", commands(r.Stdout),
		"::notice::ghcr.io/acme/svc-2 is not promoted to environments/production: every reference of it there is held by rollback of v20260501110000 (environments/production/svc-2.yaml:10). The other images are promoted.")
	wantContains(t, "the summary", r.Summary, "**Held**:")
	pr := f.srv.PullRequests(f.repo)[len(f.srv.PullRequests(f.repo))-1]
	wantContains(t, "the pull request's body", pr.Body, "**Held**", "| `environments/production/svc-2.yaml` | 10 | `ghcr.io/acme/svc-2` | `ghcr.io/acme/svc-2:1.0.0` | rollback of v20260501110000 |")
	if got := f.file(promoteBr, production+"/"+svc(1)+".yaml"); !strings.Contains(got, "ghcr.io/acme/svc-1:1.1.0") {
		t.Errorf("svc-1 was not promoted:\n%s", got)
	}
	if got, want := f.file(promoteBr, production+"/"+svc(2)+".yaml"), f.file("main", production+"/"+svc(2)+".yaml"); got != want {
		t.Errorf("the held svc-2 changed:\n%s", got)
	}
}

// TestPromoteBudget counts the requests of promote runs on merges in a busy
// repository, each tagging the merge, publishing its release and promoting
// staging to production, on either event a workflow may run on
// (pull_request closed, push to main), with a GitHub App and a label and
// with a token (and the label): at most 14, the installation token and the
// archive's redirect included. The runs open the promotion's pull request,
// update it, and open the next from the branch its merge left.
func TestPromoteBudget(t *testing.T) {
	for _, auth := range []string{"app", "token"} {
		for _, event := range []string{"pull_request", "push"} {
			t.Run(auth+" "+event, func(t *testing.T) {
				opts := githubtest.Options{}
				in := promoteInputs(map[string]string{"labels": "promotion"})
				if auth == "app" {
					app, keyPEM := githubtest.NewApp(t, 7, 70)
					opts.App = app
					in["token"], in["app-id"], in["app-private-key"] = "", "7", keyPEM
				}
				f := newBusyFixture(t, opts, false)
				run := func(step string, m merged, op string) result {
					t.Helper()
					f.srv.ResetCalls()
					r := f.afterEvent(event, m, in)
					r.WantCode(t, 0)
					r.WantOutputs(t, map[string]string{"created": "true", "sha": m.sha, "pull-request-number": strconv.Itoa(m.number), "promotion-pull-request-operation": op})
					t.Logf("%s, %s on %s: %d requests\n%s", step, auth, event, f.srv.TotalCalls(), f.srv.CallTable())
					if n := f.srv.TotalCalls(); n > 14 {
						t.Errorf("%s: %d requests, want at most 14", step, n)
					}
					return r
				}
				// The App's JWT is signed at the real time, which the fake
				// checks against its clock: merge now.
				now := time.Now().UTC().Truncate(time.Second)
				r := run("tag, release and a new promotion", f.bumpService(1, "1.1.0", now), "created")
				run("tag, release and an update of the promotion", f.bumpService(3, "1.1.0", now.Add(time.Minute)), "updated")
				promotion := f.mergePull(r.Outputs["promotion-pull-request-number"], now.Add(2*time.Minute))
				f.afterEvent(event, promotion, in).WantCode(t, 0)
				run("tag, release and a new promotion from the branch the last one left", f.bumpService(4, "1.1.0", now.Add(3*time.Minute)), "created")
			})
		}
	}
}

// TestHeldClosesThePromotion: a promotion pull request that moves only an
// image a hold keeps (opened with force) is closed by the next run without
// force, with a comment that names the hold; the run succeeds.
func TestHeldClosesThePromotion(t *testing.T) {
	f := newBusyFixture(t, githubtest.Options{}, true)
	m := f.bumpService(2, "1.1.0", start)
	r := f.afterMerge(m, promoteInputs(map[string]string{"force": "true"}))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "created"})
	n := r.Outputs["promotion-pull-request-number"]
	r = f.afterMerge(m, promoteInputs(nil))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "closed", "promotion-pull-request-number": n})
	p := f.pull(n)
	if p.State != "closed" || len(p.Comments) != 1 {
		t.Fatalf("pull request %+v", p)
	}
	wantContains(t, "the closing comment", p.Comments[0], "is held by hold comments (ghcr.io/acme/svc-2: rollback of v20260501110000 \\(environments/production/svc-2.yaml:10\\))")
}
