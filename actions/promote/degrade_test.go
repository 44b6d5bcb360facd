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
// merge is tagged anyway, with a warning that says what to grant.
func TestReviewsOutOfReach(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	m := f.merge(bumpApp())
	forbidden := graphQLRewriter{rewrite: func(_ string, resp *http.Response, body map[string]any) (*http.Response, map[string]any) {
		if repo, ok := body["data"].(map[string]any)["repository"].(map[string]any); ok {
			repo["pullRequest"] = nil
		}
		body["errors"] = []any{map[string]any{"type": "FORBIDDEN", "path": []any{"repository", "pullRequest"}, "message": "Resource not accessible by integration"}}
		return resp, body
	}}
	r := f.runDeps("pull_request", f.prEvent("pull_request.closed.json", m), nil, promote.Deps{Retry: fastRetry, Transport: forbidden})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"tag": "v20260501120000", "created": "true"})
	if !strings.Contains(r.Stdout, "::warning::the reviews of pull request #1 could not be read") || !strings.Contains(r.Stdout, "pull-requests: read") {
		t.Errorf("no warning:\n%s", r.Stdout)
	}
	msg := f.tag("v20260501120000").Message
	if !strings.Contains(msg, "Approved-By: none") || !strings.Contains(msg, "ghcr.io/acme/app v2.0.0 -> v2.1.0") {
		t.Errorf("message:\n%s", msg)
	}
}

// TestFilesOutOfReach: a lookup that fails for good because of the files
// (an answer too large) is made again without them; the merge is tagged,
// without image changes, and the notes say so.
func TestFilesOutOfReach(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	m := f.merge(bumpApp())
	broken := graphQLRewriter{rewrite: func(query string, resp *http.Response, body map[string]any) (*http.Response, map[string]any) {
		if strings.Contains(query, "object(expression") {
			resp.StatusCode, resp.Status = http.StatusBadGateway, "502 Bad Gateway"
		}
		return resp, body
	}}
	r := f.runDeps("pull_request", f.prEvent("pull_request.closed.json", m), nil, promote.Deps{Retry: fastRetry, Transport: broken})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"tag": "v20260501120000", "created": "true"})
	if !strings.Contains(r.Stdout, "could not be read, so the image changes are not shown") {
		t.Errorf("no warning:\n%s", r.Stdout)
	}
	body := f.releasesOf("v20260501120000")[0].Body
	if !strings.Contains(body, "Approved by:** @bob, @carol") || !strings.Contains(body, "image changes are not shown") {
		t.Errorf("notes:\n%s", body)
	}
}
