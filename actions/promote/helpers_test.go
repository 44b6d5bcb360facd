package promote_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/actions/promote"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
	"github.com/gitops-actions/gitops-actions/internal/sharedtest"
)

// testToken is the token the fake accepts; no output of a run may hold it.
const testToken = "ghp_promoteTestToken0123456789abcdefABCDEF"

// fastRetry keeps every wait in milliseconds; Max is high enough that the
// fault tests practically never exhaust it. There a write fails one try in
// two (30% answered 5xx, and 30% of the rest applied but never answered),
// so 11 tries left a request failing 6 times in 10,000, and a test of ten
// racing runs, a hundred requests, failed about once in twenty; 31 tries
// make that 1 in 10^9 per request.
var fastRetry = forge.Retry{Max: 30, WaitMin: time.Millisecond, WaitMax: 4 * time.Millisecond, SecondaryWait: time.Millisecond, MaxWait: 10 * time.Millisecond}

// start is when the tests' first merge happens.
var start = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func deployment(name, image string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
spec:
  template:
    spec:
      containers:
        - name: %s
          image: %s
`, name, name, image)
}

// fixture is a fake GitHub with one config repository.
type fixture struct {
	t      *testing.T
	srv    *githubtest.Server
	clock  *githubtest.Clock
	repo   string
	branch string
	// clocked runs the command on the fixture's clock, as the gates'
	// tests need.
	clocked bool
}

func newFixture(t *testing.T, opts githubtest.Options) *fixture {
	return newFixtureRepo(t, opts, "acme/config", "main")
}

// newFixtureRepo starts the fake with repo: staging and production
// overlays of ghcr.io/acme/app, a kustomization and a README.
func newFixtureRepo(t *testing.T, opts githubtest.Options, repo, branch string) *fixture {
	t.Helper()
	c := githubtest.NewClock(start.Add(-time.Hour))
	if opts.Token == "" && opts.App == nil {
		opts.Token = testToken
	}
	opts.Now = c.Now
	srv := githubtest.NewServer(t, opts)
	srv.CreateRepo(repo, githubtest.RepoOptions{DefaultBranch: branch, Files: map[string]string{
		"README.md":                               "# config\n",
		"environments/staging/app.yaml":           deployment("app", "ghcr.io/acme/app:v2.0.0"),
		"environments/staging/kustomization.yaml": "resources:\n  - app.yaml\nimages:\n  - name: ghcr.io/acme/api\n    newTag: 1.0.0\n",
		"environments/production/app.yaml":        deployment("app", "ghcr.io/acme/app:v1.9.0"),
	}})
	return &fixture{t: t, srv: srv, clock: c, repo: repo, branch: branch}
}

// change is a pull request to open and merge.
type change struct {
	branch    string
	files     map[string]string
	title     string
	body      string
	author    string
	labels    []string
	approvers []string
	method    string // githubtest.MergeCommit (default), Squash or Rebase
	// commits splits files into this many commits (one file each, in
	// path order, the rest in the last); 0 is one commit.
	commits int
	at      time.Time // merge time; zero: start
	// message, when set, is the message of the (last) commit, e.g. one
	// with the trailers bump-image writes.
	message string
}

// merged is a merged pull request as the event tells it.
type merged struct {
	number   int
	sha      string
	at       time.Time
	change   change
	htmlURL  string
	parentOf string // the base branch's head before the merge
}

// merge pushes the change to its branch, opens, reviews and merges it.
func (f *fixture) merge(c change) merged {
	f.t.Helper()
	if c.branch == "" {
		c.branch = "change-" + strings.ReplaceAll(strings.ToLower(c.title), " ", "-")
	}
	if c.author == "" {
		c.author = "ann"
	}
	if c.method == "" {
		c.method = githubtest.MergeCommit
	}
	if c.at.IsZero() {
		c.at = start
	}
	f.clock.Set(c.at.Add(-time.Minute))
	paths := make([]string, 0, len(c.files))
	for p := range c.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	parts := max(c.commits, 1)
	for i := range parts {
		part := map[string]string{}
		for j, p := range paths {
			if j == i || i == parts-1 && j >= parts {
				part[p] = c.files[p]
			}
		}
		if len(part) == 0 {
			part["notes/"+c.branch+fmt.Sprint(i)+".txt"] = "x\n"
		}
		msg := fmt.Sprintf("%s, part %d", c.title, i+1)
		if c.message != "" && i == parts-1 {
			msg = c.message
		}
		f.srv.PushCommit(f.repo, c.branch, part, msg, githubtest.Identity{Login: c.author, Name: c.author, Email: c.author + "@example.com"})
	}
	n := f.srv.OpenPR(f.repo, githubtest.NewPR{Head: c.branch, Base: f.branch, Title: c.title, Body: c.body, Author: c.author, Labels: c.labels})
	for _, a := range c.approvers {
		f.srv.Review(f.repo, n, a, "APPROVED")
	}
	parent := f.srv.Ref(f.repo, f.branch)
	f.clock.Set(c.at)
	sha := f.srv.MergePRWith(f.repo, n, c.method)
	return merged{number: n, sha: sha, at: c.at, change: c, htmlURL: f.srv.URL + "/" + f.repo + "/pull/" + fmt.Sprint(n), parentOf: parent}
}

// readPayload reads a payload template: testdata/<name>, or a real one
// from ../shared/github/webhooks when name starts with "shared:" (the test
// skips when ../shared is absent).
func readPayload(t *testing.T, name string) map[string]any {
	t.Helper()
	path := filepath.Join("testdata", name)
	if real, ok := strings.CutPrefix(name, "shared:"); ok {
		path = sharedtest.Path(t, "github", "webhooks", real)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// writePayload writes an edited payload for GITHUB_EVENT_PATH.
func writePayload(t *testing.T, v map[string]any) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "event.json")
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// setRepo points a payload's repository at the fixture's.
func (f *fixture) setRepo(v map[string]any) {
	r, _ := v["repository"].(map[string]any)
	if r == nil {
		r = map[string]any{}
		v["repository"] = r
	}
	r["full_name"] = f.repo
	r["default_branch"] = f.branch
	r["html_url"] = f.srv.URL + "/" + f.repo
}

// prEvent writes a pull_request closed payload for m from a template. No
// template, ours or GitHub's real ones, is of a merged pull request: the
// copy in memory is edited into one (merged, merged_at, merge_commit_sha)
// and given the fake's pull request (number, title, author, labels, URL).
func (f *fixture) prEvent(template string, m merged) string {
	f.t.Helper()
	v := readPayload(f.t, template)
	f.setRepo(v)
	pr := v["pull_request"].(map[string]any)
	v["number"] = m.number
	pr["number"] = m.number
	pr["title"] = m.change.title
	pr["body"] = m.change.body
	pr["html_url"] = m.htmlURL
	pr["user"] = map[string]any{"login": m.change.author, "type": "User"}
	var labels []any
	for _, l := range m.change.labels {
		labels = append(labels, map[string]any{"name": l})
	}
	pr["labels"] = labels
	pr["base"].(map[string]any)["ref"] = f.branch
	pr["head"].(map[string]any)["ref"] = m.change.branch
	pr["state"] = "closed"
	pr["merged"] = true
	pr["merged_at"] = m.at.UTC().Format(time.RFC3339)
	pr["merge_commit_sha"] = m.sha
	return writePayload(f.t, v)
}

// pushEvent writes a push payload of before..after to the fixture's branch.
func (f *fixture) pushEvent(template, before, after string) string {
	f.t.Helper()
	v := readPayload(f.t, template)
	f.setRepo(v)
	v["ref"] = "refs/heads/" + f.branch
	v["before"], v["after"] = before, after
	return writePayload(f.t, v)
}

// result is what one run of the command left behind.
type result = clitest.ActionResult

func (f *fixture) run(eventName, eventPath string, inputs map[string]string) result {
	f.t.Helper()
	deps := promote.Deps{Retry: fastRetry}
	if f.clocked {
		deps.Now = f.clock.Now
	}
	return f.runDeps(eventName, eventPath, inputs, deps)
}

// runDeps runs promote as the runner would: GITHUB_ACTIONS=true, the event
// in GITHUB_EVENT_NAME and GITHUB_EVENT_PATH, the inputs as INPUT_*
// variables, outputs and summary in files.
func (f *fixture) runDeps(eventName, eventPath string, inputs map[string]string, deps promote.Deps) result {
	f.t.Helper()
	return f.runCommand(promote.NewCommand(deps), eventName, eventPath, inputs)
}

// runCommand runs a command (promote, or bump-image in the tests where
// both act on one repository) as runDeps describes.
func (f *fixture) runCommand(cmd cli.Command, eventName, eventPath string, inputs map[string]string) result {
	t := f.t
	t.Helper()
	env := map[string]string{
		"GITHUB_REPOSITORY": f.repo,
		"GITHUB_SHA":        "0123456789abcdef0123456789abcdef01234567",
		"GITHUB_SERVER_URL": f.srv.URL,
		"GITHUB_RUN_ID":     "4242",
		"GITHUB_API_URL":    f.srv.APIURL,
		"GITHUB_EVENT_NAME": eventName,
		"GITHUB_EVENT_PATH": eventPath,
	}
	in := map[string]string{"token": testToken}
	for k, v := range inputs {
		in[k] = v
	}
	r := clitest.RunAction(t, cmd, t.TempDir(), env, in)
	checkNoToken(t, r, in["token"] != "")
	return r
}

// checkNoToken fails when the token appears anywhere but in the one line
// that asks the runner to mask it, which must come first.
func checkNoToken(t *testing.T, r result, given bool) {
	t.Helper()
	clitest.CheckNotPrinted(t, testToken, given, r.Stdout, map[string]string{"stderr": r.Stderr, "$GITHUB_OUTPUT": r.RawOut, "$GITHUB_STEP_SUMMARY": r.Summary})
}

// tagsOn maps each commit to the names of its tags.
func (f *fixture) tagsOn() map[string][]string {
	out := map[string][]string{}
	for _, tg := range f.srv.Tags(f.repo) {
		out[tg.Commit] = append(out[tg.Commit], tg.Name)
	}
	return out
}

// tag returns the fake's tag of that name, failing the test without one.
func (f *fixture) tag(name string) githubtest.Tag {
	f.t.Helper()
	for _, tg := range f.srv.Tags(f.repo) {
		if tg.Name == name {
			return tg
		}
	}
	f.t.Fatalf("no tag %q; tags: %+v", name, f.srv.Tags(f.repo))
	return githubtest.Tag{}
}

// releaseOf returns the releases of a tag.
func (f *fixture) releasesOf(tag string) []githubtest.Release {
	var out []githubtest.Release
	for _, r := range f.srv.Releases(f.repo) {
		if r.Tag == tag {
			out = append(out, r)
		}
	}
	return out
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commands undoes the escaping of workflow commands' data (workflowcmd's
// percent-encodings), to read messages as the runner shows them.
func commands(stdout string) string {
	return strings.NewReplacer("%25", "%", "%0D", "\r", "%0A", "\n", "%3A", ":", "%5B", "[", "%23", "#").Replace(stdout)
}

// writes counts the requests that changed something.
func writes(srv *githubtest.Server) int {
	n := 0
	for route, c := range srv.AllCalls() {
		if !strings.HasPrefix(route, "GET ") && route != githubtest.RouteGraphQL {
			n += c
		}
	}
	return n
}
