package forge

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestGraphQLURL(t *testing.T) {
	tests := []struct {
		name, api, want string
	}{
		{name: "github.com", api: "https://api.github.com", want: "https://api.github.com/graphql"},
		{name: "github.com with slash", api: "https://api.github.com/", want: "https://api.github.com/graphql"},
		{name: "empty is github.com", api: "", want: "https://api.github.com/graphql"},
		{name: "enterprise server", api: "https://ghe.example.com/api/v3", want: "https://ghe.example.com/api/graphql"},
		{name: "enterprise server with slash", api: "https://ghe.example.com/api/v3/", want: "https://ghe.example.com/api/graphql"},
		{name: "enterprise cloud with data residency", api: "https://api.acme.ghe.com", want: "https://api.acme.ghe.com/graphql"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := GraphQLURL(tc.api)
			if err != nil || got != tc.want {
				t.Errorf("GraphQLURL(%q) = %q, %v; want %q", tc.api, got, err, tc.want)
			}
		})
	}
	if _, err := GraphQLURL("ftp://x"); err == nil {
		t.Errorf("GraphQLURL accepted an ftp URL")
	}
}

func response(code int, headers map[string]string, body string) *http.Response {
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	return &http.Response{StatusCode: code, Header: h, Body: io.NopCloser(strings.NewReader(body))}
}

func TestCheckRetry(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	p := policy{Retry: Retry{Max: 3, WaitMin: time.Millisecond, WaitMax: 8 * time.Millisecond, SecondaryWait: 60 * time.Second, MaxWait: 5 * time.Minute}, now: func() time.Time { return now }}
	reset := strconv.FormatInt(now.Add(90*time.Second).Unix(), 10)
	farReset := strconv.FormatInt(now.Add(2*time.Hour).Unix(), 10)
	tests := []struct {
		name       string
		resp       *http.Response
		err        error
		idempotent bool // the request is safe to repeat (see Idempotent)
		atMostOnce bool
		want       bool
		wantWait   time.Duration // exact server-asked wait; 0: backoff in [WaitMin/2, WaitMax]
	}{
		{name: "200", resp: response(200, nil, "{}"), want: false},
		{name: "404", resp: response(404, nil, `{"message":"Not Found"}`), idempotent: true, want: false},
		{name: "422", resp: response(422, nil, `{"message":"Reference already exists"}`), want: false},
		{name: "401", resp: response(401, nil, `{"message":"Bad credentials"}`), idempotent: true, want: false},
		{name: "403 permissions", resp: response(403, nil, `{"message":"Resource not accessible by integration"}`), idempotent: true, want: false},
		{name: "500 idempotent", resp: response(500, nil, ""), idempotent: true, want: true},
		{name: "502 idempotent", resp: response(502, nil, ""), idempotent: true, want: true},
		{name: "503 idempotent", resp: response(503, nil, ""), idempotent: true, want: true},
		{name: "501", resp: response(501, nil, ""), idempotent: true, want: false},
		{name: "500 write", resp: response(500, nil, ""), want: false},
		{name: "500 idempotent but at most once", resp: response(500, nil, ""), idempotent: true, atMostOnce: true, want: false},
		{name: "broken connection idempotent", err: errors.New("connection reset by peer"), idempotent: true, want: true},
		{name: "broken connection write", err: errors.New("EOF"), want: false},
		{name: "broken connection at most once", err: errors.New("EOF"), idempotent: true, atMostOnce: true, want: false},
		{name: "429 retry-after", resp: response(429, map[string]string{"Retry-After": "7"}, ""), idempotent: true, want: true, wantWait: 7 * time.Second},
		{name: "429 write still retried", resp: response(429, map[string]string{"Retry-After": "1"}, ""), want: true, wantWait: time.Second},
		{name: "429 at most once still retried", resp: response(429, map[string]string{"Retry-After": "1"}, ""), atMostOnce: true, want: true, wantWait: time.Second},
		{name: "secondary rate limit", resp: response(403, nil, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`), want: true, wantWait: 60 * time.Second},
		{name: "secondary rate limit with retry-after", resp: response(403, map[string]string{"Retry-After": "3"}, `{"message":"You have exceeded a secondary rate limit."}`), want: true, wantWait: 3 * time.Second},
		{name: "primary rate limit", resp: response(403, map[string]string{"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}, `{"message":"API rate limit exceeded"}`), want: true, wantWait: 91 * time.Second},
		{name: "primary rate limit resetting too late", resp: response(403, map[string]string{"x-ratelimit-remaining": "0", "x-ratelimit-reset": farReset}, `{"message":"API rate limit exceeded"}`), want: false},
		{name: "429 asking too long", resp: response(429, map[string]string{"Retry-After": "3600"}, ""), want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if tc.idempotent {
				ctx = SafeToRepeat(ctx)
			}
			if tc.atMostOnce {
				ctx = AtMostOnce(ctx)
			}
			got, err := p.checkRetry(ctx, tc.resp, tc.err)
			if err != nil {
				t.Fatalf("checkRetry: %v", err)
			}
			if got != tc.want {
				t.Errorf("retry = %t, want %t", got, tc.want)
			}
			if !got {
				return
			}
			for attempt := 0; attempt < 6; attempt++ {
				w := p.Backoff(0, 0, attempt, tc.resp)
				switch {
				case tc.wantWait != 0 && w != tc.wantWait:
					t.Errorf("attempt %d: wait %v, want %v", attempt, w, tc.wantWait)
				case tc.wantWait == 0 && (w < p.WaitMin/2 || w > p.WaitMax):
					t.Errorf("attempt %d: wait %v outside [%v, %v]", attempt, w, p.WaitMin/2, p.WaitMax)
				}
			}
		})
	}
	// The body read to recognise a secondary rate limit is still there.
	resp := response(403, nil, `{"message":"Resource not accessible by integration"}`)
	p.checkRetry(context.Background(), resp, nil)
	if b, _ := io.ReadAll(resp.Body); !strings.Contains(string(b), "not accessible") {
		t.Errorf("checkRetry consumed the body: %q", b)
	}
}

func TestJitterGrowsAndStaysBounded(t *testing.T) {
	lo, hi := 100*time.Millisecond, 3*time.Second
	for attempt, wantMax := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond, 3 * time.Second, 3 * time.Second, 3 * time.Second} {
		seen := map[time.Duration]bool{}
		for i := 0; i < 200; i++ {
			w := Jitter(lo, hi, attempt)
			if w < wantMax/2 || w > wantMax {
				t.Fatalf("attempt %d: wait %v outside [%v, %v]", attempt, w, wantMax/2, wantMax)
			}
			seen[w] = true
		}
		if len(seen) < 10 {
			t.Errorf("attempt %d: only %d distinct waits in 200: no jitter", attempt, len(seen))
		}
	}
	if w := Jitter(lo, hi, 1000); w > hi {
		t.Errorf("attempt 1000: wait %v above %v", w, hi)
	}
}

func TestIdempotent(t *testing.T) {
	tests := []struct {
		method, path string
		mark         func(context.Context) context.Context
		want         bool
	}{
		{method: "GET", path: "/repos/acme/config/pulls", want: true},
		{method: "HEAD", path: "/repos/acme/config", want: true},
		{method: "GET", path: "/api/v3/repos/acme/config/tarball/main", want: true},
		{method: "PATCH", path: "/repos/acme/config/git/refs/heads/main", want: true},
		{method: "PATCH", path: "/api/v3/repos/acme/config/git/refs/heads/feature/x", want: true},
		{method: "PUT", path: "/repos/acme/config/git/refs/tags/v1", want: true},
		{method: "POST", path: "/repos/acme/config/git/blobs", want: true},
		{method: "POST", path: "/repos/acme/config/git/trees", want: true},
		{method: "POST", path: "/api/v3/repos/acme/config/git/commits", want: true},
		{method: "POST", path: "/repos/acme/config/git/refs", want: false},
		{method: "POST", path: "/repos/acme/config/git/tags", want: false},
		{method: "DELETE", path: "/repos/acme/config/git/refs/heads/main", want: false},
		{method: "POST", path: "/repos/acme/config/pulls", want: false},
		{method: "PATCH", path: "/repos/acme/config/pulls/1", want: false},
		{method: "POST", path: "/repos/acme/config/pulls/1/requested_reviewers", want: false},
		{method: "POST", path: "/repos/acme/config/issues/1/labels", want: false},
		{method: "POST", path: "/repos/acme/config/issues/1/assignees", want: false},
		{method: "POST", path: "/repos/acme/config/issues/1/comments", want: false},
		{method: "POST", path: "/repos/acme/config/releases", want: false},
		{method: "POST", path: "/graphql", want: false},
		{method: "POST", path: "/graphql", mark: SafeToRepeat, want: true},
		{method: "GET", path: "/repos/acme/config", mark: AtMostOnce, want: false},
		{method: "POST", path: "/repos/acme/config/git/commits", mark: AtMostOnce, want: false},
	}
	for _, tc := range tests {
		ctx := context.Background()
		if tc.mark != nil {
			ctx = tc.mark(ctx)
		}
		r, err := http.NewRequestWithContext(ctx, tc.method, "https://api.github.com"+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := Idempotent(r); got != tc.want {
			t.Errorf("Idempotent(%s %s) = %t, want %t", tc.method, tc.path, got, tc.want)
		}
	}
}
