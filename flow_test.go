package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
	"github.com/gitops-actions/gitops-actions/internal/sharedtest"
)

// The flow of the whole suite, as examples/workflows runs it on
// examples/config-repo, end to end on the fake GitHub with the binary's
// own commands: an app build bumps staging (bump-image opens a pull
// request), it merges, promote tags the merge and opens the production
// pull request, that merges and is tagged, a rollback pull request
// restores the previous production image with a hold, and the next bump
// leaves production alone.

const flowToken = "ghp_flowTestToken0123456789abcdefABCDEF"

// flow is the fake GitHub and its clock.
type flow struct {
	t   *testing.T
	srv *githubtest.Server
	now time.Time
}

// seed copies examples/config-repo into the fake as acme/config.
func seed(t *testing.T) *flow {
	f := &flow{t: t, now: time.Date(2026, 5, 1, 11, 0, 0, 0, time.UTC)}
	f.srv = githubtest.NewServer(t, githubtest.Options{Token: flowToken, Now: func() time.Time { return f.now }})
	f.srv.CreateRepo("acme/config", githubtest.RepoOptions{DefaultBranch: "main", Files: exampleRepo(t)})
	return f
}

// outcome is what a run of a command left.
type outcome struct {
	code    int
	stdout  string
	outputs map[string]string
}

// run runs one command of the binary as the runner would, in a workflow of
// repo (acme/app for the app's build, acme/config for the others).
func (f *flow) run(repo, eventName string, event map[string]any, inputs map[string]string, command string) outcome {
	t := f.t
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "output")
	if err := os.WriteFile(out, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": out, "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"GITHUB_REPOSITORY": repo, "GITHUB_SHA": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "GITHUB_RUN_ID": "31",
		"GITHUB_SERVER_URL": "https://github.com", "GITHUB_API_URL": f.srv.APIURL, "GITHUB_EVENT_NAME": eventName,
	}
	if after, ok := event["after"].(string); ok && eventName == "push" {
		env["GITHUB_SHA"] = after // the runner's, for a push: the commit pushed
	}
	if event != nil {
		p := filepath.Join(dir, "event.json")
		b, _ := json.Marshal(event)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		env["GITHUB_EVENT_PATH"] = p
	}
	inputs["token"] = flowToken
	for k, v := range inputs {
		env["INPUT_"+strings.ToUpper(k)] = v
	}
	var stdout, stderr bytes.Buffer
	cenv := &cli.Env{Getenv: func(k string) string { return env[k] }, Stdout: &stdout, Stderr: &stderr, Dir: dir, Version: "test"}
	code := cli.Main(context.Background(), commands(), []string{"gitops-actions", command}, cenv)
	raw, _ := os.ReadFile(out)
	o := outcome{code: code, stdout: stdout.String() + stderr.String(), outputs: map[string]string{}}
	lines := strings.Split(string(raw), "\n")
	for i := 0; i < len(lines); i++ {
		if name, delim, ok := strings.Cut(lines[i], "<<"); ok {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			o.outputs[name] = strings.Join(val, "\n")
		}
	}
	if strings.Contains(strings.Replace(o.stdout, "::add-mask::"+flowToken, "", 1), flowToken) {
		t.Errorf("the token appears in the output of %s", command)
	}
	return o
}

func (f *flow) want(o outcome, code int, outputs map[string]string) {
	f.t.Helper()
	if o.code != code {
		f.t.Fatalf("exit %d, want %d:\n%s", o.code, code, o.stdout)
	}
	for k, v := range outputs {
		if o.outputs[k] != v {
			f.t.Errorf("output %s = %q, want %q", k, o.outputs[k], v)
		}
	}
}

// payload reads a webhook payload: GitHub's real one from ../shared when
// it is there, else the self-made copy promote's tests use.
func payload(t *testing.T, real, own string) map[string]any {
	t.Helper()
	p := filepath.Join("actions", "promote", "testdata", own)
	if shared, ok := sharedtest.Find(t, "github", "webhooks", real); ok {
		p = shared
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	v["repository"] = map[string]any{"full_name": "acme/config", "name": "config", "default_branch": "main", "html_url": "https://github.com/acme/config"}
	return v
}

// merge approves and merges pull request n at the flow's next hour, and
// returns the push to main it makes, as config-merge.yml receives it:
// GitHub's payload edited into this push.
func (f *flow) merge(n string) (map[string]any, string) {
	f.t.Helper()
	f.now = f.now.Add(time.Hour)
	var pr githubtest.PR
	for _, p := range f.srv.PullRequests("acme/config") {
		if fmt.Sprint(p.Number) == n {
			pr = p
		}
	}
	f.srv.Review("acme/config", pr.Number, "bob", "APPROVED")
	before := f.srv.Ref("acme/config", "main")
	sha := f.srv.MergePRWith("acme/config", pr.Number, githubtest.MergeCommit)
	ev := payload(f.t, "push.4.json", "push.json")
	ev["ref"], ev["before"], ev["after"] = "refs/heads/main", before, sha
	return ev, sha
}

func TestFlow(t *testing.T) {
	f := seed(t)
	const (
		stagingApp  = "environments/staging/app-deployment.yaml"
		prodApp     = "environments/production/app-deployment.yaml"
		prodKust    = "environments/production/kustomization.yaml"
		merge       = "push" // config-merge.yml runs on push to main
		imageV2_1_0 = "ghcr.io/acme/app:v2.1.0"
	)
	promoteIn := func() map[string]string {
		return map[string]string{"from": "environments/staging", "to": "environments/production"} // config-merge.yml
	}
	bumpIn := func(image string) map[string]string {
		return map[string]string{"repository": "acme/config", "path": "environments/staging", "images": image, "labels": "automated"} // app-repo.yml
	}

	// 1. The app's build bumps staging: a pull request.
	bump := f.run("acme/app", "push", nil, bumpIn(imageV2_1_0), "bump-image")
	f.want(bump, 0, map[string]string{"pull-request-operation": "created", "changed": "true"})

	// 2. It merges; promote tags the merge and opens the production pull
	// request.
	ev, bumpMerge := f.merge(bump.outputs["pull-request-number"])
	tag1 := "v" + f.now.Format("20060102150405")
	r := f.run("acme/config", merge, ev, promoteIn(), "promote")
	f.want(r, 0, map[string]string{"tag": tag1, "sha": bumpMerge, "created": "true", "promotion-pull-request-operation": "created",
		"promoted": `[{"image":"ghcr.io/acme/app","from-version":"v2.0.0","to-version":"v2.1.0"}]`, "drift": "1"})

	// 3. The production pull request merges and is tagged; nothing is
	// left to promote.
	ev, promotionMerge := f.merge(r.outputs["promotion-pull-request-number"])
	tag2 := "v" + f.now.Format("20060102150405")
	r = f.run("acme/config", merge, ev, promoteIn(), "promote")
	f.want(r, 0, map[string]string{"tag": tag2, "sha": promotionMerge, "promotion-pull-request-operation": "none"})

	// 4. A rollback of production (config-rollback.yml): a pull request
	// that restores v2.0.0 with holds. It tags nothing.
	dispatch := payload(t, "workflow_dispatch.0.json", "workflow_dispatch.json")
	r = f.run("acme/config", "workflow_dispatch", dispatch, map[string]string{"to": "environments/production", "rollback": "last"}, "promote")
	f.want(r, 0, map[string]string{"promotion-pull-request-operation": "created", "tag": "",
		"promoted": `[{"image":"ghcr.io/acme/app","from-version":"v2.1.0","to-version":"v2.0.0"}]`})
	ev, rollbackMerge := f.merge(r.outputs["promotion-pull-request-number"])
	tag3 := "v" + f.now.Format("20060102150405")
	// Its merge is tagged; production is held, so nothing is promoted: an
	// expected state, which the run reports and succeeds.
	r = f.run("acme/config", merge, ev, promoteIn(), "promote")
	f.want(r, 0, map[string]string{"tag": tag3, "sha": rollbackMerge, "promotion-pull-request-operation": "none"})

	// 5. The next bump of staging merges; production is left alone.
	bump = f.run("acme/app", "push", nil, bumpIn("ghcr.io/acme/app:v2.2.0"), "bump-image")
	f.want(bump, 0, map[string]string{"pull-request-operation": "created"})
	ev, bump2Merge := f.merge(bump.outputs["pull-request-number"])
	tag4 := "v" + f.now.Format("20060102150405")
	r = f.run("acme/config", merge, ev, promoteIn(), "promote")
	f.want(r, 0, map[string]string{"tag": tag4, "sha": bump2Merge, "promotion-pull-request-operation": "none", "promoted": "[]"})
	if !strings.Contains(r.stdout, "held by a hold comment (rollback of "+tag2+"); not promoted to ghcr.io/acme/app:v2.2.0") {
		t.Errorf("no notice of the hold:\n%s", r.stdout)
	}

	// The files.
	read := func(path string) string {
		s, err := f.srv.File("acme/config", "main", path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	hold := " # gitops-actions: hold (rollback of " + tag2 + ")"
	seedProd := exampleRepo(t)[prodApp]
	if got, want := read(prodApp), strings.Replace(seedProd, "app:v2.0.0 # bumped by gitops-actions", "app:v2.0.0 # bumped by gitops-actions"+hold, 1); got != want {
		t.Errorf("production's deployment:\n%s\nwant\n%s", got, want)
	}
	if got := read(prodKust); !strings.Contains(got, "newTag: v2.0.0"+hold+"\n") {
		t.Errorf("production's kustomization:\n%s", got)
	}
	if got := read(stagingApp); !strings.Contains(got, "image: ghcr.io/acme/app:v2.2.0 # bumped by gitops-actions\n") {
		t.Errorf("staging's deployment:\n%s", got)
	}

	// The tags and releases: one per merge, on it, annotated.
	dir := f.srv.GitDir("acme/config")
	for tag, sha := range map[string]string{tag1: bumpMerge, tag2: promotionMerge, tag3: rollbackMerge, tag4: bump2Merge} {
		if got := gitOut(t, dir, "rev-parse", tag+"^{commit}"); got != sha {
			t.Errorf("%s is on %s, want %s", tag, got, sha)
		}
		if got := gitOut(t, dir, "cat-file", "-t", tag); got != "tag" {
			t.Errorf("%s is a %s, not an annotated tag", tag, got)
		}
	}
	if tags := f.srv.Tags("acme/config"); len(tags) != 4 {
		t.Errorf("%d tags, want 4: %+v", len(tags), tags)
	}
	notes := map[string]string{}
	for _, rel := range f.srv.Releases("acme/config") {
		notes[rel.Tag] = rel.Body
	}
	for tag, want := range map[string]string{
		tag1: "| `staging` | `ghcr.io/acme/app` | `v2.0.0` | `v2.1.0` |",
		tag2: "| `production` | `ghcr.io/acme/app` | `v2.0.0` | `v2.1.0` |",
		tag3: "| `production` | `ghcr.io/acme/app` | `v2.1.0` | `v2.0.0` |",
		tag4: "| `staging` | `ghcr.io/acme/app` | `v2.1.0` | `v2.2.0` |",
	} {
		if !strings.Contains(notes[tag], want) {
			t.Errorf("the release of %s lacks %q:\n%s", tag, want, notes[tag])
		}
	}

	// The history: every change a commit of the tool's, with where it
	// came from.
	log := gitOut(t, dir, "log", "--first-parent", "--format=%s", "main")
	wantLog := []string{"Merge pull request #4", "Merge pull request #3", "Merge pull request #2", "Merge pull request #1"}
	for i, w := range wantLog {
		if l := strings.Split(log, "\n"); i >= len(l) || !strings.HasPrefix(l[i], w) {
			t.Errorf("git log --first-parent main:\n%s\nwant lines starting %q", log, wantLog)
			break
		}
	}
	bodies := gitOut(t, dir, "log", "--format=%H %s%n%b", "main", "^"+bumpMerge+"^1")
	for _, want := range []string{
		"Source-Repository: acme/app\nSource-Commit: a1b2c3d4e5f60718293a4b5c6d7e8f9012345678\nWorkflow-Run: https://github.com/acme/app/actions/runs/31\nBumped-By: gitops-actions",
		"Source-Repository: acme/config\nSource-Commit: " + bumpMerge + "\nWorkflow-Run: https://github.com/acme/config/actions/runs/31\nPromoted-By: gitops-actions",
		"Roll back environments/production: revert " + tag2,
	} {
		if !strings.Contains(bodies, want) {
			t.Errorf("git log lacks %q:\n%s", want, bodies)
		}
	}
	if n := strings.Count(bodies, "Bumped-By: gitops-actions"); n != 2 {
		t.Errorf("%d bump commits, want 2", n)
	}
	if n := strings.Count(bodies, "Promoted-By: gitops-actions"); n != 2 {
		t.Errorf("%d promote commits (the promotion, the rollback), want 2", n)
	}
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"--git-dir", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
