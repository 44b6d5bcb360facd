// Package forge is the GitHub client every gitops-actions action shares:
// go-github over a retrying transport, token or GitHub App authentication,
// GitHub Enterprise URLs, and the few repository operations the actions need
// (read a snapshot of a branch, commit a set of files in one commit, move
// refs, open and update pull requests) written so that a retried request
// never does its work twice.
package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/go-github/v60/github"
)

// DefaultAPIURL is GitHub.com's REST API.
const DefaultAPIURL = "https://api.github.com"

// Config says how to reach GitHub and as whom.
type Config struct {
	// APIURL is the REST API root: https://api.github.com, or
	// https://HOST/api/v3 for GitHub Enterprise Server. Empty means
	// DefaultAPIURL.
	APIURL string
	// Token authenticates as a user, a PAT or GITHUB_TOKEN.
	Token string
	// AppID and AppPrivateKey (PEM) authenticate as a GitHub App: the client
	// mints an installation token for Owner/Repo's installation.
	AppID         int64
	AppPrivateKey []byte
	// Owner and Repo are the repository the client works on.
	Owner, Repo string
	// Version names the tool's version in the User-Agent.
	Version string
	// Transport carries the requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Retry is the retry policy; the zero value means DefaultRetry.
	Retry Retry
	// Now is the clock (JWT issue times, rate-limit resets); nil means
	// time.Now.
	Now func() time.Time
}

// Client is a GitHub client bound to one repository.
type Client struct {
	GH          *github.Client
	Owner, Repo string

	http       *http.Client
	graphqlURL string
	retry      Retry
	repoID     atomic.Pointer[string]
	// Token is the token in use: the given one or the installation token
	// minted for the App. Callers mask it; it is never printed.
	Token string
}

// UserAgent is the User-Agent of every request: the tool and its version.
func UserAgent(version string) string {
	if version == "" {
		version = "dev"
	}
	return "gitops-actions/" + version
}

// GraphQLURL derives the GraphQL endpoint from the REST root: GitHub.com's
// https://api.github.com becomes https://api.github.com/graphql, and GitHub
// Enterprise Server's https://HOST/api/v3 becomes https://HOST/api/graphql.
func GraphQLURL(apiURL string) (string, error) {
	u, err := parseAPIURL(apiURL)
	if err != nil {
		return "", err
	}
	p := strings.TrimSuffix(u.Path, "/")
	if strings.HasSuffix(p, "/api/v3") {
		u.Path = strings.TrimSuffix(p, "/v3") + "/graphql"
	} else {
		u.Path = p + "/graphql"
	}
	return u.String(), nil
}

func parseAPIURL(s string) (*url.URL, error) {
	if s == "" {
		s = DefaultAPIURL
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("github-api-url %q is not an http(s) URL", s)
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// New builds a client for cfg.Owner/cfg.Repo. With App credentials it mints
// an installation token first (two requests), so New can fail with an
// *AuthError.
func New(ctx context.Context, cfg Config) (*Client, error) {
	api, err := parseAPIURL(cfg.APIURL)
	if err != nil {
		return nil, err
	}
	gql, err := GraphQLURL(api.String())
	if err != nil {
		return nil, err
	}
	if cfg.Owner == "" || cfg.Repo == "" {
		return nil, errors.New("no repository to work on")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	base := cfg.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	retry := cfg.Retry.withDefaults()
	retrying := newRetryTransport(base, retry, cfg.Now)

	c := &Client{Owner: cfg.Owner, Repo: cfg.Repo, graphqlURL: gql, retry: retry}
	ua := UserAgent(cfg.Version)
	rest := *api
	if !strings.HasSuffix(rest.Path, "/") {
		rest.Path += "/"
	}

	token := cfg.Token
	if token == "" {
		if cfg.AppID == 0 || len(cfg.AppPrivateKey) == 0 {
			return nil, errors.New("no credentials: set token, or app-id and app-private-key")
		}
		appHTTP := &http.Client{Transport: &headerTransport{base: retrying, host: api.Host, userAgent: ua}}
		token, err = installationToken(ctx, appHTTP, &rest, ua, cfg)
		if err != nil {
			return nil, err
		}
	}
	c.Token = token
	c.http = &http.Client{Transport: &headerTransport{base: retrying, host: api.Host, userAgent: ua, auth: "Bearer " + token}}
	c.GH = newGitHub(c.http, &rest, ua)
	return c, nil
}

func newGitHub(hc *http.Client, rest *url.URL, ua string) *github.Client {
	gh := github.NewClient(hc)
	u := *rest
	gh.BaseURL = &u
	gh.UploadURL = &u
	gh.UserAgent = ua
	return gh
}

// headerTransport adds the User-Agent to every request and the credentials
// to requests for the API host only: the archive endpoint redirects to
// another host (codeload) that must not see the token.
type headerTransport struct {
	base      http.RoundTripper
	host      string
	userAgent string
	auth      string
}

func (t *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", t.userAgent)
	if t.auth != "" && r.URL.Host == t.host && r.Header.Get("Authorization") == "" {
		r.Header.Set("Authorization", t.auth)
	}
	if r.Header.Get("X-GitHub-Api-Version") == "" {
		r.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	}
	resp, err := t.base.RoundTrip(r)
	if err == nil && resp.StatusCode < 400 {
		// go-github remembers "0 requests left until reset" from a
		// successful answer and then fails every later request without
		// sending it. Rate limits are the retrying transport's business: it
		// waits when GitHub answers 403 or 429, so hide the reset from
		// go-github on answers that are no error.
		resp.Header.Del("X-RateLimit-Reset")
	}
	return resp, err
}

// StatusCode returns the HTTP status of a go-github error, or 0.
func StatusCode(err error) int {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	var rl *github.RateLimitError
	if errors.As(err, &rl) && rl.Response != nil {
		return rl.Response.StatusCode
	}
	var ab *github.AbuseRateLimitError
	if errors.As(err, &ab) && ab.Response != nil {
		return ab.Response.StatusCode
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.StatusCode
	}
	return 0
}

// IsNotFound reports whether err is GitHub's 404.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsAuth reports whether err is GitHub refusing the credentials (401) or
// their permissions (403 that is no rate limit).
func IsAuth(err error) bool {
	code := StatusCode(err)
	if code == http.StatusUnauthorized {
		return true
	}
	var ab *github.AbuseRateLimitError
	var rl *github.RateLimitError
	return code == http.StatusForbidden && !errors.As(err, &ab) && !errors.As(err, &rl)
}

// errorMessage returns GitHub's message of a 4xx answer, lower case, or the
// error's text.
func errorMessage(err error) string {
	var er *github.ErrorResponse
	if errors.As(err, &er) {
		msg := er.Message
		for _, e := range er.Errors {
			if e.Message != "" {
				msg += ": " + e.Message
			}
		}
		return msg
	}
	return err.Error()
}
