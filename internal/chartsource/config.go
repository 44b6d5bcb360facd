package chartsource

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
)

// Mirror sends every chart URL that starts with From to To instead: a
// pull-through cache (Harbor, Artifactory) or an air-gapped copy. Both are
// oci:// or both http(s)://, with no credentials, query or fragment.
type Mirror struct {
	From, To string
}

// ParseMirrors reads mirrors, one FROM=TO a line
// ("oci://ghcr.io=oci://registry.example.com/ghcr"). An error names the
// line and says what is wrong.
func ParseMirrors(lines []string) ([]Mirror, error) {
	var out []Mirror
	seen := map[string]bool{}
	for i, line := range lines {
		from, to, ok := strings.Cut(line, "=")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok || from == "" || to == "" {
			return nil, fmt.Errorf("line %d: %q is not FROM=TO (such as oci://ghcr.io=oci://registry.example.com/ghcr)", i+1, line)
		}
		f, err := mirrorURL(from)
		if err != nil {
			return nil, fmt.Errorf("line %d: FROM %w", i+1, err)
		}
		t, err := mirrorURL(to)
		if err != nil {
			return nil, fmt.Errorf("line %d: TO %w", i+1, err)
		}
		if (f.Scheme == "oci") != (t.Scheme == "oci") {
			return nil, fmt.Errorf("line %d: %q and %q are not both oci:// or both http(s)://: a Helm repository cannot be mirrored by an OCI registry", i+1, from, to)
		}
		m := Mirror{From: strings.TrimSuffix(f.String(), "/"), To: strings.TrimSuffix(t.String(), "/")}
		if seen[m.From] {
			return nil, fmt.Errorf("line %d: %q has a mirror already", i+1, from)
		}
		seen[m.From] = true
		out = append(out, m)
	}
	// The longest FROM that matches wins: sort once.
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].From) > len(out[j].From) })
	return out, nil
}

// mirrorURL checks one side of a mirror line.
func mirrorURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%q is not a URL", s)
	case u.Scheme != "oci" && u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("%q does not start with oci://, https:// or http://", s)
	case u.Host == "":
		return nil, fmt.Errorf("%q names no host", s)
	case u.User != nil:
		return nil, fmt.Errorf("%q holds credentials: give them in chart-credentials instead", redactURL(u))
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("%q has a query or fragment, which a mirror cannot have", s)
	}
	u.Host = strings.ToLower(u.Host)
	return u, nil
}

// mirrored rewrites a chart URL through the first mirror whose From is
// the URL or a path prefix of it, and says whether one did.
func mirrored(mirrors []Mirror, raw string) (string, bool) {
	norm := normalizeURL(raw)
	for _, m := range mirrors {
		if norm == m.From {
			return m.To, true
		}
		if strings.HasPrefix(norm, m.From+"/") {
			return m.To + norm[len(m.From):], true
		}
	}
	return raw, false
}

// normalizeURL lowers the scheme and host of a URL, as mirrors are kept.
func normalizeURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	host, path, _ := strings.Cut(rest, "/")
	out := strings.ToLower(scheme) + "://" + strings.ToLower(host)
	if path != "" || strings.HasSuffix(rest, "/") {
		out += "/" + path
	}
	return out
}

// Credential is a user name and password for one host.
type Credential struct {
	// Host is a host name, with a port when it is not the scheme's
	// default ("ghcr.io", "charts.example.com:8443"), lower case.
	Host     string
	Username string
	Password string
}

// ParseCredentials reads credentials, one HOST=USER:PASSWORD a line. An
// error names the line but never quotes it, for it may hold a password.
func ParseCredentials(lines []string) ([]Credential, error) {
	var out []Credential
	seen := map[string]bool{}
	for i, line := range lines {
		host, userpass, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d is not HOST=USER:PASSWORD (the line is not shown: it may hold a password)", i+1)
		}
		h, err := credentialHost(strings.TrimSpace(host))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		user, pass, ok := strings.Cut(userpass, ":")
		if !ok || user == "" || pass == "" {
			return nil, fmt.Errorf("line %d: the credentials for %q are not USER:PASSWORD, both set (the line is not shown: it may hold a password)", i+1, h)
		}
		if seen[h] {
			return nil, fmt.Errorf("line %d: %q has credentials already", i+1, h)
		}
		seen[h] = true
		out = append(out, Credential{Host: h, Username: user, Password: pass})
	}
	return out, nil
}

// credentialHost reads the HOST of a credentials line: a host name or IP
// with an optional port; a URL's host is taken ("https://ghcr.io" is
// ghcr.io).
func credentialHost(s string) (string, error) {
	if _, rest, ok := strings.Cut(s, "://"); ok {
		s, _, _ = strings.Cut(rest, "/")
	}
	s = strings.ToLower(s)
	h := s
	if host, port, err := net.SplitHostPort(s); err == nil {
		if port == "" || strings.Trim(port, "0123456789") != "" {
			return "", fmt.Errorf("%q is not HOST or HOST:PORT", s)
		}
		h = host
	}
	if h == "" || strings.ContainsAny(h, "/@ \t?#\\") {
		return "", fmt.Errorf("%q is not a host name (such as ghcr.io or charts.example.com:8443)", s)
	}
	return s, nil
}

// CredentialSecrets returns the parts of a chart-credentials value that
// are secret on their own: each line, its USER:PASSWORD and its
// PASSWORD, so that a message that quotes one never shows it. A line
// that is not HOST=USER:PASSWORD is masked as far as it can be read.
func CredentialSecrets(value string) []string {
	var out []string
	for _, line := range strings.Split(value, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		out = append(out, line)
		userpass := line
		if _, after, ok := strings.Cut(line, "="); ok && after != "" {
			userpass = after
			out = append(out, userpass)
		}
		if _, pass, ok := strings.Cut(userpass, ":"); ok && pass != "" {
			out = append(out, pass)
		}
	}
	return out
}

// defaultPort is the port a scheme talks to when a URL names none.
func defaultPort(scheme string, plainHTTP bool) string {
	if scheme == "http" || plainHTTP {
		return "80"
	}
	return "443"
}

// canonicalHost is host:port, lower case, with the scheme's default port
// when none is given.
func canonicalHost(scheme, hostport string, plainHTTP bool) string {
	hostport = strings.ToLower(hostport)
	if _, _, err := net.SplitHostPort(hostport); err == nil {
		return hostport
	}
	return net.JoinHostPort(strings.Trim(hostport, "[]"), defaultPort(scheme, plainHTTP))
}

// credentialFor returns the credential configured for exactly this host
// and port: a credential for ghcr.io serves ghcr.io:443 and no other
// port or host, sub-domains included. None goes over plain HTTP but to
// the runner itself (a loopback mirror): a pull request may write
// http:// before a host that has credentials.
func credentialFor(creds []Credential, scheme, hostport string, plainHTTP bool) (Credential, bool) {
	if scheme == "http" || plainHTTP {
		h := hostport
		if host, _, err := net.SplitHostPort(hostport); err == nil {
			h = host
		}
		if !isLoopbackHost(h) {
			return Credential{}, false
		}
	}
	want := canonicalHost(scheme, hostport, plainHTTP)
	for _, c := range creds {
		if canonicalHost(scheme, c.Host, plainHTTP) == want {
			return c, true
		}
	}
	return Credential{}, false
}

// redactURL is a URL for a message: without credentials, query or
// fragment (a signed download URL carries its token in the query).
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	c.ForceQuery = false
	c.Fragment = ""
	c.RawFragment = ""
	return c.String()
}

// redactRaw is redactURL for a URL as text; text that is no URL is
// returned as it is.
func redactRaw(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return redactURL(u)
}
