package githubtest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"
)

var (
	inlinePullRequestID = regexp.MustCompile(`pullRequestId\s*:\s*"([^"]*)"`)
	inlineMergeMethod   = regexp.MustCompile(`mergeMethod\s*:\s*([A-Z]+)`)
)

// graphql serves the one mutation the fake knows, enablePullRequestAutoMerge,
// with the input given as the variable "input", as separate variables
// pullRequestId and mergeMethod, or inline. Like GitHub it answers errors
// with HTTP 200 and an "errors" list.
func (s *Server) graphql(c *call) response {
	var in struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil {
		return errorResponse(http.StatusBadRequest, "Problems parsing JSON")
	}
	if !strings.Contains(in.Query, "enablePullRequestAutoMerge") {
		return gqlError("", "githubtest: only the enablePullRequestAutoMerge mutation is supported", "")
	}
	vars := in.Variables
	if input, ok := vars["input"].(map[string]any); ok {
		vars = input
	}
	id, _ := vars["pullRequestId"].(string)
	method, _ := vars["mergeMethod"].(string)
	if m := inlinePullRequestID.FindStringSubmatch(in.Query); id == "" && m != nil {
		id = m[1]
	}
	if m := inlineMergeMethod.FindStringSubmatch(in.Query); method == "" && m != nil {
		method = m[1]
	}
	if method == "" {
		method = "MERGE"
	}
	p, ok := s.nodes[id]
	if !ok {
		return gqlError("NOT_FOUND", "Could not resolve to a node with the global id of '"+id+"'", "enablePullRequestAutoMerge")
	}
	var rp *repo
	for _, r := range s.repos {
		if r.pulls[p.number] == p {
			rp = r
		}
	}
	switch {
	case method != "MERGE" && method != "SQUASH" && method != "REBASE":
		return gqlError("", "Argument 'mergeMethod' on InputObject 'EnablePullRequestAutoMergeInput' has an invalid value ("+method+"). Expected type 'PullRequestMergeMethod'.", "")
	case !rp.opts.AllowAutoMerge:
		return gqlError("UNPROCESSABLE", "Pull request Auto merge is not allowed for this repository", "enablePullRequestAutoMerge")
	case p.state != "open":
		return gqlError("UNPROCESSABLE", "Pull request is closed", "enablePullRequestAutoMerge")
	case rp.opts.CleanStatus:
		return gqlError("UNPROCESSABLE", "Pull request is in clean status", "enablePullRequestAutoMerge")
	case !rp.allowsMethod(map[string]string{"MERGE": "merge", "SQUASH": "squash", "REBASE": "rebase"}[method]):
		return gqlError("UNPROCESSABLE", "Merge method "+strings.ToLower(method)+" merging is not allowed on this repository", "enablePullRequestAutoMerge")
	}
	p.autoMerge = method
	p.autoMergeBy = c.actor.Login
	p.autoMergeAt = s.now()
	return jsonResponse(http.StatusOK, map[string]any{
		"data": map[string]any{
			"enablePullRequestAutoMerge": map[string]any{
				"clientMutationId": vars["clientMutationId"],
				"pullRequest": map[string]any{
					"id":     p.nodeID,
					"number": p.number,
					"autoMergeRequest": map[string]any{
						"enabledAt":   p.autoMergeAt.Format(time.RFC3339),
						"mergeMethod": method,
						"enabledBy":   map[string]any{"login": p.autoMergeBy},
					},
				},
			},
		},
	})
}

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
