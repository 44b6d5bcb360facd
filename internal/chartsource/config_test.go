package chartsource

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestParseMirrors(t *testing.T) {
	tests := []struct {
		name    string
		lines   []string
		want    []Mirror
		wantErr string
	}{
		{name: "oci and https, longest first", lines: []string{"oci://ghcr.io=oci://registry.example.com/ghcr", "oci://GHCR.io/acme/=oci://127.0.0.1:5000/acme", "https://charts.example.com=https://mirror.example.com/charts/"}, want: []Mirror{
			{From: "https://charts.example.com", To: "https://mirror.example.com/charts"},
			{From: "oci://ghcr.io/acme", To: "oci://127.0.0.1:5000/acme"},
			{From: "oci://ghcr.io", To: "oci://registry.example.com/ghcr"},
		}},
		{name: "no =", lines: []string{"oci://ghcr.io"}, wantErr: `line 1: "oci://ghcr.io" is not FROM=TO`},
		{name: "empty TO", lines: []string{"oci://ghcr.io="}, wantErr: `is not FROM=TO`},
		{name: "unknown scheme", lines: []string{"git://x=oci://y"}, wantErr: `line 1: FROM "git://x" does not start with oci://, https:// or http://`},
		{name: "kinds differ", lines: []string{"https://a.example=oci://b.example"}, wantErr: `are not both oci:// or both http(s)://`},
		{name: "query", lines: []string{"https://a.example=https://b.example/?token=x"}, wantErr: `TO "https://b.example/?token=x" has a query or fragment`},
		{name: "credentials", lines: []string{"https://a.example=https://u:pw@b.example"}, wantErr: `TO "https://b.example" holds credentials`},
		{name: "twice", lines: []string{"oci://a.example=oci://b.example", "oci://a.example/=oci://c.example"}, wantErr: `line 2: "oci://a.example/" has a mirror already`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMirrors(tc.lines)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "pw@") {
					t.Errorf("the error shows credentials: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestMirrored(t *testing.T) {
	ms, err := ParseMirrors([]string{"oci://ghcr.io=oci://m.example/ghcr", "oci://ghcr.io/acme=oci://m.example/acme", "https://charts.example.com=http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{"oci://ghcr.io/other/app", "oci://m.example/ghcr/other/app"},
		{"oci://ghcr.io/acme/app", "oci://m.example/acme/app"},
		{"oci://GHCR.IO/acme/app", "oci://m.example/acme/app"},
		{"oci://ghcr.io.evil.example/app", "oci://ghcr.io.evil.example/app"},
		{"oci://ghcr.io", "oci://m.example/ghcr"},
		{"https://charts.example.com/charts/app-1.0.0.tgz", "http://127.0.0.1:8080/charts/app-1.0.0.tgz"},
		{"https://charts.example.community/x", "https://charts.example.community/x"},
		{"http://charts.example.com/x", "http://charts.example.com/x"},
	}
	for _, tc := range tests {
		if got, _ := mirrored(ms, tc.in); got != tc.want {
			t.Errorf("mirrored(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseCredentials(t *testing.T) {
	const pw = "pw-s3cret"
	tests := []struct {
		name    string
		lines   []string
		want    []Credential
		wantErr string
	}{
		{name: "hosts", lines: []string{"ghcr.io=robot:" + pw, "https://Charts.Example.com:8443/path=ci:a:b=c", "[::1]:5000=u:" + pw}, want: []Credential{
			{Host: "ghcr.io", Username: "robot", Password: pw},
			{Host: "charts.example.com:8443", Username: "ci", Password: "a:b=c"},
			{Host: "[::1]:5000", Username: "u", Password: pw},
		}},
		{name: "no =", lines: []string{"robot:" + pw}, wantErr: "line 1 is not HOST=USER:PASSWORD"},
		{name: "no user", lines: []string{"ghcr.io=:" + pw}, wantErr: `the credentials for "ghcr.io" are not USER:PASSWORD`},
		{name: "no password", lines: []string{"ghcr.io=" + pw}, wantErr: `the credentials for "ghcr.io" are not USER:PASSWORD`},
		{name: "bad host", lines: []string{"user@ghcr.io=a:" + pw}, wantErr: `"user@ghcr.io" is not a host name`},
		{name: "bad port", lines: []string{"ghcr.io:x=a:" + pw}, wantErr: `"ghcr.io:x" is not HOST or HOST:PORT`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCredentials(tc.lines)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), pw) {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestCredentialSecrets(t *testing.T) {
	got := CredentialSecrets("ghcr.io=robot:pw1\n  \nbroken-line:pw2\nnohost=pw3\n")
	want := []string{"ghcr.io=robot:pw1", "robot:pw1", "pw1", "broken-line:pw2", "pw2", "nohost=pw3", "pw3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCredentialFor(t *testing.T) {
	creds := []Credential{{Host: "ghcr.io", Username: "a", Password: "1"}, {Host: "charts.example.com:8443", Username: "b", Password: "2"}, {Host: "localhost:5000", Username: "c", Password: "3"}, {Host: "127.0.0.1:8080", Username: "d", Password: "4"}}
	tests := []struct {
		scheme, host string
		plain        bool
		want         string
	}{
		{"oci", "ghcr.io", false, "a"},
		{"https", "ghcr.io:443", false, "a"},
		{"https", "GHCR.io", false, "a"},
		{"http", "ghcr.io", false, ""},
		{"https", "ghcr.io:8443", false, ""},
		{"https", "pkg.ghcr.io", false, ""},
		{"https", "charts.example.com:8443", false, "b"},
		{"https", "charts.example.com", false, ""},
		{"oci", "localhost:5000", true, "c"},
		{"http", "charts.example.com:8443", false, ""},
		{"http", "127.0.0.1:8080", false, "d"},
	}
	for _, tc := range tests {
		c, _ := credentialFor(creds, tc.scheme, tc.host, tc.plain)
		if c.Username != tc.want {
			t.Errorf("credentialFor(%s, %s) = %q, want %q", tc.scheme, tc.host, c.Username, tc.want)
		}
	}
}

func TestPublic(t *testing.T) {
	tests := map[string]bool{
		"140.82.112.33":        true,
		"2606:50c0:8000::154":  true,
		"127.0.0.1":            false,
		"127.8.9.10":           false,
		"::1":                  false,
		"10.0.0.1":             false,
		"172.16.5.4":           false,
		"192.168.1.1":          false,
		"169.254.169.254":      false,
		"100.100.100.200":      false,
		"0.0.0.0":              false,
		"::":                   false,
		"fd00:ec2::254":        false,
		"fe80::1":              false,
		"::ffff:127.0.0.1":     false,
		"::ffff:140.82.112.33": true,
		"64:ff9b::a9fe:a9fe":   false,
		"64:ff9b::8c52:7021":   true,
		"224.0.0.1":            false,
		"255.255.255.255":      false,
		"198.18.0.1":           false,
	}
	for addr, want := range tests {
		if got := public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("public(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{"localhost": true, "LOCALHOST": true, "registry.localhost": true, "127.0.0.1": true, "127.1.2.3": true, "[::1]": true, "::1": true, "10.0.0.1": false, "localhost.example.com": false, "ghcr.io": false} {
		if got := isLoopbackHost(host); got != want {
			t.Errorf("isLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestPickVersion(t *testing.T) {
	have := []string{"1.0.0", "1.2.0", "v1.3.0", "2.0.0-rc.1", "latest", "0.9.0"}
	tests := []struct {
		want, got string
		ok        bool
		err       bool
	}{
		{want: "", got: "v1.3.0", ok: true},
		{want: "1.2.0", got: "1.2.0", ok: true},
		{want: "latest", got: "latest", ok: true},
		{want: "^1.0", got: "v1.3.0", ok: true},
		{want: "<1.0.0", got: "0.9.0", ok: true},
		{want: ">=2.0.0-0", got: "2.0.0-rc.1", ok: true},
		{want: "1.3.0", got: "v1.3.0", ok: true},
		{want: "3.x"},
		{want: "!!", err: true},
	}
	for _, tc := range tests {
		got, ok, err := pickVersion(tc.want, have)
		if got != tc.got || ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("pickVersion(%q) = %q, %v, %v; want %q, %v, error %v", tc.want, got, ok, err, tc.got, tc.ok, tc.err)
		}
	}
	for v, want := range map[string]bool{"1.2.3": true, "v1.2.3": true, "1.2.3-rc.1+build.5": true, "1.2": true, "1.x": false, "^1": false, "~1.2.0": false, ">=1": false, "*": false, "": false, "1.2.3 || 2.0.0": false, "latest": false} {
		if got := exactVersion(v); got != want {
			t.Errorf("exactVersion(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestChartEntries(t *testing.T) {
	helmIndex := "apiVersion: v1\nentries:\n  alpha:\n  - apiVersion: v2\n    description: |\n      first line\n\n      alpha:\n    digest: aa\n    name: alpha\n    urls:\n    - alpha-1.0.0.tgz\n    version: 1.0.0\n  \"beta\":\n  - name: beta\n    urls:\n    - https://cdn.example.com/beta-2.0.0.tgz\n    version: 2.0.0\n  - name: beta\n    urls: [beta-1.0.0.tgz]\n    version: 1.0.0\ngenerated: \"2026-01-01T00:00:00Z\"\n"
	tests := []struct {
		name    string
		index   string
		chart   string
		want    string
		wantErr string
	}{
		{name: "helm's layout", index: helmIndex, chart: "beta", want: "[{2.0.0 [https://cdn.example.com/beta-2.0.0.tgz] } {1.0.0 [beta-1.0.0.tgz] }]"},
		{name: "helm's layout, first chart", index: helmIndex, chart: "alpha", want: "[{1.0.0 [alpha-1.0.0.tgz] aa}]"},
		{name: "helm's layout, no such chart", index: helmIndex, chart: "gamma", wantErr: "no such chart"},
		{name: "json", index: `{"apiVersion":"v1","entries":{"beta":[{"version":"1.0.0","urls":["b.tgz"],"digest":"bb"}]}}`, chart: "beta", want: "[{1.0.0 [b.tgz] bb}]"},
		{name: "indented by four", index: "apiVersion: v1\nentries:\n    beta:\n        - version: 1.0.0\n          urls: [b.tgz]\n", chart: "beta", want: "[{1.0.0 [b.tgz] }]"},
		{name: "flow style", index: "apiVersion: v1\nentries: {beta: [{version: 3.0.0, urls: [b.tgz]}]}\n", chart: "beta", want: "[{3.0.0 [b.tgz] }]"},
		{name: "no apiVersion", index: "entries: {beta: []}\n", chart: "beta", wantErr: "no apiVersion"},
		{name: "not YAML", index: "apiVersion: v1\nentries:\n  beta: [\n", chart: "beta", wantErr: "reading the index"},
		{name: "an HTML page", index: "<html><body>not found</body></html>\n", chart: "beta", wantErr: "reading the index"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := chartEntries([]byte(tc.index), tc.chart)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := fmt.Sprint(got); s != tc.want {
				t.Errorf("got %s, want %s", s, tc.want)
			}
		})
	}
}
