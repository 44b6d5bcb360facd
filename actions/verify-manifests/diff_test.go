package verifymanifests

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
	"github.com/gitops-actions/gitops-actions/internal/mdtext/mdtexttest"
	"github.com/gitops-actions/gitops-actions/internal/workflowcmd/runnertest"
)

// testToken is the token the fake accepts; no output of a run may hold it.
const testToken = "ghp_verifyDiffTestToken0123456789abcdefAB"

var fastRetry = forge.Retry{Max: 10, WaitMin: time.Millisecond, WaitMax: 4 * time.Millisecond, SecondaryWait: time.Millisecond, MaxWait: 10 * time.Millisecond}

// deployment is a Deployment of image that passes verify's default rules.
func deployment(name, image string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ` + name + `
  namespace: web
spec:
  selector:
    matchLabels: {app: ` + name + `}
  template:
    metadata:
      labels: {app: ` + name + `}
    spec:
      containers:
        - name: app
          image: ` + image + `
          resources:
            requests: {cpu: 10m, memory: 16Mi}
            limits: {cpu: 10m, memory: 16Mi}
          securityContext: {runAsNonRoot: true, readOnlyRootFilesystem: true}
`
}

// configFiles is the config repository at one image version per
// environment.
func configFiles(staging, production string) map[string]string {
	return map[string]string{
		"README.md":                            "# config\n",
		"environments/staging/web.yaml":        deployment("web", "ghcr.io/acme/web:"+staging),
		"environments/production/web.yaml":     deployment("web", "ghcr.io/acme/web:"+production),
		"environments/production/extras.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extras\n  namespace: web\ndata:\n  a: \"1\"\n",
		"other/not-verified/elsewhere.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
		"environments/staging/kept-small.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: small\n  namespace: web\n",
	}
}

// diffFixture is a fake GitHub whose acme/config holds the base at main,
// a pull request open on it, and a working tree for the head.
type diffFixture struct {
	t       *testing.T
	srv     *githubtest.Server
	baseSHA string
	pr      int
	dir     string
	event   string
}

func newDiffFixture(t *testing.T, repo githubtest.RepoOptions) *diffFixture {
	t.Helper()
	return newDiffFixtureOf(t, repo, configFiles("v1.0.0", "v1.0.0"), configFiles("v1.1.0", "v1.0.0"))
}

// newDiffFixtureOf is newDiffFixture with the base's files on main and
// the head's in the working tree.
func newDiffFixtureOf(t *testing.T, repo githubtest.RepoOptions, baseFiles, headFiles map[string]string) *diffFixture {
	t.Helper()
	srv := githubtest.NewServer(t, githubtest.Options{Token: testToken})
	repo.Files = baseFiles
	srv.CreateRepo("acme/config", repo)
	srv.PushCommit("acme/config", "feature", map[string]string{"README.md": "# changed\n"}, "the pull request's head", githubtest.Identity{})
	f := &diffFixture{t: t, srv: srv, baseSHA: srv.Ref("acme/config", "main"), dir: clitest.WriteTree(t, headFiles)}
	f.pr = srv.OpenPR("acme/config", githubtest.NewPR{Head: "feature", Title: "bump staging"})
	f.event = f.writeEvent(map[string]any{"action": "synchronize", "number": f.pr, "pull_request": map[string]any{"number": f.pr}, "repository": map[string]any{"full_name": "acme/config"}})
	return f
}

func (f *diffFixture) writeEvent(payload map[string]any) string {
	f.t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		f.t.Fatal(err)
	}
	p := filepath.Join(f.t.TempDir(), "event.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// diffRun is one run in Actions and what it wrote.
type diffRun struct {
	clitest.ActionResult
	DiffFile string
	// tokenGiven says the token input was set: the run must mask it first.
	tokenGiven bool
}

// checkSecrets fails when the token or a codeload token is in anything
// the run wrote but the line that masks the token.
func (r diffRun) checkSecrets(t *testing.T) {
	t.Helper()
	others := map[string]string{"stderr": r.Stderr, "summary": r.Summary, "diff-file": r.DiffFile, "outputs": r.RawOut}
	clitest.CheckNotPrinted(t, testToken, r.tokenGiven, r.Stdout, others)
	clitest.CheckNotPrinted(t, githubtest.CodeloadTokenPrefix, false, r.Stdout, others)
}

// run runs verify-manifests in Actions on the fixture's working tree with
// inputs on top of the diff's.
func (f *diffFixture) run(eventName string, inputs map[string]string) diffRun {
	f.t.Helper()
	environ := map[string]string{
		"GITHUB_EVENT_NAME": eventName,
		"GITHUB_EVENT_PATH": f.event,
		"GITHUB_REPOSITORY": "acme/config",
		"GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_RUN_ID":     "42",
	}
	in := map[string]string{
		"path":           "environments",
		"environments":   "environments/staging,environments/production",
		"diff-base":      f.baseSHA,
		"diff-file":      "diff.txt",
		"token":          testToken,
		"github-api-url": f.srv.APIURL,
	}
	for k, v := range inputs {
		in[k] = v // an empty value drops the input
	}
	res := diffRun{ActionResult: clitest.RunAction(f.t, NewCommand(Deps{Retry: fastRetry}), f.dir, environ, in), tokenGiven: in["token"] != ""}
	if b, err := os.ReadFile(filepath.Join(f.dir, "diff.txt")); err == nil {
		res.DiffFile = string(b)
		os.Remove(filepath.Join(f.dir, "diff.txt"))
	}
	return res
}

// ours returns the bodies of the pull request's comments that carry the
// marker of path.
func (f *diffFixture) ours(path string) []string {
	var out []string
	for _, p := range f.srv.PullRequests("acme/config") {
		if p.Number != f.pr {
			continue
		}
		for _, c := range p.Comments {
			if strings.HasPrefix(c, marker(path)) {
				out = append(out, c)
			}
		}
	}
	return out
}

// TestDiffComment runs the check three times on a pull request: the first
// run creates the comment, the second (another push) updates it, the third
// (the same head) leaves it alone. The base is read through the archive in
// two requests; the token and codeload's token are in no output.
func TestDiffComment(t *testing.T) {
	f := newDiffFixture(t, githubtest.RepoOptions{Private: true})
	type step struct {
		name                string
		change              map[string]string
		wantPOST, wantPATCH int
		wantInBody          string
		wantChanged         string
	}
	steps := []step{
		{name: "first push", wantPOST: 1, wantInBody: "v1.1.0", wantChanged: "1"},
		{name: "second push", change: map[string]string{"environments/production/web.yaml": deployment("web", "ghcr.io/acme/web:v1.1.0")}, wantPATCH: 1, wantInBody: "production", wantChanged: "2"},
		{name: "re-run", wantChanged: "2"},
	}
	var last string
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			for name, content := range st.change {
				if err := os.WriteFile(filepath.Join(f.dir, filepath.FromSlash(name)), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f.srv.ResetCalls()
			got := f.run("pull_request", nil)
			if got.Code != cli.ExitOK {
				t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", got.Code, got.Stdout, got.Stderr)
			}
			if n := f.srv.Calls(githubtest.RouteCreateComment); n != st.wantPOST {
				t.Errorf("%d comments posted, want %d", n, st.wantPOST)
			}
			if n := f.srv.Calls(githubtest.RouteUpdateComment); n != st.wantPATCH {
				t.Errorf("%d comments edited, want %d", n, st.wantPATCH)
			}
			if n := f.srv.Calls(githubtest.RouteTarball) + f.srv.Calls(githubtest.RouteCodeload); n != 2 {
				t.Errorf("the base took %d archive requests, want 2 (the endpoint and its redirect): %v", n, f.srv.AllCalls())
			}
			if n := f.srv.CodeloadCredentials(); n != 0 {
				t.Errorf("%d requests sent the token to the codeload host", n)
			}
			bodies := f.ours("environments")
			if len(bodies) != 1 {
				t.Fatalf("%d comments with our marker, want exactly 1", len(bodies))
			}
			body := bodies[0]
			page := mdtexttest.Render(t, body)
			mdtexttest.CheckInert(t, page, "https://github.com/acme/config/actions/runs/")
			if text := strings.TrimSpace(mdtexttest.Text(page)); !strings.HasPrefix(text, "✅ no findings · ") {
				t.Errorf("the comment does not start with the verdict:\n%s", text)
			}
			summary := mdtexttest.Render(t, got.Summary)
			mdtexttest.CheckInert(t, summary, "https://github.com/acme/config/")
			mdtexttest.CheckTables(t, summary)
			if !strings.Contains(body, st.wantInBody) || len(body) > 65536 {
				t.Errorf("comment (%d bytes) does not mention %q:\n%s", len(body), st.wantInBody, body)
			}
			if st.wantPATCH+st.wantPOST == 0 && body != last {
				t.Errorf("the comment changed on a re-run:\n%s\nwas:\n%s", body, last)
			}
			if st.wantPATCH > 0 && body == last {
				t.Errorf("the comment did not change after a push")
			}
			last = body
			if got, want := got.Outputs["diff-changed"], st.wantChanged; got != want {
				t.Errorf("diff-changed: got %q, want %q", got, want)
			}
			if got.Outputs["diff-added"] != "0" || got.Outputs["diff-removed"] != "0" {
				t.Errorf("diff-added %q, diff-removed %q, want 0 and 0", got.Outputs["diff-added"], got.Outputs["diff-removed"])
			}
			verify, diff := strings.Index(got.Summary, "verify-manifests"), strings.Index(got.Summary, "### Rendered changes")
			if verify < 0 || diff < verify {
				t.Errorf("the summary does not hold verify's summary then the diff:\n%s", got.Summary)
			}
			if !strings.Contains(got.DiffFile, "ghcr.io/acme/web:v1.1.0") {
				t.Errorf("diff-file does not hold the diff:\n%s", got.DiffFile)
			}
			got.checkSecrets(t)
		})
	}
}

// TestDiffCommentForbidden: a token without pull-requests: write (or a
// fork's) cannot comment. That is a warning naming the permission; the
// exit code is the findings'.
func TestDiffCommentForbidden(t *testing.T) {
	f := newDiffFixture(t, githubtest.RepoOptions{ReadOnlyToken: true})
	got := f.run("pull_request", nil)
	if got.Code != cli.ExitOK {
		t.Fatalf("exit %d, want 0 (no finding)\nstdout:\n%s\nstderr:\n%s", got.Code, got.Stdout, got.Stderr)
	}
	warned := false
	for _, c := range runnertest.Commands(got.Stdout) {
		warned = warned || c.Name == "warning" && strings.Contains(c.Data, "pull-requests: write")
	}
	if !warned {
		t.Errorf("no warning that names pull-requests: write:\n%s", got.Stdout)
	}
	if !strings.Contains(got.Summary, "### Rendered changes") || got.Outputs["diff-changed"] != "1" {
		t.Errorf("the diff is not in the summary and outputs:\n%s\n%v", got.Summary, got.Outputs)
	}
	// A finding still fails the run.
	os.WriteFile(filepath.Join(f.dir, "environments/staging/web.yaml"), []byte(deployment("web", "ghcr.io/acme/web:latest")), 0o644)
	if got := f.run("pull_request", nil); got.Code != cli.ExitFailed {
		t.Errorf("with a finding: exit %d, want 1\n%s", got.Code, got.Stdout)
	}
}

// TestDiffNoPullRequest: on a push there is no pull request to comment on;
// a notice says so and no comment request is made.
func TestDiffNoPullRequest(t *testing.T) {
	for event, want := range map[string]string{
		"push": "the push event is about no pull request",
		"":     "no workflow event (GITHUB_EVENT_NAME is empty)",
	} {
		f := newDiffFixture(t, githubtest.RepoOptions{})
		f.event = f.writeEvent(map[string]any{"ref": "refs/heads/main", "repository": map[string]any{"full_name": "acme/config"}})
		got := f.run(event, nil)
		if got.Code != cli.ExitOK {
			t.Fatalf("event %q: exit %d\n%s\n%s", event, got.Code, got.Stdout, got.Stderr)
		}
		noticed := false
		for _, c := range runnertest.Commands(got.Stdout) {
			noticed = noticed || c.Name == "notice" && strings.Contains(c.Data, want)
		}
		if !noticed {
			t.Errorf("event %q: no notice saying %q:\n%s", event, want, got.Stdout)
		}
		if n := f.srv.Calls(githubtest.RouteListComments) + f.srv.Calls(githubtest.RouteCreateComment); n != 0 {
			t.Errorf("event %q: %d comment requests", event, n)
		}
	}
}

// TestDiffNothingNew: a pull request that changes no rendered resource
// gets no comment; one it had says so after the next push.
func TestDiffNothingNew(t *testing.T) {
	f := newDiffFixture(t, githubtest.RepoOptions{})
	same := configFiles("v1.0.0", "v1.0.0")
	write := func(name string) {
		os.WriteFile(filepath.Join(f.dir, filepath.FromSlash(name)), []byte(same[name]), 0o644)
	}
	write("environments/staging/web.yaml")
	if got := f.run("pull_request", nil); got.Code != 0 || len(f.ours("environments")) != 0 {
		t.Fatalf("no change: exit %d, %d comments, want 0 and none\n%s", got.Code, len(f.ours("environments")), got.Stderr)
	}
	os.WriteFile(filepath.Join(f.dir, "environments/staging/web.yaml"), []byte(deployment("web", "ghcr.io/acme/web:v2.0.0")), 0o644)
	f.run("pull_request", nil)
	write("environments/staging/web.yaml")
	got := f.run("pull_request", nil)
	bodies := f.ours("environments")
	if got.Code != 0 || len(bodies) != 1 || !strings.Contains(bodies[0], "no rendered resource changes") {
		t.Errorf("after the change was undone: exit %d, comments %q, want one saying there is no change", got.Code, bodies)
	}
}

// TestDiffTwoPaths: two jobs verifying different paths keep a comment
// each.
func TestDiffTwoPaths(t *testing.T) {
	f := newDiffFixture(t, githubtest.RepoOptions{})
	f.run("pull_request", nil)
	f.run("pull_request", map[string]string{"path": "environments/staging", "environments": "environments/staging"})
	if a, b := f.ours("environments"), f.ours("environments/staging"); len(a) != 1 || len(b) != 1 {
		t.Errorf("comments: %d for environments, %d for environments/staging, want one each", len(a), len(b))
	}
}

// kustomized is a config repository whose environments build a base
// outside them, and one more kustomization outside path.
func kustomized(image string) map[string]string {
	return map[string]string{
		"apps/web/kustomization.yaml":                "resources:\n  - deployment.yaml\n",
		"apps/web/deployment.yaml":                   deployment("web", image),
		"environments/staging/kustomization.yaml":    "resources:\n  - ../../apps/web\n",
		"environments/production/kustomization.yaml": "resources:\n  - ../../apps/web\nnamePrefix: prod-\n",
		"sandbox/kustomization.yaml":                 "resources:\n  - ../apps/web\nnamePrefix: sandbox-\n",
	}
}

// TestDiffKustomizeBasesOutsidePath: with path but no environments, the
// environments found under path are compared, their bases outside path
// read from both trees, and the kustomization outside path left out.
func TestDiffKustomizeBasesOutsidePath(t *testing.T) {
	f := newDiffFixtureOf(t, githubtest.RepoOptions{}, kustomized("ghcr.io/acme/web:v1.0.0"), kustomized("ghcr.io/acme/web:v2.0.0"))
	got := f.run("pull_request", map[string]string{"environments": ""})
	if got.Code != cli.ExitOK {
		t.Fatalf("exit %d\n%s\n%s", got.Code, got.Stdout, got.Stderr)
	}
	if got.Outputs["diff-changed"] != "2" {
		t.Errorf("diff-changed: got %q, want 2 (the base's image in both environments)\n%s", got.Outputs["diff-changed"], got.Summary)
	}
	for _, want := range []string{"environments/staging", "environments/production", "ghcr.io/acme/web:v2.0.0"} {
		if !strings.Contains(got.DiffFile, want) {
			t.Errorf("diff-file lacks %q:\n%s", want, got.DiffFile)
		}
	}
	if strings.Contains(got.DiffFile, "sandbox") || strings.Contains(got.DiffFile, "did not render") {
		t.Errorf("diff-file holds sandbox, outside path, or a render error:\n%s", got.DiffFile)
	}
}

// TestDiffBaseDoesNotRender: a base whose environment does not build is
// said so in the summary, the head's findings are reported as ever, and
// the base's symbolic link under path is named in a warning.
func TestDiffBaseDoesNotRender(t *testing.T) {
	baseFiles := kustomized("ghcr.io/acme/web:v1.0.0")
	baseFiles["environments/staging/kustomization.yaml"] = "resources:\n  - ../../apps/missing\n"
	baseFiles["environments/staging/link.yaml"] = githubtest.Symlink("/etc/passwd")
	headFiles := kustomized("ghcr.io/acme/web:latest")
	f := newDiffFixtureOf(t, githubtest.RepoOptions{}, baseFiles, headFiles)
	got := f.run("pull_request", map[string]string{"environments": ""})
	if got.Code != cli.ExitFailed {
		t.Errorf("exit %d, want 1: the head's :latest is a finding\n%s", got.Code, got.Stdout)
	}
	if !strings.Contains(got.Summary, "did not render") || !strings.Contains(got.Summary, "apps/missing") {
		t.Errorf("the summary does not say the base did not render, and why:\n%s", got.Summary)
	}
	var warning, finding bool
	for _, c := range runnertest.Commands(got.Stdout) {
		warning = warning || c.Name == "warning" && strings.Contains(c.Data, `1 symbolic link ("environments/staging/link.yaml")`)
		finding = finding || c.Name == "error" && c.Props()["file"] == "apps/web/deployment.yaml"
	}
	if !warning || !finding {
		t.Errorf("warning about the base's link: %v, the head's finding: %v\n%s", warning, finding, got.Stdout)
	}
}

// TestDiffLimits changes more than a comment can hold: the comment stays
// within 65,536 characters with its marker, the summary within 1 MiB with
// verify's, and diff-file has everything.
func TestDiffLimits(t *testing.T) {
	files := func(v string) map[string]string {
		m := map[string]string{}
		for i := range 400 {
			m[fmt.Sprintf("environments/staging/cm-%03d.yaml", i)] = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%03d\n  namespace: web\ndata:\n  blob: %s\n", i, strings.Repeat(v, 3000))
		}
		return m
	}
	f := newDiffFixtureOf(t, githubtest.RepoOptions{}, files("a"), files("b"))
	got := f.run("pull_request", map[string]string{"environments": "environments/staging"})
	if got.Code != cli.ExitOK {
		t.Fatalf("exit %d\n%s\n%s", got.Code, got.Stdout, got.Stderr)
	}
	bodies := f.ours("environments")
	if len(bodies) != 1 || len(bodies[0]) > 65536 {
		t.Fatalf("comments %d, first %d bytes, want one within 65,536", len(bodies), len(bodies[0]))
	}
	if len(got.Summary) > 1<<20 || !strings.Contains(got.Summary, "### verify-manifests") {
		t.Errorf("summary %d bytes, want verify's and the diff within 1 MiB", len(got.Summary))
	}
	if got.Outputs["diff-changed"] != "400" || strings.Count(got.DiffFile, "--- changed ") != 400 {
		t.Errorf("diff-changed %q, %d diffs in diff-file, want 400 of each", got.Outputs["diff-changed"], strings.Count(got.DiffFile, "--- changed "))
	}
	for _, body := range []string{bodies[0], got.Summary} {
		if n := strings.Count(body, "```"); n%2 != 0 {
			t.Errorf("%d fences: one is left open", n)
		}
	}
}

func TestDiffBadInput(t *testing.T) {
	f := newDiffFixture(t, githubtest.RepoOptions{})
	os.MkdirAll(filepath.Join(f.dir, "base"), 0o755)
	tests := []struct {
		name    string
		inputs  map[string]string
		wantErr string
	}{
		{name: "a ref that does not exist", inputs: map[string]string{"diff-base": "no-such-branch"}, wantErr: `input "diff-base": ref "no-such-branch" of acme/config not found`},
		{name: "no token, no git", inputs: map[string]string{"token": ""}, wantErr: `input "diff-base": without token, the base "` + f.baseSHA + `" is read from the local git repository with the git command, and there is no git on PATH`},
		{name: "both bases", inputs: map[string]string{"diff-base-path": "base"}, wantErr: `"diff-base" and "diff-base-path" are both set`},
		{name: "not a ref", inputs: map[string]string{"diff-base": "main..feature"}, wantErr: `input "diff-base": "main..feature" is not a git ref`},
		{name: "a bad ignore path", inputs: map[string]string{"diff-ignore": "metadata..name"}, wantErr: `input "diff-ignore": "metadata..name"`},
		{name: "diff-file outside", inputs: map[string]string{"diff-file": "../diff.txt"}, wantErr: `input "diff-file"`},
		{name: "diff-base-path outside", inputs: map[string]string{"diff-base": "", "diff-base-path": "../elsewhere"}, wantErr: `input "diff-base-path"`},
		{name: "diff-base-path is a file", inputs: map[string]string{"diff-base": "", "diff-base-path": "environments/staging/web.yaml"}, wantErr: `is not a directory`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := f.run("pull_request", tc.inputs)
			if got.Code != cli.ExitUsage {
				t.Errorf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", got.Code, got.Stdout, got.Stderr)
			}
			if !strings.Contains(got.Stdout, tc.wantErr) {
				t.Errorf("the error does not say %q:\n%s", tc.wantErr, got.Stdout)
			}
			got.checkSecrets(t)
		})
	}
}

// TestDiffNoBase: a workflow that runs on pushes too passes an empty
// diff-base there. No diff, no file, no comment: a notice, and the exit
// code of the findings.
func TestDiffNoBase(t *testing.T) {
	f := newDiffFixture(t, githubtest.RepoOptions{})
	got := f.run("push", map[string]string{"diff-base": ""})
	if got.Code != cli.ExitOK || got.DiffFile != "" || got.Outputs["diff-changed"] != "" || f.srv.TotalCalls() != 0 {
		t.Errorf("exit %d, diff-file %q, diff-changed %q, %d requests: want 0, none, none, none", got.Code, got.DiffFile, got.Outputs["diff-changed"], f.srv.TotalCalls())
	}
	if !strings.Contains(got.Stdout, "::notice::no diff: diff-file is set, but diff-base and diff-base-path are empty") {
		t.Errorf("no notice:\n%s", got.Stdout)
	}
}

// TestDiffFileThroughLink: diff-file committed as a link to a file
// elsewhere is replaced; its target is never written.
func TestDiffFileThroughLink(t *testing.T) {
	f := newDiffFixture(t, githubtest.RepoOptions{})
	target := filepath.Join(t.TempDir(), "target")
	os.WriteFile(target, []byte("untouched"), 0o644)
	if err := os.Symlink(target, filepath.Join(f.dir, "diff.txt")); err != nil {
		t.Skip(err)
	}
	got := f.run("pull_request", nil)
	if got.Code != cli.ExitOK || !strings.Contains(got.DiffFile, "ghcr.io/acme/web:v1.1.0") {
		t.Errorf("exit %d, diff-file %q", got.Code, got.DiffFile)
	}
	if b, _ := os.ReadFile(target); string(b) != "untouched" {
		t.Errorf("the link's target was written: %q", b)
	}
}

// TestDiffBasePath compares with a base checked out in the working tree,
// locally: no token, no GitHub.
func TestDiffBasePath(t *testing.T) {
	files := configFiles("v1.1.0", "v1.0.0")
	for name, content := range configFiles("v1.0.0", "v1.0.0") {
		files["base/"+name] = content
	}
	dir := clitest.WriteTree(t, files)
	got := runCLI(t, dir, "--path", "environments", "--environments", "environments/staging,environments/production", "--diff-base-path", "base", "--diff-file", "diff.txt")
	if got.Code != cli.ExitOK {
		t.Fatalf("exit %d\n%s\n%s", got.Code, got.Stdout, got.Stderr)
	}
	for _, want := range []string{"diff-changed=1", "diff-added=0", "diff-removed=0"} {
		if !strings.Contains(got.Stdout, want+"\n") {
			t.Errorf("stdout lacks %q:\n%s", want, got.Stdout)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "diff.txt"))
	if err != nil || !strings.Contains(string(b), "ghcr.io/acme/web:v1.0.0") || !strings.Contains(string(b), "ghcr.io/acme/web:v1.1.0") {
		t.Errorf("diff-file: %v\n%s", err, b)
	}
}
