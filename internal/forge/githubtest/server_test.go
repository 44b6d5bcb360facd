package githubtest

import (
	"context"
	"testing"

	"github.com/google/go-github/v60/github"
)

const testToken = "ghp_test"

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

func TestSmoke(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	ctx := context.Background()
	r, _, err := gh.Repositories.Get(ctx, "acme", "config")
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r.GetDefaultBranch(), r.GetAllowAutoMerge())
	ref, _, err := gh.Git.GetRef(ctx, "acme", "config", "heads/main")
	if err != nil {
		t.Fatal(err)
	}
	cm, _, err := gh.Git.GetCommit(ctx, "acme", "config", ref.GetObject().GetSHA())
	if err != nil {
		t.Fatal(err)
	}
	tree, _, err := gh.Git.CreateTree(ctx, "acme", "config", cm.GetTree().GetSHA(), []*github.TreeEntry{
		{Path: github.String("environments/staging/app.yaml"), Mode: github.String("100644"), Type: github.String("blob"), Content: github.String("image: ghcr.io/acme/app:1.1.0\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	nc, _, err := gh.Git.CreateCommit(ctx, "acme", "config", &github.Commit{Message: github.String("bump"), Tree: tree, Parents: []*github.Commit{cm}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = gh.Git.CreateRef(ctx, "acme", "config", &github.Reference{Ref: github.String("refs/heads/bump"), Object: &github.GitObject{SHA: nc.SHA}})
	if err != nil {
		t.Fatal(err)
	}
	pr, _, err := gh.PullRequests.Create(ctx, "acme", "config", &github.NewPullRequest{Title: github.String("bump"), Head: github.String("bump"), Base: github.String("main")})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(pr.GetNumber(), pr.GetHTMLURL(), nc.GetVerification().GetVerified())
}
