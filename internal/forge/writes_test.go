package forge_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// write is one write of the client, the route it goes to, and how to see
// that it took effect.
type write struct {
	name  string
	route string
	do    func(ctx context.Context, c *forge.Client, w *writeEnv) error
	check func(t *testing.T, srv *githubtest.Server, w *writeEnv)
}

// writeEnv is the state the writes build on: a commit to branch from and
// the pull request they open and decorate.
type writeEnv struct {
	base, commit, other string
	pr                  *forge.PullRequest
}

func pullOf(t *testing.T, srv *githubtest.Server) githubtest.PR {
	t.Helper()
	prs := srv.PullRequests("acme/config")
	if len(prs) != 1 {
		t.Fatalf("pull requests: got %d, want 1", len(prs))
	}
	return prs[0]
}

// writes lists every write that is not safe to repeat, in an order where
// each builds on the ones before.
var writes = []write{
	{
		name: "create branch", route: githubtest.RouteCreateRef,
		do: func(ctx context.Context, c *forge.Client, w *writeEnv) error {
			return c.CreateBranch(ctx, "bump", w.commit)
		},
		check: func(t *testing.T, srv *githubtest.Server, w *writeEnv) {
			if got := srv.Ref("acme/config", "bump"); got != w.commit {
				t.Errorf("bump at %q, want %s", got, w.commit)
			}
		},
	},
	{
		name: "open pull request", route: githubtest.RouteCreatePull,
		do: func(ctx context.Context, c *forge.Client, w *writeEnv) error {
			var err error
			w.pr, err = c.CreatePull(ctx, forge.NewPull{Head: "bump", Base: "main", Title: "Bump", Body: "body"})
			return err
		},
		check: func(t *testing.T, srv *githubtest.Server, w *writeEnv) {
			if p := pullOf(t, srv); w.pr == nil || p.Number != w.pr.Number {
				t.Errorf("pull request %+v, CreatePull gave %+v", p, w.pr)
			}
		},
	},
	{
		name: "edit pull request", route: githubtest.RouteUpdatePull,
		do: func(ctx context.Context, c *forge.Client, w *writeEnv) error {
			p, err := c.EditPull(ctx, w.pr.Number, "Bump again", "new body")
			if err == nil && (p.Title != "Bump again" || p.Body != "new body") {
				return fmt.Errorf("EditPull answered %+v", p)
			}
			return err
		},
		check: func(t *testing.T, srv *githubtest.Server, w *writeEnv) {
			if p := pullOf(t, srv); p.Title != "Bump again" || p.Body != "new body" {
				t.Errorf("title %q body %q", p.Title, p.Body)
			}
		},
	},
	{
		name: "request reviewers", route: githubtest.RouteRequestReviewers,
		do: func(ctx context.Context, c *forge.Client, w *writeEnv) error {
			return c.RequestReviewers(ctx, w.pr.Number, []string{"alice"}, []string{"platform"})
		},
		check: func(t *testing.T, srv *githubtest.Server, w *writeEnv) {
			if p := pullOf(t, srv); len(p.Reviewers) != 1 || len(p.TeamReviewers) != 1 {
				t.Errorf("reviewers %v teams %v", p.Reviewers, p.TeamReviewers)
			}
		},
	},
	{
		name: "add labels", route: githubtest.RouteAddLabels,
		do: func(ctx context.Context, c *forge.Client, w *writeEnv) error {
			return c.AddLabels(ctx, w.pr.Number, []string{"deps", "Staging"})
		},
		check: func(t *testing.T, srv *githubtest.Server, w *writeEnv) {
			if p := pullOf(t, srv); len(p.Labels) != 2 {
				t.Errorf("labels %v", p.Labels)
			}
		},
	},
	{
		name: "add assignees", route: githubtest.RouteAddAssignees,
		do: func(ctx context.Context, c *forge.Client, w *writeEnv) error {
			return c.AddAssignees(ctx, w.pr.Number, []string{"bob"})
		},
		check: func(t *testing.T, srv *githubtest.Server, w *writeEnv) {
			if p := pullOf(t, srv); len(p.Assignees) != 1 {
				t.Errorf("assignees %v", p.Assignees)
			}
		},
	},
	{
		name: "enable auto-merge", route: githubtest.RouteGraphQL,
		do: func(ctx context.Context, c *forge.Client, w *writeEnv) error {
			return c.EnableAutoMerge(ctx, w.pr, "squash")
		},
		check: func(t *testing.T, srv *githubtest.Server, w *writeEnv) {
			if p := pullOf(t, srv); p.AutoMerge != "SQUASH" {
				t.Errorf("auto-merge %q", p.AutoMerge)
			}
		},
	},
	{
		name: "swap branch", route: githubtest.RouteGraphQL,
		do: func(ctx context.Context, c *forge.Client, w *writeEnv) error {
			return c.SwapBranch(ctx, "bump", w.commit, w.other)
		},
		check: func(t *testing.T, srv *githubtest.Server, w *writeEnv) {
			if got := srv.Ref("acme/config", "bump"); got != w.other {
				t.Errorf("bump at %q, want %s", got, w.other)
			}
		},
	},
	{
		name: "commit on branch", route: githubtest.RouteGraphQL,
		do: func(ctx context.Context, c *forge.Client, w *writeEnv) error {
			cm, err := c.CommitOnBranch(ctx, "bump", w.other, []forge.File{{Path: "a.yaml", Content: []byte("a: 4\n")}}, "Bump on top\n\nBumped-By: gitops-actions\n")
			if err == nil && (len(cm.Parents) != 1 || cm.Parents[0] != w.other) {
				return fmt.Errorf("CommitOnBranch answered %+v", cm)
			}
			return err
		},
		check: func(t *testing.T, srv *githubtest.Server, w *writeEnv) {
			if got, _ := srv.File("acme/config", "bump", "a.yaml"); got != "a: 4\n" {
				t.Errorf("a.yaml on bump: %q", got)
			}
			if n := len(strings.Fields(gitOut(t, srv, "log", "--format=%H", "bump", "^"+w.other))); n != 1 {
				t.Errorf("%d commits on top of the swapped branch, want 1", n)
			}
		},
	},
	{
		name: "close with a comment", route: githubtest.RouteCreateComment,
		do: func(ctx context.Context, c *forge.Client, w *writeEnv) error {
			return c.ClosePull(ctx, w.pr.Number, "Closing: done.")
		},
		check: func(t *testing.T, srv *githubtest.Server, w *writeEnv) {
			if p := pullOf(t, srv); p.State != "closed" || len(p.Comments) != 1 {
				t.Errorf("state %s comments %v", p.State, p.Comments)
			}
		},
	},
}

// TestWritesTakeEffectOnce runs every write that is not safe to repeat
// while each one's answer is lost after GitHub applied it: the connection
// is reset, or the answer never comes and the per-try timeout ends the try
// (a hung request). Each must succeed, having been
// sent once: the client looks the effect up instead of sending it again,
// also after its last try.
func TestWritesTakeEffectOnce(t *testing.T) {
	// Each case waits out hung writes on a server of its own: they run
	// at once, beside the package's other waiting tests.
	t.Parallel()
	for _, tc := range []struct {
		name   string
		faults githubtest.Faults
		max    int
	}{
		{name: "reset after write", faults: githubtest.Faults{ResetAfterWrite: 1}, max: 3},
		{name: "hung write", faults: githubtest.Faults{HangAfterWrite: 1}, max: 3},
		{name: "hung write, no retries left", faults: githubtest.Faults{HangAfterWrite: 1}, max: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := githubtest.NewServer(t, githubtest.Options{Token: testToken})
			srv.CreateRepo("acme/config", githubtest.RepoOptions{AllowAutoMerge: true, Files: map[string]string{"a.yaml": "a: 1\n"}})
			ctx := context.Background()
			retry := fastRetry
			retry.Max = tc.max
			retry.Timeout = 150 * time.Millisecond
			c, err := forge.New(ctx, forge.Config{APIURL: srv.APIURL, Token: testToken, Owner: "acme", Repo: "config", Retry: retry})
			if err != nil {
				t.Fatal(err)
			}
			head, err := c.BranchHead(ctx, "main")
			if err != nil {
				t.Fatal(err)
			}
			w := &writeEnv{base: head.SHA}
			for i, content := range []string{"a: 2\n", "a: 3\n"} {
				cm, err := c.CreateCommit(ctx, head, []forge.File{{Path: "a.yaml", Content: []byte(content)}}, "Bump")
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					w.commit = cm.SHA
				} else {
					w.other = cm.SHA
				}
			}
			for _, wr := range writes {
				srv.ResetCalls()
				f := tc.faults
				f.Routes = []string{wr.route}
				srv.SetFaults(f)
				err := wr.do(ctx, c, w)
				srv.SetFaults(githubtest.Faults{})
				if err != nil {
					t.Fatalf("%s: %v", wr.name, err)
				}
				if n := srv.Calls(wr.route); n != 1 {
					t.Errorf("%s: sent %d times, want once", wr.name, n)
				}
				wr.check(t, srv, w)
			}
		})
	}
}

func TestSwapBranch(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	head, err := c.BranchHead(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	var commits []string
	for _, content := range []string{"v2\n", "v3\n"} {
		cm, err := c.CreateCommit(ctx, head, []forge.File{{Path: "README.md", Content: []byte(content)}}, "Edit")
		if err != nil {
			t.Fatal(err)
		}
		commits = append(commits, cm.SHA)
	}
	if err := c.CreateBranch(ctx, "bump", commits[0]); err != nil {
		t.Fatal(err)
	}
	srv.ResetCalls()
	// Not a fast-forward: commits[1] is a sibling of commits[0].
	if err := c.SwapBranch(ctx, "bump", commits[0], commits[1]); err != nil {
		t.Fatalf("SwapBranch from where the branch is: %v", err)
	}
	if got := srv.Ref("acme/config", "bump"); got != commits[1] {
		t.Errorf("bump at %s, want %s", got, commits[1])
	}
	if got, want := srv.AllCalls(), map[string]int{githubtest.RouteGetRepo: 1, githubtest.RouteGraphQL: 1}; len(got) != len(want) || got[githubtest.RouteGetRepo] != 1 || got[githubtest.RouteGraphQL] != 1 {
		t.Errorf("calls %v, want %v: the repository's node ID, then the mutation", got, want)
	}

	// Someone pushed meanwhile: nothing moves, and the error says where
	// the branch is.
	person := srv.PushCommit("acme/config", "bump", map[string]string{"mine.txt": "mine\n"}, "Mine", githubtest.Identity{Login: "alice", Name: "Alice", Email: "alice@example.com"})
	srv.ResetCalls()
	err = c.SwapBranch(ctx, "bump", commits[1], commits[0])
	var moved *forge.RefMovedError
	if !errors.As(err, &moved) || moved.Actual != person || moved.Expected != commits[1] {
		t.Fatalf("SwapBranch after a push: %v, want a RefMovedError at %s", err, person)
	}
	if got := srv.Ref("acme/config", "bump"); got != person {
		t.Errorf("the person's commit was overwritten: bump at %s", got)
	}
	if n := srv.Calls(githubtest.RouteGetRepo); n != 0 {
		t.Errorf("the repository's node ID was read again (%d times)", n)
	}

	// A deleted branch is not recreated.
	srv.PushCommit("acme/config", "gone", map[string]string{"x": "x\n"}, "x", githubtest.Identity{})
	gone := srv.Ref("acme/config", "gone")
	if _, err := c.GH.Git.DeleteRef(ctx, "acme", "config", "heads/gone"); err != nil {
		t.Fatal(err)
	}
	if err := c.SwapBranch(ctx, "gone", gone, commits[0]); !errors.As(err, &moved) || moved.Actual != "" {
		t.Errorf("SwapBranch of a deleted branch: %v, want a RefMovedError with no Actual", err)
	}
	if got := srv.Ref("acme/config", "gone"); got != "" {
		t.Errorf("the deleted branch was recreated at %s", got)
	}
}
