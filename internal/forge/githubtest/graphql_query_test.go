package githubtest

import (
	"bytes"
	"encoding/json"
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
