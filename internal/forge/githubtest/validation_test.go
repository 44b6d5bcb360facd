package githubtest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// recordingTB records the errors the server reports instead of failing the
// test, to test that the server reports them.
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recordingTB) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

// do sends a raw request with the test token and returns status and body.
func do(t *testing.T, srv *Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+testToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestValidationCatchesWrongRequestBody(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		wantStatus int
		wantErr    string
	}{
		{name: "sha is a number", method: "POST", path: "/api/v3/repos/acme/config/git/refs", body: `{"ref":"refs/heads/x","sha":42}`, wantStatus: 400, wantErr: "request does not match"},
		{name: "ref missing", method: "POST", path: "/api/v3/repos/acme/config/git/refs", body: `{"sha":"0123456789012345678901234567890123456789"}`, wantStatus: 400, wantErr: "request does not match"},
		{name: "tree entry with a bad mode", method: "POST", path: "/api/v3/repos/acme/config/git/trees", body: `{"tree":[{"path":"a","mode":"644","type":"blob","content":"x"}]}`, wantStatus: 400, wantErr: "request does not match"},
		{name: "pull state not an enum value", method: "PATCH", path: "/api/v3/repos/acme/config/pulls/1", body: `{"state":"merged"}`, wantStatus: 400, wantErr: "request does not match"},
		{name: "route the fake does not serve", method: "GET", path: "/api/v3/repos/acme/config/contents/README.md", wantStatus: 404, wantErr: "serves no such route"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			srv := NewServer(rec, Options{Token: testToken})
			srv.CreateRepo("acme/config", RepoOptions{Files: map[string]string{"a": "a\n"}})
			status, body := do(t, srv, tc.method, tc.path, tc.body)
			if got, want := status, tc.wantStatus; got != want {
				t.Errorf("status: got %d, want %d (body %s)", got, want, body)
			}
			errs := rec.errors()
			if len(errs) != 1 || !strings.Contains(errs[0], tc.wantErr) {
				t.Errorf("reported errors: got %q, want one containing %q", errs, tc.wantErr)
			}
		})
	}
}

func TestValidationCatchesWrongResponse(t *testing.T) {
	sp, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	rt, params := match("GET", "/repos/acme/config/git/ref/heads/main")
	if rt == nil {
		t.Fatal("no route for get ref")
	}
	sha := strings.Repeat("a", 40)
	good := `{"ref":"refs/heads/main","node_id":"REF_1","url":"http://x/ref","object":{"type":"commit","sha":"` + sha + `","url":"http://x/c"}}`
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr bool
	}{
		{name: "valid", status: 200, body: good},
		{name: "ref is a number", status: 200, body: strings.Replace(good, `"refs/heads/main"`, `5`, 1), wantErr: true},
		{name: "object missing", status: 200, body: `{"ref":"refs/heads/main","node_id":"REF_1","url":"http://x/ref"}`, wantErr: true},
		{name: "not JSON", status: 200, body: `<html>`, wantErr: true},
		{name: "GitHub's 404 shape", status: 404, body: `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", "http://x/repos/acme/config/git/ref/heads/main", nil)
			resp := response{status: tc.status, header: jsonHeader(), body: []byte(tc.body)}
			err := sp.validateResponse(req, rt, params, resp)
			if got, want := err != nil, tc.wantErr; got != want {
				t.Errorf("error: got %v, want an error: %v", err, want)
			}
		})
	}
}
