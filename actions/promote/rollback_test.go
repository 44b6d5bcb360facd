package promote_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
	"github.com/gitops-actions/gitops-actions/internal/mdtext/mdtexttest"
)

// promoted merges the promotion of a staging bump into production and
// tags the merge, as the flow does; it returns the merge.
func (f *fixture) promoted(app, api string, at time.Time) merged {
	f.t.Helper()
	m := f.bumpStaging(app, api, at)
	r := f.afterMerge(m, promoteInputs(nil))
	r.WantCode(f.t, 0)
	pm := f.mergePull(r.Outputs["promotion-pull-request-number"], at.Add(time.Minute))
	f.afterMerge(pm, nil).WantCode(f.t, 0)
	return pm
}

// TestRollback reverts the last promotion of production: the pull request
// restores each file it touched, holds the restored references, names the
// change by its tag, and tags nothing; the same for a pull request number.
func TestRollback(t *testing.T) {
	for _, target := range []string{"last", "tag", "pull", "sha"} {
		t.Run(target, func(t *testing.T) {
			f := newEnvFixture(t, githubtest.Options{})
			pm := f.promoted("v2.1.0", "1.1.0", start)
			tag := "v20260501120100"
			if got := f.tagsOn()[pm.sha]; len(got) != 1 || got[0] != tag {
				t.Fatalf("the promotion's merge is tagged %v, want %s", got, tag)
			}
			name := map[string]string{"last": "last", "tag": tag, "pull": fmt.Sprintf("#%d", pm.number), "sha": pm.sha[:10]}[target]
			tags := len(f.srv.Tags(f.repo))
			r := f.dispatch(map[string]string{"to": production, "rollback": name})
			r.WantCode(t, 0)
			r.WantOutputs(t, map[string]string{
				"promotion-pull-request-operation": "created", "tag": "", "drift": "0",
				"promoted": `[{"image":"ghcr.io/acme/app","from-version":"v2.1.0","to-version":"v1.9.0"},{"image":"ghcr.io/acme/api","from-version":"1.1.0","to-version":"1.0.0"},{"image":"ghcr.io/acme/worker","from-version":"1.0.0","to-version":"0.9.0"}]`,
			})
			if len(f.srv.Tags(f.repo)) != tags {
				t.Error("a rollback made a tag")
			}
			// Whatever names it, the change is held by its tag: the name
			// a release and a deployment know it by.
			reason := "rollback of " + tag
			hold := " # gitops-actions: hold (" + reason + ")"
			wantApp := strings.NewReplacer("app:v1.9.0 # bumped by gitops-actions", "app:v1.9.0 # bumped by gitops-actions"+hold,
				"api:1.0.0", "api:1.0.0"+hold, "worker:0.9.0", "worker:0.9.0"+hold).Replace(appDeployment(4, "v1.9.0", "1.0.0", "0.9.0"))
			if got := f.file(rollbackBr, production+"/app.yaml"); got != wantApp {
				t.Errorf("production app.yaml:\n%s\nwant\n%s", got, wantApp)
			}
			wantK := strings.NewReplacer("newTag: 1.0.0", "newTag: 1.0.0"+hold, "newTag: 0.9.0", "newTag: 0.9.0"+hold).Replace(envKustomization("app-production", "1.0.0", "0.9.0", "app.yaml"))
			if got := f.file(rollbackBr, production+"/kustomization.yaml"); got != wantK {
				t.Errorf("production kustomization.yaml:\n%s\nwant\n%s", got, wantK)
			}
			p := f.pull(r.Outputs["promotion-pull-request-number"])
			if p.Base != "main" || !strings.HasPrefix(p.Title, "Roll back environments/production: revert ") {
				t.Errorf("pull request %+v", p)
			}
			wantContains(t, "the body", p.Body, "| `ghcr.io/acme/app` | `v2.1.0` | `v1.9.0` |", "each restored reference carries a hold comment", "| `environments/production/app.yaml` | 15 | `ghcr.io/acme/app` | `v1.9.0` |")
			// The change undone is linked to the pull request that made it,
			// and the summary says what goes back where.
			wantContains(t, "the body", p.Body, fmt.Sprintf("revert %s ([#%d](%s)", tag, pm.number, pm.htmlURL))
			wantContains(t, "the job summary", r.Summary, "Rolls back `"+production+"`: revert "+tag, "| `ghcr.io/acme/app` | `v2.1.0` | `v1.9.0` |", fmt.Sprintf("Opened pull request [#%s]", r.Outputs["promotion-pull-request-number"]))
			for _, md := range []string{p.Body, r.Summary} {
				page := mdtexttest.Render(t, md)
				mdtexttest.CheckInert(t, page, f.srv.URL+"/acme/config/")
				mdtexttest.CheckTables(t, page)
			}
			wantContains(t, "the held output", r.Outputs["held"], `"line":15`, `"reason":"`+reason+`"`)
			wantContains(t, "the commit", git(t, f.srv.GitDir(f.repo), "log", "-1", "--format=%B", rollbackBr), "Promoted-By: gitops-actions")
			if !strings.Contains(r.Stdout, "::notice file=environments/production/app.yaml,line=15::ghcr.io/acme/app goes back to v1.9.0") {
				t.Errorf("no notice for the held reference:\n%s", r.Stdout)
			}
		})
	}
}

// TestRollbackConflict: a file the change touched changed again since, so
// the revert would undo that too: exit 1 naming it and rollback-to,
// nothing written. rollback-to then sets production back to its tag.
func TestRollbackConflict(t *testing.T) {
	f := newEnvFixture(t, githubtest.Options{})
	first := f.promoted("v2.1.0", "1.1.0", start)
	firstTag := f.tagsOn()[first.sha][0]
	f.promoted("v2.2.0", "1.1.0", start.Add(time.Hour))
	pulls := len(f.srv.PullRequests(f.repo))
	r := f.dispatch(map[string]string{"to": production, "rollback": firstTag})
	r.WantCode(t, cli.ExitFailed)
	wantContains(t, "the error", commands(r.Stdout), "cannot roll back: environments/production/app.yaml changed again after the change", "rollback-to")
	if len(f.srv.PullRequests(f.repo)) != pulls || f.srv.Ref(f.repo, rollbackBr) != "" {
		t.Error("a conflicting rollback wrote something")
	}

	// Back to the first promotion, as a whole.
	r = f.dispatch(map[string]string{"to": production, "rollback-to": firstTag})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "created",
		"promoted": `[{"image":"ghcr.io/acme/app","from-version":"v2.2.0","to-version":"v2.1.0"}]`})
	hold := " # gitops-actions: hold (rollback to " + firstTag + ")"
	want := strings.Replace(appDeployment(4, "v2.1.0", "1.1.0", "1.0.0"), "app:v2.1.0 # bumped by gitops-actions", "app:v2.1.0 # bumped by gitops-actions"+hold, 1)
	if got := f.file(rollbackBr, production+"/app.yaml"); got != want {
		t.Errorf("production app.yaml:\n%s\nwant\n%s", got, want)
	}
	if got, want := f.file(rollbackBr, production+"/kustomization.yaml"), f.file(firstTag, production+"/kustomization.yaml"); got != want {
		t.Errorf("kustomization.yaml is not as at %s:\n%s", firstTag, got)
	}
}

// TestHoldsStick: after a rollback merges, production's references are
// held: the next promotion leaves them alone and says so (a held image is
// an expected state: exit 0, a notice, the output held) while opening no
// pull request that would undo the rollback; bump-image leaves them alone
// too (actions/bump-image's tests). Removing the comments, in an ordinary
// pull request, releases them: the next promotion moves production again.
// force overrides.
func TestHoldsStick(t *testing.T) {
	f := newEnvFixture(t, githubtest.Options{})
	f.promoted("v2.1.0", "1.1.0", start)
	r := f.dispatch(map[string]string{"to": production, "rollback": "last"})
	r.WantCode(t, 0)
	rb := f.mergePull(r.Outputs["promotion-pull-request-number"], start.Add(2*time.Hour))
	held := f.file("main", production+"/app.yaml")
	if strings.Count(held, "# gitops-actions: hold (rollback of v20260501120100)") != 3 {
		t.Fatalf("production after the rollback:\n%s", held)
	}

	// The rollback's merge: tagged, and the promotion leaves production
	// alone.
	r = f.afterMerge(rb, promoteInputs(nil))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"tag": "v20260501140000", "promotion-pull-request-operation": "none", "promoted": "[]"})
	wantContains(t, "the notice", r.Stdout, "::notice::ghcr.io/acme/app is not promoted to environments/production: every reference of it there is held by rollback of v20260501120100 (environments/production/app.yaml:15). To release it, remove the hold comment in a pull request, or set force.")
	wantContains(t, "the notices", r.Stdout, "::notice file=environments/production/app.yaml,line=15::ghcr.io/acme/app stays at ghcr.io/acme/app:v1.9.0, held by a hold comment (rollback of v20260501120100); not promoted to ghcr.io/acme/app:v2.1.0.")
	wantContains(t, "the held output", r.Outputs["held"], `"file":"environments/production/app.yaml","line":15,"image":"ghcr.io/acme/app","version":"ghcr.io/acme/app:v1.9.0","wanted":"ghcr.io/acme/app:v2.1.0","reason":"rollback of v20260501120100"`)
	if got := f.file("main", production+"/app.yaml"); got != held {
		t.Errorf("production changed:\n%s", got)
	}

	// A new bump of staging: still held, still nothing for production.
	m := f.bumpStaging("v2.2.0", "1.1.0", start.Add(3*time.Hour))
	r = f.afterMerge(m, promoteInputs(nil))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "none"})

	// force promotes held references anyway (the pull request is left
	// open, not merged).
	r = f.afterMerge(m, promoteInputs(map[string]string{"force": "true"}))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "created", "held": "[]"})
	forced := r.Outputs["promotion-pull-request-number"]
	if got := f.file(promoteBr, production+"/app.yaml"); !strings.Contains(got, "app:v2.2.0 # bumped by gitops-actions # gitops-actions: hold") {
		t.Errorf("force did not move the held reference (keeping its comment):\n%s", got)
	}

	// A person releases the holds; the next promotion moves production.
	release := f.merge(change{title: "Release the holds", branch: "release-holds", at: start.Add(4 * time.Hour), files: map[string]string{
		production + "/app.yaml":           strings.ReplaceAll(held, " # gitops-actions: hold (rollback of v20260501120100)", ""),
		production + "/kustomization.yaml": strings.ReplaceAll(f.file("main", production+"/kustomization.yaml"), " # gitops-actions: hold (rollback of v20260501120100)", ""),
	}})
	r = f.afterMerge(release, promoteInputs(nil))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "updated", "promotion-pull-request-number": forced, "held": "[]",
		"promoted": `[{"image":"ghcr.io/acme/api","from-version":"1.0.0","to-version":"1.1.0"},{"image":"ghcr.io/acme/app","from-version":"v1.9.0","to-version":"v2.2.0"},{"image":"ghcr.io/acme/worker","from-version":"0.9.0","to-version":"1.0.0"}]`})
	if got, want := f.file(promoteBr, production+"/app.yaml"), appDeployment(4, "v2.2.0", "1.1.0", "1.0.0"); got != want {
		t.Errorf("production after the release:\n%s\nwant\n%s", got, want)
	}
}
