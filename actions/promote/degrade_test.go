package promote_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/actions/promote"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// graphQLRewriter passes requests to the fake and lets a test rewrite
// GraphQL answers as GitHub would give them in situations the fake does not
// model.
type graphQLRewriter struct {
	rewrite func(query string, resp *http.Response, body map[string]any) (*http.Response, map[string]any)
}

func (g graphQLRewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.URL.Path, "/graphql") {
		return http.DefaultTransport.RoundTrip(req)
	}
	in, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(in))
	var q struct {
		Query string `json:"query"`
	}
	json.Unmarshal(in, &q)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var body map[string]any
	json.Unmarshal(raw, &body)
	resp, body = g.rewrite(q.Query, resp, body)
	out, _ := json.Marshal(body)
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// TestReviewsOutOfReach: with the permissions (contents: write
// only) GitHub refuses the pull request's reviews to GITHUB_TOKEN; the
// merge is tagged anyway, with a warning that says what to grant. On a
// push the reviews come with the pull request the run looks up: the pull
// request is named, its approvers not.
func TestReviewsOutOfReach(t *testing.T) {
	for _, event := range []string{"pull_request", "push"} {
		t.Run(event, func(t *testing.T) {
			f := newFixture(t, githubtest.Options{})
			m := f.merge(bumpApp())
			forbidden := graphQLRewriter{rewrite: func(_ string, resp *http.Response, body map[string]any) (*http.Response, map[string]any) {
				repo, _ := body["data"].(map[string]any)["repository"].(map[string]any)
				if _, ok := repo["pullRequest"]; ok {
					repo["pullRequest"] = nil
					body["errors"] = []any{map[string]any{"type": "FORBIDDEN", "path": []any{"repository", "pullRequest"}, "message": "Resource not accessible by integration"}}
				}
				if c0, ok := repo["c0"].(map[string]any); ok {
					pulls := c0["associatedPullRequests"].(map[string]any)["nodes"].([]any)
					var errs []any
					for i, p := range pulls {
						p.(map[string]any)["latestOpinionatedReviews"] = nil
						errs = append(errs, map[string]any{"type": "FORBIDDEN", "path": []any{"repository", "c0", "associatedPullRequests", "nodes", i, "latestOpinionatedReviews"}, "message": "Resource not accessible by integration"})
					}
					body["errors"] = errs
				}
				return resp, body
			}}
			r := f.runDeps(event, f.eventOf(event, m), nil, promote.Deps{Retry: fastRetry, Transport: forbidden})
			r.WantCode(t, 0)
			r.WantOutputs(t, map[string]string{"tag": "v20260501120000", "created": "true", "pull-request-number": "1"})
			if !strings.Contains(r.Stdout, "::warning::the reviews of pull request #1 could not be read") || !strings.Contains(r.Stdout, "pull-requests: read") {
				t.Errorf("no warning:\n%s", r.Stdout)
			}
			msg := f.tag("v20260501120000").Message
			if !strings.Contains(msg, "Pull-Request: #1 Bump app to v2.1.0") || !strings.Contains(msg, "Approved-By: none") || !strings.Contains(msg, "ghcr.io/acme/app v2.0.0 -> v2.1.0") {
				t.Errorf("message:\n%s", msg)
			}
		})
	}
}

// TestFilesOutOfReach: a lookup that fails for good because of the files
// (an answer too large) is made again without them; the merge is tagged,
// without image changes, and the notes say so. On a push the lookup made
// again still finds the pull request and its approvers.
func TestFilesOutOfReach(t *testing.T) {
	for _, event := range []string{"pull_request", "push"} {
		t.Run(event, func(t *testing.T) {
			f := newFixture(t, githubtest.Options{})
			m := f.merge(bumpApp())
			broken := graphQLRewriter{rewrite: func(query string, resp *http.Response, body map[string]any) (*http.Response, map[string]any) {
				if strings.Contains(query, "object(expression") {
					resp.StatusCode, resp.Status = http.StatusBadGateway, "502 Bad Gateway"
				}
				return resp, body
			}}
			r := f.runDeps(event, f.eventOf(event, m), nil, promote.Deps{Retry: fastRetry, Transport: broken})
			r.WantCode(t, 0)
			r.WantOutputs(t, map[string]string{"tag": "v20260501120000", "created": "true", "pull-request-number": "1"})
			if !strings.Contains(r.Stdout, "could not be read, so the image changes are not shown") {
				t.Errorf("no warning:\n%s", r.Stdout)
			}
			body := f.releasesOf("v20260501120000")[0].Body
			if !strings.Contains(body, "Approved by:** @bob, @carol") || !strings.Contains(body, "image changes are not shown") {
				t.Errorf("notes:\n%s", body)
			}
		})
	}
}
