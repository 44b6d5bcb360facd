package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// headerTransport adds the User-Agent and the API version to every try of
// a request, and the credentials to tries for the API host only: the
// archive endpoint redirects to another host (codeload) that must not see
// the token. auth is asked on every try, so that a try after a long wait
// carries a token that has not expired.
type headerTransport struct {
	base      http.RoundTripper
	host      string
	userAgent string
	auth      func(context.Context) (string, error)
}

func (t *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", t.userAgent)
	if t.auth != nil && r.URL.Host == t.host && r.Header.Get("Authorization") == "" {
		a, err := t.auth(r.Context())
		if err != nil {
			return nil, err
		}
		r.Header.Set("Authorization", a)
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

// maxRedirects bounds the hops redirectTransport follows, as net/http does.
const maxRedirects = 10

// redirectTransport follows the redirects of GET and HEAD requests itself,
// each hop retried on its own by the transport below it. It exists so that
// a redirect's URL never reaches an error: GitHub's archive and asset
// redirects carry short-lived credentials in their query string
// (codeload's ?token=, S3's X-Amz-Signature), and net/http and go-github
// print the URL of a request that failed. Here a failed hop's error names
// the URL without query or credentials, and every answer's Request is
// given such a URL, which go-github's errors print.
type redirectTransport struct {
	base http.RoundTripper
}

func (t *redirectTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	req := r
	for hop := 0; ; hop++ {
		resp, err := t.base.RoundTrip(req)
		if err != nil {
			if hop == 0 {
				return nil, err
			}
			return nil, redactError(fmt.Errorf("following GitHub's redirect to %s: %w", RedactURL(req.URL.String()), err))
		}
		resp.Request = redactedRequest(req)
		loc := resp.Header.Get("Location")
		if !isRedirect(resp.StatusCode) || loc == "" || (req.Method != http.MethodGet && req.Method != http.MethodHead) {
			return resp, nil
		}
		resp.Body.Close()
		if hop == maxRedirects {
			return nil, fmt.Errorf("stopped after %d redirects from %s", maxRedirects, RedactURL(r.URL.String()))
		}
		u, err := req.URL.Parse(loc)
		if err != nil {
			return nil, fmt.Errorf("GitHub answered a redirect to an unreadable location from %s", RedactURL(req.URL.String()))
		}
		next, err := http.NewRequestWithContext(req.Context(), req.Method, u.String(), nil)
		if err != nil {
			return nil, redactError(err)
		}
		for k, v := range req.Header {
			// As net/http does: credentials stay with the host they were
			// given for.
			if u.Host != req.URL.Host && (k == "Authorization" || k == "Cookie") {
				continue
			}
			next.Header[k] = v
		}
		req = next
	}
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// redactedRequest returns r, or a shallow copy whose URL has no query,
// fragment or credentials when it had any.
func redactedRequest(r *http.Request) *http.Request {
	if r.URL.RawQuery == "" && r.URL.User == nil && r.URL.Fragment == "" {
		return r
	}
	c := *r
	u := *r.URL
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment, u.User = "", false, "", "", nil
	c.URL = &u
	return &c
}

// RedactURL returns the URL s without credentials (user:password@), query
// string or fragment, the parts that carry secrets: what an error message
// may print of a URL.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			s = s[:i]
		}
		if scheme, rest, ok := strings.Cut(s, "://"); ok {
			if at := strings.LastIndex(rest, "@"); at >= 0 {
				rest = rest[at+1:]
			}
			return scheme + "://" + rest
		}
		return s
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// urlInText finds URLs in a message: a scheme, "://", and everything up to
// a space, a quote or an angle bracket.
var urlInText = regexp.MustCompile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>`]+")

// RedactText returns s with every URL in it redacted (see RedactURL).
func RedactText(s string) string {
	return urlInText.ReplaceAllStringFunc(s, RedactURL)
}

// redactedError is an error whose message had its URLs redacted. It
// unwraps only to the context error it carried, if any: the errors it
// replaces may print the URL themselves, and nothing above needs more of
// them than whether the caller gave up.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactError returns err, or when its message names a URL with a query
// string or credentials, an error with the same message but every URL
// redacted (see RedactURL).
func redactError(err error) error {
	if err == nil {
		return nil
	}
	msg := RedactText(err.Error())
	if msg == err.Error() {
		return err
	}
	var cause error
	switch {
	case errors.Is(err, context.Canceled):
		cause = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		cause = context.DeadlineExceeded
	}
	return &redactedError{msg: msg, err: cause}
}
