package change_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/change"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

const (
	testToken = "ghp_changeTestToken0123456789abcdefABCDEF"
	repo      = "acme/config"
	branch    = "gitops-actions/bump/app"
)

var (
	fastRetry = forge.Retry{Max: 10, WaitMin: time.Millisecond, WaitMax: 4 * time.Millisecond, SecondaryWait: time.Millisecond, MaxWait: 10 * time.Millisecond, Timeout: 2 * time.Second}
	alice     = githubtest.Identity{Login: "alice", Name: "Alice", Email: "alice@example.com"}
)

func newServer(t *testing.T) *githubtest.Server {
	t.Helper()
	srv := githubtest.NewServer(t, githubtest.Options{Token: testToken})
	srv.CreateRepo(repo, githubtest.RepoOptions{AllowAutoMerge: true, Files: map[string]string{
		"README.md": "# config\n",
		"app.yaml":  "image: ghcr.io/acme/app:v1\n",
	}})
	return srv
}

func newClient(t *testing.T, srv *githubtest.Server, rt http.RoundTripper) *forge.Client {
	t.Helper()
	c, err := forge.New(context.Background(), forge.Config{APIURL: srv.APIURL, Token: testToken, Owner: "acme", Repo: "config", Transport: rt, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// bump is the content of a bump of app.yaml to version.
func bump(version string) change.Content {
	title := "Bump app to " + version
	return change.Content{
		Files:        []forge.File{{Path: "app.yaml", Content: []byte("image: ghcr.io/acme/app:" + version + "\n")}},
		Title:        title,
		Body:         "Bumps app to " + version + ".",
		Message:      change.WithTrailers(title, change.Provenance{Repository: "acme/app", Commit: "abc", RunURL: "https://github.com/acme/app/actions/runs/1"}, "Bumped-By"),
		CloseComment: "Closing: nothing left to do.",
	}
}

func propose(t *testing.T, gh *forge.Client, c change.Content) (change.Result, error) {
	t.Helper()
	return change.Propose(context.Background(), gh, change.Request{
		Base: "main", Branch: branch, Build: change.Fixed(c),
		Labels: []string{"deps"}, Reviewers: []string{"bob"}, Assignees: []string{"carol"}, AutoMerge: "squash",
	})
}

func git(t *testing.T, srv *githubtest.Server, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"--git-dir", srv.GitDir(repo)}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// onTop lists the commits on the branch that main lacks.
func onTop(t *testing.T, srv *githubtest.Server) []string {
	t.Helper()
	return strings.Fields(git(t, srv, "log", "--format=%H", branch, "^main"))
}

func TestProposeOperations(t *testing.T) {
	srv := newServer(t)
	gh := newClient(t, srv, nil)
	steps := []struct {
		name    string
		content change.Content
		before  func()
		want    change.Op
	}{
		{name: "a new pull request", content: bump("v2"), want: change.Created},
		{name: "the same change", content: bump("v2"), want: change.Unchanged},
		{name: "a newer version", content: bump("v3"), want: change.Updated},
		{name: "the base holds it", content: change.Content{CloseComment: "Closing: nothing left to do."}, want: change.Closed},
		{name: "nothing, no pull request", content: change.Content{}, want: change.None},
	}
	for _, st := range steps {
		res, err := propose(t, gh, st.content)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if res.Op != st.want {
			t.Errorf("%s: op %q, want %q", st.name, res.Op, st.want)
		}
		if res.Head.SHA != srv.Ref(repo, "main") {
			t.Errorf("%s: built on %s, main at %s", st.name, res.Head.SHA, srv.Ref(repo, "main"))
		}
		switch st.want {
		case change.Created, change.Updated, change.Unchanged:
			if res.Pull == nil || res.Commit == nil || res.Commit.SHA != srv.Ref(repo, branch) || !res.Commit.Verified {
				t.Errorf("%s: result %+v, branch at %s", st.name, res, srv.Ref(repo, branch))
			}
			if got := onTop(t, srv); len(got) != 1 {
				t.Errorf("%s: %d commits on the branch, want 1", st.name, len(got))
			}
			prs := srv.PullRequests(repo)
			if p := prs[len(prs)-1]; p.Title != st.content.Title || p.Labels[0] != "deps" || p.Assignees[0] != "carol" || p.Reviewers[0] != "bob" || p.AutoMerge != "SQUASH" {
				t.Errorf("%s: pull request %+v", st.name, p)
			}
		case change.Closed:
			if p := srv.PullRequests(repo)[0]; p.State != "closed" || len(p.Comments) != 1 {
				t.Errorf("%s: pull request %+v", st.name, p)
			}
			if res.Commit != nil {
				t.Errorf("%s: a commit %+v", st.name, res.Commit)
			}
		}
		if st.want == change.Updated {
			// Land v3 by hand, so that the next pass finds it in the base.
			srv.PushCommit(repo, "main", map[string]string{"app.yaml": "image: ghcr.io/acme/app:v3\n"}, "Bump by hand", alice)
		}
	}
	if n := len(srv.PullRequests(repo)); n != 1 {
		t.Errorf("%d pull requests, want 1", n)
	}
}

// hook runs a function once, just before the first request that matches
// reaches GitHub: the moment another writer acts in a race.
type hook struct {
	base  http.RoundTripper
	match func(r *http.Request, body []byte) bool
	once  sync.Once
	do    func()
}

func (h *hook) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if h.match(r, body) {
		h.once.Do(h.do)
	}
	base := h.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}

// isMove matches a request that moves the branch: a compare-and-swap
// (updateRefs, createCommitOnBranch), or a forced ref update.
func isMove(r *http.Request, body []byte) bool {
	return r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/graphql") && (bytes.Contains(body, []byte("updateRefs")) || bytes.Contains(body, []byte("createCommitOnBranch"))) ||
		r.Method == "PATCH" && strings.HasSuffix(r.URL.Path, "/git/refs/heads/"+branch)
}

// TestPersonPushesDuringTheRun reproduces the race of a forced move: a
// person pushes to the tool's branch after the run read it and before it
// moves it, editing the line the run edits. The person's commit must
// survive, and the run fail naming it; a commit another run of the tool
// pushed instead is replaced.
func TestPersonPushesDuringTheRun(t *testing.T) {
	tests := []struct {
		name string
		// setup prepares the branch: open = a pull request of v2 is open;
		// otherwise the branch is left over from a merged one.
		open bool
		// pushed is who pushes between the check and the move.
		who      githubtest.Identity
		tool     bool // the pushed commit carries the tool's mark
		wantOp   change.Op
		wantFail bool
	}{
		{name: "update, a person pushes", open: true, who: alice, wantFail: true},
		{name: "update, another run pushes", open: true, who: githubtest.Identity{}, tool: true, wantOp: change.Updated},
		{name: "left-over branch, a person pushes", open: false, who: alice, wantFail: true},
		{name: "left-over branch, another run pushes", open: false, who: githubtest.Identity{}, tool: true, wantOp: change.Created},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			if _, err := propose(t, newClient(t, srv, nil), bump("v2")); err != nil {
				t.Fatal(err)
			}
			if !tc.open {
				srv.MergePR(repo, 1)
			}
			prsBefore := srv.PullRequests(repo)
			message := "Use the hotfix build"
			if tc.tool {
				message = change.WithTrailers("Bump app to v2.1", change.Provenance{}, "Bumped-By")
			}
			var pushed string
			push := func() {
				pushed = srv.PushCommit(repo, branch, map[string]string{"app.yaml": "image: ghcr.io/acme/app:v2-hotfix\n"}, message, tc.who)
			}
			res, err := propose(t, newClient(t, srv, &hook{match: isMove, do: push}), bump("v3"))
			if pushed == "" {
				t.Fatal("the race was not run: the branch was never moved")
			}
			if tc.wantFail {
				var refused *change.RefusedError
				if !errors.As(err, &refused) || refused.Commit != pushed || !strings.Contains(err.Error(), pushed[:7]) || !strings.Contains(err.Error(), "did not make") {
					t.Fatalf("Propose: %v (result %+v), want a refusal naming %s", err, res, pushed[:7])
				}
				if got := srv.Ref(repo, branch); got != pushed {
					t.Errorf("the person's commit %s was overwritten: branch at %s", pushed[:7], got)
				}
				prs := srv.PullRequests(repo)
				if len(prs) != len(prsBefore) || prs[0].Title != prsBefore[0].Title || prs[0].State != prsBefore[0].State {
					t.Errorf("pull requests changed after the refusal: %+v", prs)
				}
				return
			}
			if err != nil {
				t.Fatalf("Propose: %v", err)
			}
			if res.Op != tc.wantOp || res.Commit == nil || srv.Ref(repo, branch) != res.Commit.SHA {
				t.Errorf("result %+v, branch at %s", res, srv.Ref(repo, branch))
			}
			if got := git(t, srv, "show", branch+":app.yaml"); got != "image: ghcr.io/acme/app:v3" {
				t.Errorf("app.yaml on the branch: %q", got)
			}
			if got := onTop(t, srv); len(got) != 1 {
				t.Errorf("%d commits on the branch, want 1", len(got))
			}
		})
	}
}

// TestProposeUnderFaults runs a pull request's life while 30% of requests
// fail (5xx, 429, secondary rate limits), and writes lose their answer
// after GitHub applied them or hang until the try times out: the effects
// must be exactly those of a run without faults.
func TestProposeUnderFaults(t *testing.T) {
	// The seeds wait out hung writes and backoffs, each on a server of
	// its own: they run at once.
	t.Parallel()
	for seed := int64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			retry := fastRetry
			retry.Timeout = 300 * time.Millisecond
			gh, err := forge.New(context.Background(), forge.Config{APIURL: srv.APIURL, Token: testToken, Owner: "acme", Repo: "config", Retry: retry})
			if err != nil {
				t.Fatal(err)
			}
			srv.SetFaults(githubtest.Faults{Transient: 0.2, RateLimit: 0.05, SecondaryRateLimit: 0.05, ResetAfterWrite: 0.2, HangAfterWrite: 0.05, Seed: seed})
			for i, st := range []struct {
				version string
				want    change.Op
			}{{"v2", change.Created}, {"v2", change.Unchanged}, {"v3", change.Updated}, {"v3", change.Unchanged}} {
				res, err := propose(t, gh, bump(st.version))
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if res.Op != st.want {
					t.Errorf("step %d: op %q, want %q", i, res.Op, st.want)
				}
			}
			srv.SetFaults(githubtest.Faults{})
			prs := srv.PullRequests(repo)
			if len(prs) != 1 || prs[0].State != "open" {
				t.Fatalf("pull requests %+v, want one open", prs)
			}
			p := prs[0]
			if len(p.Labels) != 1 || len(p.Assignees) != 1 || len(p.Reviewers) != 1 || len(p.Comments) != 0 || p.AutoMerge != "SQUASH" || p.Title != "Bump app to v3" {
				t.Errorf("pull request %+v", p)
			}
			if got := onTop(t, srv); len(got) != 1 || got[0] != p.HeadSHA {
				t.Errorf("branch holds %v on top of main, want one commit", got)
			}
			if out := git(t, srv, "fsck", "--no-dangling", "--strict"); out != "" {
				t.Errorf("git fsck: %s", out)
			}
		})
	}
}

func TestPush(t *testing.T) {
	srv := newServer(t)
	gh := newClient(t, srv, nil)
	ctx := context.Background()
	res, err := change.Push(ctx, gh, change.Request{Base: "main", Build: change.Fixed(change.Content{})})
	if err != nil || res.Op != change.None || res.Commit != nil {
		t.Fatalf("Push of nothing: %+v, %v", res, err)
	}
	// Someone pushes to main while the first try builds: the second try
	// builds again on the new head, and both changes land.
	builds := 0
	build := func(ctx context.Context, head change.Head) (change.Content, error) {
		builds++
		if builds == 1 {
			srv.PushCommit(repo, "main", map[string]string{"README.md": "# config repo\n"}, "Edit the README", alice)
		}
		return bump("v2"), nil
	}
	res, err = change.Push(ctx, gh, change.Request{Base: "main", Build: build})
	if err != nil || res.Op != change.Pushed || res.Commit == nil || srv.Ref(repo, "main") != res.Commit.SHA || !res.Commit.Verified {
		t.Fatalf("Push: %+v, %v; main at %s", res, err, srv.Ref(repo, "main"))
	}
	if builds != 2 {
		t.Errorf("%d builds, want 2: the change is built again on the head that moved", builds)
	}
	for path, want := range map[string]string{"README.md": "# config repo", "app.yaml": "image: ghcr.io/acme/app:v2"} {
		if got := git(t, srv, "show", "main:"+path); got != want {
			t.Errorf("%s on main: %q, want %q", path, got, want)
		}
	}
	// A base that never stops moving gives up with a refusal.
	always := func(ctx context.Context, head change.Head) (change.Content, error) {
		srv.PushCommit(repo, "main", map[string]string{"x.txt": fmt.Sprint(time.Now().UnixNano())}, "Move", alice)
		return bump("v3"), nil
	}
	_, err = change.Push(ctx, gh, change.Request{Base: "main", Build: always, Tries: 3})
	var refused *change.RefusedError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "kept moving: gave up after 3 tries") {
		t.Errorf("Push on a moving base: %v", err)
	}
}

func TestIsToolCommit(t *testing.T) {
	tests := []struct {
		name, message string
		want          bool
	}{
		{name: "bump-image's", message: "chore: bump\n\nSource-Repository: acme/app\nBumped-By: gitops-actions\n", want: true},
		{name: "another action's mark", message: "promote\n\nPromoted-By: gitops-actions\n", want: true},
		{name: "a person's", message: "Use the hotfix build\n", want: false},
		{name: "mark not in the last paragraph", message: "revert\n\nBumped-By: gitops-actions\n\nSigned-off-by: Alice <a@example.com>\n", want: false},
		{name: "another tool", message: "bump\n\nBumped-By: renovate\n", want: false},
		{name: "a trailer that is not a mark", message: "x\n\nSigned-off-by: gitops-actions\n", want: false},
		{name: "mark inside a line", message: "x\n\nSee Bumped-By: gitops-actions\n", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := change.IsToolCommit(tc.message); got != tc.want {
				t.Errorf("IsToolCommit(%q) = %t, want %t", tc.message, got, tc.want)
			}
		})
	}
	got := change.WithTrailers("Bump\n\n", change.Provenance{Repository: "acme/app", Commit: "abc\nInjected: x", RunURL: "https://github.com/acme/app/actions/runs/1"}, "Promoted-By")
	if want := "Bump\n\nSource-Repository: acme/app\nWorkflow-Run: https://github.com/acme/app/actions/runs/1\nPromoted-By: gitops-actions\n"; got != want {
		t.Errorf("WithTrailers:\n%s\nwant:\n%s", got, want)
	}
}

// TestProposeRemovals lands a change that removes a file as well as
// writing one: the pull request holds both, and the same change again is
// Unchanged only when it removes the same files.
func TestProposeRemovals(t *testing.T) {
	srv := newServer(t)
	gh := newClient(t, srv, nil)
	promote := func(files ...forge.File) change.Content {
		return change.Content{Files: files, Title: "Promote", Body: "Promotes.", Message: change.WithTrailers("Promote", change.Provenance{}, "Promoted-By"), CloseComment: "Closing."}
	}
	write := forge.File{Path: "app.yaml", Content: []byte("image: ghcr.io/acme/app:v2\n")}
	remove := forge.File{Path: "README.md", Delete: true}
	steps := []struct {
		name    string
		content change.Content
		want    change.Op
	}{
		{name: "write and remove", content: promote(write, remove), want: change.Created},
		{name: "the same again", content: promote(write, remove), want: change.Unchanged},
		{name: "the write without the removal", content: promote(write), want: change.Updated},
		{name: "the removal again", content: promote(write, remove), want: change.Updated},
		{name: "removing another file instead", content: promote(forge.File{Path: "app.yaml", Delete: true}), want: change.Updated},
	}
	for _, st := range steps {
		res, err := propose(t, gh, st.content)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if res.Op != st.want {
			t.Errorf("%s: op %q, want %q", st.name, res.Op, st.want)
		}
		for _, f := range st.content.Files {
			got, err := srv.File(repo, branch, f.Path)
			switch {
			case f.Delete && err == nil:
				t.Errorf("%s: %s is still on the branch", st.name, f.Path)
			case !f.Delete && got != string(f.Content):
				t.Errorf("%s: %s reads %q, want %q (%v)", st.name, f.Path, got, f.Content, err)
			}
		}
		if got := onTop(t, srv); len(got) != 1 {
			t.Errorf("%s: %d commits on the branch, want 1", st.name, len(got))
		}
	}
}

// TestOpenBetweenBranches keeps a pull request between two branches of
// people's: opened, left, retitled, closed when nothing is between them;
// the tool never writes to either branch.
func TestOpenBetweenBranches(t *testing.T) {
	srv := newServer(t)
	gh := newClient(t, srv, nil)
	srv.PushCommit(repo, "develop", map[string]string{"app.yaml": "image: ghcr.io/acme/app:v2\n"}, "Bump app on develop", alice)
	develop, main := srv.Ref(repo, "develop"), srv.Ref(repo, "main")
	req := change.Request{Base: "main", Branch: "develop", Labels: []string{"promotion"}, Reviewers: []string{"bob"}}
	text := func(title string) change.Content {
		return change.Content{Title: title, Body: "Promotes develop.", CloseComment: "Closing: nothing between develop and main."}
	}
	steps := []struct {
		name    string
		content change.Content
		empty   bool
		want    change.Op
	}{
		{name: "a new pull request", content: text("Promote develop to main"), want: change.Created},
		{name: "the same text", content: text("Promote develop to main"), want: change.Unchanged},
		{name: "a new text", content: text("Promote develop to main: app v2"), want: change.Updated},
		{name: "nothing between them", content: text("x"), empty: true, want: change.Closed},
		{name: "nothing, no pull request", content: text("x"), empty: true, want: change.None},
	}
	for _, st := range steps {
		res, err := change.Open(context.Background(), gh, req, st.content, st.empty)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if res.Op != st.want {
			t.Errorf("%s: op %q, want %q", st.name, res.Op, st.want)
		}
		prs := srv.PullRequests(repo)
		if len(prs) != 1 {
			t.Fatalf("%s: %d pull requests, want 1", st.name, len(prs))
		}
		p := prs[0]
		switch st.want {
		case change.Created, change.Updated, change.Unchanged:
			if p.State != "open" || p.Title != st.content.Title || p.Head != "develop" || p.Labels[0] != "promotion" || p.Reviewers[0] != "bob" {
				t.Errorf("%s: pull request %+v", st.name, p)
			}
		case change.Closed:
			if p.State != "closed" || len(p.Comments) != 1 || p.Comments[0] != st.content.CloseComment {
				t.Errorf("%s: pull request %+v", st.name, p)
			}
		}
	}
	if srv.Ref(repo, "develop") != develop || srv.Ref(repo, "main") != main {
		t.Error("Open moved a branch")
	}
}

func TestParseProvenance(t *testing.T) {
	want := change.Provenance{Repository: "acme/app", Commit: "0123456", RunURL: "https://github.com/acme/app/actions/runs/9"}
	msg := change.WithTrailers("Bump app to v2\n\nSource-Repository: not/this-one\n", want, "Bumped-By")
	if got, ok := change.ParseProvenance(msg); !ok || got != want {
		t.Errorf("ParseProvenance(%q) = %+v, %v; want %+v", msg, got, ok, want)
	}
	if _, ok := change.ParseProvenance("Bump by hand\n\nSource-Repository: acme/app\n"); ok {
		t.Error("a commit without the tool's mark has provenance")
	}
}
