package chartsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// exchange is one group of requests under one deadline: an index, or
// one chart's archive (an OCI pull is several requests). Whatever the
// layers above make of an error (Helm's registry client and net/http
// wrap, and sometimes flatten, what the transport returns), the exchange
// remembers why it was refused and whether the server asked for
// credentials, so that the fetch error has the right Kind.
type exchange struct {
	ctx context.Context
	// maxBody bounds each response body, budget all of them together.
	maxBody, budget int64
	// basicAuth: the fetcher adds a configured credential itself, after
	// an anonymous 401 or 403 (Helm repositories over https). OCI
	// registries authenticate through Helm's registry client instead.
	basicAuth bool

	mu      sync.Mutex
	refused error
	// denied is the last 401 or 403 answer, "URL answered STATUS".
	denied string
	read   int64
}

type exchangeKey struct{}

// newExchange starts an exchange under ctx, bounded by timeout.
func newExchange(ctx context.Context, timeout time.Duration, maxBody, budget int64) (*exchange, context.CancelFunc) {
	x := &exchange{maxBody: maxBody, budget: budget}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	x.ctx = context.WithValue(ctx, exchangeKey{}, x)
	return x, cancel
}

// refusal is an answer or a connection rejected for safety.
type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// refuse records err as the reason the exchange of ctx was refused (the
// first reason wins) and returns it as a *refusal.
func refuse(ctx context.Context, err error) error {
	x, _ := ctx.Value(exchangeKey{}).(*exchange)
	return x.refuse(err)
}

func (x *exchange) refuse(err error) error {
	r := &refusal{err}
	if x == nil {
		return r
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.refused == nil {
		x.refused = r
	}
	return r
}

// why returns the recorded refusal and the last 401 or 403 answer.
func (x *exchange) why() (refused error, denied string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.refused, x.denied
}

// client is an http.Client for the exchange: its requests go through the
// fetcher's guarded transport under the exchange's deadline, whatever
// context the caller gave them (Helm's registry client gives
// context.Background()).
func (f *Fetcher) client(x *exchange) *http.Client {
	return &http.Client{
		Transport: &transport{f: f, x: x},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if err := checkRedirect(req, via); err != nil {
				var r *refusal
				if errors.As(err, &r) {
					x.refuse(r.err)
				}
				return err
			}
			return nil
		},
	}
}

type transport struct {
	f *Fetcher
	x *exchange
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.WithContext(t.x.ctx)
	if req.Header.Get("User-Agent") == "" {
		req.Header = req.Header.Clone()
		req.Header.Set("User-Agent", t.f.userAgent)
	}
	cred, hasCred := Credential{}, false
	if t.x.basicAuth && req.Header.Get("Authorization") == "" {
		cred, hasCred = credentialFor(t.f.opts.Credentials, req.URL.Scheme, req.URL.Host, false)
		if hasCred && t.f.needsAuth(req.URL) {
			req = withBasicAuth(req, cred)
			hasCred = false // sent already
		}
	}
	resp, err := t.f.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if unauthorizedStatus(resp.StatusCode) && hasCred {
		// Anonymous first: a repository that wants credentials says so,
		// and only then are this host's sent (and from now on at once).
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		t.f.authNeeded.Store(canonicalHost(req.URL.Scheme, req.URL.Host, false), true)
		if resp, err = t.f.base.RoundTrip(withBasicAuth(req, cred)); err != nil {
			return nil, err
		}
	}
	if unauthorizedStatus(resp.StatusCode) {
		t.x.mu.Lock()
		t.x.denied = fmt.Sprintf("%s answered %s", redactURL(req.URL), resp.Status)
		t.x.mu.Unlock()
	}
	resp.Body = &limitedBody{body: resp.Body, x: t.x, url: req.URL.Redacted()}
	return resp, nil
}

func unauthorizedStatus(code int) bool {
	return code == http.StatusUnauthorized || code == http.StatusForbidden
}

func withBasicAuth(req *http.Request, c Credential) *http.Request {
	r := req.Clone(req.Context())
	r.SetBasicAuth(c.Username, c.Password)
	return r
}

// needsAuth reports whether the host of u asked for credentials before.
func (f *Fetcher) needsAuth(u *url.URL) bool {
	_, ok := f.authNeeded.Load(canonicalHost(u.Scheme, u.Host, false))
	return ok
}

// errTooLarge says an answer was over its size limit.
var errTooLarge = errors.New("over the size limit")

// limitedBody stops reading a response past the exchange's limits: a
// hostile server may send an endless body.
type limitedBody struct {
	body io.ReadCloser
	x    *exchange
	url  string
	n    int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.n += int64(n)
	b.x.mu.Lock()
	b.x.read += int64(n)
	total := b.x.read
	b.x.mu.Unlock()
	switch {
	case b.x.maxBody > 0 && b.n > b.x.maxBody:
		return 0, b.x.refuse(fmt.Errorf("the answer from %q is larger than %d bytes: %w", redactRaw(b.url), b.x.maxBody, errTooLarge))
	case b.x.budget > 0 && total > b.x.budget:
		return 0, b.x.refuse(fmt.Errorf("the answers for one chart add up to more than %d bytes: %w", b.x.budget, errTooLarge))
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.body.Close() }
