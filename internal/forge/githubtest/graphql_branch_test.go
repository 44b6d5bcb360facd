package githubtest

import (
	"encoding/base64"
	"fmt"
	"testing"
)

var ann = Identity{Login: "ann", Name: "Ann", Email: "ann@example.com"}

// TestPullHeads follows refs/pull/N/head through a pull request's life:
// it follows the branch while the pull request is open and stays where it
// was once it is merged, when the branch moves on or is deleted.
func TestPullHeads(t *testing.T) {
	for _, deleteOnMerge := range []bool{false, true} {
		t.Run(fmt.Sprint("delete branch on merge: ", deleteOnMerge), func(t *testing.T) {
			srv := NewServer(t, Options{Token: testToken})
			srv.CreateRepo("acme/config", RepoOptions{DeleteBranchOnMerge: deleteOnMerge, Files: map[string]string{"a.yaml": "a: 1\n"}})
			first := srv.PushCommit("acme/config", "bump", map[string]string{"a.yaml": "a: 2\n"}, "Bump", Identity{})
			n := srv.OpenPR("acme/config", NewPR{Head: "bump", Title: "Bump"})
			if got := srv.Ref("acme/config", fmt.Sprintf("refs/pull/%d/head", n)); got != first {
				t.Errorf("refs/pull/%d/head at %q when opened, want %s", n, got, first)
			}
			second := srv.PushCommit("acme/config", "bump", map[string]string{"b.yaml": "b: 1\n"}, "Mine", ann)
			if got := srv.Ref("acme/config", fmt.Sprintf("refs/pull/%d/head", n)); got != second {
				t.Errorf("refs/pull/%d/head at %q after a push, want %s", n, got, second)
			}
			srv.MergePRWith("acme/config", n, Squash)
			branch := srv.Ref("acme/config", "bump")
			if deleteOnMerge != (branch == "") {
				t.Errorf("branch at %q after the merge; the repository deletes merged branches: %t", branch, deleteOnMerge)
			}
			if !deleteOnMerge {
				srv.PushCommit("acme/config", "bump", map[string]string{"c.yaml": "c: 1\n"}, "After the merge", ann)
			}
			if got := srv.Ref("acme/config", fmt.Sprintf("refs/pull/%d/head", n)); got != second {
				t.Errorf("refs/pull/%d/head at %q after the merge, want %s", n, got, second)
			}
		})
	}
}

func TestCreateCommitOnBranch(t *testing.T) {
	srv := newTestServer(t, Options{})
	main := srv.Ref("acme/config", "main")
	const mutation = `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`
	input := func(expected string) map[string]any {
		return map[string]any{"input": map[string]any{
			"branch":          map[string]any{"repositoryNameWithOwner": "acme/config", "branchName": "main"},
			"expectedHeadOid": expected,
			"message":         map[string]any{"headline": "Bump", "body": "Bumped-By: gitops-actions"},
			"fileChanges": map[string]any{
				"additions": []any{map[string]any{"path": "environments/staging/app.yaml", "contents": base64.StdEncoding.EncodeToString([]byte("image: ghcr.io/acme/app:2.0.0\n"))}},
				"deletions": []any{map[string]any{"path": "environments/production/app.yaml"}},
			},
		}}
	}
	out := gql(t, srv, mutation, input(main))
	oid, _ := dig(out, "data", "createCommitOnBranch", "commit", "oid").(string)
	if oid == "" || srv.Ref("acme/config", "main") != oid {
		t.Fatalf("answer %v; main at %s", out, srv.Ref("acme/config", "main"))
	}
	if got, _ := srv.File("acme/config", "main", "environments/staging/app.yaml"); got != "image: ghcr.io/acme/app:2.0.0\n" {
		t.Errorf("staging: %q", got)
	}
	if _, err := srv.File("acme/config", "main", "environments/production/app.yaml"); err == nil {
		t.Error("production was not deleted")
	}
	query := `query { repository(owner: "acme", name: "config") { object(expression: "main") { ... on Commit { message parents(first: 2) { totalCount nodes { oid } } signature { isValid } } } } }`
	got := gql(t, srv, query, nil)
	if dig(got, "data", "repository", "object", "message") != "Bump\n\nBumped-By: gitops-actions" ||
		dig(got, "data", "repository", "object", "parents", "nodes", 0, "oid") != main ||
		dig(got, "data", "repository", "object", "signature", "isValid") != true {
		t.Errorf("the commit: %v", got)
	}

	// The branch is not where the writer saw it: nothing changes.
	out = gql(t, srv, mutation, input(main))
	if dig(out, "errors", 0, "type") != "STALE_DATA" || dig(out, "data", "createCommitOnBranch") != nil {
		t.Errorf("a stale write answered %v", out)
	}
	if srv.Ref("acme/config", "main") != oid {
		t.Error("a stale write moved the branch")
	}
}

func TestCompareAndPullsOfARef(t *testing.T) {
	srv := newTestServer(t, Options{})
	srv.PushCommit("acme/config", "bump", map[string]string{"a.yaml": "a: 1\n"}, "One", Identity{})
	two := srv.PushCommit("acme/config", "bump", map[string]string{"a.yaml": "a: 2\n"}, "Two", ann)
	first := srv.OpenPR("acme/config", NewPR{Head: "bump", Title: "First"})
	srv.MergePRWith("acme/config", first, Squash)
	srv.PushCommit("acme/config", "bump", map[string]string{"a.yaml": "a: 3\n"}, "Three", Identity{})
	second := srv.OpenPR("acme/config", NewPR{Head: "bump", Title: "Second"})
	const query = `query {
  repository(owner: "acme", name: "config") {
    ref(qualifiedName: "refs/heads/main") { compare(headRef: "refs/heads/bump") { aheadBy behindBy status commits(first: 10) { totalCount nodes { message } } } }
    bump: ref(qualifiedName: "bump") { associatedPullRequests(first: 10, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { number state headRefOid baseRefName } } }
    open: ref(qualifiedName: "bump") { associatedPullRequests(first: 10, states: [OPEN]) { totalCount } }
    gone: ref(qualifiedName: "refs/heads/main") { compare(headRef: "nope") { aheadBy } }
  }
}`
	out := gql(t, srv, query, nil)
	cmp := dig(out, "data", "repository", "ref", "compare")
	if dig(cmp, "aheadBy") != 3.0 || dig(cmp, "behindBy") != 1.0 || dig(cmp, "status") != "DIVERGED" || dig(cmp, "commits", "nodes", 0, "message") != "One" || dig(cmp, "commits", "nodes", 2, "message") != "Three" {
		t.Errorf("compare: %v", cmp)
	}
	pulls := dig(out, "data", "repository", "bump", "associatedPullRequests", "nodes")
	if dig(pulls, 0, "number") != float64(second) || dig(pulls, 0, "state") != "OPEN" || dig(pulls, 1, "number") != float64(first) || dig(pulls, 1, "state") != "MERGED" || dig(pulls, 1, "headRefOid") != two {
		t.Errorf("pull requests: %v", pulls)
	}
	if dig(out, "data", "repository", "open", "associatedPullRequests", "totalCount") != 1.0 {
		t.Errorf("open pull requests: %v", dig(out, "data", "repository", "open"))
	}
	if dig(out, "data", "repository", "gone", "compare") != nil || dig(out, "errors", 0, "type") != "NOT_FOUND" {
		t.Errorf("compare with a missing ref: %v", out)
	}
}

// TestUnusedFragmentsAndVariables: like GitHub's validation, the fake
// refuses a query that defines a fragment or declares a variable it does
// not use.
func TestUnusedFragmentsAndVariables(t *testing.T) {
	srv := newTestServer(t, Options{})
	for _, tc := range []struct{ name, query, want string }{
		{name: "fragment", query: `query { repository(owner: "acme", name: "config") { id } } fragment F on Tree { oid }`, want: "Fragment F was defined, but not used"},
		{name: "variable", query: `query q($x: String!) { repository(owner: "acme", name: "config") { id } }`, want: "Variable $x is declared by q but not used"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := gql(t, srv, tc.query, map[string]any{"x": "y"})
			if got, _ := dig(out, "errors", 0, "message").(string); got != tc.want || dig(out, "data") != nil {
				t.Errorf("answer %v, want the error %q", out, tc.want)
			}
		})
	}
}
