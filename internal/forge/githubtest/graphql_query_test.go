package githubtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// gql posts a GraphQL request and decodes the answer.
func gql(t *testing.T, srv *Server, query string, vars map[string]any) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", srv.GraphQLURL, bytes.NewReader(body))
	req.Header.Set("Authorization", "bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// dig follows keys and indexes into decoded JSON.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestGraphQLQueries(t *testing.T) {
	clock := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	srv := newTestServer(t, Options{Now: func() time.Time { return clock }})
	first := srv.Ref("acme/config", "main")
	srv.CreateTagAt("acme/config", "v1", first)
	clock = clock.Add(time.Minute)
	srv.PushCommit("acme/config", "bump", map[string]string{"environments/staging/app.yaml": "image: ghcr.io/acme/app:1.1.0\n", "bin.dat": "\x00\x01"}, "bump", Identity{})
	n := srv.OpenPR("acme/config", NewPR{Head: "bump", Title: "Bump", Author: "ann"})
	srv.Review("acme/config", n, "bob", "APPROVED")
	srv.Review("acme/config", n, "carol", "APPROVED")
	srv.Review("acme/config", n, "dave", "COMMENTED")
	srv.Review("acme/config", n, "carol", "CHANGES_REQUESTED")
	srv.Review("acme/config", n, "erin", "APPROVED")
	srv.Review("acme/config", n, "erin", "DISMISSED")
	merge := srv.MergePRWith("acme/config", n, Squash)
	srv.CreateTagAt("acme/config", "v2", merge)

	const query = `query($owner: String!, $name: String!, $number: Int!, $before: String!, $after: String!, $n: Int = 10) {
  repository(owner: $owner, name: $name) {
    __typename
    pullRequest(number: $number) {
      number
      author { login }
      latestOpinionatedReviews(first: 100) { nodes { state author { login } } }
      approved: reviews(first: 100, states: [APPROVED]) { totalCount }
    }
    old: object(expression: $before) { ...blob }
    new: object(expression: $after) { ...blob }
    bin: object(expression: "main:bin.dat") { ... on Blob { text isBinary } }
    gone: object(expression: "main:nope.yaml") { ... on Blob { text } }
    tags: refs(refPrefix: "refs/tags/", first: $n, orderBy: {field: TAG_COMMIT_DATE, direction: DESC}) {
      totalCount
      nodes { name target { __typename oid ... on Tag { target { oid } } } }
    }
  }
}
fragment blob on Blob { text isTruncated byteSize }`
	out := gql(t, srv, query, map[string]any{
		"owner": "acme", "name": "config", "number": n,
		"before": first + ":environments/staging/app.yaml", "after": merge + ":environments/staging/app.yaml",
	})
	if errs := out["errors"]; errs != nil {
		t.Fatalf("errors: %v", errs)
	}
	repo := dig(out, "data", "repository")
	for _, tc := range []struct {
		path []any
		want any
	}{
		{[]any{"__typename"}, "Repository"},
		{[]any{"pullRequest", "author", "login"}, "ann"},
		{[]any{"pullRequest", "latestOpinionatedReviews", "nodes"}, []any{
			map[string]any{"state": "APPROVED", "author": map[string]any{"login": "bob"}},
			map[string]any{"state": "CHANGES_REQUESTED", "author": map[string]any{"login": "carol"}},
			map[string]any{"state": "DISMISSED", "author": map[string]any{"login": "erin"}},
		}},
		{[]any{"pullRequest", "approved", "totalCount"}, 3.0},
		{[]any{"old", "text"}, "image: ghcr.io/acme/app:1.0.0\n"},
		{[]any{"new", "text"}, "image: ghcr.io/acme/app:1.1.0\n"},
		{[]any{"new", "byteSize"}, 30.0},
		{[]any{"new", "isTruncated"}, false},
		{[]any{"bin"}, map[string]any{"text": nil, "isBinary": true}},
		{[]any{"gone"}, nil},
		{[]any{"tags", "totalCount"}, 2.0},
		// Newest commit first, the lightweight tag's target a commit.
		{[]any{"tags", "nodes", 0, "name"}, "v2"},
		{[]any{"tags", "nodes", 0, "target"}, map[string]any{"__typename": "Commit", "oid": merge}},
		{[]any{"tags", "nodes", 1, "name"}, "v1"},
	} {
		if got := dig(repo, tc.path...); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: got %#v, want %#v", tc.path, got, tc.want)
		}
	}

	for _, tc := range []struct {
		name, query string
		wantMsg     string
		wantType    string
		wantData    bool
	}{
		{name: "unknown field", query: `{ repository(owner: "acme", name: "config") { stars } }`, wantMsg: "Field 'stars' doesn't exist on type 'Repository'"},
		{name: "no first", query: `{ repository(owner: "acme", name: "config") { refs(refPrefix: "refs/tags/") { totalCount } } }`, wantMsg: "You must provide a `first` or `last` value to properly paginate the `refs` connection."},
		{name: "too many", query: `{ repository(owner: "acme", name: "config") { refs(refPrefix: "refs/tags/", first: 101) { totalCount } } }`, wantMsg: "Requesting 101 records on the `refs` connection exceeds the `first` limit of 100 records."},
		{name: "no repository", query: `{ repository(owner: "acme", name: "nope") { name } }`, wantMsg: "Could not resolve to a Repository with the name 'acme/nope'.", wantType: "NOT_FOUND", wantData: true},
		{name: "no pull request", query: `{ repository(owner: "acme", name: "config") { pullRequest(number: 99) { title } } }`, wantMsg: "Could not resolve to a PullRequest with the number of 99.", wantType: "NOT_FOUND", wantData: true},
		{name: "parse error", query: `{ repository(owner: "acme" { name } }`, wantMsg: "Parse error"},
		{name: "missing variable", query: `query($owner: String!) { repository(owner: $owner, name: "config") { name } }`, wantMsg: "Variable $owner of type String! was provided invalid value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := gql(t, srv, tc.query, nil)
			msg, _ := dig(out, "errors", 0, "message").(string)
			typ, _ := dig(out, "errors", 0, "type").(string)
			if !strings.HasPrefix(msg, tc.wantMsg) || typ != tc.wantType {
				t.Errorf("error: got %s %q, want %s %q", typ, msg, tc.wantType, tc.wantMsg)
			}
			if _, hasData := out["data"]; hasData != tc.wantData {
				t.Errorf("data present: got %v, want %v", hasData, tc.wantData)
			}
		})
	}
}

// TestCommitAssociatedPullRequests: GraphQL's Commit.associatedPullRequests
// lists what GET /commits/{sha}/pulls lists, as GitHub documents both: a
// commit not on the default branch has its open (and merged) pull
// requests; once it is on the default branch, only the merged one that
// brought it. Each is a PullRequest with its labels and reviews.
func TestCommitAssociatedPullRequests(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	srv.PushCommit("acme/config", "release", map[string]string{"RELEASE": "1\n"}, "release branch", Identity{})
	c := srv.PushCommit("acme/config", "feature", map[string]string{"a.yaml": "a: 1\n"}, "a", Identity{})
	toMain := srv.OpenPR("acme/config", NewPR{Head: "feature", Title: "A", Author: "ann", Labels: []string{"release:minor"}})
	toRelease := srv.OpenPR("acme/config", NewPR{Head: "feature", Base: "release", Title: "A for the release", Author: "ann"})
	srv.Review("acme/config", toMain, "bob", "APPROVED")
	srv.Review("acme/config", toMain, "carol", "COMMENTED")

	const query = `query($owner: String!, $name: String!, $c: GitObjectID!) {
  repository(owner: $owner, name: $name) {
    c: object(oid: $c) { ... on Commit { associatedPullRequests(first: 5) { nodes { number state baseRefName labels(first: 10) { nodes { name } } latestOpinionatedReviews(first: 10, writersOnly: true) { nodes { state author { login } } } } } } }
    newest: object(oid: $c) { ... on Commit { associatedPullRequests(first: 1, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { number } } } }
  }
}`
	pulls := func() (graphQL, newest, rest []string) {
		t.Helper()
		out := gql(t, srv, query, map[string]any{"owner": "acme", "name": "config", "c": c})
		if out["errors"] != nil {
			t.Fatalf("errors: %v", out["errors"])
		}
		nodes, _ := dig(out, "data", "repository", "c", "associatedPullRequests", "nodes").([]any)
		for _, n := range nodes {
			graphQL = append(graphQL, fmt.Sprintf("#%v %v %v", dig(n, "number"), dig(n, "state"), dig(n, "baseRefName")))
		}
		for _, n := range dig(out, "data", "repository", "newest", "associatedPullRequests", "nodes").([]any) {
			newest = append(newest, fmt.Sprintf("#%v", dig(n, "number")))
		}
		prs, _, err := gh.PullRequests.ListPullRequestsWithCommit(ctx, "acme", "config", c, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range prs {
			state := strings.ToUpper(p.GetState())
			if !p.GetMergedAt().IsZero() {
				state = "MERGED"
			}
			rest = append(rest, fmt.Sprintf("#%d %s %s", p.GetNumber(), state, p.GetBase().GetRef()))
		}
		return graphQL, newest, rest
	}

	open := []string{fmt.Sprintf("#%d OPEN main", toMain), fmt.Sprintf("#%d OPEN release", toRelease)}
	g, newest, rest := pulls()
	if !reflect.DeepEqual(g, open) || !reflect.DeepEqual(rest, open) || !reflect.DeepEqual(newest, []string{fmt.Sprintf("#%d", toRelease)}) {
		t.Errorf("a commit on two open pull requests: GraphQL %v (newest %v), REST %v; want %v", g, newest, rest, open)
	}
	srv.MergePRWith("acme/config", toMain, MergeCommit)
	merged := []string{fmt.Sprintf("#%d MERGED main", toMain)}
	if g, _, rest := pulls(); !reflect.DeepEqual(g, merged) || !reflect.DeepEqual(rest, merged) {
		t.Errorf("the commit on main: GraphQL %v, REST %v; want only %v", g, rest, merged)
	}
	out := gql(t, srv, query, map[string]any{"owner": "acme", "name": "config", "c": c})
	p := dig(out, "data", "repository", "c", "associatedPullRequests", "nodes", 0)
	if got := dig(p, "labels", "nodes"); !reflect.DeepEqual(got, []any{map[string]any{"name": "release:minor"}}) {
		t.Errorf("labels: %v", got)
	}
	if got := dig(p, "latestOpinionatedReviews", "nodes"); !reflect.DeepEqual(got, []any{map[string]any{"state": "APPROVED", "author": map[string]any{"login": "bob"}}}) {
		t.Errorf("reviews: %v", got)
	}
}
