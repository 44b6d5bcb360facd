package githubtest

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestGQLOperation(t *testing.T) {
	tests := []struct {
		name, doc       string
		wantOp, wantFld string
		wantOK          bool
	}{
		{name: "shorthand query", doc: `{ repository(owner: "a", name: "b") { id } }`, wantOp: "query", wantFld: "repository", wantOK: true},
		{name: "named query with variables", doc: "query Reviews($owner: String!, $n: Int = 10) {\n  repository(owner: $owner) { id }\n}", wantOp: "query", wantFld: "repository", wantOK: true},
		{name: "mutation with input variable", doc: `mutation($input: UpdateRefsInput!) { updateRefs(input: $input) { clientMutationId } }`, wantOp: "mutation", wantFld: "updateRefs", wantOK: true},
		{name: "inline input", doc: `mutation { enablePullRequestAutoMerge(input: {pullRequestId: "x"}) { clientMutationId } }`, wantOp: "mutation", wantFld: "enablePullRequestAutoMerge", wantOK: true},
		{name: "alias", doc: `mutation { done: updateRefs(input: {}) { clientMutationId } }`, wantOp: "mutation", wantFld: "updateRefs", wantOK: true},
		{name: "comments", doc: "# a comment { brace\nmutation M { # another\n  updateRefs(input: $i) { clientMutationId }\n}", wantOp: "mutation", wantFld: "updateRefs", wantOK: true},
		{name: "not graphql", doc: `hello world`},
		{name: "empty", doc: ``},
		{name: "no selection", doc: `mutation M($x: Int)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			op, field, ok := gqlOperation(tc.doc)
			if op != tc.wantOp && tc.wantOK || field != tc.wantFld || ok != tc.wantOK {
				t.Errorf("gqlOperation(%q) = %q, %q, %t; want %q, %q, %t", tc.doc, op, field, ok, tc.wantOp, tc.wantFld, tc.wantOK)
			}
		})
	}
}

func TestGraphQLUnknownField(t *testing.T) {
	srv := newTestServer(t, Options{})
	body, _ := json.Marshal(map[string]any{"query": `mutation { deleteRepository(input: {}) { clientMutationId } }`})
	status, resp := do(t, srv, "POST", "/api/graphql", string(body))
	if status != 200 {
		t.Fatalf("status %d, want 200 (GraphQL errors come with 200)", status)
	}
	var out struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(resp), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) != 1 || out.Errors[0].Extensions["code"] != "undefinedField" || !strings.Contains(out.Errors[0].Message, "Field 'deleteRepository' doesn't exist on type 'Mutation'") {
		t.Errorf("errors: got %+v", out.Errors)
	}
}

// updateRefs sends the mutation updateRefs with refUpdates and returns the
// first error's message, or "".
func updateRefs(t *testing.T, srv *Server, repositoryID string, refUpdates ...map[string]any) string {
	t.Helper()
	list := make([]any, len(refUpdates))
	for i, u := range refUpdates {
		list[i] = u
	}
	body, _ := json.Marshal(map[string]any{
		"query":     `mutation($input: UpdateRefsInput!) { updateRefs(input: $input) { clientMutationId } }`,
		"variables": map[string]any{"input": map[string]any{"repositoryId": repositoryID, "refUpdates": list, "clientMutationId": "t"}},
	})
	status, resp := do(t, srv, "POST", "/api/graphql", string(body))
	if status != 200 {
		t.Fatalf("status %d, want 200: %s", status, resp)
	}
	var out struct {
		Data   map[string]any `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(resp), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) > 0 {
		return out.Errors[0].Message
	}
	if got, _ := out.Data["updateRefs"].(map[string]any); got == nil || got["clientMutationId"] != "t" {
		t.Errorf("data: got %v, want updateRefs.clientMutationId", out.Data)
	}
	return ""
}

func TestGraphQLUpdateRefs(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	repo, _, err := gh.Repositories.Get(ctx, "acme", "config")
	if err != nil {
		t.Fatal(err)
	}
	id := repo.GetNodeID()
	if id == "" {
		t.Fatal("GET /repos answered no node_id")
	}
	base := srv.Ref("acme/config", "main")
	a := srv.PushCommit("acme/config", "a", map[string]string{"a": "1\n"}, "a", Identity{})
	b := srv.PushCommit("acme/config", "b", map[string]string{"b": "1\n"}, "b", Identity{})
	ahead := srv.PushCommit("acme/config", "ahead", map[string]string{"c": "1\n"}, "c", Identity{})
	srv.PushCommit("acme/config", "ahead", map[string]string{"c": "2\n"}, "c2", Identity{})
	ahead2 := srv.Ref("acme/config", "ahead")
	type want struct {
		msg  string            // "" for success, else a part of the error
		refs map[string]string // branch → SHA afterwards ("" for absent)
	}
	tests := []struct {
		name    string
		id      string
		updates []map[string]any
		want    want
	}{
		{
			name:    "compare-and-swap, forced",
			updates: []map[string]any{{"name": "refs/heads/a", "beforeOid": a, "afterOid": b, "force": true}},
			want:    want{refs: map[string]string{"a": b}},
		},
		{
			name:    "before does not match",
			updates: []map[string]any{{"name": "refs/heads/a", "beforeOid": a, "afterOid": base, "force": true}},
			want:    want{msg: "is at " + b + " but expected " + a, refs: map[string]string{"a": b}},
		},
		{
			name:    "not a fast-forward without force",
			updates: []map[string]any{{"name": "refs/heads/a", "beforeOid": b, "afterOid": base}},
			want:    want{msg: "is not a fast forward", refs: map[string]string{"a": b}},
		},
		{
			name:    "fast-forward without before",
			updates: []map[string]any{{"name": "refs/heads/ahead", "afterOid": ahead2}},
			want:    want{refs: map[string]string{"ahead": ahead2}},
		},
		{
			name:    "create: before zero",
			updates: []map[string]any{{"name": "refs/heads/new", "beforeOid": zeroOID, "afterOid": ahead}},
			want:    want{refs: map[string]string{"new": ahead}},
		},
		{
			name:    "before zero on an existing ref",
			updates: []map[string]any{{"name": "refs/heads/new", "beforeOid": zeroOID, "afterOid": base, "force": true}},
			want:    want{msg: "reference already exists", refs: map[string]string{"new": ahead}},
		},
		{
			name: "atomic: one rejected, none applied",
			updates: []map[string]any{
				{"name": "refs/heads/b", "beforeOid": b, "afterOid": base, "force": true},
				{"name": "refs/heads/a", "beforeOid": a, "afterOid": base, "force": true},
			},
			want: want{msg: "but expected " + a, refs: map[string]string{"a": b, "b": b}},
		},
		{
			name:    "delete: after zero",
			updates: []map[string]any{{"name": "refs/heads/new", "beforeOid": ahead, "afterOid": zeroOID}},
			want:    want{refs: map[string]string{"new": ""}},
		},
		{
			name:    "missing object",
			updates: []map[string]any{{"name": "refs/heads/a", "afterOid": strings.Repeat("1", 40), "force": true}},
			want:    want{msg: "Could not resolve object", refs: map[string]string{"a": b}},
		},
		{
			name:    "unknown repository",
			id:      "R_nope",
			updates: []map[string]any{{"name": "refs/heads/a", "afterOid": base, "force": true}},
			want:    want{msg: "Could not resolve to a node with the global id of 'R_nope'", refs: map[string]string{"a": b}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rid := id
			if tc.id != "" {
				rid = tc.id
			}
			got := updateRefs(t, srv, rid, tc.updates...)
			if tc.want.msg == "" && got != "" || tc.want.msg != "" && !strings.Contains(got, tc.want.msg) {
				t.Errorf("error: got %q, want %q", got, tc.want.msg)
			}
			for branch, sha := range tc.want.refs {
				if got := srv.Ref("acme/config", branch); got != sha {
					t.Errorf("%s: got %q, want %q", branch, got, sha)
				}
			}
		})
	}
}
