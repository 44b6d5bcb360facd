package githubtest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-github/v60/github"
)

func TestConcurrentRefUpdates(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	main := srv.Ref("acme/config", "main")
	const clients = 20
	commits := make([]string, clients)
	for i := range commits {
		commits[i] = commitFiles(t, gh, main, map[string]string{"n.txt": strings.Repeat("x", i)}, "racer")
	}
	var wg sync.WaitGroup
	results := make([]error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, _, results[i] = gh.Git.UpdateRef(ctx, "acme", "config", &github.Reference{Ref: github.String("heads/main"), Object: &github.GitObject{SHA: github.String(commits[i])}}, false)
		}(i)
	}
	wg.Wait()
	var winners []string
	for i, err := range results {
		if err == nil {
			winners = append(winners, commits[i])
			continue
		}
		var er *github.ErrorResponse
		if !errors.As(err, &er) || er.Response.StatusCode != 422 || er.Message != "Update is not a fast forward" {
			t.Errorf("client %d: got %v, want 422 Update is not a fast forward", i, err)
		}
	}
	// Every racer built on the same parent, so exactly one update is a
	// fast-forward: the first to arrive.
	if len(winners) != 1 {
		t.Fatalf("successful updates: got %d, want 1", len(winners))
	}
	if got, want := srv.Ref("acme/config", "main"), winners[0]; got != want {
		t.Errorf("main: got %s, want the winner %s", got, want)
	}
}

// TestScriptedSession drives every route the fake serves through go-github
// as the GitHub client would, and checks that git accepts what the API built
// and that every request and response matched GitHub's description.
func TestScriptedSession(t *testing.T) {
	rec := &recordingTB{TB: t}
	srv := NewServer(rec, Options{Token: testToken})
	srv.CreateRepo("acme/config", RepoOptions{AllowAutoMerge: true, Files: map[string]string{"environments/staging/app.yaml": "image: app:1\n"}})
	gh := newClient(t, srv, testToken)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	repo, _, err := gh.Repositories.Get(ctx, "acme", "config")
	must("get repository", err)
	base, _, err := gh.Git.GetRef(ctx, "acme", "config", "heads/"+repo.GetDefaultBranch())
	must("get ref", err)
	_, _, err = gh.Git.ListMatchingRefs(ctx, "acme", "config", &github.ReferenceListOptions{Ref: "heads/"})
	must("matching refs", err)
	parent, _, err := gh.Git.GetCommit(ctx, "acme", "config", base.GetObject().GetSHA())
	must("get commit", err)
	_, _, err = gh.Git.GetTree(ctx, "acme", "config", parent.GetTree().GetSHA(), true)
	must("get tree", err)
	blob, _, err := gh.Git.CreateBlob(ctx, "acme", "config", &github.Blob{Content: github.String("image: app:2\n"), Encoding: github.String("utf-8")})
	must("create blob", err)
	_, _, err = gh.Git.GetBlob(ctx, "acme", "config", blob.GetSHA())
	must("get blob", err)
	tree, _, err := gh.Git.CreateTree(ctx, "acme", "config", parent.GetTree().GetSHA(), []*github.TreeEntry{
		{Path: github.String("environments/staging/app.yaml"), Mode: github.String("100644"), Type: github.String("blob"), SHA: blob.SHA},
		{Path: github.String("environments/production/app.yaml"), Mode: github.String("100644"), Type: github.String("blob"), Content: github.String("image: app:1\n")},
	})
	must("create tree", err)
	commit, _, err := gh.Git.CreateCommit(ctx, "acme", "config", &github.Commit{Message: github.String("Bump app to 2"), Tree: tree, Parents: []*github.Commit{parent}}, nil)
	must("create commit", err)
	_, _, err = gh.Git.CreateRef(ctx, "acme", "config", &github.Reference{Ref: github.String("refs/heads/gitops/bump-app"), Object: &github.GitObject{SHA: commit.SHA}})
	must("create ref", err)
	second, _, err := gh.Git.CreateCommit(ctx, "acme", "config", &github.Commit{Message: github.String("Bump app again"), Tree: tree, Parents: []*github.Commit{commit}}, nil)
	must("create commit", err)
	_, _, err = gh.Git.UpdateRef(ctx, "acme", "config", &github.Reference{Ref: github.String("heads/gitops/bump-app"), Object: &github.GitObject{SHA: second.SHA}}, false)
	must("update ref", err)
	_, _, err = gh.Repositories.GetCommit(ctx, "acme", "config", second.GetSHA(), nil)
	must("get rest commit", err)
	_, _, err = gh.Repositories.CompareCommits(ctx, "acme", "config", "main", "gitops/bump-app", nil)
	must("compare", err)
	listed, _, err := gh.Repositories.ListCommits(ctx, "acme", "config", &github.CommitsListOptions{SHA: "gitops/bump-app", Path: "environments/production"})
	must("list commits", err)
	if len(listed) != 1 || listed[0].GetSHA() != commit.GetSHA() {
		t.Errorf("commits changing environments/production: got %d, want the one that added it", len(listed))
	}
	prs, _, err := gh.PullRequests.List(ctx, "acme", "config", &github.PullRequestListOptions{Head: "acme:gitops/bump-app", Base: "main"})
	must("list pulls", err)
	if len(prs) != 0 {
		t.Fatalf("pull requests before creating one: got %d", len(prs))
	}
	pr, _, err := gh.PullRequests.Create(ctx, "acme", "config", &github.NewPullRequest{Title: github.String("Bump app"), Head: github.String("gitops/bump-app"), Base: github.String("main"), Draft: github.Bool(true)})
	must("create pull", err)
	_, _, err = gh.PullRequests.Get(ctx, "acme", "config", pr.GetNumber())
	must("get pull", err)
	_, _, err = gh.PullRequests.Edit(ctx, "acme", "config", pr.GetNumber(), &github.PullRequest{Body: github.String("Bumps app.")})
	must("edit pull", err)
	_, _, err = gh.PullRequests.RequestReviewers(ctx, "acme", "config", pr.GetNumber(), github.ReviewersRequest{Reviewers: []string{"ann"}})
	must("request reviewers", err)
	_, _, err = gh.Issues.AddLabelsToIssue(ctx, "acme", "config", pr.GetNumber(), []string{"gitops"})
	must("add labels", err)
	_, _, err = gh.Issues.AddAssignees(ctx, "acme", "config", pr.GetNumber(), []string{"ann"})
	must("add assignees", err)
	issue, _, err := gh.Issues.Get(ctx, "acme", "config", pr.GetNumber())
	must("get issue", err)
	if len(issue.Labels) != 1 || len(issue.Assignees) != 1 {
		t.Errorf("issue: got labels %v and assignees %v, want one of each", issue.Labels, issue.Assignees)
	}
	cm, _, err := gh.Issues.CreateComment(ctx, "acme", "config", pr.GetNumber(), &github.IssueComment{Body: github.String("Done.")})
	must("comment", err)
	_, _, err = gh.Issues.EditComment(ctx, "acme", "config", cm.GetID(), &github.IssueComment{Body: github.String("Done, and done.")})
	must("edit comment", err)
	comments, _, err := gh.Issues.ListComments(ctx, "acme", "config", pr.GetNumber(), nil)
	must("list comments", err)
	if len(comments) != 1 || comments[0].GetBody() != "Done, and done." {
		t.Errorf("comments: got %d, want the one edited", len(comments))
	}
	_, err = gh.Issues.DeleteComment(ctx, "acme", "config", cm.GetID())
	must("delete comment", err)
	if _, err = gh.Issues.DeleteComment(ctx, "acme", "config", cm.GetID()); err == nil {
		t.Error("deleting a deleted comment: got no error, want 404")
	}
	comments, _, err = gh.Issues.ListComments(ctx, "acme", "config", pr.GetNumber(), nil)
	must("list comments", err)
	if len(comments) != 0 {
		t.Errorf("comments: got %d after deleting the one, want none", len(comments))
	}
	for _, f := range []github.ArchiveFormat{github.Tarball, github.Zipball} {
		_, _, err = gh.Repositories.GetArchiveLink(ctx, "acme", "config", f, &github.RepositoryContentGetOptions{Ref: "gitops/bump-app"}, 0)
		must("archive link", err)
	}
	_, err = gh.Git.DeleteRef(ctx, "acme", "config", "heads/gitops/bump-app")
	must("delete ref", err)
	tag, _, err := gh.Git.CreateTag(ctx, "acme", "config", &github.Tag{Tag: github.String("v1"), Message: github.String("Release v1\n"), Object: &github.GitObject{SHA: base.Object.SHA, Type: github.String("commit")}})
	must("create tag", err)
	_, _, err = gh.Git.GetTag(ctx, "acme", "config", tag.GetSHA())
	must("get tag", err)
	_, _, err = gh.Git.CreateRef(ctx, "acme", "config", &github.Reference{Ref: github.String("refs/tags/v1"), Object: &github.GitObject{SHA: tag.SHA}})
	must("create tag ref", err)
	_, _, err = gh.PullRequests.ListPullRequestsWithCommit(ctx, "acme", "config", base.GetObject().GetSHA(), nil)
	must("pulls of a commit", err)
	_, _, err = gh.Repositories.CreateRelease(ctx, "acme", "config", &github.RepositoryRelease{TagName: github.String("v1"), Name: github.String("v1"), Body: github.String("Notes.")})
	must("create release", err)
	_, _, err = gh.Repositories.GetReleaseByTag(ctx, "acme", "config", "v1")
	must("release by tag", err)
	_, _, err = gh.Repositories.ListReleases(ctx, "acme", "config", nil)
	must("list releases", err)
	head := base.GetObject().GetSHA()
	_, _, err = gh.Repositories.CreateStatus(ctx, "acme", "config", head, &github.RepoStatus{State: github.String("success"), Context: github.String("kustomization/apps/1"), TargetURL: github.String("https://flux.example.com/1")})
	must("create status", err)
	_, _, err = gh.Repositories.ListStatuses(ctx, "acme", "config", head, nil)
	must("list statuses", err)
	_, _, err = gh.Repositories.GetCombinedStatus(ctx, "acme", "config", head, nil)
	must("combined status", err)
	srv.CreateCheckRun("acme/config", head, CheckRun{Name: "smoke", Conclusion: "success", DetailsURL: "https://ci.example.com/1"})
	_, _, err = gh.Checks.ListCheckRunsForRef(ctx, "acme", "config", head, nil)
	must("check runs", err)
	dep, _, err := gh.Repositories.CreateDeployment(ctx, "acme", "config", &github.DeploymentRequest{Ref: github.String(head), Environment: github.String("staging"), Payload: map[string]any{"pull-request": 1}, AutoMerge: github.Bool(false), RequiredContexts: &[]string{}})
	must("create deployment", err)
	_, _, err = gh.Repositories.ListDeployments(ctx, "acme", "config", &github.DeploymentsListOptions{SHA: head})
	must("list deployments", err)
	_, _, err = gh.Repositories.CreateDeploymentStatus(ctx, "acme", "config", dep.GetID(), &github.DeploymentStatusRequest{State: github.String("success"), LogURL: github.String("https://example.com/run/1")})
	must("create deployment status", err)
	_, _, err = gh.Repositories.ListDeploymentStatuses(ctx, "acme", "config", dep.GetID(), nil)
	must("list deployment statuses", err)

	if errs := rec.errors(); len(errs) > 0 {
		t.Errorf("the fake reported %d mismatches with GitHub's description:\n%s", len(errs), strings.Join(errs, "\n"))
	}
	// Every REST route except the app's (tested in TestGitHubApp) was used.
	for _, op := range Operations() {
		name := op.Method + " " + op.Path
		if srv.Calls(name) == 0 && !strings.Contains(op.Path, "installation") {
			t.Errorf("route %s was not exercised", name)
		}
	}
	dir := srv.GitDir("acme/config")
	if out := runGit(t, dir, "fsck", "--strict", "--no-dangling"); out != "" {
		t.Errorf("git fsck: %s", out)
	}
	if got, want := runGit(t, dir, "log", "--format=%s", second.GetSHA()), "Bump app again\nBump app to 2\nInitial commit"; got != want {
		t.Errorf("git log: got %q, want %q", got, want)
	}
	if got, want := runGit(t, dir, "show", second.GetSHA()+":environments/staging/app.yaml"), "image: app:2"; got != want {
		t.Errorf("git show: got %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil {
		t.Errorf("not a bare repository: %v", err)
	}
}
