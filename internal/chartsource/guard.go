package chartsource

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpproxy"
)

// Resolver finds the addresses of a host name; *net.Resolver is one.
// Tests give their own, to map a name that looks public to 127.0.0.1
// without DNS.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// guard decides where the fetcher may connect. A chart URL comes from a
// pull request, so every connection is checked at dial time, on the
// address actually dialled (never the name alone, which DNS may answer
// differently a moment later): loopback, private, link-local and other
// non-public addresses are refused unless the host and port are those of
// a mirror or of the runner's proxy, or AllowPrivate says so. A
// self-hosted runner often sits next to a cloud metadata endpoint
// (169.254.169.254) or an internal service a pull request must not
// reach.
type guard struct {
	allowPrivate bool
	// trusted are the host:port pairs of mirrors and proxies, canonical
	// (canonicalHost): the user configured them.
	trusted  map[string]bool
	resolver Resolver
	dialer   net.Dialer
	// proxy is the runner's proxy setting (HTTPS_PROXY, HTTP_PROXY,
	// NO_PROXY, read through the injected getenv), or nil.
	proxy func(*url.URL) (*url.URL, error)
}

// errPrivate says an address is not public.
var errPrivate = errors.New("not a public address")

// nonPublic are ranges netip's predicates do not cover: shared address
// space (carrier-grade NAT, and some clouds' metadata), "this network",
// IETF protocol assignments, benchmarking, reserved, and NAT64's
// well-known prefix (checked on the IPv4 address it embeds).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("255.255.255.255/32"),
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// public reports whether a connection to addr reaches the public
// internet rather than the runner itself or its private network.
func public(addr netip.Addr) bool {
	addr = addr.Unmap()
	if nat64.Contains(addr) {
		b := addr.As16()
		return public(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	}
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() ||
		addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// isLoopbackHost reports whether a URL's host (without port) is the
// runner itself by its name: localhost, 127.0.0.0/8 or ::1. A mirror
// there is spoken to over plain HTTP, as Docker treats a localhost
// registry.
func isLoopbackHost(host string) bool {
	host = strings.Trim(strings.ToLower(host), "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// lookup resolves host, an IP literal or a name.
func (g *guard) lookup(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{a}, nil
	}
	ipnet := "ip"
	switch network {
	case "tcp4":
		ipnet = "ip4"
	case "tcp6":
		ipnet = "ip6"
	}
	return g.resolver.LookupNetIP(ctx, ipnet, host)
}

// allowed returns the addresses of host that may be dialled for port:
// all of them for a trusted host:port or with AllowPrivate, else the
// public ones; none is a *refusal.
func (g *guard) allowed(ctx context.Context, network, host, port string) ([]netip.Addr, error) {
	addrs, err := g.lookup(ctx, network, host)
	if err != nil {
		return nil, err
	}
	if g.trustedHost(host, port) {
		return addrs, nil
	}
	var ok []netip.Addr
	var refused netip.Addr
	for _, a := range addrs {
		if public(a) {
			ok = append(ok, a)
		} else {
			refused = a
		}
	}
	if len(ok) == 0 && refused.IsValid() {
		return nil, refuse(ctx, fmt.Errorf("%s is %s (%s): not fetched from, unless a chart-mirrors line points there or chart-allow-private is true: %w", quoteHost(host), refused, addressKind(refused), errPrivate))
	}
	if len(ok) == 0 {
		return nil, fmt.Errorf("%s has no address", quoteHost(host))
	}
	return ok, nil
}

// quoteHost quotes a host for a message.
func quoteHost(host string) string { return fmt.Sprintf("%q", host) }

// addressKind names why an address is not public, for a message.
func addressKind(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return "a loopback address"
	case a.IsPrivate():
		return "a private address"
	case a.IsLinkLocalUnicast():
		return "a link-local address, where cloud metadata endpoints live"
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsMulticast():
		return "a multicast address"
	}
	return "not a public address"
}

// DialContext is the transport's dialer: it resolves the host, checks
// every address and dials only the ones that pass.
func (g *guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	addrs, err := g.allowed(ctx, network, host, port)
	if err != nil {
		return nil, err
	}
	var first error
	for _, a := range addrs {
		if (network == "tcp4" && !a.Unmap().Is4()) || (network == "tcp6" && a.Unmap().Is4()) {
			continue
		}
		conn, err := g.dialer.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if first == nil {
		first = fmt.Errorf("%s has no %s address", quoteHost(host), network)
	}
	return nil, first
}

// Proxy is the transport's proxy function. Through a proxy the dialer
// sees only the proxy's address, so the destination's addresses are
// checked here, before the request leaves; the proxy resolves the name
// again, which is the best a client behind a proxy can do.
func (g *guard) Proxy(req *http.Request) (*url.URL, error) {
	if g.proxy == nil {
		return nil, nil
	}
	p, err := g.proxy(req.URL)
	if p == nil || err != nil {
		return p, err
	}
	host, port := req.URL.Hostname(), req.URL.Port()
	if port == "" {
		port = defaultPort(req.URL.Scheme, false)
	}
	if g.trustedHost(host, port) {
		return p, nil // nothing to check: no need to resolve what the proxy will
	}
	if _, err := g.allowed(req.Context(), "tcp", host, port); err != nil {
		var r *refusal
		if !errors.As(err, &r) {
			err = fmt.Errorf("%s cannot be resolved here, to check that it is a public address before the proxy fetches from it (chart-allow-private: true leaves that to the proxy): %w", quoteHost(host), err)
		}
		return nil, err
	}
	return p, nil
}

// trustedHost reports whether any address of host:port may be reached.
func (g *guard) trustedHost(host, port string) bool {
	return g.allowPrivate || g.trusted[canonicalHost("", net.JoinHostPort(strings.Trim(host, "[]"), port), false)]
}

// proxyFromEnv reads the runner's proxy variables through getenv, as
// net/http's ProxyFromEnvironment reads the process's (which it caches
// for the life of the process).
func proxyFromEnv(getenv func(string) string) (func(*url.URL) (*url.URL, error), []string) {
	if getenv == nil {
		return nil, nil
	}
	either := func(a, b string) string {
		if v := getenv(a); v != "" {
			return v
		}
		return getenv(b)
	}
	cfg := httpproxy.Config{
		HTTPProxy:  either("HTTP_PROXY", "http_proxy"),
		HTTPSProxy: either("HTTPS_PROXY", "https_proxy"),
		NoProxy:    either("NO_PROXY", "no_proxy"),
	}
	if cfg.HTTPProxy == "" && cfg.HTTPSProxy == "" {
		return nil, nil
	}
	var hosts []string
	for _, p := range []string{cfg.HTTPProxy, cfg.HTTPSProxy} {
		if p == "" {
			continue
		}
		if !strings.Contains(p, "://") {
			p = "http://" + p
		}
		if u, err := url.Parse(p); err == nil && u.Host != "" {
			hosts = append(hosts, canonicalHost(u.Scheme, u.Host, false))
		}
	}
	return cfg.ProxyFunc(), hosts
}

// maxRedirects bounds a chain of redirects, as net/http's default does.
const maxRedirects = 10

// checkRedirect is the clients' redirect policy. A redirect that leaves
// the origin (scheme, host and port) of the first request loses its
// Authorization header: net/http keeps it for the same host name on
// another port and for sub-domains, and credentials go only to the host
// they are configured for. https is never followed down to http (but
// for a loopback mirror), and the new address is checked by the dialer
// like any other.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return refuse(req.Context(), fmt.Errorf("more than %d redirects, the last to %q", maxRedirects, redactURL(req.URL)))
	}
	prev := via[len(via)-1]
	if prev.URL.Scheme == "https" && req.URL.Scheme != "https" && !isLoopbackHost(req.URL.Hostname()) {
		return refuse(req.Context(), fmt.Errorf("a redirect from https to %q, which is not https", redactURL(req.URL)))
	}
	if !sameOrigin(via[0].URL, req.URL) {
		req.Header.Del("Authorization")
	}
	return nil
}

// sameOrigin reports whether two URLs share scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && canonicalHost(a.Scheme, a.Host, false) == canonicalHost(b.Scheme, b.Host, false)
}
