package githubtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/hashicorp/go-retryablehttp"
)

// statuses sends n GETs of the main branch without retrying and returns
// how many answers had each status.
func statuses(t *testing.T, srv *Server, n int) map[int]int {
	t.Helper()
	got := map[int]int{}
	for i := 0; i < n; i++ {
		status, _ := do(t, srv, "GET", "/api/v3/repos/acme/config/git/ref/heads/main", "")
		got[status]++
	}
	return got
}

func TestFaultRates(t *testing.T) {
	const n = 1000
	tests := []struct {
		name   string
		faults Faults
		want   map[int]float64 // fraction of answers by status
	}{
		{name: "none", faults: Faults{Seed: 1}, want: map[int]float64{200: 1}},
		{name: "transient", faults: Faults{Transient: 0.3, Seed: 1}, want: map[int]float64{200: 0.7, 500: 0.1, 502: 0.1, 503: 0.1}},
		{name: "mixed", faults: Faults{Transient: 0.3, RateLimit: 0.05, SecondaryRateLimit: 0.05, Seed: 7}, want: map[int]float64{200: 0.6, 500: 0.1, 502: 0.1, 503: 0.1, 429: 0.05, 403: 0.05}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, Options{})
			srv.SetFaults(tc.faults)
			got := statuses(t, srv, n)
			for status, frac := range tc.want {
				if diff := float64(got[status])/n - frac; diff > 0.04 || diff < -0.04 {
					t.Errorf("status %d: got %d of %d, want about %.0f", status, got[status], n, frac*n)
				}
			}
			// The same seed gives the same answers.
			srv.SetFaults(tc.faults)
			again := statuses(t, srv, n)
			for status := range got {
				if got[status] != again[status] {
					t.Errorf("status %d with the same seed: got %d then %d", status, got[status], again[status])
				}
			}
			if got, want := srv.Calls(RouteGetRef), 2*n; got != want {
				t.Errorf("calls: got %d, want %d", got, want)
			}
		})
	}
}

func TestRateLimitAnswers(t *testing.T) {
	tests := []struct {
		name          string
		faults        Faults
		wantStatus    int
		wantMsgPrefix string
		wantRemaining string
	}{
		{name: "primary", faults: Faults{RateLimit: 1, RetryAfter: time.Second}, wantStatus: 429, wantMsgPrefix: "API rate limit exceeded", wantRemaining: "0"},
		{name: "secondary", faults: Faults{SecondaryRateLimit: 1, RetryAfter: time.Second}, wantStatus: 403, wantMsgPrefix: "You have exceeded a secondary rate limit", wantRemaining: "4000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, Options{Faults: tc.faults})
			req, _ := http.NewRequest("GET", srv.APIURL+"repos/acme/config", nil)
			req.Header.Set("Authorization", "token "+testToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Message string `json:"message"`
			}
			json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tc.wantStatus || !strings.HasPrefix(body.Message, tc.wantMsgPrefix) {
				t.Errorf("got %d %q, want %d %q...", resp.StatusCode, body.Message, tc.wantStatus, tc.wantMsgPrefix)
			}
			if got, want := resp.Header.Get("Retry-After"), "1"; got != want {
				t.Errorf("Retry-After: got %q, want %q", got, want)
			}
			if got, want := resp.Header.Get("X-RateLimit-Remaining"), tc.wantRemaining; got != want {
				t.Errorf("X-RateLimit-Remaining: got %q, want %q", got, want)
			}
			if resp.Header.Get("X-RateLimit-Reset") == "" {
				t.Errorf("X-RateLimit-Reset missing")
			}
		})
	}
	// go-github recognises the secondary rate limit.
	srv := newTestServer(t, Options{Faults: Faults{SecondaryRateLimit: 1}})
	_, _, err := newClient(t, srv, testToken).Repositories.Get(ctx, "acme", "config")
	if _, ok := err.(*github.AbuseRateLimitError); !ok {
		t.Errorf("go-github error: got %T %v, want *github.AbuseRateLimitError", err, err)
	}
}

func TestResetAfterWriteAppliesTheWrite(t *testing.T) {
	srv := newTestServer(t, Options{})
	main := srv.Ref("acme/config", "main")
	srv.SetFaults(Faults{ResetAfterWrite: 1})
	req, _ := http.NewRequest("POST", srv.APIURL+"repos/acme/config/git/refs", strings.NewReader(`{"ref":"refs/heads/bump","sha":"`+main+`"}`))
	req.Header.Set("Authorization", "token "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("got %d %s, want the connection closed", resp.StatusCode, b)
	}
	if got := srv.Ref("acme/config", "bump"); got != main {
		t.Errorf("bump after the reset: got %q, want %q: the write must be applied", got, main)
	}
	// A client that blindly retries the POST meets the write it made.
	srv.SetFaults(Faults{})
	status, body := do(t, srv, "POST", "/api/v3/repos/acme/config/git/refs", `{"ref":"refs/heads/bump","sha":"`+main+`"}`)
	if status != 422 || !strings.Contains(body, "Reference already exists") {
		t.Errorf("retried POST: got %d %s, want 422 Reference already exists", status, body)
	}
	// Faults limited to other routes leave this one alone.
	srv.SetFaults(Faults{ResetAfterWrite: 1, Transient: 1, Routes: []string{RouteCreateGitCommit}})
	if status, _ := do(t, srv, "POST", "/api/v3/repos/acme/config/git/refs", `{"ref":"refs/heads/other","sha":"`+main+`"}`); status != 201 {
		t.Errorf("POST with faults on another route: got %d, want 201", status)
	}
	// Reads are never reset.
	srv.SetFaults(Faults{ResetAfterWrite: 1})
	if status, _ := do(t, srv, "GET", "/api/v3/repos/acme/config/git/ref/heads/bump", ""); status != 200 {
		t.Errorf("GET with ResetAfterWrite: got %d, want 200", status)
	}
	if got, want := srv.Calls(RouteCreateRef), 3; got != want {
		t.Errorf("calls of %s: got %d, want %d", RouteCreateRef, got, want)
	}
}

func TestHangAfterWriteAppliesTheWrite(t *testing.T) {
	srv := newTestServer(t, Options{})
	main := srv.Ref("acme/config", "main")
	srv.SetFaults(Faults{HangAfterWrite: 1})
	client := &http.Client{Timeout: 200 * time.Millisecond}
	req, _ := http.NewRequest("POST", srv.APIURL+"repos/acme/config/git/refs", strings.NewReader(`{"ref":"refs/heads/bump","sha":"`+main+`"}`))
	req.Header.Set("Authorization", "token "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got %d, want no answer before the client's timeout", resp.StatusCode)
	}
	if got := srv.Ref("acme/config", "bump"); got != main {
		t.Errorf("bump after the hang: got %q, want %q: the write must be applied", got, main)
	}
	// Reads are answered.
	if status, _ := do(t, srv, "GET", "/api/v3/repos/acme/config/git/ref/heads/bump", ""); status != 200 {
		t.Errorf("GET with HangAfterWrite: got %d, want 200", status)
	}
}

func TestRetryingClientGetsThrough(t *testing.T) {
	srv := newTestServer(t, Options{Faults: Faults{Transient: 0.3, RateLimit: 0.1, Seed: 3}})
	rc := retryablehttp.NewClient()
	rc.Logger = nil
	rc.RetryMax = 10
	rc.RetryWaitMin = time.Millisecond
	rc.RetryWaitMax = 5 * time.Millisecond
	gh, err := github.NewClient(rc.StandardClient()).WithAuthToken(testToken).WithEnterpriseURLs(srv.URL, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		if _, _, err := gh.Git.GetRef(ctx, "acme", "config", "heads/main"); err != nil {
			t.Fatalf("get ref %d: %v", i, err)
		}
	}
	if got := srv.Calls(RouteGetRef); got <= 20 {
		t.Errorf("calls: got %d, want more than 20 (retries)", got)
	}
}
