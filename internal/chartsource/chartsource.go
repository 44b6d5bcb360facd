// Package chartsource fetches the Helm charts a repository's releases
// name from outside it: from Helm repositories over https (index.yaml and
// the archive it names, the digest it gives verified) and from OCI
// registries (tags, semver ranges resolved against them, the manifest
// digest verified), through mirrors, with credentials, into a
// content-addressed cache that later runs reuse without a request. It
// implements chartref.Fetcher.
//
// Every chart URL comes from a pull request, so every fetch is hostile
// input: credentials go only to the host they are configured for (never
// across a redirect to another), nothing is fetched from a loopback,
// private or link-local address unless a mirror points there or the
// caller allows it (checked on the address dialled), answers are bounded
// in size, and each fetch in time.
package chartsource

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
)

// Defaults of Options.
const (
	// DefaultTimeout bounds one fetch: an index, or a chart's archive.
	DefaultTimeout = 60 * time.Second
	// DefaultMaxArchiveSize bounds a chart archive as downloaded. The
	// largest popular charts (with their CRDs) are a few hundred KiB.
	DefaultMaxArchiveSize = 20 << 20
	// DefaultMaxIndexSize bounds a Helm repository's index.yaml; the
	// largest public ones are some tens of MiB.
	DefaultMaxIndexSize = 64 << 20
)

// Options configure a Fetcher.
type Options struct {
	// Disabled makes every Fetch fail with a chartref.Disabled error:
	// nothing is fetched (fetch-charts: false).
	Disabled bool
	// CacheDir is the directory of the on-disk cache ("": none; each
	// chart is still fetched at most once per Fetcher).
	CacheDir string
	// Mirrors rewrite chart URLs (ParseMirrors).
	Mirrors []Mirror
	// Credentials are sent to their host only (ParseCredentials).
	Credentials []Credential
	// DockerConfig is a Docker config.json whose credentials are used
	// for the OCI registries Credentials does not name ("": none; a file
	// that does not exist is none).
	DockerConfig string
	// AllowPrivate allows fetching from loopback, private and link-local
	// addresses (chart-allow-private). Without it only a mirror may be
	// there.
	AllowPrivate bool
	// Getenv reads the proxy variables (HTTPS_PROXY, HTTP_PROXY,
	// NO_PROXY); nil means no proxy.
	Getenv func(string) string
	// Timeout bounds each fetch (0: DefaultTimeout).
	Timeout time.Duration
	// MaxArchiveSize and MaxIndexSize bound what is downloaded (0: the
	// defaults).
	MaxArchiveSize, MaxIndexSize int64
	// UserAgent names the tool in requests.
	UserAgent string
	// Resolver resolves host names (nil: the system's). Tests set it.
	Resolver Resolver
}

// Fetcher fetches remote charts; it implements chartref.Fetcher and is
// safe for concurrent use. Each chart version is fetched at most once:
// concurrent callers of one chart share one fetch, and later callers get
// its result (a failure too: an unreachable repository is not asked
// again in the same run).
type Fetcher struct {
	opts      Options
	userAgent string
	base      *http.Transport
	guard     *guard
	// docker holds the Docker config's credentials; dockerErr says why
	// it could not be read, which fails only a fetch that needs it.
	docker    credentials.Store
	dockerErr error
	// cache is opened on first use: a run with no remote chart creates
	// no directory.
	cacheOnce sync.Once
	cache     *cache

	charts    memo[*chartref.Archive]
	downloads memo[*downloaded]
	indexes   memo[[]byte]
	// authNeeded holds the canonical hosts (Helm repositories) that
	// answered 401 or 403 to an anonymous request.
	authNeeded sync.Map

	stats struct{ fetched, cached, failed atomic.Int64 }
	// cacheErr is the first error writing the cache.
	cacheErr atomic.Pointer[error]
}

// New returns a Fetcher. It does no I/O but reading the Docker config;
// a cache directory or a Docker config that cannot be used fails no run
// (CacheError says so; a registry that asks for credentials gets the
// config's error).
func New(opts Options) (*Fetcher, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxArchiveSize <= 0 {
		opts.MaxArchiveSize = DefaultMaxArchiveSize
	}
	if opts.MaxIndexSize <= 0 {
		opts.MaxIndexSize = DefaultMaxIndexSize
	}
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	f := &Fetcher{opts: opts, userAgent: opts.UserAgent}
	if f.userAgent == "" {
		f.userAgent = "gitops-actions"
	}
	if opts.Disabled {
		return f, nil
	}
	g := &guard{allowPrivate: opts.AllowPrivate, trusted: map[string]bool{}, resolver: opts.Resolver, dialer: net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}}
	for _, m := range opts.Mirrors {
		if u, err := url.Parse(m.To); err == nil {
			g.trusted[canonicalHost(u.Scheme, u.Host, u.Scheme == "oci" && isLoopbackHost(u.Hostname()))] = true
		}
	}
	var proxies []string
	g.proxy, proxies = proxyFromEnv(opts.Getenv)
	for _, p := range proxies {
		g.trusted[p] = true
	}
	f.guard = g
	f.base = &http.Transport{
		Proxy:                 g.Proxy,
		DialContext:           g.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		IdleConnTimeout:       60 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ExpectContinueTimeout: time.Second,
		// An archive is hashed as served; Go would otherwise ask for gzip
		// and undo it.
		DisableCompression: true,
	}
	if opts.DockerConfig != "" {
		store, err := credentials.NewStore(opts.DockerConfig, credentials.StoreOptions{})
		if err != nil {
			f.dockerErr = fmt.Errorf("reading the Docker config %q: %w", opts.DockerConfig, err)
		} else {
			f.docker = store
		}
	}
	for _, m := range opts.Mirrors {
		if _, err := mirrorURL(m.From); err != nil {
			return nil, fmt.Errorf("mirror %q: FROM %w", m.From, err)
		}
		if _, err := mirrorURL(m.To); err != nil {
			return nil, fmt.Errorf("mirror %q: TO %w", m.From, err)
		}
	}
	return f, nil
}

// openedCache returns the cache, opening (and creating) its directory on
// first use; nil when there is none or it cannot be used.
func (f *Fetcher) openedCache() *cache {
	if f.opts.CacheDir == "" {
		return nil
	}
	f.cacheOnce.Do(func() {
		c, err := openCache(f.opts.CacheDir, f.opts.MaxArchiveSize)
		if err != nil {
			f.cacheErr.CompareAndSwap(nil, &err)
			return
		}
		f.cache = c
	})
	return f.cache
}

// DockerConfigPath is where Docker keeps its config: $DOCKER_CONFIG/config.json,
// else $HOME/.docker/config.json ("" when neither variable is set).
func DockerConfigPath(getenv func(string) string) string {
	if d := getenv("DOCKER_CONFIG"); d != "" {
		return filepath.Join(d, "config.json")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".docker", "config.json")
	}
	return ""
}

// Close releases the cache and idle connections.
func (f *Fetcher) Close() error {
	if f.base != nil {
		f.base.CloseIdleConnections()
	}
	f.cacheOnce.Do(func() {}) // no cache opens after Close
	if f.cache != nil {
		return f.cache.close()
	}
	return nil
}

// Stats counts what a Fetcher did: charts downloaded, charts read from
// the cache, and charts that could not be fetched.
type Stats struct {
	Fetched, Cached, Failed int
}

// Stats returns the counts so far.
func (f *Fetcher) Stats() Stats {
	return Stats{Fetched: int(f.stats.fetched.Load()), Cached: int(f.stats.cached.Load()), Failed: int(f.stats.failed.Load())}
}

// CacheError returns the first error opening or writing the cache, or
// nil. Such an error fails no fetch: the chart is used, only not kept.
func (f *Fetcher) CacheError() error {
	if p := f.cacheErr.Load(); p != nil {
		return *p
	}
	return nil
}

// Fetch fetches one chart. The Archive's Data is shared with other
// callers of the same chart and must not be modified. A failure is a
// *chartref.Error.
func (f *Fetcher) Fetch(ctx context.Context, ref chartref.Ref) (*chartref.Archive, error) {
	if f.opts.Disabled {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.Disabled, Err: errors.New("fetch-charts is false: remote charts are not fetched")}
	}
	if err := checkRef(ref); err != nil {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.Refused, Err: err}
	}
	key := strings.Join([]string{normalizeURL(strings.TrimSuffix(ref.Repo, "/")), ref.Name, ref.Version, ref.Digest}, "\n")
	a, err := f.charts.do(ctx, key, func() (*chartref.Archive, error) {
		var a *chartref.Archive
		var err error
		if ref.IsOCI() {
			a, err = f.fetchOCI(ctx, ref)
		} else {
			a, err = f.fetchHTTP(ctx, ref)
		}
		if err != nil && ctx.Err() == nil {
			f.stats.failed.Add(1)
		}
		return a, err
	})
	if err != nil {
		var ce *chartref.Error
		if !errors.As(err, &ce) {
			err = &chartref.Error{Ref: ref, Kind: chartref.Unreachable, Err: err}
		}
		return nil, err
	}
	out := *a
	out.Ref = ref
	return &out, nil
}

// checkRef refuses a reference the fetcher will not try: an unknown
// scheme, credentials in the URL, a name that is not one path segment.
func checkRef(ref chartref.Ref) error {
	u, err := url.Parse(ref.Repo)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL", redactRaw(ref.Repo))
	case u.Scheme != "oci" && u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("%q is neither an https:// Helm repository nor an oci:// registry", redactURL(u))
	case u.Host == "":
		return fmt.Errorf("%q names no host", redactURL(u))
	case u.User != nil:
		return fmt.Errorf("%q holds credentials, which are not used from a manifest: give them in chart-credentials", redactURL(u))
	case u.Fragment != "":
		return fmt.Errorf("%q has a fragment", redactURL(u))
	case ref.Name == "" || ref.Name == "." || ref.Name == ".." || strings.ContainsAny(ref.Name, "/\\:@?#") || hasControl(ref.Name) || strings.TrimSpace(ref.Name) != ref.Name:
		return fmt.Errorf("%q is not a chart name", ref.Name)
	case hasControl(ref.Version) || len(ref.Version) > 256:
		return fmt.Errorf("%q is not a version", ref.Version)
	case ref.Digest != "" && blobName(ref.Digest) == "":
		return fmt.Errorf("%q is not a sha256: digest", ref.Digest)
	case u.Scheme == "oci" && u.RawQuery != "":
		return fmt.Errorf("%q has a query, which an OCI reference cannot have", redactURL(u))
	}
	return nil
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// memo runs a function once per key and keeps its result for later
// callers; concurrent callers of one key wait for the first.
type memo[V any] struct {
	mu sync.Mutex
	m  map[string]*memoCall[V]
}

type memoCall[V any] struct {
	done  chan struct{}
	v     V
	err   error
	retry bool // the caller that ran it gave up: its result says nothing
}

func (m *memo[V]) do(ctx context.Context, key string, fn func() (V, error)) (V, error) {
	for {
		m.mu.Lock()
		if m.m == nil {
			m.m = map[string]*memoCall[V]{}
		}
		if c, ok := m.m[key]; ok {
			m.mu.Unlock()
			select {
			case <-c.done:
				if c.retry {
					continue
				}
				return c.v, c.err
			case <-ctx.Done():
				var zero V
				return zero, ctx.Err()
			}
		}
		c := &memoCall[V]{done: make(chan struct{})}
		m.m[key] = c
		m.mu.Unlock()
		c.v, c.err = fn()
		if ctx.Err() != nil {
			m.mu.Lock()
			delete(m.m, key)
			m.mu.Unlock()
			c.retry = true
		}
		close(c.done)
		return c.v, c.err
	}
}

// fromCache returns the archive cached under key, or nil.
func (f *Fetcher) fromCache(key string, ok func(record) bool) *chartref.Archive {
	c := f.openedCache()
	if c == nil {
		return nil
	}
	rec, data, hit := c.get(key)
	if !hit || (ok != nil && !ok(rec)) {
		return nil
	}
	f.stats.cached.Add(1)
	return &chartref.Archive{Version: rec.Version, Digest: rec.Digest, URL: rec.URL, Data: data}
}

// downloaded is an archive as downloaded, with the OCI manifest's digest
// for an OCI chart.
type downloaded struct {
	archive  *chartref.Archive
	manifest string
}

// download runs fetch once per key: two references that resolve to one
// archive (6.x and 6.5.0) download it once.
func (f *Fetcher) download(ctx context.Context, ref chartref.Ref, key string, fetch func() (*downloaded, error)) (*downloaded, error) {
	d, err := f.downloads.do(ctx, key, fetch)
	return d, withRef(err, ref)
}

// withRef returns a fetch error about another reference (the first
// caller of a shared download or index) as one about ref.
func withRef(err error, ref chartref.Ref) error {
	var ce *chartref.Error
	if errors.As(err, &ce) && ce.Ref != ref {
		e := *ce
		e.Ref = ref
		return &e
	}
	return err
}

// keep counts a download and keeps it in the cache under keys.
func (f *Fetcher) keep(d *downloaded, keys ...string) {
	f.stats.fetched.Add(1)
	f.remember(d, keys...)
}

// remember keeps an archive in the cache under keys; a failure is
// remembered for CacheError, not returned.
func (f *Fetcher) remember(d *downloaded, keys ...string) {
	c := f.openedCache()
	if c == nil {
		return
	}
	a := d.archive
	if err := c.put(a.Data, record{URL: a.URL, Version: a.Version, Digest: a.Digest, Manifest: d.manifest}, keys...); err != nil {
		err = fmt.Errorf("writing the chart cache %q: %w", f.opts.CacheDir, err)
		f.cacheErr.CompareAndSwap(nil, &err)
	}
}

// statusError is an HTTP answer other than 200.
type statusError struct {
	URL    string
	Status string
	Code   int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s answered %s", e.URL, e.Status)
}

// fail turns what went wrong in exchange x into a fetch error of the
// right Kind. parent is the caller's context: its end is the run's, not
// the repository's fault.
func (f *Fetcher) fail(ref chartref.Ref, x *exchange, parent context.Context, err error) error {
	var ce *chartref.Error
	if errors.As(err, &ce) {
		return ce
	}
	refused, denied := x.why()
	kind := chartref.Unreachable
	switch {
	case refused != nil:
		kind, err = chartref.Refused, refused
	case parent.Err() != nil:
		err = parent.Err()
	case errors.Is(x.ctx.Err(), context.DeadlineExceeded):
		err = fmt.Errorf("no answer within %s: the repository is slow or unreachable", f.opts.Timeout)
	default:
		kind = classify(err, denied != "")
	}
	if kind == chartref.Unauthorized {
		var se *statusError
		switch {
		case denied != "" && f.dockerErr != nil && errors.Is(err, f.dockerErr):
			err = fmt.Errorf("%s, and %w", denied, f.dockerErr)
		case denied != "" && !errors.As(err, &se):
			// The registry client's own words ("failed to perform
			// FetchReference on source: ... basic credential not
			// found") say less than the answer it got.
			err = errors.New(denied)
		}
		err = fmt.Errorf("%w (%s)", err, authHint(ref, f.opts.Mirrors))
	}
	return &chartref.Error{Ref: ref, Kind: kind, Err: err}
}

// classify reads an error of the network or of a repository's answer.
func classify(err error, unauthorized bool) chartref.Kind {
	code := 0
	var se *statusError
	var er *errcode.ErrorResponse
	switch {
	case errors.As(err, &se):
		code = se.Code
	case errors.As(err, &er):
		code = er.StatusCode
	}
	switch {
	case unauthorizedStatus(code):
		return chartref.Unauthorized
	case code == http.StatusNotFound || errors.Is(err, errdef.ErrNotFound):
		return chartref.NotFound
	case code >= 500 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout:
		return chartref.Unreachable
	case code != 0:
		return chartref.Refused
	case unauthorized:
		return chartref.Unauthorized
	}
	return chartref.Unreachable
}

// authHint says how to give a repository credentials.
func authHint(ref chartref.Ref, mirrors []Mirror) string {
	loc := ref.Repo
	if ref.IsOCI() {
		loc = strings.TrimSuffix(ref.Repo, "/") + "/" + ref.Name
	}
	loc, _ = mirrored(mirrors, loc)
	host := loc
	if u, err := url.Parse(loc); err == nil && u.Host != "" {
		host = u.Host
	}
	hint := fmt.Sprintf("set chart-credentials to %s=USER:PASSWORD", host)
	if ref.IsOCI() {
		hint += ", or log in to the registry so that the Docker config ($DOCKER_CONFIG) holds its credentials"
	}
	return hint
}
