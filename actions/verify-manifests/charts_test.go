package verifymanifests

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/chartsource/chartsourcetest"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

func TestChartInputsBadInput(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{"pod.yaml": pod("a", "nginx:1.27", true)})
	tests := []struct {
		name     string
		inputs   map[string]string
		wantErr  string
		password string
	}{
		{name: "mirror without TO", inputs: map[string]string{"chart-mirrors": "oci://ghcr.io"}, wantErr: `input "chart-mirrors": line 1: "oci://ghcr.io" is not FROM=TO`},
		{name: "mirror of another kind", inputs: map[string]string{"chart-mirrors": "oci://ghcr.io=https://mirror.example.com"}, wantErr: `are not both oci:// or both http(s)://`},
		{name: "mirror with credentials", inputs: map[string]string{"chart-mirrors": "https://charts.example.com=https://u:p4ss@mirror.example.com"}, wantErr: `holds credentials: give them in chart-credentials`, password: "p4ss"},
		{name: "credentials without HOST=", inputs: map[string]string{"chart-credentials": "ghcr.io=robot:pw-0ne-s3cret\nrobot:pw-tw0-s3cret"}, wantErr: `input "chart-credentials": line 2 is not HOST=USER:PASSWORD (the line is not shown`, password: "pw-tw0-s3cret"},
		{name: "credentials without a password", inputs: map[string]string{"chart-credentials": "ghcr.io=pw-0nly-s3cret"}, wantErr: `line 1: the credentials for "ghcr.io" are not USER:PASSWORD`, password: "pw-0nly-s3cret"},
		{name: "credentials twice for a host", inputs: map[string]string{"chart-credentials": "ghcr.io=a:pw-0ne-s3cret\nGHCR.io=b:pw-tw0-s3cret"}, wantErr: `line 2: "ghcr.io" has credentials already`, password: "pw-tw0-s3cret"},
		{name: "fetch-charts not a boolean", inputs: map[string]string{"fetch-charts": "sometimes"}, wantErr: `input "fetch-charts": "sometimes" is not a boolean`},
		{name: "chart-allow-private not a boolean", inputs: map[string]string{"chart-allow-private": "yes please"}, wantErr: `input "chart-allow-private": "yes please" is not a boolean`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := clitest.RunAction(t, Command, dir, nil, tc.inputs)
			got.WantCode(t, cli.ExitUsage)
			if !strings.Contains(got.Stdout+got.Stderr, tc.wantErr) {
				t.Errorf("the run does not say %q:\nstdout:\n%s\nstderr:\n%s", tc.wantErr, got.Stdout, got.Stderr)
			}
			if tc.password == "" {
				return
			}
			stdout := got.Stdout
			for strings.HasPrefix(stdout, "::add-mask::") {
				_, stdout, _ = strings.Cut(stdout, "\n")
			}
			if strings.Contains(stdout+got.Stderr, tc.password) {
				t.Errorf("the password is printed:\nstdout:\n%s\nstderr:\n%s", got.Stdout, got.Stderr)
			}
		})
	}
}

// TestChartCredentialsNeverPrinted runs verify-manifests as the runner
// does with chart-credentials: the runner is told to mask the input and
// every password in it before anything else is printed, and no password
// appears anywhere else, on success or on bad input.
func TestChartCredentialsNeverPrinted(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{"pod.yaml": pod("a", "nginx:1.27", true)})
	const pass1, pass2 = "pw-0ne-s3cret", "pw:tw0=s3cret"
	for _, tc := range []struct {
		name  string
		creds string
		code  int
	}{
		{name: "valid", creds: "ghcr.io=robot:" + pass1 + "\ncharts.example.com:8443=ci:" + pass2},
		{name: "bad line", creds: "ghcr.io=robot:" + pass1 + "\ncharts.example.com:8443=" + pass2 + "\nnot a line " + pass1, code: cli.ExitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := clitest.RunAction(t, Command, dir, nil, map[string]string{"chart-credentials": tc.creds})
			got.WantCode(t, tc.code)
			var masks []string
			rest := got.Stdout
			for strings.HasPrefix(rest, "::add-mask::") {
				line, after, _ := strings.Cut(rest, "\n")
				masks = append(masks, strings.TrimPrefix(line, "::add-mask::"))
				rest = after
			}
			for _, p := range []string{pass1, pass2} {
				found := false
				for _, m := range masks {
					found = found || m == p
				}
				if !found {
					t.Errorf("no add-mask of %q before anything else: %q", p, masks)
				}
				for where, text := range map[string]string{"stdout": rest, "stderr": got.Stderr, "$GITHUB_OUTPUT": got.RawOut, "summary": got.Summary} {
					if strings.Contains(text, p) {
						t.Errorf("%s holds a password:\n%s", where, text)
					}
				}
			}
		})
	}
}

// TestFetcherFromInputs builds the run's fetcher from the inputs and
// fetches through it: the mirror and the cache (relative to the working
// directory, created on first use) are the inputs', and fetch-charts:
// false makes every fetch a Disabled error.
func TestFetcherFromInputs(t *testing.T) {
	chart := chartsourcetest.Chart(t, "app", "1.0.0", nil)
	repo := chartsourcetest.NewRepo(t, chartsourcetest.RepoOptions{Charts: []chartsourcetest.Entry{{Name: "app", Version: "1.0.0", Data: chart}}})
	dir := t.TempDir()
	ref := chartref.Ref{Repo: "https://charts.example.com", Name: "app", Version: "1.0.0"}
	run := &cli.Run{Env: &cli.Env{Getenv: func(string) string { return "" }, Dir: dir, Version: "1.2.3"}}
	for _, tc := range []struct {
		name   string
		inputs map[string]string
		kind   chartref.Kind
	}{
		{name: "fetched", inputs: map[string]string{"chart-cache": ".chart-cache", "chart-mirrors": "https://charts.example.com=" + repo.URL}},
		{name: "disabled", inputs: map[string]string{"fetch-charts": "false", "chart-mirrors": "https://charts.example.com=" + repo.URL}, kind: chartref.Disabled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := readChartInputs(cli.NewValues(&spec, tc.inputs))
			if err != nil {
				t.Fatal(err)
			}
			tree, err := workspace.Open(dir, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer tree.Close()
			f, err := newFetcher(run, tree, in)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			a, err := f.Fetch(context.Background(), ref)
			if tc.kind != 0 {
				if chartref.KindOf(err) != tc.kind {
					t.Fatalf("error %v, want kind %d", err, tc.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(a.Data) != string(chart) {
				t.Error("the archive is not the chart")
			}
			entries, err := os.ReadDir(filepath.Join(dir, ".chart-cache"))
			if err != nil || len(entries) != 2 {
				t.Errorf("the cache under the working directory holds %v (%v), want an archive and a record", entries, err)
			}
		})
	}
}

// TestRemoteChartsEndToEnd verifies a kustomization whose helmCharts
// name charts of a Helm repository and of an OCI registry, both served
// on loopback through chart-mirrors: the charts are fetched, rendered
// and checked (each has a latest image: an error in its output); a
// second run with the same chart-cache sends no request; fetch-charts:
// false makes each chart a notice; a registry that wants credentials
// is a warning naming the chart, and the input to set.
func TestRemoteChartsEndToEnd(t *testing.T) {
	webChart := chartsourcetest.Chart(t, "web", "1.2.0", map[string]string{"templates/deploy.yaml": deployment("{{ .Release.Name }}", "nginx:latest")})
	apiChart := chartsourcetest.Chart(t, "api", "2.0.0", map[string]string{"templates/deploy.yaml": deployment("{{ .Release.Name }}", "busybox:latest")})
	repo := chartsourcetest.NewRepo(t, chartsourcetest.RepoOptions{Charts: []chartsourcetest.Entry{{Name: "web", Version: "1.2.0", Data: webChart}}})
	reg := chartsourcetest.NewRegistry(t, chartsourcetest.RegistryOptions{})
	reg.Push(t, "charts", "api", "2.0.0", apiChart)
	locked := chartsourcetest.NewRegistry(t, chartsourcetest.RegistryOptions{User: "robot", Password: "pw-l0cked-s3cret"})
	locked.Push(t, "charts", "api", "2.0.0", apiChart)
	kustomization := func(ociRepo string) string {
		return "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [cm.yaml]\nhelmCharts:\n  - name: web\n    repo: https://charts.example.com/stable\n    version: 1.x\n    releaseName: web\n  - name: api\n    repo: " + ociRepo + "\n    version: 2.0.0\n    releaseName: api\n"
	}
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: {a: b}\n"
	dir := clitest.WriteTree(t, map[string]string{"apps/kustomization.yaml": kustomization("oci://ghcr.io/acme/charts"), "apps/cm.yaml": cm, "locked/kustomization.yaml": kustomization("oci://registry.example.com/charts"), "locked/cm.yaml": cm})
	mirrorsInput := "https://charts.example.com/stable=" + repo.URL + "\noci://ghcr.io/acme/charts=oci://" + reg.Host + "/charts\noci://registry.example.com=oci://" + locked.Host
	run := func(t *testing.T, path string, extra ...string) clitest.Result {
		args := append([]string{"--format", "text", "--path", path, "--chart-mirrors", mirrorsInput}, extra...)
		return clitest.Run(t, Command, dir, nil, args...)
	}
	requests := func() int { return len(repo.Requests()) + len(reg.Requests()) }
	reg.Reset()

	got := run(t, "apps", "--chart-cache", ".chart-cache")
	if got.Code != cli.ExitFailed {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", got.Code, cli.ExitFailed, got.Stdout, got.Stderr)
	}
	for _, want := range []string{"nginx:latest", "busybox:latest", "[image-tag-latest]"} {
		if !strings.Contains(got.Stdout, want) {
			t.Errorf("the report does not say %q:\n%s", want, got.Stdout)
		}
	}
	if !strings.Contains(got.Stderr, "charts: 2 fetched, 0 from the cache, 0 not fetched") {
		t.Errorf("the log does not count the charts:\n%s", got.Stderr)
	}
	if requests() == 0 {
		t.Fatal("no request reached the servers")
	}

	t.Run("cache reused", func(t *testing.T) {
		repo.Reset()
		reg.Reset()
		again := run(t, "apps", "--chart-cache", ".chart-cache")
		if again.Code != got.Code || again.Stdout != got.Stdout {
			t.Errorf("a second run differs:\n%s\nwant:\n%s", again.Stdout, got.Stdout)
		}
		// The range 1.x asks the index which version is newest; the
		// archives come from the cache.
		if reqs := append(repo.Requests(), reg.Requests()...); len(reqs) != 1 || reqs[0].Path != "/index.yaml" {
			t.Errorf("the second run sent %+v, want the index alone", reqs)
		}
		if !strings.Contains(again.Stderr, "charts: 0 fetched, 2 from the cache") {
			t.Errorf("the log does not count the cached charts:\n%s", again.Stderr)
		}
	})

	t.Run("fetch-charts false", func(t *testing.T) {
		repo.Reset()
		reg.Reset()
		off := run(t, "apps", "--fetch-charts=false")
		if off.Code != cli.ExitOK {
			t.Fatalf("exit %d, want 0\n%s", off.Code, off.Stdout)
		}
		if n := strings.Count(off.Stdout, "is not fetched (fetching charts is off)"); n != 2 {
			t.Errorf("%d notices of a chart not fetched, want one per chart:\n%s", n, off.Stdout)
		}
		if strings.Contains(off.Stdout, "latest") || requests() != 0 {
			t.Errorf("charts were fetched with fetch-charts false (%d requests):\n%s", requests(), off.Stdout)
		}
	})

	t.Run("unauthorized", func(t *testing.T) {
		res := run(t, "locked")
		if !strings.Contains(res.Stdout, "[chart-fetch]") || !strings.Contains(res.Stdout, "oci://registry.example.com/charts/api@2.0.0") || !strings.Contains(res.Stdout, "chart-credentials") {
			t.Errorf("no chart-fetch warning naming the chart and the input:\n%s", res.Stdout)
		}
		// The fetcher's error says which host to give credentials for;
		// the finding says it once, and does not claim credentials were
		// refused when none were given.
		for _, line := range strings.Split(res.Stdout, "\n") {
			if strings.Contains(line, "[chart-fetch]") && (strings.Count(line, "chart-credentials") != 1 || !strings.Contains(line, "chart-credentials to "+locked.Host+"=USER:PASSWORD") || strings.Contains(line, "refused the credentials")) {
				t.Errorf("the chart-fetch warning should name chart-credentials once, with the registry's host %s:\n%s", locked.Host, line)
			}
		}
		ok := run(t, "locked", "--chart-credentials", locked.Host+"=robot:pw-l0cked-s3cret")
		if !strings.Contains(ok.Stdout, "busybox:latest") || strings.Contains(ok.Stdout, "[chart-fetch]") {
			t.Errorf("with chart-credentials the chart is not rendered:\n%s", ok.Stdout)
		}
	})
}

// TestRemoteChartDiff bumps a remote chart's version in a kustomization:
// the diff preview renders the chart on both sides, with the run's one
// fetcher (the repository's index is asked once for verify and both
// sides), and shows the rendered Deployment's image change.
func TestRemoteChartDiff(t *testing.T) {
	old := chartsourcetest.Chart(t, "web", "1.0.0", map[string]string{"templates/deploy.yaml": deployment("{{ .Release.Name }}", "nginx:1.27.0")})
	bumped := chartsourcetest.Chart(t, "web", "1.1.0", map[string]string{"templates/deploy.yaml": deployment("{{ .Release.Name }}", "nginx:1.28.0")})
	repo := chartsourcetest.NewRepo(t, chartsourcetest.RepoOptions{Charts: []chartsourcetest.Entry{{Name: "web", Version: "1.0.0", Data: old}, {Name: "web", Version: "1.1.0", Data: bumped}}})
	kustomization := func(version string) string {
		return "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nhelmCharts:\n  - name: web\n    repo: https://charts.example.com\n    version: " + version + "\n    releaseName: web\n"
	}
	dir := clitest.WriteTree(t, map[string]string{"apps/kustomization.yaml": kustomization("1.1.0"), ".base/apps/kustomization.yaml": kustomization("1.0.0")})
	got := clitest.Run(t, Command, dir, nil, "--format", "text", "--chart-mirrors", "https://charts.example.com="+repo.URL, "--diff-base-path", ".base", "--diff-file", "diff.txt")
	if got.Code != cli.ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", got.Code, got.Stdout, got.Stderr)
	}
	diff, err := os.ReadFile(filepath.Join(dir, "diff.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-        - image: nginx:1.27.0", "+        - image: nginx:1.28.0"} {
		if !strings.Contains(string(diff), want) {
			t.Errorf("the diff does not show %q:\n%s", want, diff)
		}
	}
	reqs := repo.Requests()
	if count := func(p string) int {
		n := 0
		for _, r := range reqs {
			if r.Path == p {
				n++
			}
		}
		return n
	}; count("/index.yaml") != 1 || count("/charts/web-1.0.0.tgz") != 1 || count("/charts/web-1.1.0.tgz") != 1 {
		t.Errorf("requests %+v, want the index and each archive once for verify and both sides", reqs)
	}
}

// TestChartCacheDir resolves chart-cache: inside the working directory
// no link may lead out of it (a pull request may commit .chart-cache as
// a link); a directory the workflow names outside it is its choice.
func TestChartCacheDir(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	for name, target := range map[string]string{"escape": outside, "inside": "real"} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	tree, err := workspace.Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	tests := []struct {
		in, want, wantErr string
	}{
		{in: ".chart-cache", want: filepath.Join(dir, ".chart-cache")},
		{in: ".cache/helm/charts", want: filepath.Join(dir, ".cache/helm/charts")},
		{in: "inside/charts", want: filepath.Join(dir, "real/charts")},
		{in: filepath.Join(dir, "real"), want: filepath.Join(dir, "real")},
		{in: filepath.Join(outside, "charts"), want: filepath.Join(outside, "charts")},
		{in: "escape", wantErr: `input "chart-cache": "escape" is, or passes through, a symbolic link to a place outside the working directory`},
		{in: "escape/charts", wantErr: `passes through, a symbolic link`},
		{in: ".", wantErr: `is the working directory itself`},
		{in: "a\nb", wantErr: `holds a control character`},
	}
	for _, tc := range tests {
		got, err := cacheDir(tree, tc.in)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("cacheDir(%q) = %q, %v; want error %q", tc.in, got, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || got != tc.want):
			t.Errorf("cacheDir(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
