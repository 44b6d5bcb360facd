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
	// mints an installation token for Owner/Repo's installation, and mints
	// a new one when the last is about to expire (GitHub's last an hour).
	AppID         int64
	AppPrivateKey []byte
	// OnToken, when set, learns each installation token the client mints,
	// before any request uses it: each is a new secret that the caller
	// masks (::add-mask::). It is not called for Token.
	OnToken func(token string)
	// Owner and Repo are the repository the client works on.
	Owner, Repo string
	// Version names the tool's version in the User-Agent.
	Version string
	// Transport carries the requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Retry is the retry policy; the zero value means DefaultRetry.
	Retry Retry
	// Now is the clock (JWT issue times, token expiry, rate-limit resets);
	// nil means time.Now.
	Now func() time.Time
}

// Client is a GitHub client bound to one repository. GH is go-github over
// the client's transport, which retries, authenticates each try, and
// follows redirects itself so that their URLs stay out of errors; for that
// reason go-github's GetArchiveLink, which expects to see the redirect,
// does not work with it (ReadArchive reads archives).
type Client struct {
	GH          *github.Client
	Owner, Repo string

	http       *http.Client
	graphqlURL string
	retry      Retry
	repoID     atomic.Pointer[string]
	// Token is the token the client started with: the given one, or the
	// first installation token minted for the App. An App's token is
	// replaced before it expires; Config.OnToken learns every one.
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
		return nil, fmt.Errorf("github-api-url %q is not an http(s) URL", RedactURL(s))
	}
	if u.User != nil {
		// Credentials in the URL would be sent to every host a redirect
		// leads to and printed with every error that names the URL.
		return nil, fmt.Errorf("github-api-url %q carries credentials (user:password@); give them as token instead", RedactURL(s))
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// New builds a client for cfg.Owner/cfg.Repo. With App credentials it mints
// an installation token first (two requests), so New can fail with an
// *AuthError; the token is minted again before it expires.
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
	c := &Client{Owner: cfg.Owner, Repo: cfg.Repo, graphqlURL: gql, retry: retry}
	ua := UserAgent(cfg.Version)
	rest := *api
	if !strings.HasSuffix(rest.Path, "/") {
		rest.Path += "/"
	}
	// The credentials are set on each try, below the retries: a try that
	// follows a long rate-limit wait gets a token that is still valid.
	client := func(auth func(context.Context) (string, error)) *http.Client {
		ht := &headerTransport{base: base, host: api.Host, userAgent: ua, auth: auth}
		return &http.Client{
			Transport:     &redirectTransport{base: newRetryTransport(ht, retry, cfg.Now)},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}

	var auth func(context.Context) (string, error)
	switch {
	case cfg.Token != "":
		auth = func(context.Context) (string, error) { return "Bearer " + cfg.Token, nil }
		c.Token = cfg.Token
	case cfg.AppID != 0 && len(cfg.AppPrivateKey) > 0:
		key, err := ParsePrivateKey(cfg.AppPrivateKey)
		if err != nil {
			return nil, err
		}
		jwt := func(context.Context) (string, error) {
			signed, err := AppJWT(cfg.AppID, key, cfg.Now())
			if err != nil {
				return "", fmt.Errorf("signing the app's JWT: %w", err)
			}
			return "Bearer " + signed, nil
		}
		app := &appTokens{gh: newGitHub(client(jwt), &rest, ua), cfg: cfg}
		if c.Token, err = app.token(ctx); err != nil {
			return nil, err
		}
		auth = func(ctx context.Context) (string, error) {
			tok, err := app.token(ctx)
			return "Bearer " + tok, err
		}
	default:
		return nil, errors.New("no credentials: set token, or app-id and app-private-key")
	}
	c.http = client(auth)
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
