package forge_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// codeloadFault makes the archive redirect's hop fail in one way; the
// requests to the API pass untouched.
type codeloadFault func(r *http.Request) (*http.Response, error)

func (f codeloadFault) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/_codeload/") {
		return f(r)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// errorTexts returns the message of err and of every error it wraps.
func errorTexts(err error) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		for ; e != nil; e = errors.Unwrap(e) {
			out = append(out, e.Error())
			if j, ok := e.(interface{ Unwrap() []error }); ok {
				for _, x := range j.Unwrap() {
					walk(x)
				}
				return
			}
		}
	}
	walk(err)
	return out
}

// TestNoSecretInErrors makes the archive's redirect to codeload, whose
// query string carries a token for a private repository, fail in every way
// it can: no error text of the client, wrapped or not, may carry the token.
func TestNoSecretInErrors(t *testing.T) {
	srv := githubtest.NewServer(t, githubtest.Options{Token: testToken})
	srv.CreateRepo("acme/secret", githubtest.RepoOptions{Private: true, Files: map[string]string{"a.yaml": "a: 1\n"}})
	ctx := context.Background()
	sha := srv.Ref("acme/secret", "main")
	retry := fastRetry
	retry.Max = 2
	retry.Timeout = 100 * time.Millisecond
	tests := []struct {
		name   string
		faults githubtest.Faults
		rt     http.RoundTripper
		ctx    func() (context.Context, context.CancelFunc)
	}{
		{name: "codeload answers 5xx", faults: githubtest.Faults{Transient: 1, Routes: []string{githubtest.RouteCodeload}}},
		{name: "codeload answers 404", rt: codeloadFault(func(r *http.Request) (*http.Response, error) {
			r = r.Clone(r.Context())
			r.URL.RawQuery = "token=" + githubtest.CodeloadTokenPrefix + "WRONG"
			return http.DefaultTransport.RoundTrip(r)
		})},
		{name: "connection broken, error names the URL", rt: codeloadFault(func(r *http.Request) (*http.Response, error) {
			return nil, &url.Error{Op: "Get", URL: r.URL.String(), Err: io.ErrUnexpectedEOF}
		})},
		{name: "error text quotes the URL", rt: codeloadFault(func(r *http.Request) (*http.Response, error) {
			return nil, fmt.Errorf("proxyconnect tcp: dial %s: connection refused", r.URL)
		})},
		{name: "codeload hangs", rt: codeloadFault(func(r *http.Request) (*http.Response, error) {
			<-r.Context().Done()
			return nil, r.Context().Err()
		})},
		{name: "caller gives up during the hop", rt: codeloadFault(func(r *http.Request) (*http.Response, error) {
			<-r.Context().Done()
			return nil, r.Context().Err()
		}), ctx: func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 50*time.Millisecond) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.SetFaults(tc.faults)
			defer srv.SetFaults(githubtest.Faults{})
			c, err := forge.New(ctx, forge.Config{APIURL: srv.APIURL, Token: testToken, Owner: "acme", Repo: "secret", Transport: tc.rt, Retry: retry})
			if err != nil {
				t.Fatal(err)
			}
			cctx, cancel := ctx, context.CancelFunc(func() {})
			if tc.ctx != nil {
				cctx, cancel = tc.ctx()
			}
			defer cancel()
			_, err = c.ReadArchive(cctx, sha, []string{"."})
			if err == nil {
				t.Fatal("ReadArchive succeeded; the hop was meant to fail")
			}
			for _, text := range errorTexts(err) {
				if strings.Contains(text, "token=") || strings.Contains(text, githubtest.CodeloadTokenPrefix) || strings.Contains(text, testToken) {
					t.Errorf("an error text carries the redirect's token:\n%s", text)
				}
			}
			if tc.ctx == nil && !strings.Contains(err.Error(), "/_codeload/acme/secret/") {
				t.Errorf("the error does not say which request failed: %v", err)
			}
		})
	}
	// Without faults the token gets codeload its archive.
	c, err := forge.New(ctx, forge.Config{APIURL: srv.APIURL, Token: testToken, Owner: "acme", Repo: "secret", Retry: retry})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := c.ReadArchive(ctx, sha, []string{"."})
	if err != nil {
		t.Fatalf("ReadArchive of the private repository: %v", err)
	}
	if _, err := fs.Stat(snap.FS, "a.yaml"); err != nil {
		t.Errorf("archive without a.yaml: %v", snap.FS)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://codeload.github.com/acme/config/legacy.tar.gz/refs/heads/main?token=GHSAT0AAAA", "https://codeload.github.com/acme/config/legacy.tar.gz/refs/heads/main"},
		{"https://user:pass@ghe.example.com/api/v3", "https://ghe.example.com/api/v3"},
		{"https://ghp_token@ghe.example.com/api/v3", "https://ghe.example.com/api/v3"},
		{"https://objects.githubusercontent.com/x?X-Amz-Signature=abc&X-Amz-Credential=def#frag", "https://objects.githubusercontent.com/x"},
		{"https://api.github.com/repos/acme/config", "https://api.github.com/repos/acme/config"},
		{"http://a b:c@host/%zz?token=x", "http://host/%zz"},
	}
	for _, tc := range tests {
		if got := forge.RedactURL(tc.in); got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	text := `Get "https://codeload.github.com/a/b?token=SECRET": EOF; see https://u:p@x.example/y?z=1.`
	if got, want := forge.RedactText(text), `Get "https://codeload.github.com/a/b": EOF; see https://x.example/y`; got != want {
		t.Errorf("RedactText = %q, want %q", got, want)
	}
}

func TestAPIURLWithCredentials(t *testing.T) {
	_, err := forge.New(context.Background(), forge.Config{APIURL: "https://alice:s3cret@ghe.example.com/api/v3", Token: testToken, Owner: "acme", Repo: "config"})
	if err == nil || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "alice") || !strings.Contains(err.Error(), "carries credentials") {
		t.Errorf("New with credentials in the API URL: %v", err)
	}
}

// TestAppTokenIsRefreshed runs a client as a GitHub App past the lifetime
// of its installation token, on a clock shared with the fake: the client
// mints a new token before the old one expires, and tells each new token
// to OnToken so that it can be masked.
func TestAppTokenIsRefreshed(t *testing.T) {
	key, keyPEM := appKey(t)
	clk := githubtest.NewClock(time.Now())
	srv := githubtest.NewServer(t, githubtest.Options{Now: clk.Now, App: &githubtest.App{ID: 42, PublicKey: &key.PublicKey, InstallationID: 7, TokenTTL: time.Hour}})
	srv.CreateRepo("acme/config", githubtest.RepoOptions{Files: map[string]string{"a.yaml": "a: 1\n"}})
	ctx := context.Background()
	var seen []string
	c, err := forge.New(ctx, forge.Config{
		APIURL: srv.APIURL, AppID: 42, AppPrivateKey: keyPEM, Owner: "acme", Repo: "config", Retry: fastRetry, Now: clk.Now,
		OnToken: func(tok string) { seen = append(seen, tok) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != c.Token {
		t.Fatalf("OnToken saw %v, want the first token %q", seen, c.Token)
	}
	steps := []struct {
		advance    time.Duration
		wantTokens int
	}{
		{advance: 0, wantTokens: 1},
		{advance: 30 * time.Minute, wantTokens: 1},
		{advance: 26 * time.Minute, wantTokens: 2}, // 56 minutes: within five of the expiry
		{advance: 10 * time.Minute, wantTokens: 2}, // the first token has expired; the second has not
		{advance: 3 * time.Hour, wantTokens: 3},    // every token has expired
	}
	for i, st := range steps {
		clk.Advance(st.advance)
		if _, err := c.DefaultBranch(ctx); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := srv.Calls(githubtest.RouteCreateInstallToken); got != st.wantTokens {
			t.Errorf("step %d: %d tokens minted, want %d", i, got, st.wantTokens)
		}
		if len(seen) != st.wantTokens {
			t.Errorf("step %d: OnToken saw %d tokens, want %d", i, len(seen), st.wantTokens)
		}
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] == seen[i-1] {
			t.Errorf("token %d is the same as the one before", i)
		}
	}
	// The test is not vacuous: the fake refuses the first token by now.
	req, _ := http.NewRequest("GET", srv.APIURL+"repos/acme/config", nil)
	req.Header.Set("Authorization", "token "+seen[0])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the first token after three hours: got %d, want 401", resp.StatusCode)
	}
}
