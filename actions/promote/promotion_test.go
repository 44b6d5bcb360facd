package promote_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
	"github.com/gitops-actions/gitops-actions/internal/mdtext/mdtexttest"
)

// TestPromoteImages: a bump of staging merges; the same run tags it and
// opens the production pull request with the images chosen by images and
// exclude-images, where each version came from, and the drift (replicas, a
// resource, an excluded image). The next run changes nothing; a newer bump
// updates the pull request; a person landing the versions closes it.
func TestPromoteImages(t *testing.T) {
	f := newEnvFixture(t, githubtest.Options{})
	m := f.bumpStaging("v2.1.0", "1.1.0", start)
	in := promoteInputs(map[string]string{"images": "ghcr.io/acme/*", "exclude-images": "ghcr.io/acme/worker", "labels": "promotion", "reviewers": "carol"})
	r := f.afterMerge(m, in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{
		"tag": "v20260501120000", "created": "true", "pull-request-number": fmt.Sprint(m.number),
		"promotion-pull-request-operation": "created", "drift": "3", "held": "[]",
		"promoted": `[{"image":"ghcr.io/acme/api","from-version":"1.0.0","to-version":"1.1.0"},{"image":"ghcr.io/acme/app","from-version":"v1.9.0","to-version":"v2.1.0"}]`,
	})
	n := r.Outputs["promotion-pull-request-number"]
	p := f.pull(n)
	if p.Head != promoteBr || p.Base != "main" || p.State != "open" || p.Labels[0] != "promotion" || p.Reviewers[0] != "carol" {
		t.Errorf("pull request: %+v", p)
	}
	if got := r.Outputs["promotion-pull-request-url"]; got != f.srv.URL+"/acme/config/pull/"+n {
		t.Errorf("promotion-pull-request-url = %q", got)
	}
	if got, want := f.file(promoteBr, production+"/app.yaml"), appDeployment(4, "v2.1.0", "1.1.0", "0.9.0"); got != want {
		t.Errorf("production app.yaml:\n%s\nwant\n%s", got, want)
	}
	if got, want := f.file(promoteBr, production+"/kustomization.yaml"), envKustomization("app-production", "1.1.0", "0.9.0", "app.yaml"); got != want {
		t.Errorf("production kustomization:\n%s\nwant\n%s", got, want)
	}
	if p.Title != "Promote environments/staging to environments/production: api 1.1.0, app v2.1.0" {
		t.Errorf("title %q", p.Title)
	}
	wantContains(t, "the body", p.Body,
		"| `ghcr.io/acme/app` | `v1.9.0` | `v2.1.0` | ["+"#"+fmt.Sprint(m.number)+"]("+m.htmlURL+") Bump app to v2.1.0 · built from [`acme/app@abcdef0`](https://github.com/acme/app/commit/abcdef0123456789abcdef0123456789abcdef01) · [run](https://github.com/acme/app/actions/runs/99) |",
		"- `ghcr.io/acme/worker` `1.0.0`: excluded by exclude-images",
		"3 difference(s) between `environments/staging` and `environments/production`",
		"**Only in `environments/staging`:** `app-staging/ConfigMap/flags`",
		"| `Deployment.apps/app` | `spec.replicas` | `2` | `4` |",
		"| `Deployment.apps/app` | `spec.template.spec.containers[name=worker].image` | `ghcr.io/acme/worker:1.0.0` | `ghcr.io/acme/worker:0.9.0` |",
		"[workflow run]("+f.srv.URL+"/acme/config/actions/runs/4242)",
	)
	wantContains(t, "the job summary", r.Summary, "### Drift", "| `Deployment.apps/app` | `spec.replicas` | `2` | `4` |", "Opened pull request [#"+n+"]", "| `ghcr.io/acme/app` | `v1.9.0` | `v2.1.0` | `environments/production/app.yaml` |")
	page := mdtexttest.Render(t, r.Summary)
	mdtexttest.CheckInert(t, page, f.srv.URL+"/acme/config/")
	mdtexttest.CheckTables(t, page)
	body := mdtexttest.Render(t, p.Body)
	mdtexttest.CheckInert(t, body, f.srv.URL+"/acme/config/", "https://github.com/acme/app/")
	mdtexttest.CheckTables(t, body)
	log := git(t, f.srv.GitDir(f.repo), "log", "-1", "--format=%B", promoteBr)
	wantContains(t, "the commit message", log, "- ghcr.io/acme/app v1.9.0 -> v2.1.0", "Source-Repository: acme/config", "Source-Commit: "+m.sha, "Workflow-Run: "+f.srv.URL+"/acme/config/actions/runs/4242", "Promoted-By: gitops-actions")

	// The same again (a re-run): nothing changes.
	r = f.afterMerge(m, in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "unchanged", "promotion-pull-request-number": n, "created": "false"})

	// A newer bump: the pull request follows it.
	m2 := f.bumpStaging("v2.2.0", "1.1.0", start.Add(time.Hour))
	r = f.afterMerge(m2, in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "updated", "promotion-pull-request-number": n,
		"promoted": `[{"image":"ghcr.io/acme/api","from-version":"1.0.0","to-version":"1.1.0"},{"image":"ghcr.io/acme/app","from-version":"v1.9.0","to-version":"v2.2.0"}]`})
	if got := f.file(promoteBr, production+"/app.yaml"); !strings.Contains(got, "ghcr.io/acme/app:v2.2.0") {
		t.Errorf("the pull request was not updated:\n%s", got)
	}
	if got := strings.Fields(git(t, f.srv.GitDir(f.repo), "log", "--format=%H", promoteBr, "^main")); len(got) != 1 {
		t.Errorf("%d commits on the promotion branch, want 1", len(got))
	}

	// A person lands the same versions in production: the pull request
	// has nothing left to do and is closed with a comment.
	f.srv.PushCommit(f.repo, "main", map[string]string{
		production + "/app.yaml":           appDeployment(4, "v2.2.0", "1.1.0", "0.9.0"),
		production + "/kustomization.yaml": envKustomization("app-production", "1.1.0", "0.9.0", "app.yaml"),
	}, "Promote by hand", githubtest.Identity{Login: "ann", Name: "ann", Email: "ann@example.com"})
	r = f.dispatch(in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "closed", "promotion-pull-request-number": n, "promoted": "[]"})
	if p := f.pull(n); p.State != "closed" || len(p.Comments) != 1 || !strings.Contains(p.Comments[0], "nothing left to do") {
		t.Errorf("pull request after the person's promotion: %+v", p)
	}
	r = f.dispatch(in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "none", "promotion-pull-request-number": ""})
	if len(f.srv.PullRequests(f.repo)) != 3 {
		t.Errorf("pull requests: %+v", f.srv.PullRequests(f.repo))
	}
}

// TestPromoteBadInput: every input that cannot make a promotion or a
// rollback exits 2 with a message naming it, before anything is written.
func TestPromoteBadInput(t *testing.T) {
	f := newEnvFixture(t, githubtest.Options{})
	m := f.bumpStaging("v2.1.0", "1.1.0", start)
	event := f.prEvent("pull_request.closed.json", m)
	tests := []struct {
		name   string
		inputs map[string]string
		want   string
	}{
		{"from outside", map[string]string{"from": "../other", "to": production}, `input "from": "../other" is outside the repository`},
		{"to absolute", map[string]string{"from": staging, "to": "/etc"}, `input "to": "/etc" is outside the repository`},
		{"the root", map[string]string{"from": ".", "to": production}, `input "from": "." is the whole repository`},
		{"equal", map[string]string{"from": staging, "to": staging + "/"}, `input "to": "environments/staging" is from too`},
		{"nested", map[string]string{"from": "environments", "to": production}, `one inside the other`},
		{"from alone", map[string]string{"from": staging}, `input "to" is empty`},
		{"both kinds", map[string]string{"from": staging, "to": production, "from-branch": "develop", "to-branch": "main"}, `input "from-branch": set from and to`},
		{"one branch", map[string]string{"from-branch": "develop"}, `input "to-branch" is empty`},
		{"same branch", map[string]string{"from-branch": "main", "to-branch": "refs/heads/main"}, `input "to-branch": "main" is from-branch too`},
		{"bad branch", map[string]string{"from-branch": "dev..elop", "to-branch": "main"}, `input "from-branch": "dev..elop" is not a valid branch name`},
		{"bad promotion", map[string]string{"from": staging, "to": production, "promotion": "everything"}, `input "promotion": "everything" is neither images nor files`},
		{"bad glob", map[string]string{"from": staging, "to": production, "images": "ghcr.io/[acme"}, `input "images": "ghcr.io/[acme" is not a valid glob`},
		{"exclude-paths with images", map[string]string{"from": staging, "to": production, "exclude-paths": "secrets"}, `input "exclude-paths" applies to promotion: files`},
		{"both rollbacks", map[string]string{"to": production, "rollback": "last", "rollback-to": "v1"}, `input "rollback-to": set rollback`},
		{"rollback with from", map[string]string{"from": staging, "to": production, "rollback": "last"}, `input "from": a rollback names only`},
		{"rollback-to without to", map[string]string{"rollback-to": "v1"}, `input "to" is empty: rollback-to`},
		{"bad rollback", map[string]string{"to": production, "rollback": "not a tag"}, `input "rollback": "not a tag" is not a tag`},
		{"unknown rollback", map[string]string{"to": production, "rollback": "v19990101000000"}, `input "rollback": "v19990101000000" is no tag, commit or pull request`},
		{"unknown pull request", map[string]string{"to": production, "rollback": "#99"}, `input "rollback": pull request #99 does not exist`},
		{"unknown rollback-to", map[string]string{"to": production, "rollback-to": "v19990101000000"}, `input "rollback-to": tag "v19990101000000" does not exist`},
		{"to missing", map[string]string{"from": staging, "to": "environments/qa"}, `input "to": "environments/qa" is not a directory of the repository`},
		{"from without images", map[string]string{"from": "environments/docs", "to": production}, `input "from": "environments/docs" holds no image reference`},
		{"missing branch", map[string]string{"from-branch": "develop", "to-branch": "main"}, `input "from-branch": branch "develop" does not exist`},
	}
	f.srv.PushCommit(f.repo, "main", map[string]string{"environments/docs/README.md": "no images here\n"}, "Docs", githubtest.Identity{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pulls := len(f.srv.PullRequests(f.repo))
			r := f.run("pull_request", event, tc.inputs)
			if r.Code != cli.ExitUsage {
				t.Fatalf("exit %d, want %d\n%s%s", r.Code, cli.ExitUsage, r.Stdout, r.Stderr)
			}
			if !strings.Contains(commands(r.Stdout), tc.want) {
				t.Errorf("the error does not say %q:\n%s", tc.want, commands(r.Stdout))
			}
			if got := len(f.srv.PullRequests(f.repo)); got != pulls {
				t.Errorf("%d pull requests, was %d", got, pulls)
			}
		})
	}
	if refs := git(t, f.srv.GitDir(f.repo), "for-each-ref", "--format=%(refname)", "refs/heads/gitops-actions"); refs != "" {
		t.Errorf("branches made: %s", refs)
	}
}

// TestPromoteFiles: promotion: files makes production a copy of staging in
// one commit, with additions, changes and removals, leaving exclude-paths
// and a file holding a hold comment as they are.
func TestPromoteFiles(t *testing.T) {
	f := newEnvFixture(t, githubtest.Options{})
	f.srv.PushCommit(f.repo, "main", map[string]string{
		staging + "/secrets/db.yaml":    "password: staging\n",
		production + "/secrets/db.yaml": "password: production\n",
		production + "/legacy.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy\n",
		production + "/local.env":       "REGION=eu\n",
		production + "/pinned.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pinned\ndata:\n  v: \"1\" # gitops-actions: hold (frozen for the audit)\n",
	}, "Secrets, legacy, a pinned file", githubtest.Identity{})
	m := f.bumpStaging("v2.1.0", "1.1.0", start)
	r := f.afterMerge(m, promoteInputs(map[string]string{"promotion": "files", "exclude-paths": "secrets\n*.env"}))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "created"})
	dir := f.srv.GitDir(f.repo)
	got := git(t, dir, "diff", "--no-renames", "--name-status", "main", promoteBr)
	want := "A\tenvironments/production/flags.yaml\nM\tenvironments/production/app.yaml\nM\tenvironments/production/kustomization.yaml\nD\tenvironments/production/legacy.yaml\nD\tenvironments/production/pinned.yaml"
	sortLines := func(s string) string {
		l := strings.Split(s, "\n")
		sort.Strings(l)
		return strings.Join(l, "\n")
	}
	// The pinned file holds a hold comment: it stays.
	want = strings.Replace(want, "\nD\tenvironments/production/pinned.yaml", "", 1)
	if sortLines(got) != sortLines(want) {
		t.Errorf("the promotion changes:\n%s\nwant\n%s", got, want)
	}
	if n := len(strings.Fields(git(t, dir, "log", "--format=%H", promoteBr, "^main"))); n != 1 {
		t.Errorf("%d commits, want one", n)
	}
	for _, p := range []string{"app.yaml", "kustomization.yaml", "flags.yaml"} {
		if a, b := f.file(promoteBr, staging+"/"+p), f.file(promoteBr, production+"/"+p); a != b {
			t.Errorf("%s differs from staging's:\n%s\n%s", p, b, a)
		}
	}
	if got := f.file(promoteBr, production+"/secrets/db.yaml"); got != "password: production\n" {
		t.Errorf("an excluded file changed: %q", got)
	}
	if !strings.Contains(r.Stdout, "::notice file=environments/production/pinned.yaml,line=6::") {
		t.Errorf("no notice of the held file:\n%s", r.Stdout)
	}
	wantContains(t, "the held output", r.Outputs["held"], `"file":"environments/production/pinned.yaml"`, `"reason":"frozen for the audit"`)
	body := f.pull(r.Outputs["promotion-pull-request-number"]).Body
	wantContains(t, "the body", body, "file by file", "- `environments/production/legacy.yaml` removed", "| `environments/production/pinned.yaml` | 6 | frozen for the audit |")
	// Once merged, production renders as staging does (the pinned file is
	// no resource of its kustomization).
	wantContains(t, "the body", body, "### Drift\n\nNone")
}

// TestPromoteBranches: with an environment per branch, the pull request
// goes from develop into main; nothing between them opens none; a hotfix
// on main is its drift, and a hold comment merging would override is a
// warning.
func TestPromoteBranches(t *testing.T) {
	f := newEnvFixture(t, githubtest.Options{})
	dir := f.srv.GitDir(f.repo)
	git(t, dir, "branch", "develop", "main")
	in := map[string]string{"base": "develop", "from-branch": "develop", "to-branch": "main", "labels": "promotion"}
	r := f.dispatch(in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "none", "promoted": "[]", "drift": "0"})
	if len(f.srv.PullRequests(f.repo)) != 0 {
		t.Fatalf("a pull request with nothing in it: %+v", f.srv.PullRequests(f.repo))
	}

	f.srv.PushCommit(f.repo, "develop", map[string]string{production + "/app.yaml": appDeployment(4, "v2.1.0", "1.0.0", "0.9.0")}, bumpMessage("Bump app to v2.1.0"), githubtest.Identity{Login: "gitops-bot", Name: "bot", Email: "bot@example.com"})
	develop, main := f.srv.Ref(f.repo, "develop"), f.srv.Ref(f.repo, "main")
	r = f.dispatch(in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "created", "drift": "0",
		"promoted": `[{"image":"ghcr.io/acme/app","from-version":"v1.9.0","to-version":"v2.1.0"}]`})
	n := r.Outputs["promotion-pull-request-number"]
	p := f.pull(n)
	if p.Head != "develop" || p.Base != "main" || p.Labels[0] != "promotion" || p.Title != "Promote develop to main: app v2.1.0" {
		t.Errorf("pull request: %+v", p)
	}
	wantContains(t, "the body", p.Body, "Promotes branch `develop` into `main`: 1 commit(s).", "| `ghcr.io/acme/app` | `v1.9.0` | `v2.1.0` |", "built from [`acme/app@abcdef0`](https://github.com/acme/app/commit/", "None: `main` has no commit that `develop` lacks.")
	if f.srv.Ref(f.repo, "develop") != develop || f.srv.Ref(f.repo, "main") != main {
		t.Error("the branch promotion moved a branch")
	}

	hotfix := f.srv.PushCommit(f.repo, "main", map[string]string{production + "/app.yaml": strings.Replace(appDeployment(4, "v1.9.0", "1.0.0", "0.9.0"), "api:1.0.0", "api:1.0.0 # gitops-actions: hold (hotfix)", 1)}, "Hotfix: hold the api", githubtest.Identity{Login: "ann", Name: "ann", Email: "ann@example.com"})
	r = f.dispatch(in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "updated", "promotion-pull-request-number": n, "drift": "1"})
	wantContains(t, "the body", f.pull(n).Body, "`main` has 1 commit(s) that `develop` lacks", "- `"+hotfix[:7]+"` Hotfix: hold the api", "merging it overrides them", "| `environments/production/app.yaml` | 17 | hotfix |")
	wantContains(t, "the log", r.Stdout, "::warning file=environments/production/app.yaml,line=17::main holds a hold comment (hotfix)")
	r = f.dispatch(in)
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "unchanged"})
}
