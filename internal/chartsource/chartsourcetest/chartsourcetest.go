// Package chartsourcetest serves Helm charts to tests from the test
// process itself: a Helm repository over plain HTTP on loopback
// (index.yaml and archives, as helm repo index writes them) and a real OCI
// registry (go-containerregistry's pkg/registry) that charts are pushed
// to with Helm's own registry client, so they carry Helm's media types.
// Both record the requests they get, so that a test can assert that none
// arrived. Nothing here reaches the network.
package chartsourcetest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	helmregistry "helm.sh/helm/v4/pkg/registry"
	repo "helm.sh/helm/v4/pkg/repo/v1"
	"sigs.k8s.io/yaml"
)

// Chart builds a packaged chart (.tgz) named name at version, with a
// values.yaml and one ConfigMap template, plus files (paths inside the
// chart's directory, such as "templates/deploy.yaml", to their content;
// an entry replaces a default file). The archive is the same bytes for
// the same input (fixed times and order), so its digest is stable.
func Chart(t testing.TB, name, version string, files map[string]string) []byte {
	t.Helper()
	all := map[string]string{
		"Chart.yaml":          "apiVersion: v2\nname: " + name + "\nversion: " + version + "\ndescription: a chart built by a test\ntype: application\n",
		"values.yaml":         "greeting: hello\n",
		"templates/cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  greeting: {{ .Values.greeting | quote }}\n",
		"templates/NOTES.txt": "installed {{ .Chart.Name }}\n",
	}
	for k, v := range files {
		all[k] = v
	}
	names := make([]string, 0, len(all))
	for k := range all {
		names = append(names, k)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.ModTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tw := tar.NewWriter(zw)
	for _, n := range names {
		body := []byte(all[n])
		hdr := &tar.Header{Name: path.Join(name, n), Mode: 0o644, Size: int64(len(body)), ModTime: zw.ModTime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Digest is "sha256:" and the hex SHA-256 of data.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Request is one request a server got.
type Request struct {
	Method, Path string
	// Authorization is the header as it arrived ("" for none).
	Authorization string
}

// recorder counts and records requests, and checks basic credentials.
type recorder struct {
	mu   sync.Mutex
	reqs []Request
	// user and password, when set, are required of every request.
	user, password string
	realm          string
}

func (rc *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, Request{Method: r.Method, Path: r.URL.Path, Authorization: r.Header.Get("Authorization")})
		rc.mu.Unlock()
		if rc.user != "" {
			u, p, ok := r.BasicAuth()
			if !ok || u != rc.user || p != rc.password {
				w.Header().Set("WWW-Authenticate", `Basic realm="`+rc.realm+`"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Requests returns the requests so far, in order.
func (rc *recorder) Requests() []Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Request(nil), rc.reqs...)
}

// Reset forgets the requests so far.
func (rc *recorder) Reset() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.reqs = nil
}

// Entry is one chart version a Repo serves.
type Entry struct {
	Name, Version string
	// Data is the archive, served at /charts/NAME-VERSION.tgz.
	Data []byte
	// URL, when set, is what the index names instead of the relative
	// charts/NAME-VERSION.tgz (another server, a redirect).
	URL string
	// Digest, when set, is what the index gives instead of the
	// archive's own ("-": none).
	Digest string
}

// RepoOptions configure a Repo.
type RepoOptions struct {
	Charts []Entry
	// User and Password, when set, are required of every request.
	User, Password string
}

// Repo is a Helm chart repository served over plain HTTP on loopback.
type Repo struct {
	// URL is the repository's URL, http://127.0.0.1:PORT.
	URL string
	recorder
	mu        sync.Mutex
	index     []byte
	archives  map[string][]byte
	redirects map[string]string
}

// NewRepo starts a Helm repository serving the charts of opts; it stops
// when the test ends.
func NewRepo(t testing.TB, opts RepoOptions) *Repo {
	t.Helper()
	r := &Repo{archives: map[string][]byte{}, redirects: map[string]string{}}
	r.user, r.password, r.realm = opts.User, opts.Password, "charts"
	srv := httptest.NewServer(r.wrap(http.HandlerFunc(r.serve)))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	idx := repo.NewIndexFile()
	for _, e := range opts.Charts {
		file := "charts/" + e.Name + "-" + e.Version + ".tgz"
		r.archives["/"+file] = e.Data
		digest := strings.TrimPrefix(Digest(e.Data), "sha256:")
		switch e.Digest {
		case "":
		case "-":
			digest = ""
		default:
			digest = e.Digest
		}
		if err := idx.MustAdd(&chart.Metadata{APIVersion: "v2", Name: e.Name, Version: e.Version}, file, "", digest); err != nil {
			t.Fatal(err)
		}
		if e.URL != "" {
			vs := idx.Entries[e.Name]
			vs[len(vs)-1].URLs = []string{e.URL}
		}
	}
	idx.SortEntries()
	idx.Generated = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	data, err := yaml.Marshal(idx)
	if err != nil {
		t.Fatal(err)
	}
	r.index = data
	return r
}

// Index returns the index.yaml served.
func (r *Repo) Index() []byte { return r.index }

// SetIndex replaces the index.yaml served.
func (r *Repo) SetIndex(data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.index = data
}

// Redirect answers a request for path with a 302 to location.
func (r *Repo) Redirect(path, location string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.redirects[path] = location
}

func (r *Repo) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	to, redirect := r.redirects[req.URL.Path]
	index := r.index
	r.mu.Unlock()
	switch {
	case redirect:
		http.Redirect(w, req, to, http.StatusFound)
	case req.URL.Path == "/index.yaml":
		w.Header().Set("Content-Type", "application/x-yaml")
		w.Write(index)
	case r.archives[req.URL.Path] != nil:
		w.Header().Set("Content-Type", "application/gzip")
		w.Write(r.archives[req.URL.Path])
	default:
		http.NotFound(w, req)
	}
}

// RegistryOptions configure a Registry.
type RegistryOptions struct {
	// User and Password, when set, are required of every request
	// (basic authentication, as a registry's token service would ask).
	User, Password string
}

// Registry is an OCI registry served over plain HTTP on loopback.
type Registry struct {
	// Host is 127.0.0.1:PORT; charts are at oci://Host/REPOSITORY.
	Host string
	recorder
}

// NewRegistry starts an OCI registry; it stops when the test ends.
func NewRegistry(t testing.TB, opts RegistryOptions) *Registry {
	t.Helper()
	r := &Registry{}
	r.user, r.password, r.realm = opts.User, opts.Password, "registry"
	srv := httptest.NewServer(r.wrap(registry.New(registry.Logger(log.New(io.Discard, "", 0)))))
	t.Cleanup(srv.Close)
	r.Host = strings.TrimPrefix(srv.URL, "http://")
	return r
}

// Push pushes a packaged chart to oci://HOST/REPOSITORY/NAME:VERSION with
// Helm's registry client, name and version being the chart's, and
// returns the manifest's digest. The manifest is the same bytes for the
// same chart.
func (r *Registry) Push(t testing.TB, repository, name, version string, data []byte) string {
	t.Helper()
	opts := []helmregistry.ClientOption{helmregistry.ClientOptPlainHTTP(), helmregistry.ClientOptWriter(io.Discard), helmregistry.ClientOptCredentialsFile(os.DevNull)}
	if r.user != "" {
		opts = append(opts, helmregistry.ClientOptBasicAuth(r.user, r.password))
	}
	c, err := helmregistry.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	ref := r.Host + "/" + strings.Trim(repository, "/") + "/" + name + ":" + version
	res, err := c.Push(data, ref, helmregistry.PushOptCreationTime("2026-01-01T00:00:00Z"))
	if err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	return res.Manifest.Digest
}
