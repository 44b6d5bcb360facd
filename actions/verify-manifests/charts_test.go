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
			in, err := readChartInputs(cli.NewValues(&Spec, tc.inputs))
			if err != nil {
				t.Fatal(err)
			}
			f, err := newFetcher(run, in)
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
