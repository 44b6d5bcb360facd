package forge_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// TestHistory reads where a line came from, the latest change under a
// path, and a pull request: the blame names the commit that wrote the
// line on the pull request's branch and the pull request, not the merge
// commit that brought it to main.
func TestHistory(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	first := srv.Ref("acme/config", "main")
	bump := srv.PushCommit("acme/config", "bump", map[string]string{
		"environments/staging/app.yaml": "# staging\nimage: ghcr.io/acme/app:v2\n",
	}, "Bump app to v2\n\nSource-Commit: abc\nBumped-By: gitops-actions\n", githubtest.Identity{})
	n := srv.OpenPR("acme/config", githubtest.NewPR{Head: "bump", Title: "Bump app to v2", Author: "ann"})
	merge := srv.MergePR("acme/config", n)
	srv.PushCommit("acme/config", "main", map[string]string{"README.md": "# config, edited\n"}, "Edit the README", githubtest.Identity{})

	srv.ResetCalls()
	blame, err := c.Blame(ctx, "main", []string{"environments/staging/app.yaml", "environments/prod/app.yaml", "nowhere.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.TotalCalls(); got != 1 {
		t.Errorf("blaming three files took %d requests, want 1", got)
	}
	st := blame["environments/staging/app.yaml"]
	if len(st) != 1 || st[0].Start != 1 || st[0].End != 2 || st[0].Commit != bump || st[0].Pull == nil || st[0].Pull.Number != n || st[0].Message != "Bump app to v2\n\nSource-Commit: abc\nBumped-By: gitops-actions\n" {
		t.Errorf("blame of staging: %+v", st)
	}
	// The merge that brought the line to main, and when: what a gate on
	// the versions of staging looks at.
	if len(st) == 1 && st[0].Pull != nil && (st[0].Pull.MergeCommitSHA != merge || st[0].Pull.MergedAt.IsZero() || st[0].Pull.Base != "main" || st[0].CommittedAt.IsZero()) {
		t.Errorf("blame of staging: pull request %+v, committed at %v; want merged into main at %s", *st[0].Pull, st[0].CommittedAt, merge)
	}
	if pr := blame["environments/prod/app.yaml"]; len(pr) != 1 || pr[0].Commit != first || pr[0].Pull != nil {
		t.Errorf("blame of prod: %+v", pr)
	}
	if _, ok := blame["nowhere.yaml"]; ok {
		t.Errorf("a file that does not exist has a blame: %+v", blame["nowhere.yaml"])
	}

	latest, err := c.ListCommits(ctx, "main", "environments/staging", 1)
	if err != nil || len(latest) != 1 || latest[0].SHA != bump {
		t.Errorf("ListCommits under staging = %+v, %v; want the bump %s", latest, err, bump)
	}
	all, err := c.ListCommits(ctx, "main", "", 10)
	var got []string
	for _, cm := range all {
		got = append(got, cm.SHA)
	}
	// Newest first, and never a commit before its children: the merge's
	// second parent comes before the first commit, which both descend from.
	if want := []string{srv.Ref("acme/config", "main"), merge, bump, first}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ListCommits of main = %v, %v; want %v", got, err, want)
	}

	p, err := c.GetPull(ctx, n)
	if err != nil || p.MergeCommitSHA != merge || p.MergedAt.IsZero() || p.Base != "main" || p.Author != "ann" {
		t.Errorf("GetPull = %+v, %v", p, err)
	}
	var nf *forge.NotFoundError
	if _, err := c.GetPull(ctx, 99); !errors.As(err, &nf) {
		t.Errorf("GetPull of a missing pull request: %v", err)
	}
}
