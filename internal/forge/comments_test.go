package forge_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/archive"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
	"github.com/google/go-github/v60/github"
)

// openPull opens a pull request from a new branch feature into main.
func openPull(t *testing.T, srv *githubtest.Server) int {
	t.Helper()
	srv.PushCommit("acme/config", "feature", map[string]string{"environments/staging/app.yaml": "image: ghcr.io/acme/app:v2\n"}, "bump", githubtest.Identity{})
	return srv.OpenPR("acme/config", githubtest.NewPR{Head: "feature", Title: "bump"})
}

// markedComments returns the comments of pull request n that start with
// marker.
func markedComments(srv *githubtest.Server, n int, marker string) []string {
	var out []string
	for _, p := range srv.PullRequests("acme/config") {
		if p.Number != n {
			continue
		}
		for _, c := range p.Comments {
			if strings.HasPrefix(c, marker) {
				out = append(out, c)
			}
		}
	}
	return out
}

func TestUpsertComment(t *testing.T) {
	const marker = "<!-- test:diff path=. -->"
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	n := openPull(t, srv)
	// More comments than a page holds, ours to come after them: the search
	// must read every page.
	for i := range 120 {
		if _, _, err := c.GH.Issues.CreateComment(ctx, "acme", "config", n, issueComment(fmt.Sprintf("comment %d mentions %s in passing", i, marker))); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		body                string
		noCreate            bool
		wantOp              string
		wantPOST, wantPATCH int
	}{
		{body: marker + "\nnothing new", noCreate: true, wantOp: forge.CommentNone},
		{body: marker + "\nfirst", wantOp: forge.CommentCreated, wantPOST: 1},
		{body: marker + "\nsecond", wantOp: forge.CommentUpdated, wantPATCH: 1},
		{body: marker + "\nsecond", wantOp: forge.CommentUnchanged},
		{body: marker + "\nnothing new", noCreate: true, wantOp: forge.CommentUpdated, wantPATCH: 1},
	}
	for i, st := range steps {
		srv.ResetCalls()
		op, cm, err := c.UpsertComment(ctx, n, marker, st.body, !st.noCreate)
		if err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if st.wantOp == forge.CommentNone {
			if op != st.wantOp || cm != nil || srv.Calls(githubtest.RouteCreateComment) != 0 {
				t.Errorf("run %d: got %q %+v, want none made", i+1, op, cm)
			}
			if got := markedComments(srv, n, marker); len(got) != 0 {
				t.Errorf("run %d: marked comments %q, want none", i+1, got)
			}
			continue
		}
		if op != st.wantOp || cm == nil || cm.Body != st.body || cm.ID == 0 {
			t.Errorf("run %d: got %q %+v, want %q with the body", i+1, op, cm, st.wantOp)
		}
		if got := srv.Calls(githubtest.RouteCreateComment); got != st.wantPOST {
			t.Errorf("run %d: %d comments posted, want %d", i+1, got, st.wantPOST)
		}
		if got := srv.Calls(githubtest.RouteUpdateComment); got != st.wantPATCH {
			t.Errorf("run %d: %d comments edited, want %d", i+1, got, st.wantPATCH)
		}
		// 121 comments, 100 a page: 2 pages, and 2 more after creating
		// one, to see whether another run created one at the same time.
		if got, want := srv.Calls(githubtest.RouteListComments), 2+2*st.wantPOST; got != want {
			t.Errorf("run %d: %d pages of comments read, want %d", i+1, got, want)
		}
		if got := markedComments(srv, n, marker); len(got) != 1 || got[0] != st.body {
			t.Errorf("run %d: marked comments %q, want exactly one: %q", i+1, got, st.body)
		}
	}
	if _, _, err := c.UpsertComment(ctx, n, marker, "no marker first", true); err == nil {
		t.Error("a body without its marker: got no error")
	}
}

// TestUpsertCommentOnce loses the answer of every write after GitHub made
// it: still one comment, never two.
func TestUpsertCommentOnce(t *testing.T) {
	const marker = "<!-- test:once -->"
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	n := openPull(t, srv)
	srv.SetFaults(githubtest.Faults{ResetAfterWrite: 1, Seed: 3})
	for i, body := range []string{marker + " one", marker + " two"} {
		if _, _, err := c.UpsertComment(ctx, n, marker, body, true); err != nil {
			t.Fatalf("write %d: %v", i+1, err)
		}
		if got := markedComments(srv, n, marker); len(got) != 1 || got[0] != body {
			t.Errorf("write %d: marked comments %q, want one: %q", i+1, got, body)
		}
	}
}

// raceTransport creates, just before the first comment it carries, a
// comment with the same marker, as another run of the same workflow that
// listed the comments at the same time would.
type raceTransport struct {
	t      *testing.T
	srv    *githubtest.Server
	number int
	body   string
	done   bool
}

func (r *raceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !r.done && req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/comments") {
		r.done = true
		other := newClient(r.t, r.srv, nil)
		if _, _, err := other.GH.Issues.CreateComment(req.Context(), "acme", "config", r.number, issueComment(r.body)); err != nil {
			return nil, err
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestUpsertCommentRace: two runs find no comment and both create one;
// the one whose comment is newer deletes it and updates the older, so one
// comment is left, with the body of the run that finished last.
func TestUpsertCommentRace(t *testing.T) {
	const marker = "<!-- test:race -->"
	srv := newRepo(t, githubtest.Options{})
	n := openPull(t, srv)
	rt := &raceTransport{t: t, srv: srv, number: n, body: marker + " from the other run"}
	c := newClient(t, srv, rt)
	op, cm, err := c.UpsertComment(context.Background(), n, marker, marker+" ours", true)
	if err != nil {
		t.Fatal(err)
	}
	if !rt.done {
		t.Fatal("the other run's comment was never made")
	}
	if got := markedComments(srv, n, marker); len(got) != 1 || got[0] != marker+" ours" {
		t.Errorf("marked comments %q, want one, ours", got)
	}
	if op != forge.CommentUpdated || cm == nil || cm.Body != marker+" ours" {
		t.Errorf("got %q %+v, want the older comment updated", op, cm)
	}
	if got := srv.Calls(githubtest.RouteDeleteComment); got != 1 {
		t.Errorf("%d comments deleted, want 1 (ours, the newer)", got)
	}
}

func TestUpsertCommentForbidden(t *testing.T) {
	srv := githubtest.NewServer(t, githubtest.Options{Token: testToken})
	srv.CreateRepo("acme/config", githubtest.RepoOptions{ReadOnlyToken: true, Files: map[string]string{"a.yaml": "a: 1\n"}})
	c := newClient(t, srv, nil)
	n := openPull(t, srv)
	_, _, err := c.UpsertComment(context.Background(), n, "<!-- m -->", "<!-- m --> x", true)
	if forge.StatusCode(err) != http.StatusForbidden || !forge.IsAuth(err) {
		t.Errorf("got %v, want GitHub's 403 that IsAuth knows", err)
	}
}

func issueComment(body string) *github.IssueComment { return &github.IssueComment{Body: &body} }

// TestReadTree reads a ref's subtree through the archive: two requests
// whatever the number of files, no credentials sent to the codeload host,
// the repository's symbolic links left out and reported, a missing ref a
// NotFoundError that names it.
func TestReadTree(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	files := map[string]string{"environments/staging/link.yaml": githubtest.Symlink("../../README.md")}
	for i := range 50 {
		files[fmt.Sprintf("environments/staging/app-%02d.yaml", i)] = fmt.Sprintf("n: %d\n", i)
	}
	files["environments/staging/big.yaml"] = strings.Repeat("x", 2048)
	srv.PushCommit("acme/config", "feature/base", files, "many", githubtest.Identity{})
	rec := newRecorder()
	c := newClient(t, srv, rec)
	ctx := context.Background()
	srv.ResetCalls()
	snap, err := c.ReadTree(ctx, "feature/base", archive.Options{Roots: []string{"environments/staging"}, Limits: archive.Limits{MaxFileSize: 1024}})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.TotalCalls(); got != 2 {
		t.Errorf("%d requests (%v), want 2: the tarball endpoint and its redirect", got, srv.AllCalls())
	}
	if got := srv.CodeloadCredentials(); got != 0 {
		t.Errorf("%d requests carried the API's credentials to the codeload host, want none", got)
	}
	var n int
	fs.WalkDir(snap.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
			if !strings.HasPrefix(p, "environments/staging/app") {
				t.Errorf("kept %q", p)
			}
		}
		return err
	})
	if n != 51 {
		t.Errorf("%d files kept, want 51 (app.yaml and 50 more)", n)
	}
	want := []archive.Skipped{
		{Name: "environments/staging/big.yaml", Reason: archive.ReasonTooLarge, Size: 2048},
		{Name: "environments/staging/link.yaml", Reason: archive.ReasonSymlink},
	}
	if fmt.Sprint(snap.Skipped) != fmt.Sprint(want) {
		t.Errorf("skipped: got %+v, want %+v", snap.Skipped, want)
	}
	_, err = c.ReadTree(ctx, "no/such-ref", archive.Options{})
	var nf *forge.NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), `ref "no/such-ref" of acme/config not found`) {
		t.Errorf("a missing ref: got %v, want a NotFoundError that names it", err)
	}
}
