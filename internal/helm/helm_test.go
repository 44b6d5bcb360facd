package helm

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/helm/helmtest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// repo is the repository the tests load charts from.
var repo = os.DirFS("testdata/repo")

// caps are the Capabilities of a cluster without the Prometheus operator.
var caps = Capabilities{KubeVersion: "1.37", APIVersions: []string{"v1", "apps/v1", "batch/v1"}}

// remote serves the charts under testdata/repo/charts/remote from
// https://charts.example.com.
func remote(t *testing.T) *helmtest.Fetcher {
	t.Helper()
	data, err := helmtest.Pack(repo, "charts/remote/redis", "redis")
	if err != nil {
		t.Fatal(err)
	}
	return &helmtest.Fetcher{Charts: []helmtest.Chart{
		{Repo: "https://charts.example.com", Name: "redis", Version: "1.4.2", Data: data},
		{Repo: "https://charts.example.com", Name: "redis", Version: "2.0.0", Data: data},
	}}
}

// layer reads a values layer written in a YAML text, as if in file.
func layer(t *testing.T, file, text string) Layer {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	l, err := NodeLayer(file, doc.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// write renders a Result as text: its problems, then each manifest under
// a "# Source:" line, as helm template prints them.
func write(res *Result) string {
	var b strings.Builder
	for _, p := range res.Problems {
		fmt.Fprintf(&b, "problem %s at %s:%d:%d: %s\n", p.Kind, p.Pos.File, p.Pos.Line, p.Pos.Column, p.Message)
	}
	if res.Failed {
		b.WriteString("failed\n")
	}
	for _, m := range res.Manifests {
		hook := ""
		if m.Hook != "" {
			hook = " (hook " + m.Hook + ")"
		}
		fmt.Fprintf(&b, "---\n# Source: %s%s\n%s\n", m.Template, hook, strings.TrimSpace(m.Content))
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", "golden", name+".out")
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("reading golden file: %v (go test ./internal/helm -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("render differs from %s (go test ./internal/helm -update rewrites it)\n--- got\n%s--- want\n%s", file, got, want)
	}
}

func load(t testing.TB, f chartref.Fetcher, dir string) *Chart {
	t.Helper()
	l := &Loader{FS: repo, Fetcher: f, Limits: DefaultLimits()}
	c, err := l.Dir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRenderGolden(t *testing.T) {
	withMonitoring := Capabilities{KubeVersion: "1.37", APIVersions: append([]string{"monitoring.coreos.com/v1", "monitoring.coreos.com/v1/ServiceMonitor"}, caps.APIVersions...)}
	tests := []struct {
		name    string
		chart   string
		fetcher bool
		req     Request
	}{
		// A chart with its own values: NOTES.txt and the test hook left
		// out, the ServiceMonitor too, since the cluster lacks its API.
		{name: "own-values", chart: "charts/app", req: Request{ReleaseName: "app", Namespace: "default", Capabilities: caps}},
		// The same chart where the API exists renders its ServiceMonitor.
		{name: "api-gated", chart: "charts/app", req: Request{ReleaseName: "app", Namespace: "default", Capabilities: withMonitoring}},
		// Test hooks asked for.
		{name: "with-tests", chart: "charts/app", req: Request{ReleaseName: "app", Namespace: "ops", Capabilities: caps, IncludeTests: true}},
		// An umbrella chart: a file:// dependency from the repository and
		// a remote one (1.x resolves to 1.4.2), its values under theirs.
		{name: "umbrella", chart: "charts/umbrella", fetcher: true, req: Request{ReleaseName: "shop", Namespace: "shop", Capabilities: caps}},
		// Without a fetcher the remote dependency is said, and the rest
		// renders.
		{name: "umbrella-offline", chart: "charts/umbrella", req: Request{ReleaseName: "shop", Namespace: "shop", Capabilities: caps}},
		// A condition turns the remote dependency off.
		{name: "umbrella-condition", chart: "charts/umbrella", fetcher: true, req: Request{ReleaseName: "shop", Namespace: "shop", Capabilities: caps,
			Values: []Layer{{File: "", Values: map[string]any{"redis": map[string]any{"enabled": false}}}}}},
		// lookup answers nothing, and says so once.
		{name: "lookup", chart: "charts/lookup", req: Request{ReleaseName: "db", Namespace: "db", Capabilities: caps}},
		// required: the error is at the values block the user wrote for
		// the image, which lacks its tag.
		{name: "required", chart: "charts/required", req: Request{ReleaseName: "api", Namespace: "api", Capabilities: caps,
			Values: []Layer{layer(t, "apps/api/values.yaml", "image:\n  repository: ghcr.io/acme/api2\n")}}},
		// fail: at the mode the user set.
		{name: "fail", chart: "charts/required", req: Request{ReleaseName: "api", Namespace: "api", Capabilities: caps,
			Values: []Layer{layer(t, "apps/api/values.yaml", "image:\n  tag: \"1.0\"\nmode: reckless\n")}}},
		// values.schema.json: a value the schema refuses is an error at
		// its line; the port's $ref is read from the chart's own files;
		// a $ref no file holds is skipped and said.
		{name: "schema", chart: "charts/schema", req: Request{ReleaseName: "s", Namespace: "s", Capabilities: caps,
			Values: []Layer{layer(t, "apps/s/values.yaml", "replicas: three\nport: 70000\n")}}},
		{name: "schema-valid", chart: "charts/schema", req: Request{ReleaseName: "s", Namespace: "s", Capabilities: caps}},
		// A kubeVersion the cluster is not.
		{name: "kube-version", chart: "charts/app", req: Request{ReleaseName: "app", Namespace: "default", Capabilities: Capabilities{KubeVersion: "1.37"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f chartref.Fetcher
			if tc.fetcher {
				f = remote(t)
			}
			c := load(t, f, tc.chart)
			if tc.name == "kube-version" {
				c.chart.Metadata.KubeVersion = ">=1.40.0-0"
			}
			res, err := Render(context.Background(), c, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, write(res))
		})
	}
}

// TestLocate: a finding on a rendered value points at the line of the
// repository that wrote it, the last layer that set it winning; a value
// no repository file wrote has no position.
func TestLocate(t *testing.T) {
	inline := layer(t, "apps/web/helmrelease.yaml", strings.Repeat("# values of the release\n", 10)+"image:\n  tag: latest\n")
	tests := []struct {
		name     string
		chart    string
		fetcher  bool
		values   []Layer
		template string
		path     string
		want     string // file:line, "" for none
	}{
		{name: "chart values.yaml", chart: "charts/app", template: "app/templates/deployment.yaml", path: "spec/template/spec/containers/0/image", want: "charts/app/values.yaml:4"},
		{name: "inline values win", chart: "charts/app", values: []Layer{inline}, template: "app/templates/deployment.yaml", path: "spec/template/spec/containers/0/image", want: "apps/web/helmrelease.yaml:12"},
		{name: "replicas", chart: "charts/app", template: "app/templates/deployment.yaml", path: "spec/replicas", want: "charts/app/values.yaml:1"},
		{name: "written by the template", chart: "charts/app", template: "app/templates/deployment.yaml", path: "kind", want: ""},
		// A remote dependency's default has no place in the repository;
		// the umbrella's override of its tag has.
		{name: "umbrella override of a remote chart", chart: "charts/umbrella", fetcher: true, template: "umbrella/charts/redis/templates/statefulset.yaml", path: "spec/template/spec/containers/0/image", want: "charts/umbrella/values.yaml:6"},
		{name: "file dependency default", chart: "charts/umbrella", fetcher: true, template: "umbrella/charts/lib/templates/configmap.yaml", path: "data/message", want: "charts/umbrella/values.yaml:2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f chartref.Fetcher
			if tc.fetcher {
				f = remote(t)
			}
			res, err := Render(context.Background(), load(t, f, tc.chart), Request{ReleaseName: "r", Namespace: "n", Capabilities: caps, Values: tc.values})
			if err != nil {
				t.Fatal(err)
			}
			var obj map[string]any
			for _, m := range res.Manifests {
				if m.Template == tc.template {
					if err := yaml.Unmarshal([]byte(m.Content), &obj); err != nil {
						t.Fatal(err)
					}
				}
			}
			if obj == nil {
				t.Fatalf("no manifest of %s in\n%s", tc.template, write(res))
			}
			pos, ok := res.Locate(tc.template, obj, strings.Split(tc.path, "/"))
			got := ""
			if ok {
				got = fmt.Sprintf("%s:%d", pos.File, pos.Line)
			}
			if got != tc.want {
				t.Errorf("Locate(%s) = %q, want %q", tc.path, got, tc.want)
			}
		})
	}
}

// TestLocateByChance: a value met by chance (true, 2) is not pinned to
// a values line whose key does not name the field.
func TestLocateByChance(t *testing.T) {
	res, err := Render(context.Background(), load(t, nil, "charts/app"), Request{ReleaseName: "r", Namespace: "n", Capabilities: caps})
	if err != nil {
		t.Fatal(err)
	}
	obj := map[string]any{"spec": map[string]any{"automountServiceAccountToken": true, "minReadySeconds": int64(2), "replicas": int64(2)}}
	for _, tc := range []struct {
		path, want string
	}{
		{path: "spec/automountServiceAccountToken", want: ""}, // monitoring.enabled: true is another field
		{path: "spec/minReadySeconds", want: ""},              // replicaCount: 2 is another field
		{path: "spec/replicas", want: "charts/app/values.yaml:1"},
	} {
		if got := locatedAt(res, "app/templates/deployment.yaml", obj, tc.path); got != tc.want {
			t.Errorf("Locate(%s) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

// locatedAt is Locate's answer for a path ("spec/replicas") as file:line,
// "" for none.
func locatedAt(res *Result, template string, obj map[string]any, path string) string {
	pos, ok := res.Locate(template, obj, strings.Split(path, "/"))
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s:%d", pos.File, pos.Line)
}

// TestLocateSecretData: a Secret's data value is the base64 of what the
// template was given (b64enc): it is found by what it encodes, there
// only.
func TestLocateSecretData(t *testing.T) {
	res, err := Render(context.Background(), load(t, nil, "charts/app"), Request{ReleaseName: "r", Namespace: "n", Capabilities: caps})
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString([]byte("ghcr.io/acme/app"))
	obj := map[string]any{
		"data":       map[string]any{"repository": enc, "generated": base64.StdEncoding.EncodeToString([]byte("x8Hq2LrT0pWz"))},
		"binaryData": map[string]any{"repository": enc},
		"spec":       map[string]any{"repository": enc},
	}
	for _, tc := range []struct {
		path, want string
	}{
		{path: "data/repository", want: "charts/app/values.yaml:3"},
		{path: "binaryData/repository", want: "charts/app/values.yaml:3"},
		{path: "data/generated", want: ""},  // drawn by the template (randAlphaNum): no value made it
		{path: "spec/repository", want: ""}, // base64 elsewhere is a value of its own
	} {
		if got := locatedAt(res, "app/templates/service.yaml", obj, tc.path); got != tc.want {
			t.Errorf("Locate(%s) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

// TestDeterministic: two renders of a chart that draws random strings,
// UUIDs, the clock and generated keys and certificates are byte for
// byte the same, and a different release draws differently.
func TestDeterministic(t *testing.T) {
	c := load(t, nil, "charts/funcs")
	render := func(name string) string {
		res, err := Render(context.Background(), c, Request{ReleaseName: name, Namespace: "n", Capabilities: caps})
		if err != nil {
			t.Fatal(err)
		}
		if res.Failed || len(res.Manifests) != 1 {
			t.Fatalf("the chart did not render:\n%s", write(res))
		}
		return write(res)
	}
	a, b := render("web"), render("web")
	if a != b {
		t.Errorf("two renders differ:\n%s\n---\n%s", a, b)
	}
	if c := render("api"); c == a {
		t.Error("another release rendered the same random values")
	}
	for _, want := range []string{"BEGIN CERTIFICATE", "BEGIN EC PRIVATE KEY", "BEGIN PRIVATE KEY", `rendered-at: "2025-01-01T00:00:00Z"`, "admin:$2a$10$"} {
		if !strings.Contains(a, want) {
			t.Errorf("render lacks %q:\n%s", want, a)
		}
	}
}

// TestLoopStopped: a template that loops is stopped by the step budget,
// or by the time limit, and reported; it never hangs the run.
func TestLoopStopped(t *testing.T) {
	c := load(t, nil, "charts/loop")
	tests := []struct {
		kind   string
		limits Limits
		want   string
	}{
		{kind: "range", limits: Limits{MaxSteps: 100_000}, want: "more than 100000 loop iterations"},
		{kind: "nested", limits: Limits{MaxSteps: 100_000}, want: "more than 100000 loop iterations"},
		{kind: "include", limits: Limits{MaxSteps: 100_000}, want: "more than 100000 loop iterations"},
		{kind: "until", limits: Limits{MaxSteps: 100_000}, want: "over the limit of 1000000"},
		// Helm's own limit on an include's depth answers first.
		{kind: "deep", limits: Limits{MaxSteps: 100_000}, want: "nested reference name: loop.deep"},
		{kind: "range", limits: Limits{MaxSteps: 1 << 62, Timeout: 300 * time.Millisecond}, want: "longer than its time limit"},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			start := time.Now()
			res, err := Render(context.Background(), c, Request{ReleaseName: "l", Namespace: "n", Capabilities: caps, Limits: tc.limits,
				Values: []Layer{{Values: map[string]any{"kind": tc.kind}}}})
			if err != nil {
				t.Fatal(err)
			}
			got := write(res)
			if !res.Failed || !strings.Contains(got, tc.want) || !strings.Contains(got, string(RenderFailed)) {
				t.Errorf("got\n%s\nwant a failed render saying %q", got, tc.want)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("stopping took %s", d)
			}
		})
	}
}

// TestHostileArchive: an archive a stranger wrote is refused whole: a
// link, a path out of its top directory, a device, more bytes than the
// budget once decompressed (a gzip bomb), an archive over its size limit.
func TestHostileArchive(t *testing.T) {
	chartYAML := []byte("apiVersion: v2\nname: evil\nversion: 1.0.0\n")
	reg := func(name string, data []byte) helmtest.Entry {
		return helmtest.Entry{Header: tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644}, Data: data}
	}
	bomb := bytes.Repeat([]byte{'a'}, 9<<20)
	tests := []struct {
		name   string
		data   []byte
		limits Limits
		want   string
	}{
		{name: "symlink", data: helmtest.Archive(reg("evil/Chart.yaml", chartYAML), helmtest.Entry{Header: tar.Header{Name: "evil/templates/x.yaml", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}}), want: "not a regular file"},
		{name: "hard link", data: helmtest.Archive(reg("evil/Chart.yaml", chartYAML), helmtest.Entry{Header: tar.Header{Name: "evil/templates/x.yaml", Typeflag: tar.TypeLink, Linkname: "evil/Chart.yaml"}}), want: "not a regular file"},
		{name: "device", data: helmtest.Archive(reg("evil/Chart.yaml", chartYAML), helmtest.Entry{Header: tar.Header{Name: "evil/zero", Typeflag: tar.TypeChar}}), want: "not a regular file"},
		{name: "parent", data: helmtest.Archive(reg("evil/Chart.yaml", chartYAML), reg("evil/../../etc/cron.d/x", []byte("x"))), want: "outside its top directory"},
		{name: "absolute", data: helmtest.Archive(reg("/etc/evil/Chart.yaml", chartYAML)), want: "outside its top directory"},
		{name: "gzip bomb", data: helmtest.Archive(reg("evil/Chart.yaml", chartYAML), reg("evil/big.txt", bomb)), limits: Limits{MaxBytes: 8 << 20}, want: "larger than the limit once decompressed"},
		{name: "too many files", data: helmtest.Archive(reg("evil/Chart.yaml", chartYAML), reg("evil/a", nil), reg("evil/b", nil), reg("evil/c", nil)), limits: Limits{MaxFiles: 2}, want: "more than the limit of files"},
		{name: "oversized archive", data: helmtest.Archive(reg("evil/Chart.yaml", chartYAML), reg("evil/big.txt", bomb)), limits: Limits{MaxArchive: 1000}, want: "over the limit of 1000"},
		{name: "not gzip", data: []byte("<html>not found</html>"), want: "not a gzipped chart archive"},
		{name: "vendored bomb", data: helmtest.Archive(reg("evil/Chart.yaml", chartYAML), reg("evil/charts/sub.tgz", helmtest.Archive(reg("sub/Chart.yaml", chartYAML), reg("sub/big.txt", bomb)))), limits: Limits{MaxBytes: 8 << 20}, want: "larger than the limit once decompressed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := &Loader{Limits: withDefaults(tc.limits)}
			_, err := l.Archive(context.Background(), &chartref.Archive{Ref: chartref.Ref{Repo: "oci://ghcr.io/evil", Name: "evil", Version: "1.0.0"}, Data: tc.data})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Archive() error = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestRemoteChart: a chart fetched through the Fetcher renders; one the
// Fetcher cannot bring is its error, with its kind.
func TestRemoteChart(t *testing.T) {
	f := remote(t)
	l := &Loader{FS: repo, Fetcher: f, Limits: DefaultLimits()}
	c, err := l.Remote(context.Background(), chartref.Ref{Repo: "https://charts.example.com", Name: "redis", Version: "~1.4"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Version, "1.4.2"; got != want || c.Ref == nil || c.Ref.Version != "1.4.2" {
		t.Errorf("version = %q (ref %+v), want %q", got, c.Ref, want)
	}
	_, err = l.Remote(context.Background(), chartref.Ref{Repo: "https://charts.example.com", Name: "nope"})
	if chartref.KindOf(err) != chartref.NotFound {
		t.Errorf("error = %v, want a NotFound chartref.Error", err)
	}
	_, err = (&Loader{}).Remote(context.Background(), chartref.Ref{Repo: "https://charts.example.com", Name: "redis"})
	if chartref.KindOf(err) != chartref.Disabled {
		t.Errorf("error without a fetcher = %v, want Disabled", err)
	}
	failing := &helmtest.Fetcher{Fail: chartref.Unauthorized}
	c = load(t, failing, "charts/umbrella")
	var p *Problem
	for i := range c.Problems {
		if c.Problems[i].Kind == ChartUnavailable {
			p = &c.Problems[i]
		}
	}
	if p == nil || !strings.Contains(p.Message, "chart-credentials") {
		t.Errorf("problems = %+v, want a ChartUnavailable naming chart-credentials", c.Problems)
	}
}

// TestConfinedDir: a chart directory's links are never followed, and a
// file:// dependency may not lead out of the repository.
func TestConfinedDir(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "c/templates"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "c/Chart.yaml"), []byte("apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n- name: out\n  version: 1.0.0\n  repository: file://../../out\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("top secret"), 0o644))
	must(os.Symlink("../../secret.txt", filepath.Join(dir, "c/templates/leak.yaml")))
	l := &Loader{FS: os.DirFS(dir), Limits: DefaultLimits()}
	c, err := l.Dir(context.Background(), "c")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, p := range c.Problems {
		msgs = append(msgs, string(p.Kind)+": "+p.Message)
	}
	got := strings.Join(msgs, "\n")
	for _, want := range []string{"file-not-read: c/templates/leak.yaml is not read into the chart: a symbolic link", `"file://../../out" leads out of the repository`} {
		if !strings.Contains(got, want) {
			t.Errorf("problems:\n%s\nwant one saying %q", got, want)
		}
	}
	res, err := Render(context.Background(), c, Request{ReleaseName: "c", Namespace: "c", Capabilities: caps})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(write(res), "top secret") {
		t.Error("the render read a file through a link")
	}
}

// TestConcurrentRenders: one loaded chart renders at once on several
// goroutines, each with its values (run with -race).
func TestConcurrentRenders(t *testing.T) {
	c := load(t, remote(t), "charts/umbrella")
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			res, err := Render(context.Background(), c, Request{ReleaseName: fmt.Sprintf("r%d", i), Namespace: "n", Capabilities: caps,
				Values: []Layer{{Values: map[string]any{"lib": map[string]any{"message": fmt.Sprint(i)}}}}})
			switch {
			case err != nil:
				errs <- err
			case !strings.Contains(write(res), fmt.Sprintf("message: \"%d\"", i)):
				errs <- fmt.Errorf("render %d lost its values:\n%s", i, write(res))
			default:
				errs <- nil
			}
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestInstrumentKeepsOutput: the tick calls change neither the output
// nor the lines of a template, whatever its trim markers.
func TestInstrumentKeepsOutput(t *testing.T) {
	src := "a:\n{{- range $i, $v := .list }}\n  - {{ $v }}\n  {{- end }}\nb: {{ range .list -}}\n   x{{ end }}\n{{ define \"d\" -}}\n  y\n{{- end }}{{ include \"d\" . }}\nc: {{ range .empty }}{{ else }}none{{ end }}\n"
	out, ok := instrumented("t", []byte(src))
	if !ok {
		t.Fatal("nothing instrumented")
	}
	if strings.Count(string(out), "\n") != strings.Count(src, "\n") {
		t.Errorf("line count changed:\n%s", out)
	}
	run := func(text string) string {
		t.Helper()
		s := newSession(context.Background(), "", time.Time{}, DefaultLimits())
		tpl, err := newTemplate(text, s)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := tpl.Execute(&b, map[string]any{"list": []any{1, 2}, "empty": []any{}}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if got, want := run(string(out)), run(src); got != want {
		t.Errorf("instrumented output differs:\n--- got\n%s\n--- want\n%s", got, want)
	}
}

// newTemplate parses a template with the session's functions and an
// include of its own definitions.
func newTemplate(text string, s *session) (*template.Template, error) {
	t := template.New("t").Funcs(s.funcs())
	t.Funcs(template.FuncMap{"include": func(name string, data any) (string, error) {
		var b strings.Builder
		err := t.ExecuteTemplate(&b, name, data)
		return b.String(), err
	}})
	return t.Parse(text)
}

// TestNamespaceDefault: a release that names no namespace (a HelmRelease
// without one, an Application with no destination namespace) renders in
// "default", as helm template does, never in an empty namespace.
func TestNamespaceDefault(t *testing.T) {
	c := load(t, nil, "charts/ns")
	for ns, want := range map[string]string{"": "namespace: default", "media": "namespace: media"} {
		res, err := Render(context.Background(), c, Request{ReleaseName: "r", Namespace: ns, Capabilities: caps})
		if err != nil {
			t.Fatal(err)
		}
		if got := write(res); !strings.Contains(got, want+"\n") {
			t.Errorf("namespace %q renders\n%s\nwant %q", ns, got, want)
		}
	}
}
