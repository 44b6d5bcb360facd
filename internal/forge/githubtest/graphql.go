package githubtest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// gqlRequest is one GraphQL request: its operation type ("query" or
// "mutation") and root field, found by gqlOperation, and its variables.
type gqlRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
	op            string
	field         string
}

// input returns the mutation's input: the variable "input" when it is an
// object, else the variables themselves (a client may declare each input
// field as its own variable).
func (q *gqlRequest) input() map[string]any {
	if in, ok := q.Variables["input"].(map[string]any); ok {
		return in
	}
	if q.Variables == nil {
		return map[string]any{}
	}
	return q.Variables
}

// gqlHandler serves one root field of a query or a mutation. It runs under
// the server's lock, like the REST handlers.
type gqlHandler func(s *Server, c *call, q *gqlRequest) response

// gqlFields are the root fields the fake serves, keyed by operation type
// and field name. Each handler lives in its own file (graphql_*.go); add a
// query or mutation by adding a line here.
var gqlFields = map[string]gqlHandler{
	"mutation createCommitOnBranch":       (*Server).gqlCreateCommitOnBranch,
	"mutation enablePullRequestAutoMerge": (*Server).gqlEnableAutoMerge,
	"mutation updateRefs":                 (*Server).gqlUpdateRefs,
	"query repository":                    (*Server).gqlRepository,
}

// graphql serves POST /graphql: it finds the operation's first root field
// and hands the request to that field's handler. Like GitHub it answers
// errors with HTTP 200 and an "errors" list, except a body that is not JSON.
func (s *Server) graphql(c *call) response {
	var q gqlRequest
	if err := json.Unmarshal(c.body, &q); err != nil {
		return errorResponse(http.StatusBadRequest, "Problems parsing JSON")
	}
	op, field, ok := gqlOperation(q.Query)
	if !ok {
		return gqlError("", "Parse error on "+strings.TrimSpace(truncateString(q.Query, 40)), "")
	}
	q.op, q.field = op, field
	h, ok := gqlFields[op+" "+field]
	if !ok {
		typ := map[string]string{"query": "Query", "mutation": "Mutation"}[op]
		if typ == "" {
			typ = op
		}
		return jsonResponse(http.StatusOK, map[string]any{"errors": []any{map[string]any{
			"path":       []any{op, field},
			"extensions": map[string]any{"code": "undefinedField", "typeName": typ, "fieldName": field},
			"locations":  []any{map[string]any{"line": 1, "column": 1}},
			"message":    "Field '" + field + "' doesn't exist on type '" + typ + "' (githubtest serves only some fields)",
		}}})
	}
	return h(s, c, &q)
}

// gqlOperation finds the operation type and the first root field of a
// GraphQL document holding one operation: "query" for the shorthand
// "{ ... }", the field's name rather than its alias.
func gqlOperation(doc string) (op, field string, ok bool) {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 && !strings.Contains(line[:i], `"`) {
			line = line[:i]
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	s := strings.TrimSpace(b.String())
	op = "query"
	if !strings.HasPrefix(s, "{") {
		name, rest := gqlName(s)
		if name != "query" && name != "mutation" && name != "subscription" {
			return "", "", false
		}
		op, s = name, rest
		// Skip the operation's name, variable definitions and directives:
		// the selection set is the first brace outside parentheses.
		depth := 0
		i := 0
		for ; i < len(s); i++ {
			switch s[i] {
			case '(':
				depth++
			case ')':
				depth--
			}
			if s[i] == '{' && depth == 0 {
				break
			}
		}
		if i == len(s) {
			return "", "", false
		}
		s = s[i:]
	}
	s = strings.TrimSpace(s[1:])
	field, s = gqlName(s)
	if field == "" {
		return "", "", false
	}
	if s = strings.TrimSpace(s); strings.HasPrefix(s, ":") {
		if field, _ = gqlName(strings.TrimSpace(s[1:])); field == "" {
			return "", "", false
		}
	}
	return op, field, true
}

// gqlName reads a GraphQL name at the start of s and returns it and the
// rest.
func gqlName(s string) (string, string) {
	i := 0
	for i < len(s) && (s[i] == '_' || 'a' <= s[i] && s[i] <= 'z' || 'A' <= s[i] && s[i] <= 'Z' || i > 0 && '0' <= s[i] && s[i] <= '9') {
		i++
	}
	return s[:i], s[i:]
}

func truncateString(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// gqlError is GitHub's answer to a GraphQL request that failed: HTTP 200,
// an "errors" list with the error's type, and the root field (path) as
// null in "data".
func gqlError(typ, message, path string) response {
	e := map[string]any{"message": message, "locations": []any{map[string]any{"line": 1, "column": 1}}}
	body := map[string]any{"errors": []any{e}}
	if typ != "" {
		e["type"] = typ
	}
	if path != "" {
		e["path"] = []any{path}
		body["data"] = map[string]any{path: nil}
	}
	return jsonResponse(http.StatusOK, body)
}
