package githubtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

func TestPullRequests(t *testing.T) {
	srv := newTestServer(t, Options{})
	srv.PushCommit("acme/config", "bump", map[string]string{"environments/staging/app.yaml": "image: ghcr.io/acme/app:1.1.0\n"}, "Bump staging", Identity{})
	srv.PushCommit("acme/config", "other", map[string]string{"x": "x\n"}, "x", Identity{})
	srv.PushCommit("acme/config", "empty", map[string]string{}, "nothing", Identity{})
	gh := newClient(t, srv, testToken)
	newPR := func(head, base string, draft bool) func() (*github.PullRequest, error) {
		return func() (*github.PullRequest, error) {
			pr, _, err := gh.PullRequests.Create(ctx, "acme", "config", &github.NewPullRequest{Title: github.String("Bump app"), Head: github.String(head), Base: github.String(base), Body: github.String("body"), Draft: github.Bool(draft)})
			return pr, err
		}
	}
	tests := []struct {
		name       string
		run        func() (*github.PullRequest, error)
		wantStatus int
		wantMsg    string // message of the first entry of errors, or the top message
		wantNumber int
		wantState  string
	}{
		{name: "create", run: newPR("bump", "main", false), wantNumber: 1, wantState: "open"},
		{name: "duplicate", run: newPR("acme:bump", "main", false), wantStatus: 422, wantMsg: "A pull request already exists for acme:bump."},
		{name: "draft", run: newPR("other", "main", true), wantNumber: 2, wantState: "open"},
		{name: "missing head", run: newPR("nope", "main", false), wantStatus: 422, wantMsg: "Validation Failed"},
		{name: "missing base", run: newPR("bump", "nope", false), wantStatus: 422, wantMsg: "Validation Failed"},
		{name: "no commits", run: newPR("main", "bump", false), wantStatus: 422, wantMsg: "No commits between bump and main"},
		{name: "get", run: func() (*github.PullRequest, error) {
			pr, _, err := gh.PullRequests.Get(ctx, "acme", "config", 1)
			return pr, err
		}, wantNumber: 1, wantState: "open"},
		{name: "get missing", run: func() (*github.PullRequest, error) {
			pr, _, err := gh.PullRequests.Get(ctx, "acme", "config", 99)
			return pr, err
		}, wantStatus: 404, wantMsg: "Not Found"},
		{name: "edit title and body", run: func() (*github.PullRequest, error) {
			pr, _, err := gh.PullRequests.Edit(ctx, "acme", "config", 1, &github.PullRequest{Title: github.String("Bump app to 1.1.0"), Body: github.String("new body")})
			return pr, err
		}, wantNumber: 1, wantState: "open"},
		{name: "close", run: func() (*github.PullRequest, error) {
			pr, _, err := gh.PullRequests.Edit(ctx, "acme", "config", 2, &github.PullRequest{State: github.String("closed")})
			return pr, err
		}, wantNumber: 2, wantState: "closed"},
		{name: "reopen", run: func() (*github.PullRequest, error) {
			pr, _, err := gh.PullRequests.Edit(ctx, "acme", "config", 2, &github.PullRequest{State: github.String("open")})
			return pr, err
		}, wantNumber: 2, wantState: "open"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr, err := tc.run()
			status, msg, errs := apiError(t, err)
			if len(errs) > 0 && errs[0] != "" {
				msg = errs[0]
			}
			if status != tc.wantStatus || msg != tc.wantMsg {
				t.Fatalf("got %d %q, want %d %q", status, msg, tc.wantStatus, tc.wantMsg)
			}
			if status != 0 {
				return
			}
			if pr.GetNumber() != tc.wantNumber || pr.GetState() != tc.wantState {
				t.Errorf("got #%d %s, want #%d %s", pr.GetNumber(), pr.GetState(), tc.wantNumber, tc.wantState)
			}
			if pr.GetNodeID() == "" || !strings.HasSuffix(pr.GetHTMLURL(), "/acme/config/pull/"+strconv.Itoa(pr.GetNumber())) {
				t.Errorf("node_id %q html_url %q", pr.GetNodeID(), pr.GetHTMLURL())
			}
			if got, want := pr.GetHead().GetSHA(), srv.Ref("acme/config", pr.GetHead().GetRef()); got != want {
				t.Errorf("head.sha: got %s, want %s", got, want)
			}
			if got, want := pr.GetBase().GetSHA(), srv.Ref("acme/config", "main"); got != want {
				t.Errorf("base.sha: got %s, want %s", got, want)
			}
		})
	}
	// The head SHA follows the branch: someone pushes to the bot's branch.
	pushed := srv.PushCommit("acme/config", "bump", map[string]string{"note.txt": "hi\n"}, "someone else", Identity{Name: "Ann", Email: "ann@example.com"})
	pr, _, err := gh.PullRequests.Get(ctx, "acme", "config", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pr.GetHead().GetSHA(), pushed; got != want {
		t.Errorf("head.sha after a push: got %s, want %s", got, want)
	}
	if got, want := pr.GetHead().GetLabel(), "acme:bump"; got != want {
		t.Errorf("head.label: got %q, want %q", got, want)
	}
	if got, want := pr.GetTitle()+"|"+pr.GetBody(), "Bump app to 1.1.0|new body"; got != want {
		t.Errorf("title|body: got %q, want %q", got, want)
	}

	listTests := []struct {
		name string
		opts *github.PullRequestListOptions
		want []int
	}{
		{name: "open", opts: nil, want: []int{2, 1}},
		{name: "by head", opts: &github.PullRequestListOptions{Head: "acme:bump", Base: "main"}, want: []int{1}},
		{name: "by head of another owner", opts: &github.PullRequestListOptions{Head: "someone:bump"}, want: nil},
		{name: "a bare head is ignored, as on GitHub", opts: &github.PullRequestListOptions{Head: "bump"}, want: []int{2, 1}},
		{name: "by base", opts: &github.PullRequestListOptions{Base: "other"}, want: nil},
		{name: "all, one per page", opts: &github.PullRequestListOptions{State: "all", ListOptions: github.ListOptions{PerPage: 1, Page: 2}}, want: []int{1}},
	}
	for _, tc := range listTests {
		t.Run("list "+tc.name, func(t *testing.T) {
			prs, _, err := gh.PullRequests.List(ctx, "acme", "config", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, p := range prs {
				got = append(got, p.GetNumber())
			}
			if !equalInts(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}

	// Deleting the head branch closes the pull request, as on GitHub.
	if _, err := gh.Git.DeleteRef(ctx, "acme", "config", "heads/other"); err != nil {
		t.Fatal(err)
	}
	if got := srv.PullRequests("acme/config")[1]; got.State != "closed" {
		t.Errorf("#2 after deleting its branch: got %s, want closed", got.State)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReviewersLabelsAssigneesComments(t *testing.T) {
	srv := newTestServer(t, Options{})
	srv.CreateRepo("acme/strict", RepoOptions{Files: map[string]string{"a": "a\n"}, Collaborators: []string{"ann"}, Teams: []string{"platform"}})
	for _, repo := range []string{"acme/config", "acme/strict"} {
		srv.PushCommit(repo, "bump", map[string]string{"b": "b\n"}, "b", Identity{})
	}
	gh := newClient(t, srv, testToken)
	for _, repo := range []string{"config", "strict"} {
		if _, _, err := gh.PullRequests.Create(ctx, "acme", repo, &github.NewPullRequest{Title: github.String("t"), Head: github.String("bump"), Base: github.String("main")}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name       string
		repo       string
		run        func(repo string) error
		wantStatus int
		wantMsg    string
	}{
		{name: "reviewers", repo: "config", run: func(repo string) error {
			_, _, err := gh.PullRequests.RequestReviewers(ctx, "acme", repo, 1, github.ReviewersRequest{Reviewers: []string{"ann", "bob"}, TeamReviewers: []string{"platform"}})
			return err
		}},
		{name: "reviewer who is not a collaborator", repo: "strict", run: func(repo string) error {
			_, _, err := gh.PullRequests.RequestReviewers(ctx, "acme", repo, 1, github.ReviewersRequest{Reviewers: []string{"bob"}})
			return err
		}, wantStatus: 422, wantMsg: "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the acme/strict repository."},
		{name: "review from the author", repo: "strict", run: func(repo string) error {
			_, _, err := gh.PullRequests.RequestReviewers(ctx, "acme", repo, 1, github.ReviewersRequest{Reviewers: []string{"github-actions[bot]"}})
			return err
		}, wantStatus: 422, wantMsg: "Review cannot be requested from pull request author."},
		{name: "labels", repo: "config", run: func(repo string) error {
			_, _, err := gh.Issues.AddLabelsToIssue(ctx, "acme", repo, 1, []string{"gitops", "automerge"})
			return err
		}},
		{name: "labels on a missing pull request", repo: "config", run: func(repo string) error {
			_, _, err := gh.Issues.AddLabelsToIssue(ctx, "acme", repo, 9, []string{"gitops"})
			return err
		}, wantStatus: 404, wantMsg: "Not Found"},
		{name: "assignees", repo: "config", run: func(repo string) error {
			_, _, err := gh.Issues.AddAssignees(ctx, "acme", repo, 1, []string{"ann"})
			return err
		}},
		{name: "assignees who cannot be assigned are dropped", repo: "strict", run: func(repo string) error {
			_, _, err := gh.Issues.AddAssignees(ctx, "acme", repo, 1, []string{"ann", "bob"})
			return err
		}},
		{name: "comment", repo: "config", run: func(repo string) error {
			_, _, err := gh.Issues.CreateComment(ctx, "acme", repo, 1, &github.IssueComment{Body: github.String("Bumped.")})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, msg, _ := apiError(t, tc.run(tc.repo))
			if status != tc.wantStatus || msg != tc.wantMsg {
				t.Errorf("got %d %q, want %d %q", status, msg, tc.wantStatus, tc.wantMsg)
			}
		})
	}
	got := srv.PullRequests("acme/config")[0]
	if strings.Join(got.Reviewers, ",") != "ann,bob" || strings.Join(got.TeamReviewers, ",") != "platform" ||
		strings.Join(got.Labels, ",") != "gitops,automerge" || strings.Join(got.Assignees, ",") != "ann" ||
		strings.Join(got.Comments, ",") != "Bumped." {
		t.Errorf("acme/config #1: got %+v", got)
	}
	if got := srv.PullRequests("acme/strict")[0]; strings.Join(got.Assignees, ",") != "ann" {
		t.Errorf("acme/strict #1 assignees: got %v, want [ann]", got.Assignees)
	}
	pr, _, err := gh.PullRequests.Get(ctx, "acme", "config", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(pr.Labels) != 2 || len(pr.RequestedReviewers) != 2 || len(pr.RequestedTeams) != 1 || len(pr.Assignees) != 1 {
		t.Errorf("pull request: got %d labels, %d reviewers, %d teams, %d assignees; want 2, 2, 1, 1", len(pr.Labels), len(pr.RequestedReviewers), len(pr.RequestedTeams), len(pr.Assignees))
	}
	// A labelled pull request still answers the list and review-request
	// endpoints, whose pull-request-simple schema wants label descriptions
	// to be strings.
	if _, _, err := gh.PullRequests.List(ctx, "acme", "config", &github.PullRequestListOptions{State: "open"}); err != nil {
		t.Errorf("listing labelled pull requests: %v", err)
	}
	if _, _, err := gh.PullRequests.RequestReviewers(ctx, "acme", "config", 1, github.ReviewersRequest{Reviewers: []string{"carol"}}); err != nil {
		t.Errorf("requesting a review on a labelled pull request: %v", err)
	}
	// Every body shape GitHub documents for labels is accepted.
	for _, body := range []string{`{"labels":["a"]}`, `[{"name":"b"}]`, `{"labels":[{"name":"c"}]}`} {
		if status, resp := do(t, srv, "POST", "/api/v3/repos/acme/config/issues/1/labels", body); status != 200 {
			t.Errorf("labels %s: got %d %s", body, status, resp)
		}
	}
}

func TestGraphQLAutoMerge(t *testing.T) {
	srv := newTestServer(t, Options{})
	srv.CreateRepo("acme/manual", RepoOptions{Files: map[string]string{"a": "a\n"}})
	srv.CreateRepo("acme/unprotected", RepoOptions{Files: map[string]string{"a": "a\n"}, AllowAutoMerge: true, CleanStatus: true})
	gh := newClient(t, srv, testToken)
	ids := map[string]string{}
	for _, repo := range []string{"config", "manual", "unprotected"} {
		srv.PushCommit("acme/"+repo, "bump", map[string]string{"b": "b\n"}, "b", Identity{})
		pr, _, err := gh.PullRequests.Create(ctx, "acme", repo, &github.NewPullRequest{Title: github.String("t"), Head: github.String("bump"), Base: github.String("main")})
		if err != nil {
			t.Fatal(err)
		}
		ids[repo] = pr.GetNodeID()
	}
	const mutation = `mutation($input: EnablePullRequestAutoMergeInput!) { enablePullRequestAutoMerge(input: $input) { pullRequest { id autoMergeRequest { enabledAt } } } }`
	tests := []struct {
		name          string
		query         string
		variables     map[string]any
		wantErrType   string
		wantErrMsg    string
		wantAutoMerge string
	}{
		{name: "squash", query: mutation, variables: map[string]any{"input": map[string]any{"pullRequestId": ids["config"], "mergeMethod": "SQUASH"}}, wantAutoMerge: "SQUASH"},
		{name: "inline input", query: `mutation { enablePullRequestAutoMerge(input: {pullRequestId: "` + ids["config"] + `", mergeMethod: REBASE}) { clientMutationId } }`, wantAutoMerge: "REBASE"},
		{name: "not allowed", query: mutation, variables: map[string]any{"input": map[string]any{"pullRequestId": ids["manual"], "mergeMethod": "MERGE"}}, wantErrType: "UNPROCESSABLE", wantErrMsg: "Pull request Auto merge is not allowed for this repository"},
		{name: "clean status", query: mutation, variables: map[string]any{"input": map[string]any{"pullRequestId": ids["unprotected"], "mergeMethod": "MERGE"}}, wantErrType: "UNPROCESSABLE", wantErrMsg: "Pull request is in clean status"},
		{name: "unknown node", query: mutation, variables: map[string]any{"input": map[string]any{"pullRequestId": "PR_nope", "mergeMethod": "MERGE"}}, wantErrType: "NOT_FOUND", wantErrMsg: "Could not resolve to a node with the global id of 'PR_nope'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"query": tc.query, "variables": tc.variables})
			req, _ := http.NewRequest("POST", srv.GraphQLURL, bytes.NewReader(body))
			req.Header.Set("Authorization", "bearer "+testToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status: got %d, want 200", resp.StatusCode)
			}
			var out struct {
				Errors []struct {
					Type    string `json:"type"`
					Message string `json:"message"`
				} `json:"errors"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			var gotType, gotMsg string
			if len(out.Errors) > 0 {
				gotType, gotMsg = out.Errors[0].Type, out.Errors[0].Message
			}
			if gotType != tc.wantErrType || gotMsg != tc.wantErrMsg {
				t.Errorf("error: got %s %q, want %s %q", gotType, gotMsg, tc.wantErrType, tc.wantErrMsg)
			}
			if tc.wantAutoMerge != "" {
				if got := srv.PullRequests("acme/config")[0].AutoMerge; got != tc.wantAutoMerge {
					t.Errorf("auto-merge: got %q, want %q", got, tc.wantAutoMerge)
				}
			}
		})
	}
	pr, _, err := gh.PullRequests.Get(ctx, "acme", "config", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pr.GetAutoMerge().GetMergeMethod(), "rebase"; got != want {
		t.Errorf("auto_merge.merge_method: got %q, want %q", got, want)
	}
}

func TestMergePR(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	srv.PushCommit("acme/config", "bump", map[string]string{"environments/staging/app.yaml": "image: ghcr.io/acme/app:1.1.0\n"}, "bump", Identity{})
	if _, _, err := gh.PullRequests.Create(ctx, "acme", "config", &github.NewPullRequest{Title: github.String("t"), Head: github.String("bump"), Base: github.String("main")}); err != nil {
		t.Fatal(err)
	}
	// main moves on meanwhile: the merge is a real three-way merge.
	srv.PushCommit("acme/config", "main", map[string]string{"environments/production/app.yaml": "image: ghcr.io/acme/app:1.0.0\n"}, "promote", Identity{})
	sha := srv.MergePR("acme/config", 1)
	if got := srv.Ref("acme/config", "main"); got != sha {
		t.Errorf("main: got %s, want the merge commit %s", got, sha)
	}
	for path, want := range map[string]string{
		"environments/staging/app.yaml":    "image: ghcr.io/acme/app:1.1.0\n",
		"environments/production/app.yaml": "image: ghcr.io/acme/app:1.0.0\n",
	} {
		if got, err := srv.File("acme/config", "main", path); err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", path, got, err, want)
		}
	}
	pr, _, err := gh.PullRequests.Get(ctx, "acme", "config", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !pr.GetMerged() || pr.GetState() != "closed" || pr.GetMergeCommitSHA() != sha {
		t.Errorf("pull request: got merged %v state %s merge commit %s; want true closed %s", pr.GetMerged(), pr.GetState(), pr.GetMergeCommitSHA(), sha)
	}
	if got := runGit(t, srv.GitDir("acme/config"), "fsck", "--strict"); strings.Contains(got, "error") {
		t.Errorf("git fsck: %s", got)
	}
}
