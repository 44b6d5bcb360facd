package githubtest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

const testToken = "ghp_test"

var ctx = context.Background()

// newTestServer starts a server with acme/config holding two files.
func newTestServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Token == "" {
		opts.Token = testToken
	}
	srv := NewServer(t, opts)
	srv.CreateRepo("acme/config", RepoOptions{
		DefaultBranch:  "main",
		AllowAutoMerge: true,
		Files: map[string]string{
			"environments/staging/app.yaml":    "image: ghcr.io/acme/app:1.0.0\n",
			"environments/production/app.yaml": "image: ghcr.io/acme/app:0.9.0\n",
		},
	})
	return srv
}

// newClient returns a go-github client for srv authenticated with token.
func newClient(t *testing.T, srv *Server, token string) *github.Client {
	t.Helper()
	c, err := github.NewClient(nil).WithAuthToken(token).WithEnterpriseURLs(srv.URL, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// apiError unpacks a go-github error into status, message and the messages
// of its errors list; status 0 means no error.
func apiError(t *testing.T, err error) (int, string, []string) {
	t.Helper()
	if err == nil {
		return 0, "", nil
	}
	var er *github.ErrorResponse
	if !errors.As(err, &er) {
		t.Fatalf("error %v (%T) is not a GitHub error response", err, err)
	}
	var msgs []string
	for _, e := range er.Errors {
		msgs = append(msgs, e.Message)
	}
	return er.Response.StatusCode, er.Message, msgs
}

// commitFiles builds a commit on top of parent through the API and returns
// its SHA; it does not move any ref.
func commitFiles(t *testing.T, gh *github.Client, parent string, files map[string]string, message string) string {
	t.Helper()
	pc, _, err := gh.Git.GetCommit(ctx, "acme", "config", parent)
	if err != nil {
		t.Fatalf("getting parent %s: %v", parent, err)
	}
	var entries []*github.TreeEntry
	for p, content := range files {
		entries = append(entries, &github.TreeEntry{Path: github.String(p), Mode: github.String("100644"), Type: github.String("blob"), Content: github.String(content)})
	}
	tree, _, err := gh.Git.CreateTree(ctx, "acme", "config", pc.GetTree().GetSHA(), entries)
	if err != nil {
		t.Fatalf("creating tree: %v", err)
	}
	c, _, err := gh.Git.CreateCommit(ctx, "acme", "config", &github.Commit{Message: github.String(message), Tree: tree, Parents: []*github.Commit{{SHA: github.String(parent)}}}, nil)
	if err != nil {
		t.Fatalf("creating commit: %v", err)
	}
	return c.GetSHA()
}

func TestRepository(t *testing.T) {
	srv := newTestServer(t, Options{})
	srv.CreateRepo("acme/locked", RepoOptions{MergeMethods: []string{"squash"}, Private: true})
	gh := newClient(t, srv, testToken)
	tests := []struct {
		name          string
		repo          string
		wantStatus    int
		wantAutoMerge bool
		wantSquash    bool
		wantMerge     bool
	}{
		{name: "exists", repo: "config", wantAutoMerge: true, wantSquash: true, wantMerge: true},
		{name: "squash only", repo: "locked", wantSquash: true},
		{name: "missing", repo: "nope", wantStatus: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _, err := gh.Repositories.Get(ctx, "acme", tc.repo)
			status, msg, _ := apiError(t, err)
			if got, want := status, tc.wantStatus; got != want {
				t.Fatalf("status: got %d (%q), want %d", got, msg, want)
			}
			if status != 0 {
				if msg != "Not Found" {
					t.Errorf("message: got %q, want %q", msg, "Not Found")
				}
				return
			}
			if got, want := r.GetFullName(), "acme/"+tc.repo; got != want {
				t.Errorf("full_name: got %q, want %q", got, want)
			}
			if got, want := r.GetDefaultBranch(), "main"; got != want {
				t.Errorf("default_branch: got %q, want %q", got, want)
			}
			if got, want := r.GetAllowAutoMerge(), tc.wantAutoMerge; got != want {
				t.Errorf("allow_auto_merge: got %v, want %v", got, want)
			}
			if got, want := r.GetAllowSquashMerge(), tc.wantSquash; got != want {
				t.Errorf("allow_squash_merge: got %v, want %v", got, want)
			}
			if got, want := r.GetAllowMergeCommit(), tc.wantMerge; got != want {
				t.Errorf("allow_merge_commit: got %v, want %v", got, want)
			}
			if r.GetNodeID() == "" || r.GetOwner().GetLogin() != "acme" || !strings.HasPrefix(r.GetHTMLURL(), srv.URL) {
				t.Errorf("node_id %q, owner %q, html_url %q: want all set", r.GetNodeID(), r.GetOwner().GetLogin(), r.GetHTMLURL())
			}
		})
	}
}

func TestAuthentication(t *testing.T) {
	srv := newTestServer(t, Options{})
	tests := []struct {
		name        string
		header      string
		wantStatus  int
		wantMessage string
	}{
		{name: "token scheme", header: "token " + testToken, wantStatus: 200},
		{name: "bearer scheme", header: "Bearer " + testToken, wantStatus: 200},
		{name: "wrong token", header: "token ghp_wrong", wantStatus: 401, wantMessage: "Bad credentials"},
		{name: "no token", header: "", wantStatus: 401, wantMessage: "Requires authentication"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.APIURL+"repos/acme/config", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got, want := resp.StatusCode, tc.wantStatus; got != want {
				t.Errorf("status: got %d, want %d", got, want)
			}
			gh := newClient(t, srv, strings.TrimPrefix(strings.TrimPrefix(tc.header, "token "), "Bearer "))
			_, _, err = gh.Repositories.Get(ctx, "acme", "config")
			if _, msg, _ := apiError(t, err); msg != tc.wantMessage {
				t.Errorf("message: got %q, want %q", msg, tc.wantMessage)
			}
		})
	}
}

func TestRefs(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	main := srv.Ref("acme/config", "main")
	child := commitFiles(t, gh, main, map[string]string{"a.txt": "a\n"}, "child")
	unrelated := srv.PushCommit("acme/config", "other", map[string]string{"b.txt": "b\n"}, "other", Identity{Name: "Ann", Email: "ann@example.com"})
	tests := []struct {
		name       string
		run        func() error
		wantStatus int
		wantMsg    string
		wantRef    string // ref to check afterwards
		wantSHA    string // its SHA, "" for absent
	}{
		{name: "get missing ref", run: func() error { _, _, err := gh.Git.GetRef(ctx, "acme", "config", "heads/nope"); return err }, wantStatus: 404, wantMsg: "Not Found"},
		{name: "create ref", run: func() error {
			_, _, err := gh.Git.CreateRef(ctx, "acme", "config", &github.Reference{Ref: github.String("refs/heads/feature/x"), Object: &github.GitObject{SHA: github.String(main)}})
			return err
		}, wantRef: "feature/x", wantSHA: main},
		{name: "create existing ref", run: func() error {
			_, _, err := gh.Git.CreateRef(ctx, "acme", "config", &github.Reference{Ref: github.String("refs/heads/main"), Object: &github.GitObject{SHA: github.String(child)}})
			return err
		}, wantStatus: 422, wantMsg: "Reference already exists", wantRef: "main", wantSHA: main},
		{name: "create ref to missing object", run: func() error {
			_, _, err := gh.Git.CreateRef(ctx, "acme", "config", &github.Reference{Ref: github.String("refs/heads/y"), Object: &github.GitObject{SHA: github.String(strings.Repeat("a", 40))}})
			return err
		}, wantStatus: 422, wantMsg: "Object does not exist", wantRef: "y"},
		{name: "fast-forward", run: func() error {
			_, _, err := gh.Git.UpdateRef(ctx, "acme", "config", &github.Reference{Ref: github.String("refs/heads/feature/x"), Object: &github.GitObject{SHA: github.String(child)}}, false)
			return err
		}, wantRef: "feature/x", wantSHA: child},
		{name: "not a fast-forward", run: func() error {
			_, _, err := gh.Git.UpdateRef(ctx, "acme", "config", &github.Reference{Ref: github.String("heads/feature/x"), Object: &github.GitObject{SHA: github.String(unrelated)}}, false)
			return err
		}, wantStatus: 422, wantMsg: "Update is not a fast forward", wantRef: "feature/x", wantSHA: child},
		{name: "forced", run: func() error {
			_, _, err := gh.Git.UpdateRef(ctx, "acme", "config", &github.Reference{Ref: github.String("heads/feature/x"), Object: &github.GitObject{SHA: github.String(unrelated)}}, true)
			return err
		}, wantRef: "feature/x", wantSHA: unrelated},
		{name: "update missing ref", run: func() error {
			_, _, err := gh.Git.UpdateRef(ctx, "acme", "config", &github.Reference{Ref: github.String("heads/nope"), Object: &github.GitObject{SHA: github.String(main)}}, true)
			return err
		}, wantStatus: 422, wantMsg: "Reference does not exist"},
		{name: "delete", run: func() error { _, err := gh.Git.DeleteRef(ctx, "acme", "config", "heads/feature/x"); return err }, wantRef: "feature/x"},
		{name: "delete missing", run: func() error { _, err := gh.Git.DeleteRef(ctx, "acme", "config", "heads/feature/x"); return err }, wantStatus: 422, wantMsg: "Reference does not exist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, msg, _ := apiError(t, tc.run())
			if status != tc.wantStatus || msg != tc.wantMsg {
				t.Errorf("got %d %q, want %d %q", status, msg, tc.wantStatus, tc.wantMsg)
			}
			if tc.wantRef != "" {
				if got, want := srv.Ref("acme/config", tc.wantRef), tc.wantSHA; got != want {
					t.Errorf("%s: got %q, want %q", tc.wantRef, got, want)
				}
			}
		})
	}
	refs, _, err := gh.Git.ListMatchingRefs(ctx, "acme", "config", &github.ReferenceListOptions{Ref: "heads/"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range refs {
		names = append(names, r.GetRef())
	}
	if got, want := strings.Join(names, " "), "refs/heads/main refs/heads/other"; got != want {
		t.Errorf("matching refs: got %q, want %q", got, want)
	}
}

func TestRefNamesAndEmptyRepositories(t *testing.T) {
	srv := newTestServer(t, Options{})
	srv.CreateRepo("acme/empty", RepoOptions{})
	main := srv.Ref("acme/config", "main")
	tests := []struct {
		name       string
		path, body string
		wantStatus int
		wantMsg    string
	}{
		{name: "two components", path: "/api/v3/repos/acme/config/git/refs", body: `{"ref":"refs/x","sha":"` + main + `"}`, wantStatus: 422, wantMsg: "Reference name must contain at least three slash-separated components."},
		{name: "no refs/ prefix", path: "/api/v3/repos/acme/config/git/refs", body: `{"ref":"heads/x/y","sha":"` + main + `"}`, wantStatus: 422, wantMsg: "Reference name must contain at least three slash-separated components."},
		{name: "invalid name", path: "/api/v3/repos/acme/config/git/refs", body: `{"ref":"refs/heads/a..b","sha":"` + main + `"}`, wantStatus: 422, wantMsg: "refs/heads/a..b is not a valid ref name."},
		{name: "below an existing branch", path: "/api/v3/repos/acme/config/git/refs", body: `{"ref":"refs/heads/main/x","sha":"` + main + `"}`, wantStatus: 422, wantMsg: "Reference update failed"},
		{name: "blob in an empty repository", path: "/api/v3/repos/acme/empty/git/blobs", body: `{"content":"x"}`, wantStatus: 409, wantMsg: "Git Repository is empty."},
		{name: "tree in an empty repository", path: "/api/v3/repos/acme/empty/git/trees", body: `{"tree":[{"path":"a","mode":"100644","type":"blob","content":"x"}]}`, wantStatus: 409, wantMsg: "Git Repository is empty."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := do(t, srv, "POST", tc.path, tc.body)
			var got struct {
				Message          string `json:"message"`
				DocumentationURL string `json:"documentation_url"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if status != tc.wantStatus || got.Message != tc.wantMsg || got.DocumentationURL == "" {
				t.Errorf("got %d %q (documentation_url %q), want %d %q", status, got.Message, got.DocumentationURL, tc.wantStatus, tc.wantMsg)
			}
		})
	}
}
