package forge

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Retry is the retry policy of the client's transport. A request GitHub
// answers with a 429, or a 403 for a rate limit (primary,
// x-ratelimit-remaining: 0, or secondary, "secondary rate limit" in the
// body), is tried again after a wait: GitHub did nothing. A request that
// broke off without an answer, or got a 5xx (but 501), may have taken
// effect; it is tried again blindly only when sending it twice does no
// harm (see Idempotent). Every other write is left to the caller, which
// looks its effect up before sending it again. Any other 4xx is final.
type Retry struct {
	// Max is how many times a request is tried again after its first try.
	Max int
	// WaitMin and WaitMax bound the exponential backoff: try n waits a
	// random duration in [d/2, d] with d = min(WaitMax, WaitMin·2ⁿ).
	WaitMin, WaitMax time.Duration
	// SecondaryWait is the wait after a secondary rate limit answered
	// without Retry-After; GitHub asks for at least a minute.
	SecondaryWait time.Duration
	// MaxWait is the longest wait a server may ask for (Retry-After,
	// x-ratelimit-reset); a longer one ends the retries, so the job fails
	// with GitHub's answer instead of hanging.
	MaxWait time.Duration
	// Timeout bounds one try, reading its answer included, so that a
	// connection that hangs is tried again instead of holding the job.
	Timeout time.Duration
}

// DefaultRetry is the policy used in production.
var DefaultRetry = Retry{Max: 6, WaitMin: 500 * time.Millisecond, WaitMax: 30 * time.Second, SecondaryWait: 60 * time.Second, MaxWait: 5 * time.Minute, Timeout: 5 * time.Minute}

func (r Retry) withDefaults() Retry {
	if r == (Retry{}) {
		return DefaultRetry
	}
	if r.WaitMin <= 0 {
		r.WaitMin = DefaultRetry.WaitMin
	}
	if r.WaitMax < r.WaitMin {
		r.WaitMax = r.WaitMin
	}
	if r.SecondaryWait <= 0 {
		r.SecondaryWait = r.WaitMax
	}
	if r.MaxWait <= 0 {
		r.MaxWait = DefaultRetry.MaxWait
	}
	if r.Timeout <= 0 {
		r.Timeout = DefaultRetry.Timeout
	}
	return r
}

type (
	atMostOnceKey struct{}
	idempotentKey struct{}
)

// AtMostOnce marks the requests made under ctx as not safe to send twice
// when the first may have taken effect, even those Idempotent would let
// through: the transport then does not retry them after a broken
// connection or a 5xx, and the caller looks the effect up before trying
// again. Rate-limit answers (429, 403) are still retried: GitHub did nothing.
func AtMostOnce(ctx context.Context) context.Context {
	return context.WithValue(ctx, atMostOnceKey{}, true)
}

func atMostOnce(ctx context.Context) bool { b, _ := ctx.Value(atMostOnceKey{}).(bool); return b }

// repeatable reports whether the request made under ctx may be sent again
// after an unknown outcome: classify marked it Idempotent, and no caller
// asked for AtMostOnce.
func repeatable(ctx context.Context) bool {
	b, _ := ctx.Value(idempotentKey{}).(bool)
	return b && !atMostOnce(ctx)
}

// SafeToRepeat marks the requests made under ctx as safe to send twice
// although Idempotent does not know them: a GraphQL query, which reads, or
// a write whose duplicate is harmless and cannot be looked up (minting an
// installation token: a second one is simply never used).
func SafeToRepeat(ctx context.Context) context.Context {
	// Also undo an AtMostOnce of a request this one serves (the token a
	// write needs).
	return context.WithValue(context.WithValue(ctx, atMostOnceKey{}, false), idempotentKey{}, true)
}

// Idempotent reports whether the transport may send r again after a broken
// connection or a 5xx without asking anyone: reads (GET, HEAD), setting a
// ref to a SHA (PUT or PATCH of git/refs/...), the Git Data writes that are
// content-addressed (POST git/blobs, git/trees, git/commits: the same
// content makes the same object), and requests marked SafeToRepeat. Every
// other write, creating a ref, a pull request, a comment, requesting
// reviews, adding labels or assignees, editing a pull request, a GraphQL
// mutation, is not: the caller looks up whether it took effect first.
func Idempotent(r *http.Request) bool {
	if atMostOnce(r.Context()) {
		return false
	}
	if b, _ := r.Context().Value(idempotentKey{}).(bool); b {
		return true
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	for i, s := range segs {
		if s != "repos" || len(segs) < i+5 {
			continue
		}
		tail := segs[i+3:] // after repos/{owner}/{repo}
		if tail[0] != "git" {
			return false
		}
		switch r.Method {
		case http.MethodPut, http.MethodPatch:
			return tail[1] == "refs" && len(tail) > 2
		case http.MethodPost:
			return len(tail) == 2 && (tail[1] == "blobs" || tail[1] == "trees" || tail[1] == "commits")
		}
		return false
	}
	return false
}

// classify marks each request with what Idempotent says of it, for the
// retry policy, which sees the request's context but not the request.
type classify struct{ base http.RoundTripper }

func (t classify) RoundTrip(r *http.Request) (*http.Response, error) {
	if Idempotent(r) {
		r = r.WithContext(context.WithValue(r.Context(), idempotentKey{}, true))
	}
	return t.base.RoundTrip(r)
}

func newRetryTransport(base http.RoundTripper, r Retry, now func() time.Time) http.RoundTripper {
	p := policy{Retry: r, now: now}
	rc := &retryablehttp.Client{
		HTTPClient: &http.Client{
			Transport: base,
			Timeout:   r.Timeout,
			// Redirects (the archive endpoint's) go back up to
			// redirectTransport, so that each hop is retried and authorised
			// on its own, and its URL kept out of errors.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Logger:       nil, // never log: URLs of redirects may carry tokens
		RetryWaitMin: r.WaitMin,
		RetryWaitMax: r.WaitMax,
		RetryMax:     r.Max,
		CheckRetry:   p.checkRetry,
		Backoff:      p.Backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return classify{base: &retryablehttp.RoundTripper{Client: rc}}
}

// policy decides on retries and waits; it is the Retry plus a clock.
type policy struct {
	Retry
	now func() time.Time
}

func (p policy) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		if !repeatable(ctx) {
			return false, nil
		}
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		return p.serverWait(resp) <= p.MaxWait, nil
	case code == http.StatusForbidden:
		if !isRateLimited(resp) {
			return false, nil
		}
		return p.serverWait(resp) <= p.MaxWait, nil
	case code >= 500 && code != http.StatusNotImplemented:
		return repeatable(ctx), nil
	}
	return false, nil
}

// isRateLimited reports whether a 403 is a rate limit rather than missing
// permissions. It reads the body and puts it back.
func isRateLimited(resp *http.Response) bool {
	if resp.Header.Get("x-ratelimit-remaining") == "0" || resp.Header.Get("Retry-After") != "" {
		return true
	}
	if resp.Body == nil {
		return false
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return strings.Contains(strings.ToLower(string(b)), "secondary rate limit")
}

// serverWait is how long the server asked to wait: Retry-After, else until
// x-ratelimit-reset when no requests remain, else SecondaryWait for a
// secondary rate limit, else 0.
func (p policy) serverWait(resp *http.Response) time.Duration {
	if resp == nil {
		return 0
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
		if t, err := http.ParseTime(s); err == nil {
			return max(t.Sub(p.now()), 0)
		}
	}
	if resp.Header.Get("x-ratelimit-remaining") == "0" {
		if n, err := strconv.ParseInt(resp.Header.Get("x-ratelimit-reset"), 10, 64); err == nil {
			// One second more: the reset is rounded down to the second.
			return max(time.Unix(n, 0).Sub(p.now())+time.Second, 0)
		}
	}
	if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests {
		return p.SecondaryWait
	}
	return 0
}

// Backoff is the wait before try attempt+1 (attempt counts from 0): what the
// server asked for when it did (Retry-After, x-ratelimit-reset; at most
// MaxWait), else exponential backoff with jitter between WaitMin and
// WaitMax. It has retryablehttp's Backoff signature; min and max are
// ignored in favour of the policy's.
func (p policy) Backoff(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusForbidden) {
		if w := p.serverWait(resp); w > 0 {
			return min(w, p.MaxWait)
		}
	}
	return Jitter(p.WaitMin, p.WaitMax, attempt)
}

// Jitter returns a random wait in [d/2, d] where d = min(hi, lo·2^attempt):
// exponential backoff with jitter, so that clients that failed together do
// not try again together.
func Jitter(lo, hi time.Duration, attempt int) time.Duration {
	d := lo
	for i := 0; i < attempt && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
