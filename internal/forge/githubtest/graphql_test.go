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
