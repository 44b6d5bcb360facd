package change_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/change"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

var imageLine = regexp.MustCompile(`ghcr\.io/acme/app:v1\.(\d+)`)

// minor reads the minor version of the image in a file, -1 when none.
func minor(text string) int {
	m := imageLine.FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// edit is a Build that sets the image to v1.<n> in app.yaml as it is on
// the head it is given, keeping the rest of the file; when the branch
// proposes a newer version already, it keeps that one, as bump-image does.
func edit(gh *forge.Client, n int) change.Build {
	return func(ctx context.Context, h change.Head) (change.Content, error) {
		res, err := gh.Lookup(ctx, forge.Lookup{Blobs: []forge.BlobAt{{Rev: h.SHA, Path: "app.yaml"}}})
		if err != nil {
			return change.Content{}, err
		}
		text := res.Blobs[0].Text
		if h.Proposed != nil {
			at, err := h.Proposed.Read(ctx, []string{"app.yaml"})
			if err != nil {
				return change.Content{}, err
			}
			n = max(n, minor(at["app.yaml"].Text))
		}
		version := fmt.Sprintf("v1.%d", n)
		next := imageLine.ReplaceAllString(text, "ghcr.io/acme/app:"+version)
		if !imageLine.MatchString(text) {
			next = strings.Replace(text, "ghcr.io/acme/app:v1", "ghcr.io/acme/app:"+version, 1)
		}
		c := bump(version)
		c.Files = nil
		if next != text {
			c.Files = []forge.File{{Path: "app.yaml", Content: []byte(next)}}
		}
		return c, nil
	}
}

func proposeWith(t *testing.T, gh *forge.Client, build change.Build) (change.Result, error) {
	t.Helper()
	return change.Propose(context.Background(), gh, change.Request{
		Base: "main", Branch: branch, Build: build,
		Labels: []string{"deps"}, Reviewers: []string{"bob"}, Assignees: []string{"carol"}, AutoMerge: "squash",
	})
}

// TestRacingBuilds starts builds of several versions at once, in a random
// order, against no pull request and against an open one: whatever their
// order, the pull request ends at the newest, holding one commit, and no
// run fails.
func TestRacingBuilds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		open   bool
		faults githubtest.Faults
	}{
		{name: "no pull request yet"},
		{name: "an open pull request", open: true},
		{name: "an open pull request, under faults", open: true, faults: githubtest.Faults{Transient: 0.1, ResetAfterWrite: 0.1, Seed: 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			if tc.open {
				if _, err := proposeWith(t, newClient(t, srv, nil), edit(newClient(t, srv, nil), 1)); err != nil {
					t.Fatal(err)
				}
			}
			srv.SetFaults(tc.faults)
			versions := rand.Perm(6)
			start := make(chan struct{})
			errs := make([]error, len(versions))
			var wg sync.WaitGroup
			for i, v := range versions {
				wg.Add(1)
				go func() {
					defer wg.Done()
					gh := newClient(t, srv, nil)
					<-start
					_, errs[i] = proposeWith(t, gh, edit(gh, v+2))
				}()
			}
			close(start)
			wg.Wait()
			srv.SetFaults(githubtest.Faults{})
			for i, err := range errs {
				if err != nil {
					t.Errorf("the build of v1.%d: %v", versions[i]+2, err)
				}
			}
			newest := fmt.Sprintf("v1.%d", len(versions)+1)
			if got := git(t, srv, "show", branch+":app.yaml"); got != "image: ghcr.io/acme/app:"+newest {
				t.Errorf("the branch holds %q, want %s", got, newest)
			}
			prs := srv.PullRequests(repo)
			if len(prs) != 1 || prs[0].State != "open" || prs[0].Title != "Bump app to "+newest {
				t.Errorf("pull requests %+v, want one open for %s", prs, newest)
			}
			if got := onTop(t, srv); len(got) != 1 {
				t.Errorf("%d commits on the branch, want 1", len(got))
			}
		})
	}
}

// TestOnTopOfAPerson: a person's commit on an open pull request's branch
// stays; a change that leaves its lines alone goes on top of it, one that
// would rewrite them is refused and writes nothing.
func TestOnTopOfAPerson(t *testing.T) {
	srv := newServer(t)
	gh := newClient(t, srv, nil)
	if _, err := proposeWith(t, gh, edit(gh, 2)); err != nil {
		t.Fatal(err)
	}
	person := srv.PushCommit(repo, branch, map[string]string{"app.yaml": "image: ghcr.io/acme/app:v1.2\nreplicas: 3\n", "notes.md": "mine\n"}, "Scale up and take notes", alice)

	res, err := proposeWith(t, gh, edit(gh, 3))
	if err != nil {
		t.Fatalf("a change beside the person's lines: %v", err)
	}
	tip := srv.Ref(repo, branch)
	if res.Op != change.Updated || res.Pull == nil || res.Pull.Number != 1 || res.Commit == nil || res.Commit.SHA != tip || !res.Commit.Verified {
		t.Fatalf("result %+v, branch at %s", res, tip)
	}
	if got := git(t, srv, "rev-parse", branch+"^"); got != person {
		t.Errorf("the new commit's parent is %s, want the person's %s", got, person)
	}
	if got := git(t, srv, "show", branch+":app.yaml"); got != "image: ghcr.io/acme/app:v1.3\nreplicas: 3" {
		t.Errorf("app.yaml on the branch: %q", got)
	}
	if got := git(t, srv, "show", branch+":notes.md"); got != "mine" {
		t.Errorf("notes.md on the branch: %q", got)
	}
	if p := srv.PullRequests(repo)[0]; p.Title != "Bump app to v1.3" || p.State != "open" {
		t.Errorf("pull request %+v", p)
	}

	// The same version again: the tip holds it.
	if res, err := proposeWith(t, gh, edit(gh, 3)); err != nil || res.Op != change.Unchanged || srv.Ref(repo, branch) != tip {
		t.Errorf("the same change again: %+v, %v", res, err)
	}

	// The person sets the version by hand: a bump would rewrite their line.
	hand := srv.PushCommit(repo, branch, map[string]string{"app.yaml": "image: ghcr.io/acme/app:v1.3-hotfix\nreplicas: 3\n"}, "Use the hotfix build", alice)
	before := srv.PullRequests(repo)
	srv.ResetCalls()
	_, err = proposeWith(t, gh, edit(gh, 4))
	var refused *change.RefusedError
	if !errors.As(err, &refused) || refused.Commit != hand || !strings.Contains(err.Error(), "did not make") || !strings.Contains(err.Error(), hand[:7]) {
		t.Fatalf("a change over the person's line: %v, want a refusal naming %s", err, hand[:7])
	}
	if got := srv.Ref(repo, branch); got != hand {
		t.Errorf("the branch moved from the person's %s to %s", hand, got)
	}
	for route, n := range srv.Writes() {
		t.Errorf("the refused run wrote: %s ×%d", route, n)
	}
	if after := srv.PullRequests(repo); after[0].Title != before[0].Title || after[0].Body != before[0].Body {
		t.Errorf("the pull request changed: %+v", after[0])
	}
}

// TestFinishedPullRequestFreesItsBranch: once the pull request of a branch
// that holds a person's commit is merged with squash or closed, the branch
// is free: the next change starts afresh from the base in a new pull
// request that names the old one, whose head GitHub keeps.
func TestFinishedPullRequestFreesItsBranch(t *testing.T) {
	for _, how := range []string{"squash-merged", "closed"} {
		t.Run(how, func(t *testing.T) {
			srv := newServer(t)
			gh := newClient(t, srv, nil)
			if _, err := proposeWith(t, gh, edit(gh, 2)); err != nil {
				t.Fatal(err)
			}
			person := srv.PushCommit(repo, branch, map[string]string{"notes.md": "mine\n"}, "Take notes", alice)
			if how == "closed" {
				if err := gh.ClosePull(context.Background(), 1, ""); err != nil {
					t.Fatal(err)
				}
			} else {
				srv.MergePRWith(repo, 1, githubtest.Squash)
			}
			res, err := proposeWith(t, gh, edit(gh, 3))
			if err != nil {
				t.Fatalf("the next change: %v", err)
			}
			if res.Op != change.Created || res.Pull == nil || res.Pull.Number != 2 || res.Previous == nil || res.Previous.Number != 1 {
				t.Fatalf("result %+v", res)
			}
			if got := onTop(t, srv); len(got) != 1 || got[0] != srv.Ref(repo, branch) {
				t.Errorf("the branch holds %v on top of main, want one commit", got)
			}
			if got := git(t, srv, "rev-parse", branch+"^"); got != srv.Ref(repo, "main") {
				t.Errorf("the new commit's parent is %s, want main's head", got)
			}
			if got := srv.Ref(repo, "refs/pull/1/head"); got != person {
				t.Errorf("refs/pull/1/head at %q, want the person's %s", got, person)
			}
			p := srv.PullRequests(repo)[1]
			for _, want := range []string{"Bumps app to v1.3.", "Follows [#1](", "(" + map[string]string{"closed": "closed", "squash-merged": "merged"}[how] + ")", "`refs/pull/1/head`"} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the new pull request's body lacks %q:\n%s", want, p.Body)
				}
			}
			// Later updates keep naming it.
			if res, err := proposeWith(t, gh, edit(gh, 4)); err != nil || res.Op != change.Updated || !strings.Contains(srv.PullRequests(repo)[1].Body, "Follows [#1](") {
				t.Errorf("an update: %+v, %v; body:\n%s", res, err, srv.PullRequests(repo)[1].Body)
			}
		})
	}
}
