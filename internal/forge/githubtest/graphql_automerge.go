package githubtest

import (
	"net/http"
	"regexp"
	"strings"
	"time"
)

var (
	inlinePullRequestID = regexp.MustCompile(`pullRequestId\s*:\s*"([^"]*)"`)
	inlineMergeMethod   = regexp.MustCompile(`mergeMethod\s*:\s*([A-Z]+)`)
)

// gqlEnableAutoMerge serves the mutation enablePullRequestAutoMerge, with
// the input given as the variable "input", as separate variables
// pullRequestId and mergeMethod, or inline.
func (s *Server) gqlEnableAutoMerge(c *call, q *gqlRequest) response {
	vars := q.input()
	id, _ := vars["pullRequestId"].(string)
	method, _ := vars["mergeMethod"].(string)
	if m := inlinePullRequestID.FindStringSubmatch(q.Query); id == "" && m != nil {
		id = m[1]
	}
	if m := inlineMergeMethod.FindStringSubmatch(q.Query); method == "" && m != nil {
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
