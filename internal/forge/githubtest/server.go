package githubtest

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// Options configure a Server.
type Options struct {
	// Token is the token the server accepts in "Authorization: token X" or
	// "Authorization: Bearer X". Installation tokens the server issued are
	// accepted too. When Token is empty and App is nil, no authentication is
	// required.
	Token string
	// App, when set, makes the server act as the GitHub App installed on every
	// repository: it verifies RS256 JWTs signed for App.ID and issues
	// installation tokens.
	App *App
	// Bot is the identity of the authenticated actor: the author of commits
	// created through the API without an author and of pull requests and
	// comments. Zero means github-actions[bot].
	Bot Identity
	// Now is the clock for commit dates and timestamps, JWT checks and
	// installation token expiry; nil means time.Now. Fix it to make
	// API-created commit SHAs reproducible; move it to expire tokens.
	Now func() time.Time
	// Faults are the failures injected from the start (see SetFaults).
	Faults Faults
}

// App describes the GitHub App the server recognises.
type App struct {
	ID             int64
	PublicKey      *rsa.PublicKey
	InstallationID int64
	// TokenTTL is the lifetime of installation tokens; zero means one hour,
	// as on GitHub.
	TokenTTL time.Duration
}

// Identity is a git and GitHub identity.
type Identity struct {
	Login string // GitHub login, e.g. "github-actions[bot]"
	Name  string // git author name
	Email string // git author email
}

var defaultBot = Identity{
	Login: "github-actions[bot]",
	Name:  "github-actions[bot]",
	Email: "41898282+github-actions[bot]@users.noreply.github.com",
}

// webFlow is the committer GitHub records on commits it signs.
var webFlow = Identity{Login: "web-flow", Name: "GitHub", Email: "noreply@github.com"}

// Faults choose which requests fail. Each request draws one number from a
// generator seeded with Seed; the fractions are disjoint slices of [0,1), so
// Transient+RateLimit+SecondaryRateLimit must not exceed 1. Faults are
// decided before authentication and before the handler runs, so a failed
// request changed nothing — except ResetAfterWrite and HangAfterWrite,
// which apply to POST/PATCH/PUT/DELETE requests that succeeded (a second
// draw, so ResetAfterWrite+HangAfterWrite must not exceed 1): the server
// applies the write and then closes the connection without answering, or
// holds the answer until the client gives up.
type Faults struct {
	Transient          float64 // answered 500, 502 or 503
	RateLimit          float64 // answered 429 with x-ratelimit-remaining: 0
	SecondaryRateLimit float64 // answered 403 "You have exceeded a secondary rate limit..."
	ResetAfterWrite    float64 // of successful writes: applied, then the connection is closed
	// HangAfterWrite, of successful writes: applied, then never answered
	// until the client closes the connection (its per-try timeout), as when
	// GitHub's backend commits and its frontend stalls.
	HangAfterWrite float64
	// RetryAfter is sent in Retry-After (whole seconds) with 429 and 403
	// rate-limit answers and sets x-ratelimit-reset; zero keeps tests fast.
	RetryAfter time.Duration
	Seed       int64
	// Routes, when not empty, limits the faults to these routes (names as
	// in Calls, e.g. RouteCreateGitCommit); other requests still draw from
	// the generator, so adding a route does not shift the others' faults.
	Routes []string
}

// RepoOptions describe a repository created with CreateRepo.
type RepoOptions struct {
	DefaultBranch string            // default "main"
	Files         map[string]string // content of the first commit on DefaultBranch; none: an empty repository
	Private       bool
	// AllowAutoMerge lets enablePullRequestAutoMerge succeed.
	AllowAutoMerge bool
	// CleanStatus makes enablePullRequestAutoMerge fail with "Pull request is
	// in clean status", as GitHub does when no required check or review
	// holds the pull request back (it could be merged right away). The
	// default, false, behaves as if a required check were pending.
	CleanStatus bool
	// MergeMethods allowed: "merge", "squash", "rebase"; nil allows all.
	MergeMethods []string
	// Collaborators, when not nil, are the only logins that reviews may be
	// requested from and issues assigned to; Teams likewise for team slugs.
	Collaborators []string
	Teams         []string
	// DeleteBranchOnMerge deletes a pull request's head branch when it is
	// merged, as the repository setting "Automatically delete head
	// branches" does; without it the branch stays, as on GitHub by
	// default.
	DeleteBranchOnMerge bool
	// ReadOnlyToken makes creating and editing comments answer 403
	// "Resource not accessible by integration", as GitHub does for a
	// GITHUB_TOKEN without pull-requests: write or a fork's pull request.
	ReadOnlyToken bool
}

// Server is a fake of GitHub's REST API (and one GraphQL mutation) backed by
// real git repositories on disk. It is safe for concurrent use.
type Server struct {
	// URL is the root of the server, e.g. "http://127.0.0.1:41234".
	URL string
	// APIURL is the REST base in GitHub Enterprise style, URL+"/api/v3/":
	// go-github's WithEnterpriseURLs(URL, URL) and a BaseURL of APIURL both
	// reach it.
	APIURL string
	// GraphQLURL is URL+"/api/graphql", where GitHub Enterprise serves GraphQL.
	GraphQLURL string
	// CodeloadURL is the root of the host archive redirects lead to, as
	// GitHub's lead to codeload.github.com: a listener of its own, so that
	// a client sending its API credentials there can be caught (see
	// CodeloadCredentials).
	CodeloadURL string

	tb   testing.TB
	opts Options
	hs   *httptest.Server
	// codeloadHS serves the archives the API's redirects point to.
	codeloadHS *httptest.Server
	dir        string
	spec       *spec

	mu    sync.Mutex
	repos map[string]*repo
	nodes map[string]*pull // GraphQL node ID → pull request
	calls map[string]int
	// mutations counts GraphQL mutations by root field, for Writes.
	mutations map[string]int
	total     int
	faults    Faults
	rng       *rand.Rand
	tokens    map[string]time.Time // installation token → expiry
	// codeloadTokens are the tokens of private archive redirects.
	codeloadTokens map[string]bool
	// codeloadCredentials counts codeload requests that carried an
	// Authorization header.
	codeloadCredentials int
	quit                chan struct{} // closed when the test ends: hung answers give up
	nextID              int64
	tokenSeq            int
}

// NewServer starts a server that lives until the test ends. Requests and
// responses that do not match GitHub's OpenAPI description, and requests for
// routes the fake does not serve, are reported with tb.Errorf.
func NewServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	sp, err := loadSpec()
	if err != nil {
		tb.Fatalf("githubtest: %v", err)
	}
	if opts.Bot == (Identity{}) {
		opts.Bot = defaultBot
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		tb:    tb,
		opts:  opts,
		dir:   tb.TempDir(),
		spec:  sp,
		repos: map[string]*repo{},
		nodes: map[string]*pull{},
		calls: map[string]int{},

		mutations: map[string]int{},
		tokens:    map[string]time.Time{},

		codeloadTokens: map[string]bool{},
		nextID:         1000,
	}
	s.setFaultsLocked(opts.Faults)
	s.quit = make(chan struct{})
	s.hs = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	tb.Cleanup(s.hs.Close)
	// Registered after Close, so it runs before it: Close waits for hung
	// handlers.
	tb.Cleanup(func() { close(s.quit) })
	s.codeloadHS = httptest.NewServer(http.HandlerFunc(s.serveCodeload))
	tb.Cleanup(s.codeloadHS.Close)
	s.URL = s.hs.URL
	s.CodeloadURL = s.codeloadHS.URL
	s.APIURL = s.URL + "/api/v3/"
	s.GraphQLURL = s.URL + "/api/graphql"
	return s
}

// Client returns an *http.Client for the server that adds the configured
// token to every request.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: tokenTransport{token: s.opts.Token, base: s.hs.Client().Transport}}
}

type tokenTransport struct {
	token string
	base  http.RoundTripper
}

func (t tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.token != "" && r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "token "+t.token)
	}
	return t.base.RoundTrip(r)
}

// serveCodeload serves the codeload host: archives only.
func (s *Server) serveCodeload(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/_codeload/") {
		s.tb.Errorf("githubtest: %s %s on the codeload host, which serves archives only", r.Method, r.URL.Path)
		s.write(w, notFound())
		return
	}
	if r.Header.Get("Authorization") != "" {
		s.mu.Lock()
		s.codeloadCredentials++
		s.mu.Unlock()
	}
	s.serveHTTP(w, r)
}

// CodeloadCredentials returns how many requests reached the codeload host
// with an Authorization header: credentials given for the API sent to
// another host, which a client must never do.
func (s *Server) CodeloadCredentials() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.codeloadCredentials
}

// SetFaults replaces the injected faults and reseeds their generator.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFaultsLocked(f)
}

func (s *Server) setFaultsLocked(f Faults) {
	s.faults = f
	s.rng = rand.New(rand.NewSource(f.Seed))
}

// Calls returns how many requests reached a route, named by method and
// OpenAPI path template, e.g. "POST /repos/{owner}/{repo}/git/commits" (see
// the Route constants). Requests answered with an injected fault count too.
// Requests for routes the fake does not serve count under "unknown".
func (s *Server) Calls(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// TotalCalls returns how many requests the server received.
func (s *Server) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// AllCalls returns a copy of the call counts by route.
func (s *Server) AllCalls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// ResetCalls sets every call count to zero.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
	s.mutations = map[string]int{}
	s.total = 0
}

// CallTable lists the calls by route, one "count route" line each, sorted
// by route: what a test that counts requests logs.
func (s *Server) CallTable() string {
	calls := s.AllCalls()
	routes := make([]string, 0, len(calls))
	for r := range calls {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	var b strings.Builder
	for _, r := range routes {
		if calls[r] > 0 {
			fmt.Fprintf(&b, "  %2d  %s\n", calls[r], r)
		}
	}
	return b.String()
}

// Writes returns the requests that may change something, by route: every
// REST request but a GET, and GraphQL mutations as "mutation <field>"
// (GraphQL queries, which read, are left out). Requests answered with an
// injected fault count too.
func (s *Server) Writes() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for route, n := range s.calls {
		if n > 0 && route != RouteGraphQL && !strings.HasPrefix(route, "GET ") {
			out[route] = n
		}
	}
	for field, n := range s.mutations {
		out["mutation "+field] = n
	}
	return out
}

// GitDir returns the path of the bare git repository behind repo
// ("owner/name"), for running git on what the API built. It fails the test
// when the repository does not exist.
func (s *Server) GitDir(fullName string) string {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok {
		s.tb.Fatalf("githubtest: no repository %q", fullName)
		return ""
	}
	return rp.dir
}

// CreateRepo creates repository fullName ("owner/name") with one commit
// holding opts.Files on the default branch (no commit when Files is empty).
// It fails the test when the name is malformed or taken.
func (s *Server) CreateRepo(fullName string, opts RepoOptions) {
	s.tb.Helper()
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		s.tb.Fatalf("githubtest: repository name %q is not owner/name", fullName)
	}
	if opts.DefaultBranch == "" {
		opts.DefaultBranch = "main"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.repos[fullName]; ok {
		s.tb.Fatalf("githubtest: repository %q exists", fullName)
	}
	dir := filepath.Join(s.dir, owner, name+".git")
	gr, err := git.PlainInit(dir, true)
	if err != nil {
		s.tb.Fatalf("githubtest: creating %q: %v", fullName, err)
	}
	head := plumbing.NewSymbolicReference(plumbing.HEAD, plumbing.NewBranchReferenceName(opts.DefaultBranch))
	if err := gr.Storer.SetReference(head); err != nil {
		s.tb.Fatalf("githubtest: creating %q: %v", fullName, err)
	}
	rp := &repo{
		owner:     owner,
		name:      name,
		id:        s.newID(),
		opts:      opts,
		dir:       dir,
		git:       gitStore{st: newCachedStorer(gr.Storer)},
		pulls:     map[int]*pull{},
		labels:    map[string]*label{},
		verified:  map[plumbing.Hash]time.Time{},
		createdAt: s.now(),
	}
	rp.git.moved = rp.followPullHeads
	s.repos[fullName] = rp
	if len(opts.Files) > 0 {
		if _, err := s.pushLocked(rp, opts.DefaultBranch, opts.Files, "Initial commit", s.opts.Bot); err != nil {
			s.tb.Fatalf("githubtest: creating %q: %v", fullName, err)
		}
	}
}

func (s *Server) newID() int64 {
	s.nextID++
	return s.nextID
}

func (s *Server) now() time.Time { return s.opts.Now().UTC().Truncate(time.Second) }

// call is one request as handlers see it.
type call struct {
	r      *http.Request
	route  *route
	params map[string]string
	body   []byte
	query  url.Values
	actor  Identity
}

// response is what a handler answers; the server validates it before
// sending.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/api/graphql":
		p = "/graphql"
	case strings.HasPrefix(p, "/api/v3/"):
		p = strings.TrimPrefix(p, "/api/v3")
	}
	if segs := strings.Split(strings.Trim(p, "/"), "/"); len(segs) == 4 && segs[0] == "repos" && (segs[3] == "tarball" || segs[3] == "zipball") {
		// go-github asks for the default branch's archive without a ref.
		p = "/" + strings.Join(segs, "/") + "/HEAD"
	}
	rt, params := match(r.Method, p)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	s.mu.Lock()
	s.calls[routeName(rt)]++
	s.total++
	if routeName(rt) == RouteGraphQL {
		var q gqlRequest
		if json.Unmarshal(body, &q) == nil {
			if op, field, ok := gqlOperation(q.Query); ok && op == "mutation" {
				s.mutations[field]++
			}
		}
	}
	fault := s.faults
	draw, drawReset := s.rng.Float64(), s.rng.Float64()
	s.mu.Unlock()

	if rt == nil {
		s.tb.Errorf("githubtest: %s %s: the fake serves no such route", r.Method, r.URL.Path)
		s.write(w, errorResponse(http.StatusNotFound, "Not Found"))
		return
	}
	faulty := len(fault.Routes) == 0
	for _, name := range fault.Routes {
		faulty = faulty || name == routeName(rt)
	}
	if !faulty {
		fault = Faults{}
	}
	if resp, ok := injectedFault(fault, draw, s.opts.Now()); ok {
		s.write(w, resp)
		return
	}
	c := &call{r: r, route: rt, params: params, body: body, query: r.URL.Query()}
	resp := s.authenticate(c)
	if resp.status == 0 && !rt.OffSpec {
		if err := s.spec.validateRequest(r, rt, params, normalizeForValidation(rt, body)); err != nil {
			s.tb.Errorf("githubtest: %s %s: request does not match GitHub's OpenAPI description: %v", r.Method, r.URL.Path, err)
			resp = errorResponse(http.StatusBadRequest, "Invalid request.\n\n"+err.Error())
		}
	}
	if resp.status == 0 {
		s.mu.Lock()
		resp = rt.handle(s, c)
		s.mu.Unlock()
	}
	if resp.header == nil {
		resp.header = http.Header{}
	}
	if !rt.OffSpec {
		resp.body = s.spec.complete(rt, resp.status, resp.header, resp.body)
		if err := s.spec.validateResponse(r, rt, params, resp); err != nil {
			s.tb.Errorf("githubtest: %s %s: response %d does not match GitHub's OpenAPI description: %v\nbody: %s", r.Method, r.URL.Path, resp.status, err, truncate(resp.body))
			resp = errorResponse(http.StatusInternalServerError, "githubtest: invalid response: "+err.Error())
		}
	}
	if r.Method != http.MethodGet && resp.status < 300 && drawReset >= fault.ResetAfterWrite && drawReset < fault.ResetAfterWrite+fault.HangAfterWrite {
		// The write is applied; the answer never comes.
		select {
		case <-r.Context().Done():
		case <-s.quit:
		}
		return
	}
	if r.Method != http.MethodGet && resp.status < 300 && drawReset < fault.ResetAfterWrite {
		// The write is applied; the client sees the connection drop, as when
		// a proxy or GitHub's frontend resets it after the backend committed.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	}
	s.write(w, resp)
}

// normalizeForValidation rewrites the request bodies GitHub accepts in a
// shape its description's schema omits. A body of JSON null, which go-github
// sends for nil options (CreateInstallationToken(ctx, id, nil)), counts as
// no body, as on GitHub. For "add labels to an issue" the
// description says "You can also pass an `array` of labels directly", but
// its schema only has the object form; go-github v60's AddLabelsToIssue
// sends the bare array. The handler accepts both shapes itself.
func normalizeForValidation(rt *route, body []byte) []byte {
	if string(bytes.TrimSpace(body)) == "null" {
		return nil
	}
	if rt.Template == "/repos/{owner}/{repo}/issues/{issue_number}/labels" {
		var list []any
		if json.Unmarshal(body, &list) == nil {
			return mustJSON(map[string]any{"labels": list})
		}
	}
	return body
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "..."
	}
	return string(b)
}

func (s *Server) write(w http.ResponseWriter, resp response) {
	h := w.Header()
	for k, vs := range resp.header {
		h[k] = vs
	}
	if h.Get("X-RateLimit-Limit") == "" {
		h.Set("X-RateLimit-Limit", "5000")
		h.Set("X-RateLimit-Remaining", "4999")
		h.Set("X-RateLimit-Used", "1")
		h.Set("X-RateLimit-Reset", strconv.FormatInt(s.opts.Now().Add(time.Hour).Unix(), 10))
		h.Set("X-RateLimit-Resource", "core")
	}
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	if resp.status == 0 {
		resp.status = http.StatusOK
	}
	w.WriteHeader(resp.status)
	w.Write(resp.body)
}

// injectedFault turns a draw into a fault answer, if the configured
// fractions say so.
func injectedFault(f Faults, draw float64, now time.Time) (response, bool) {
	retry := int64(f.RetryAfter / time.Second)
	reset := strconv.FormatInt(now.Add(f.RetryAfter).Unix(), 10)
	switch {
	case draw < f.Transient:
		// Split the slice evenly between the three gateway-ish answers.
		statuses := []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}
		st := statuses[int(draw/f.Transient*3)%3]
		if st == http.StatusInternalServerError {
			return errorResponse(st, "Server Error"), true
		}
		// GitHub's frontend answers 502/503 with an HTML or empty body.
		return response{status: st, header: http.Header{"Content-Type": {"text/html"}}, body: []byte("<html><body><h1>" + http.StatusText(st) + "</h1></body></html>\n")}, true
	case draw < f.Transient+f.RateLimit:
		resp := response{status: http.StatusTooManyRequests, header: jsonHeader(), body: mustJSON(map[string]any{
			"message":           "API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.",
			"documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting",
		})}
		resp.header.Set("Retry-After", strconv.FormatInt(retry, 10))
		resp.header.Set("X-RateLimit-Limit", "5000")
		resp.header.Set("X-RateLimit-Remaining", "0")
		resp.header.Set("X-RateLimit-Used", "5000")
		resp.header.Set("X-RateLimit-Reset", reset)
		resp.header.Set("X-RateLimit-Resource", "core")
		return resp, true
	case draw < f.Transient+f.RateLimit+f.SecondaryRateLimit:
		resp := response{status: http.StatusForbidden, header: jsonHeader(), body: mustJSON(map[string]any{
			"message":           "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
			"documentation_url": secondaryRateLimitDocsURL,
		})}
		resp.header.Set("Retry-After", strconv.FormatInt(retry, 10))
		resp.header.Set("X-RateLimit-Limit", "5000")
		resp.header.Set("X-RateLimit-Remaining", "4000")
		resp.header.Set("X-RateLimit-Used", "1000")
		resp.header.Set("X-RateLimit-Reset", reset)
		resp.header.Set("X-RateLimit-Resource", "core")
		return resp, true
	}
	return response{}, false
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json; charset=utf-8"}}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("githubtest: encoding response: %v", err))
	}
	return b
}

// jsonResponse answers v as JSON.
func jsonResponse(status int, v any) response {
	return response{status: status, header: jsonHeader(), body: mustJSON(v)}
}

// errorResponse answers GitHub's error shape:
// {"message": ..., "documentation_url": ...}.
func errorResponse(status int, message string) response {
	return jsonResponse(status, map[string]any{"message": message, "documentation_url": documentationURL, "status": strconv.Itoa(status)})
}

// notFound is GitHub's answer for a missing or invisible resource.
func notFound() response { return errorResponse(http.StatusNotFound, "Not Found") }

// unprocessable is GitHub's 422 with a plain message, as the git data API
// answers ("Reference already exists", "Update is not a fast forward").
func unprocessable(message string) response {
	return errorResponse(http.StatusUnprocessableEntity, message)
}

// validationFailed is GitHub's 422 "Validation Failed" with an errors list.
func validationFailed(errs ...map[string]any) response {
	list := make([]any, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	return jsonResponse(http.StatusUnprocessableEntity, map[string]any{
		"message":           "Validation Failed",
		"errors":            list,
		"documentation_url": documentationURL,
		"status":            "422",
	})
}

// repoFor resolves the {owner}/{repo} of a call. GitHub matches names
// case-insensitively.
func (s *Server) repoFor(c *call) (*repo, bool) {
	full := c.params["owner"] + "/" + c.params["repo"]
	if rp, ok := s.repos[full]; ok {
		return rp, true
	}
	for name, rp := range s.repos {
		if strings.EqualFold(name, full) {
			return rp, true
		}
	}
	return nil, false
}

// decode unmarshals a request body; the OpenAPI validation has already
// rejected bodies of the wrong shape.
func decode(c *call, v any) error {
	if len(c.body) == 0 {
		return nil
	}
	return json.Unmarshal(c.body, v)
}

func problemsParsingJSON() response {
	return errorResponse(http.StatusBadRequest, "Problems parsing JSON")
}
