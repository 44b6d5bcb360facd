package chartsource

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/chartsource/chartsourcetest"
)

// fakeResolver maps host names to addresses without DNS; any other name
// fails, so that no test can reach the network through a name.
type fakeResolver map[string][]netip.Addr

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host (test resolver)", Name: host, IsNotFound: true}
}

// newFetcher returns a Fetcher for a test, with a resolver that knows no
// name unless the test gives one.
func newFetcher(t *testing.T, opts Options) *Fetcher {
	t.Helper()
	if opts.Resolver == nil {
		opts.Resolver = fakeResolver{}
	}
	f, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func mirrors(t *testing.T, lines ...string) []Mirror {
	t.Helper()
	m, err := ParseMirrors(lines)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// wantKind checks err is a *chartref.Error of kind whose message holds
// every one of says.
func wantKind(t *testing.T, err error, kind chartref.Kind, says ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want kind %d", kind)
	}
	var ce *chartref.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %T %v is not a *chartref.Error", err, err)
	}
	if ce.Kind != kind {
		t.Errorf("kind %d, want %d: %v", ce.Kind, kind, err)
	}
	for _, s := range says {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not say %q: %v", s, err)
		}
	}
}

// archivePaths are the requests for archives among reqs.
func count(reqs []chartsourcetest.Request, suffix string) int {
	n := 0
	for _, r := range reqs {
		if strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// versions builds a chart per version.
func versions(t *testing.T, name string, vs ...string) map[string][]byte {
	out := map[string][]byte{}
	for _, v := range vs {
		out[v] = chartsourcetest.Chart(t, name, v, nil)
	}
	return out
}

func repoOf(t *testing.T, charts map[string][]byte, name string, opts chartsourcetest.RepoOptions) *chartsourcetest.Repo {
	for v, data := range charts {
		opts.Charts = append(opts.Charts, chartsourcetest.Entry{Name: name, Version: v, Data: data})
	}
	return chartsourcetest.NewRepo(t, opts)
}

func registryOf(t *testing.T, charts map[string][]byte, name string, opts chartsourcetest.RegistryOptions) (*chartsourcetest.Registry, map[string]string) {
	reg := chartsourcetest.NewRegistry(t, opts)
	digests := map[string]string{}
	for v, data := range charts {
		digests[v] = reg.Push(t, "charts", name, v, data)
	}
	reg.Reset()
	return reg, digests
}

func TestFetchThroughMirror(t *testing.T) {
	charts := versions(t, "app", "1.0.0", "1.2.0")
	repo := repoOf(t, charts, "app", chartsourcetest.RepoOptions{})
	reg, _ := registryOf(t, charts, "app", chartsourcetest.RegistryOptions{})
	f := newFetcher(t, Options{Mirrors: mirrors(t,
		"https://charts.example.com="+repo.URL,
		"oci://ghcr.io/acme="+"oci://"+reg.Host+"/charts",
	)})
	tests := []struct {
		name    string
		ref     chartref.Ref
		wantURL string
	}{
		{name: "https repository", ref: chartref.Ref{Repo: "https://charts.example.com", Name: "app", Version: "1.2.0"}, wantURL: repo.URL + "/charts/app-1.2.0.tgz"},
		{name: "trailing slash", ref: chartref.Ref{Repo: "https://charts.example.com/", Name: "app", Version: "1.0.0"}, wantURL: repo.URL + "/charts/app-1.0.0.tgz"},
		{name: "oci registry", ref: chartref.Ref{Repo: "oci://ghcr.io/acme", Name: "app", Version: "1.2.0"}, wantURL: "oci://" + reg.Host + "/charts/app:1.2.0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := f.Fetch(context.Background(), tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Data, charts[tc.ref.Version]) {
				t.Errorf("fetched %d bytes that are not the chart", len(a.Data))
			}
			if got, want := a.Digest, chartsourcetest.Digest(a.Data); got != want {
				t.Errorf("Digest = %q, want %q", got, want)
			}
			if a.Version != tc.ref.Version || a.URL != tc.wantURL || a.Ref != tc.ref {
				t.Errorf("got version %q from %q for %+v, want %q from %q", a.Version, a.URL, a.Ref, tc.ref.Version, tc.wantURL)
			}
		})
	}
}

func TestVersionRanges(t *testing.T) {
	charts := versions(t, "app", "1.0.0", "1.0.3", "1.2.0", "2.0.0", "2.1.0-rc.1")
	repo := repoOf(t, charts, "app", chartsourcetest.RepoOptions{})
	reg, _ := registryOf(t, charts, "app", chartsourcetest.RegistryOptions{})
	f := newFetcher(t, Options{Mirrors: mirrors(t, "https://charts.example.com="+repo.URL, "oci://r.example.com="+"oci://"+reg.Host)})
	tests := []struct {
		version string
		want    string
		kind    chartref.Kind
	}{
		{version: "", want: "2.0.0"},
		{version: "^1", want: "1.2.0"},
		{version: "~1.0", want: "1.0.3"},
		{version: "1.x", want: "1.2.0"},
		{version: ">=1.0.0 <1.2.0", want: "1.0.3"},
		{version: ">=2.1.0-0", want: "2.1.0-rc.1"},
		{version: "1.0.0", want: "1.0.0"},
		{version: "3.x", kind: chartref.NotFound},
		{version: "9.9.9", kind: chartref.NotFound},
		{version: "not a version", kind: chartref.NotFound},
	}
	for _, where := range []struct{ name, repo string }{{"index", "https://charts.example.com"}, {"oci tags", "oci://r.example.com/charts"}} {
		for _, tc := range tests {
			t.Run(where.name+"/"+tc.version, func(t *testing.T) {
				a, err := f.Fetch(context.Background(), chartref.Ref{Repo: where.repo, Name: "app", Version: tc.version})
				if tc.kind != 0 {
					wantKind(t, err, tc.kind)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if a.Version != tc.want || !bytes.Equal(a.Data, charts[tc.want]) {
					t.Errorf("%q resolved to %q, want %q", tc.version, a.Version, tc.want)
				}
			})
		}
	}
}

func TestCacheReusedOnNextRun(t *testing.T) {
	charts := versions(t, "app", "1.0.0", "1.1.0")
	repo := repoOf(t, charts, "app", chartsourcetest.RepoOptions{})
	reg, digests := registryOf(t, charts, "app", chartsourcetest.RegistryOptions{})
	dir := filepath.Join(t.TempDir(), "chart-cache")
	opts := Options{CacheDir: dir, Mirrors: mirrors(t, "https://charts.example.com="+repo.URL, "oci://ghcr.io/acme=oci://"+reg.Host+"/charts")}
	refs := []chartref.Ref{
		{Repo: "https://charts.example.com", Name: "app", Version: "1.0.0"},
		{Repo: "oci://ghcr.io/acme", Name: "app", Version: "1.1.0"},
		{Repo: "oci://ghcr.io/acme", Name: "app", Digest: digests["1.0.0"]},
		// A range is resolved by the first run; the second asks the
		// repository again (a new version may be out), and the version
		// it resolves to comes from the cache.
		{Repo: "https://charts.example.com", Name: "app", Version: "1.x"},
	}
	first := newFetcher(t, opts)
	for _, ref := range refs {
		if _, err := first.Fetch(context.Background(), ref); err != nil {
			t.Fatal(err)
		}
	}
	if got := first.Stats(); got.Fetched != 4 || got.Cached != 0 {
		t.Errorf("first run: %+v, want 4 fetched", got)
	}
	if err := first.CacheError(); err != nil {
		t.Fatal(err)
	}
	first.Close()
	repo.Reset()
	reg.Reset()

	second := newFetcher(t, opts)
	for _, ref := range refs[:3] {
		a, err := second.Fetch(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		want := charts[ref.Version]
		if ref.Digest != "" {
			want = charts["1.0.0"]
		}
		if !bytes.Equal(a.Data, want) {
			t.Errorf("%v: the cached archive is not the chart", ref)
		}
	}
	if got := append(repo.Requests(), reg.Requests()...); len(got) != 0 {
		t.Errorf("exact versions and digests from the cache sent %d request(s): %+v", len(got), got)
	}
	a, err := second.Fetch(context.Background(), refs[3])
	if err != nil {
		t.Fatal(err)
	}
	if a.Version != "1.1.0" || !bytes.Equal(a.Data, charts["1.1.0"]) {
		t.Errorf("1.x resolved to %q", a.Version)
	}
	if got, want := repo.Requests(), 1; len(got) != want || got[0].Path != "/index.yaml" {
		t.Errorf("a range asked %+v, want the index alone", got)
	}
	if got := second.Stats(); got.Fetched != 0 || got.Cached != 4 {
		t.Errorf("second run: %+v, want 4 from the cache", got)
	}
}

// TestCacheIsHostileInput plants what a restored cache or a pull request
// could hold: an archive that is not what its name says, a FIFO and a
// link out of the directory where a record is expected. Each is a miss
// (the chart is fetched again, never blocked on), and the cache is
// repaired.
func TestCacheIsHostileInput(t *testing.T) {
	charts := versions(t, "app", "1.0.0")
	repo := repoOf(t, charts, "app", chartsourcetest.RepoOptions{})
	dir := t.TempDir()
	ref := chartref.Ref{Repo: "https://charts.example.com", Name: "app", Version: "1.0.0"}
	opts := Options{CacheDir: dir, Mirrors: mirrors(t, "https://charts.example.com="+repo.URL)}
	f := newFetcher(t, opts)
	if _, err := f.Fetch(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	f.Close()
	blob := filepath.Join(dir, strings.TrimPrefix(chartsourcetest.Digest(charts["1.0.0"]), "sha256:")+".tgz")
	recName := filepath.Join(dir, keyName("http\n"+repo.URL+"\napp\n1.0.0"))
	if _, err := os.Stat(recName); err != nil {
		t.Fatalf("no record at the expected name: %v", err)
	}
	outside := filepath.Join(t.TempDir(), "elsewhere.ref")
	if err := os.WriteFile(outside, []byte(`{"digest":"`+chartsourcetest.Digest(charts["1.0.0"])+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		plant func(t *testing.T)
	}{
		{name: "archive changed", plant: func(t *testing.T) {
			if err := os.WriteFile(blob, []byte("not the chart"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "record is a FIFO", plant: func(t *testing.T) {
			os.Remove(recName)
			if err := syscall.Mkfifo(recName, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "record links out of the cache", plant: func(t *testing.T) {
			os.Remove(recName)
			if err := os.Symlink(outside, recName); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.plant(t)
			repo.Reset()
			f := newFetcher(t, opts)
			done := make(chan error, 1)
			var a *chartref.Archive
			go func() {
				var err error
				a, err = f.Fetch(context.Background(), ref)
				done <- err
			}()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the fetch blocked on the cache")
			}
			if !bytes.Equal(a.Data, charts["1.0.0"]) {
				t.Error("the archive is not the chart")
			}
			if count(repo.Requests(), ".tgz") != 1 {
				t.Errorf("the chart was not fetched again: %+v", repo.Requests())
			}
			if f.CacheError() != nil {
				t.Errorf("the cache was not repaired: %v", f.CacheError())
			}
			if st, err := os.Lstat(recName); err != nil || !st.Mode().IsRegular() {
				t.Errorf("the record is not a regular file again: %v %v", st, err)
			}
		})
	}
}

func TestDisabled(t *testing.T) {
	repo := repoOf(t, versions(t, "app", "1.0.0"), "app", chartsourcetest.RepoOptions{})
	f := newFetcher(t, Options{Disabled: true, Mirrors: mirrors(t, "https://charts.example.com="+repo.URL)})
	for _, ref := range []chartref.Ref{
		{Repo: "https://charts.example.com", Name: "app", Version: "1.0.0"},
		{Repo: "oci://ghcr.io/acme/charts", Name: "other", Version: "2.0.0"},
	} {
		_, err := f.Fetch(context.Background(), ref)
		wantKind(t, err, chartref.Disabled, "fetch-charts is false", ref.Name)
	}
	if got := repo.Requests(); len(got) != 0 {
		t.Errorf("a disabled fetcher sent %+v", got)
	}
}

func TestUnauthorized(t *testing.T) {
	charts := versions(t, "app", "1.0.0")
	repo := repoOf(t, charts, "app", chartsourcetest.RepoOptions{User: "robot", Password: "s3cret-repo"})
	reg, _ := registryOf(t, charts, "app", chartsourcetest.RegistryOptions{User: "robot", Password: "s3cret-oci"})
	repoHost := strings.TrimPrefix(repo.URL, "http://")
	dockerDir := t.TempDir()
	docker := filepath.Join(dockerDir, "config.json")
	auth := "cm9ib3Q6czNjcmV0LW9jaQ==" // robot:s3cret-oci
	if err := os.WriteFile(docker, []byte(`{"auths":{"`+reg.Host+`":{"auth":"`+auth+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	httpRef := chartref.Ref{Repo: "https://charts.example.com", Name: "app", Version: "1.0.0"}
	ociRef := chartref.Ref{Repo: "oci://ghcr.io/acme", Name: "app", Version: "1.0.0"}
	ms := mirrors(t, "https://charts.example.com="+repo.URL, "oci://ghcr.io/acme=oci://"+reg.Host+"/charts")
	tests := []struct {
		name  string
		opts  Options
		ref   chartref.Ref
		kind  chartref.Kind
		hints []string
	}{
		{name: "https without credentials", ref: httpRef, kind: chartref.Unauthorized, hints: []string{"401", "chart-credentials", repoHost + "=USER:PASSWORD"}},
		{name: "https with wrong credentials", opts: Options{Credentials: []Credential{{Host: repoHost, Username: "robot", Password: "wrong"}}}, ref: httpRef, kind: chartref.Unauthorized},
		{name: "https credentials of another port", opts: Options{Credentials: []Credential{{Host: "127.0.0.1:1", Username: "robot", Password: "s3cret-repo"}}}, ref: httpRef, kind: chartref.Unauthorized},
		{name: "https with credentials", opts: Options{Credentials: []Credential{{Host: repoHost, Username: "robot", Password: "s3cret-repo"}}}, ref: httpRef},
		{name: "oci without credentials", ref: ociRef, kind: chartref.Unauthorized, hints: []string{"chart-credentials", reg.Host + "=USER:PASSWORD", "DOCKER_CONFIG"}},
		{name: "oci with credentials", opts: Options{Credentials: []Credential{{Host: reg.Host, Username: "robot", Password: "s3cret-oci"}}}, ref: ociRef},
		{name: "oci from the Docker config", opts: Options{DockerConfig: docker}, ref: ociRef},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Mirrors = ms
			f := newFetcher(t, tc.opts)
			a, err := f.Fetch(context.Background(), tc.ref)
			if tc.kind != 0 {
				wantKind(t, err, tc.kind, tc.hints...)
				for _, secret := range []string{"s3cret", "wrong"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("the error shows a password: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Data, charts["1.0.0"]) {
				t.Error("the archive is not the chart")
			}
		})
	}
	// Anonymous first: the repository is asked without credentials, and
	// with them once it answers 401; then at once.
	repo.Reset()
	f := newFetcher(t, Options{Mirrors: ms, Credentials: []Credential{{Host: repoHost, Username: "robot", Password: "s3cret-repo"}}})
	if _, err := f.Fetch(context.Background(), httpRef); err != nil {
		t.Fatal(err)
	}
	var auths []bool
	for _, r := range repo.Requests() {
		auths = append(auths, r.Authorization != "")
	}
	if want := []bool{false, true, true}; fmt.Sprint(auths) != fmt.Sprint(want) {
		t.Errorf("requests with credentials: %v, want %v (anonymous first, then with them)", auths, want)
	}
}

// TestBrokenDockerConfig fails only the fetch that needs credentials,
// with the config's error; a cache directory that cannot be made fails
// none.
func TestBrokenDockerConfigAndCache(t *testing.T) {
	charts := versions(t, "app", "1.0.0")
	open, _ := registryOf(t, charts, "app", chartsourcetest.RegistryOptions{})
	locked, _ := registryOf(t, charts, "app", chartsourcetest.RegistryOptions{User: "robot", Password: "s3cret"})
	docker := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(docker, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFetcher(t, Options{DockerConfig: docker, CacheDir: filepath.Join(notDir, "cache"), Mirrors: mirrors(t, "oci://open.example.com=oci://"+open.Host+"/charts", "oci://locked.example.com=oci://"+locked.Host+"/charts")})
	a, err := f.Fetch(context.Background(), chartref.Ref{Repo: "oci://open.example.com", Name: "app", Version: "1.0.0"})
	if err != nil || !bytes.Equal(a.Data, charts["1.0.0"]) {
		t.Fatalf("a registry that asks for nothing: %v", err)
	}
	_, err = f.Fetch(context.Background(), chartref.Ref{Repo: "oci://locked.example.com", Name: "app", Version: "1.0.0"})
	wantKind(t, err, chartref.Unauthorized, "reading the Docker config", docker)
	if err := f.CacheError(); err == nil || !strings.Contains(err.Error(), "creating the chart cache") {
		t.Errorf("CacheError() = %v, want the cache directory's error", err)
	}
}

// TestCredentialsStayOnTheirHost gives credentials for one repository
// whose index names, and whose server redirects to, a second server on
// the same host name but another port, which asks for the same
// credentials: it must never get them, so the fetch is unauthorized.
func TestCredentialsStayOnTheirHost(t *testing.T) {
	chart := chartsourcetest.Chart(t, "app", "1.0.0", nil)
	other := chartsourcetest.NewRepo(t, chartsourcetest.RepoOptions{User: "robot", Password: "s3cret", Charts: []chartsourcetest.Entry{{Name: "app", Version: "1.0.0", Data: chart}}})
	repo := chartsourcetest.NewRepo(t, chartsourcetest.RepoOptions{User: "robot", Password: "s3cret", Charts: []chartsourcetest.Entry{
		{Name: "app", Version: "1.0.0", Data: chart, URL: other.URL + "/charts/app-1.0.0.tgz"},
		{Name: "app", Version: "1.1.0", Data: chart},
	}})
	repo.Redirect("/charts/app-1.1.0.tgz", other.URL+"/charts/app-1.0.0.tgz")
	creds := []Credential{{Host: strings.TrimPrefix(repo.URL, "http://"), Username: "robot", Password: "s3cret"}}
	// The second server is on loopback and no mirror: allowed here, so
	// that the request reaches it and its headers can be seen.
	f := newFetcher(t, Options{AllowPrivate: true, Credentials: creds})
	for _, v := range []string{"1.0.0", "1.1.0"} {
		_, err := f.Fetch(context.Background(), chartref.Ref{Repo: repo.URL, Name: "app", Version: v})
		wantKind(t, err, chartref.Unauthorized, other.URL)
	}
	if len(other.Requests()) != 2 {
		t.Fatalf("the second server got %+v, want the two archives", other.Requests())
	}
	for _, r := range other.Requests() {
		if r.Authorization != "" {
			t.Errorf("the second server got credentials for %s: %q", r.Path, r.Authorization)
		}
	}
	sawAuth := false
	for _, r := range repo.Requests() {
		sawAuth = sawAuth || r.Authorization != ""
	}
	if !sawAuth {
		t.Error("the repository itself never got its credentials")
	}
}

// TestRedirectDropsAuthorization sends a request that carries an
// Authorization header, as Helm's registry client does, to a server that
// redirects to another port of the same host name: net/http would keep
// the header there; the fetcher's client drops it.
func TestRedirectDropsAuthorization(t *testing.T) {
	var mu sync.Mutex
	var got []string
	second := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	t.Cleanup(second.Close)
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/other", http.StatusFound)
		case "/other":
			mu.Lock()
			got = append(got, r.Header.Get("Authorization"))
			mu.Unlock()
		default:
			http.Redirect(w, r, second.URL+"/blob", http.StatusTemporaryRedirect)
		}
	}))
	t.Cleanup(first.Close)
	f := newFetcher(t, Options{AllowPrivate: true})
	x, cancel := newExchange(context.Background(), time.Minute, 1<<20, 1<<20)
	defer cancel()
	for _, p := range []string{"/same", "/elsewhere"} {
		req, _ := http.NewRequest(http.MethodGet, first.URL+p, nil)
		req.Header.Set("Authorization", "Bearer token")
		resp, err := f.client(x).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if want := []string{"Bearer token", ""}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Authorization after the redirects: %q, want %q (kept on its origin, dropped on another port)", got, want)
	}
}

// TestPrivateAddressRefused maps names that look public to loopback
// through the resolver: the address is checked when dialled, so the name
// does not help. A mirror there, or chart-allow-private, lets it through.
func TestPrivateAddressRefused(t *testing.T) {
	charts := versions(t, "app", "1.0.0")
	repo := repoOf(t, charts, "app", chartsourcetest.RepoOptions{})
	reg, _ := registryOf(t, charts, "app", chartsourcetest.RegistryOptions{})
	_, repoPort, _ := net.SplitHostPort(strings.TrimPrefix(repo.URL, "http://"))
	_, regPort, _ := net.SplitHostPort(reg.Host)
	loopback := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	resolver := fakeResolver{"charts.example.test": loopback, "registry.example.test": loopback, "mapped.example.test": {netip.MustParseAddr("::ffff:10.1.2.3")}}
	httpRef := chartref.Ref{Repo: "http://charts.example.test:" + repoPort, Name: "app", Version: "1.0.0"}
	ociRef := chartref.Ref{Repo: "oci://registry.example.test:" + regPort + "/charts", Name: "app", Version: "1.0.0"}
	tests := []struct {
		name string
		opts Options
		ref  chartref.Ref
		kind chartref.Kind
		says []string
	}{
		{name: "https repository on loopback", ref: httpRef, kind: chartref.Refused, says: []string{`"charts.example.test" is 127.0.0.1 (a loopback address)`, "chart-allow-private"}},
		{name: "oci registry on loopback", ref: ociRef, kind: chartref.Refused, says: []string{"127.0.0.1"}},
		{name: "metadata endpoint", ref: chartref.Ref{Repo: "http://169.254.169.254/latest", Name: "app"}, kind: chartref.Refused, says: []string{"link-local"}},
		{name: "IPv4 mapped in IPv6", ref: chartref.Ref{Repo: "https://mapped.example.test", Name: "app"}, kind: chartref.Refused, says: []string{"private"}},
		{name: "allowed", opts: Options{AllowPrivate: true}, ref: httpRef},
		{name: "allowed oci", opts: Options{AllowPrivate: true}, ref: chartref.Ref{Repo: "oci://" + reg.Host + "/charts", Name: "app", Version: "1.0.0"}},
		{name: "a mirror points there", opts: Options{Mirrors: mirrors(t, "https://charts.example.com=http://charts.example.test:"+repoPort)}, ref: chartref.Ref{Repo: "https://charts.example.com", Name: "app", Version: "1.0.0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			repo.Reset()
			reg.Reset()
			tc.opts.Resolver = resolver
			f := newFetcher(t, tc.opts)
			a, err := f.Fetch(context.Background(), tc.ref)
			if tc.kind != 0 {
				wantKind(t, err, tc.kind, tc.says...)
				if n := len(repo.Requests()) + len(reg.Requests()); n != 0 {
					t.Errorf("%d request(s) reached the servers", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Data, charts["1.0.0"]) {
				t.Error("the archive is not the chart")
			}
		})
	}
	// A mirror is trusted, not what it redirects to.
	repo.Redirect("/charts/app-1.0.0.tgz", "http://charts.example.test:"+repoPort+"/elsewhere.tgz")
	f := newFetcher(t, Options{Resolver: resolver, Mirrors: mirrors(t, "https://charts.example.com="+repo.URL)})
	_, err := f.Fetch(context.Background(), chartref.Ref{Repo: "https://charts.example.com", Name: "app", Version: "1.0.0"})
	wantKind(t, err, chartref.Refused, "loopback")
}

// TestProxy sends requests through the runner's proxy (the test's
// repository serves proxied requests by their path): the proxy's own
// loopback address is no refusal, and the destination's addresses are
// checked before the request leaves.
func TestProxy(t *testing.T) {
	charts := versions(t, "app", "1.0.0")
	proxy := repoOf(t, charts, "app", chartsourcetest.RepoOptions{})
	env := map[string]string{"HTTP_PROXY": proxy.URL, "NO_PROXY": "direct.example.test"}
	resolver := fakeResolver{"charts.example.test": {netip.MustParseAddr("203.0.113.10")}, "inside.example.test": {netip.MustParseAddr("10.0.0.5")}}
	tests := []struct {
		name     string
		repo     string
		allow    bool
		kind     chartref.Kind
		says     string
		requests int
	}{
		{name: "public destination", repo: "http://charts.example.test", requests: 2},
		{name: "private destination", repo: "http://inside.example.test", kind: chartref.Refused, says: "10.0.0.5 (a private address)"},
		{name: "unresolvable destination", repo: "http://unknown.example.test", kind: chartref.Unreachable, says: "cannot be resolved here"},
		{name: "unresolvable, allowed", repo: "http://unknown.example.test", allow: true, requests: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			proxy.Reset()
			f := newFetcher(t, Options{Resolver: resolver, Getenv: func(k string) string { return env[k] }, AllowPrivate: tc.allow})
			a, err := f.Fetch(context.Background(), chartref.Ref{Repo: tc.repo, Name: "app", Version: "1.0.0"})
			if tc.kind != 0 {
				wantKind(t, err, tc.kind, tc.says)
			} else if err != nil {
				t.Fatal(err)
			} else if !bytes.Equal(a.Data, charts["1.0.0"]) {
				t.Error("the archive is not the chart")
			}
			if got := len(proxy.Requests()); got != tc.requests {
				t.Errorf("the proxy got %d requests, want %d: %+v", got, tc.requests, proxy.Requests())
			}
		})
	}
}

func TestDigestMismatchRefused(t *testing.T) {
	charts := versions(t, "app", "1.0.0", "1.1.0")
	repo := chartsourcetest.NewRepo(t, chartsourcetest.RepoOptions{Charts: []chartsourcetest.Entry{
		{Name: "app", Version: "1.0.0", Data: charts["1.0.0"], Digest: strings.Repeat("ab", 32)},
		{Name: "app", Version: "1.1.0", Data: charts["1.1.0"]},
	}})
	reg, digests := registryOf(t, charts, "app", chartsourcetest.RegistryOptions{})
	f := newFetcher(t, Options{Mirrors: mirrors(t, "https://charts.example.com="+repo.URL, "oci://ghcr.io/acme=oci://"+reg.Host+"/charts")})
	tests := []struct {
		name string
		ref  chartref.Ref
		kind chartref.Kind
		says []string
	}{
		{name: "index digest", ref: chartref.Ref{Repo: "https://charts.example.com", Name: "app", Version: "1.0.0"}, kind: chartref.Refused, says: []string{"but the index gives sha256:abab"}},
		{name: "pinned digest of an https chart", ref: chartref.Ref{Repo: "https://charts.example.com", Name: "app", Version: "1.1.0", Digest: "sha256:" + strings.Repeat("cd", 32)}, kind: chartref.Refused, says: []string{"pins sha256:cdcd"}},
		{name: "tag moved", ref: chartref.Ref{Repo: "oci://ghcr.io/acme", Name: "app", Version: "1.0.0", Digest: digests["1.1.0"]}, kind: chartref.Refused, says: []string{"is manifest " + digests["1.0.0"], "pins " + digests["1.1.0"]}},
		{name: "range not met by the pinned manifest", ref: chartref.Ref{Repo: "oci://ghcr.io/acme", Name: "app", Version: "1.0.x", Digest: digests["1.1.0"]}, kind: chartref.Refused, says: []string{`holds version "1.1.0"`}},
		{name: "unknown digest", ref: chartref.Ref{Repo: "oci://ghcr.io/acme", Name: "app", Digest: "sha256:" + strings.Repeat("ef", 32)}, kind: chartref.NotFound},
		{name: "pinned digest matches", ref: chartref.Ref{Repo: "oci://ghcr.io/acme", Name: "app", Version: "1.1.0", Digest: digests["1.1.0"]}},
		{name: "digest alone", ref: chartref.Ref{Repo: "oci://ghcr.io/acme", Name: "app", Digest: digests["1.0.0"]}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := f.Fetch(context.Background(), tc.ref)
			if tc.kind != 0 {
				wantKind(t, err, tc.kind, tc.says...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			v := tc.ref.Version
			if v == "" {
				v = "1.0.0"
			}
			if a.Version != v || !bytes.Equal(a.Data, charts[v]) {
				t.Errorf("got version %q, want %q", a.Version, v)
			}
		})
	}
}

func TestTooLargeRefused(t *testing.T) {
	big := chartsourcetest.Chart(t, "big", "1.0.0", map[string]string{"files/blob.txt": randomText(64 << 10)})
	small := chartsourcetest.Chart(t, "small", "1.0.0", nil)
	repo := chartsourcetest.NewRepo(t, chartsourcetest.RepoOptions{Charts: []chartsourcetest.Entry{{Name: "big", Version: "1.0.0", Data: big}, {Name: "small", Version: "1.0.0", Data: small}}})
	reg := chartsourcetest.NewRegistry(t, chartsourcetest.RegistryOptions{})
	reg.Push(t, "charts", "big", "1.0.0", big)
	// A server that sends an archive with no length and no end.
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/index.yaml" {
			fmt.Fprint(w, "apiVersion: v1\nentries:\n  app:\n  - version: 1.0.0\n    urls: [app.tgz]\n")
			return
		}
		chunk := bytes.Repeat([]byte{0}, 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(endless.Close)
	ms := mirrors(t, "https://charts.example.com="+repo.URL, "oci://ghcr.io/acme=oci://"+reg.Host+"/charts", "https://endless.example.com="+endless.URL)
	tests := []struct {
		name string
		opts Options
		ref  chartref.Ref
		says string
	}{
		{name: "archive", opts: Options{MaxArchiveSize: 32 << 10}, ref: chartref.Ref{Repo: "https://charts.example.com", Name: "big", Version: "1.0.0"}, says: "32768"},
		{name: "index", opts: Options{MaxIndexSize: 200}, ref: chartref.Ref{Repo: "https://charts.example.com", Name: "small", Version: "1.0.0"}, says: "over the 200-byte limit"},
		{name: "oci layer", opts: Options{MaxArchiveSize: 32 << 10}, ref: chartref.Ref{Repo: "oci://ghcr.io/acme", Name: "big", Version: "1.0.0"}, says: "larger than 32768 bytes"},
		{name: "endless body", opts: Options{MaxArchiveSize: 1 << 20}, ref: chartref.Ref{Repo: "https://endless.example.com", Name: "app", Version: "1.0.0"}, says: "larger than 1048576 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Mirrors = ms
			f := newFetcher(t, tc.opts)
			_, err := f.Fetch(context.Background(), tc.ref)
			wantKind(t, err, chartref.Refused, tc.says)
		})
	}
}

// randomText is n bytes of text that gzip cannot shrink much.
func randomText(n int) string {
	var b strings.Builder
	x := uint32(2463534242)
	for b.Len() < n {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte(byte('!' + x%90))
	}
	return b.String()
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); hang.Close() })
	f := newFetcher(t, Options{Timeout: 200 * time.Millisecond, Mirrors: mirrors(t, "https://slow.example.com="+hang.URL, "oci://slow.example.com=oci://"+strings.TrimPrefix(hang.URL, "http://"))})
	for _, ref := range []chartref.Ref{
		{Repo: "https://slow.example.com", Name: "app", Version: "1.0.0"},
		{Repo: "oci://slow.example.com/charts", Name: "app", Version: "1.0.0"},
	} {
		_, err := f.Fetch(context.Background(), ref)
		wantKind(t, err, chartref.Unreachable, "no answer within 200ms")
	}
}

func TestNotFoundAndUnreachable(t *testing.T) {
	charts := versions(t, "app", "1.0.0")
	repo := repoOf(t, charts, "app", chartsourcetest.RepoOptions{})
	reg, _ := registryOf(t, charts, "app", chartsourcetest.RegistryOptions{})
	closed := httptest.NewServer(http.NotFoundHandler())
	closedHost := strings.TrimPrefix(closed.URL, "http://")
	closed.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) }))
	t.Cleanup(broken.Close)
	f := newFetcher(t, Options{Mirrors: mirrors(t,
		"https://charts.example.com="+repo.URL,
		"oci://ghcr.io/acme=oci://"+reg.Host+"/charts",
		"https://gone.example.com=http://"+closedHost,
		"oci://gone.example.com=oci://"+closedHost,
		"https://broken.example.com="+broken.URL,
	)})
	tests := []struct {
		name string
		ref  chartref.Ref
		kind chartref.Kind
		says []string
	}{
		{name: "chart not in index", ref: chartref.Ref{Repo: "https://charts.example.com", Name: "nope", Version: "1.0.0"}, kind: chartref.NotFound, says: []string{`has no chart "nope"`}},
		{name: "version not in index", ref: chartref.Ref{Repo: "https://charts.example.com", Name: "app", Version: "2.0.0"}, kind: chartref.NotFound, says: []string{`matches "2.0.0" (it has "1.0.0")`}},
		{name: "not a repository", ref: chartref.Ref{Repo: "https://charts.example.com/sub", Name: "app", Version: "1.0.0"}, kind: chartref.NotFound, says: []string{"404", "Helm repository"}},
		{name: "oci repository missing", ref: chartref.Ref{Repo: "oci://ghcr.io/acme", Name: "nope", Version: "1.x"}, kind: chartref.NotFound, says: []string{"/charts/nope is not in the registry"}},
		{name: "oci tag missing", ref: chartref.Ref{Repo: "oci://ghcr.io/acme", Name: "app", Version: "2.0.0"}, kind: chartref.NotFound, says: []string{`/charts/app has no tag "2.0.0"`}},
		{name: "connection refused", ref: chartref.Ref{Repo: "https://gone.example.com", Name: "app", Version: "1.0.0"}, kind: chartref.Unreachable},
		{name: "oci connection refused", ref: chartref.Ref{Repo: "oci://gone.example.com/charts", Name: "app", Version: "1.0.0"}, kind: chartref.Unreachable},
		{name: "server error", ref: chartref.Ref{Repo: "https://broken.example.com", Name: "app", Version: "1.0.0"}, kind: chartref.Unreachable, says: []string{"502"}},
		{name: "unknown name", ref: chartref.Ref{Repo: "https://no-such-host.example.test", Name: "app", Version: "1.0.0"}, kind: chartref.Unreachable},
		{name: "credentials in the URL", ref: chartref.Ref{Repo: "https://user:pw@charts.example.com", Name: "app"}, kind: chartref.Refused, says: []string{"chart-credentials"}},
		{name: "not a chart name", ref: chartref.Ref{Repo: "oci://ghcr.io/acme", Name: "../app"}, kind: chartref.Refused},
		{name: "unknown scheme", ref: chartref.Ref{Repo: "git://example.com/charts", Name: "app"}, kind: chartref.Refused},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Fetch(context.Background(), tc.ref)
			wantKind(t, err, tc.kind, tc.says...)
			if strings.Contains(err.Error(), "pw@") {
				t.Errorf("the error shows the URL's credentials: %v", err)
			}
		})
	}
}

// TestOncePerRun fetches one chart from many goroutines, by its version
// and by ranges that resolve to it, and two charts of one repository: one
// index request, one archive request per chart version.
func TestOncePerRun(t *testing.T) {
	a := chartsourcetest.Chart(t, "a", "1.0.0", nil)
	b := chartsourcetest.Chart(t, "b", "1.0.0", nil)
	repo := chartsourcetest.NewRepo(t, chartsourcetest.RepoOptions{Charts: []chartsourcetest.Entry{{Name: "a", Version: "1.0.0", Data: a}, {Name: "b", Version: "1.0.0", Data: b}}})
	reg := chartsourcetest.NewRegistry(t, chartsourcetest.RegistryOptions{})
	reg.Push(t, "charts", "a", "1.0.0", a)
	reg.Reset()
	f := newFetcher(t, Options{Mirrors: mirrors(t, "https://charts.example.com="+repo.URL, "oci://ghcr.io/acme=oci://"+reg.Host+"/charts")})
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 20; i++ {
		for _, ref := range []chartref.Ref{
			{Repo: "https://charts.example.com", Name: "a", Version: "1.0.0"},
			{Repo: "https://charts.example.com", Name: "a", Version: "1.x"},
			{Repo: "https://charts.example.com", Name: "b", Version: "1.0.0"},
			{Repo: "https://charts.example.com", Name: "b"},
			{Repo: "oci://ghcr.io/acme", Name: "a", Version: "1.0.0"},
			{Repo: "oci://ghcr.io/acme", Name: "a", Version: "^1"},
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.Fetch(context.Background(), ref); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	reqs := repo.Requests()
	if count(reqs, "/index.yaml") != 1 || count(reqs, "/a-1.0.0.tgz") != 1 || count(reqs, "/b-1.0.0.tgz") != 1 {
		t.Errorf("repository requests: %+v, want the index and each archive once", reqs)
	}
	if got := count(reg.Requests(), "/manifests/1.0.0"); got != 1 {
		t.Errorf("the registry served the manifest %d times: %+v", got, reg.Requests())
	}
	if got := f.Stats(); got.Fetched != 3 {
		t.Errorf("Stats = %+v, want 3 fetched", got)
	}
}
