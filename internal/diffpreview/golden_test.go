package diffpreview

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/chartsource/chartsourcetest"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestGolden compares each case's base and head trees
// (testdata/CASE/base, testdata/CASE/head) with the options of
// testdata/CASE/options.txt ("environment: DIR", "ignore: PATH" lines),
// and checks the Markdown (at the comment limit) and the text against
// testdata/CASE/preview.md and preview.txt.
func TestGolden(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			dir := filepath.Join("testdata", c.Name())
			p := compareCase(t, dir)
			md := p.Markdown(commentLimit, "https://github.com/acme/config/actions/runs/1")
			if len(md) > commentLimit {
				t.Errorf("Markdown is %d bytes, over %d", len(md), commentLimit)
			}
			var txt strings.Builder
			if err := p.WriteText(&txt); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join(dir, "preview.md"), md)
			golden(t, filepath.Join(dir, "preview.txt"), txt.String())
		})
	}
}

// commentLimit is GitHub's limit on a comment's body.
const commentLimit = 65536

func compareCase(t *testing.T, dir string) *Preview {
	t.Helper()
	p, err := Compare(context.Background(), openSide(t, dir, "base"), openSide(t, dir, "head"), caseOptions(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// openSide opens a case's base or head tree.
func openSide(t *testing.T, dir, side string) *workspace.Tree {
	tree, err := workspace.Open(filepath.Join(dir, side), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	return tree
}

// caseOptions reads a case's options.txt.
func caseOptions(t *testing.T, dir string) Options {
	t.Helper()
	var opts Options
	if f, err := os.Open(filepath.Join(dir, "options.txt")); err == nil {
		s := bufio.NewScanner(f)
		for s.Scan() {
			k, v, _ := strings.Cut(s.Text(), ": ")
			switch k {
			case "environment":
				opts.Environments = append(opts.Environments, v)
			case "ignore":
				opts.Ignore = append(opts.Ignore, v)
			case "repository":
				opts.Repository = v
			case "chart":
				name, version, _ := strings.Cut(v, " ")
				if opts.Fetcher == nil {
					opts.Fetcher = &chartShelf{}
				}
				opts.Fetcher.(*chartShelf).add(t, name, version)
			}
		}
		f.Close()
	}
	return opts
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestSecretValuesNowhere checks the Secret case beyond its golden files:
// no value of either side, nor its base64, is in any output, and each key
// is marked as it changed.
func TestSecretValuesNowhere(t *testing.T) {
	p := compareCase(t, filepath.Join("testdata", "secret-value-changed"))
	var txt strings.Builder
	if err := p.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	all.WriteString(txt.String())
	for _, limit := range []int{commentLimit, 4000, 1500, 600} {
		all.WriteString(p.Markdown(limit, "https://example.com/run"))
	}
	for _, e := range p.Environments {
		all.WriteString(e.BaseError + e.HeadError)
		for _, rs := range [][]Resource{e.Added, e.Removed, e.Changed} {
			for _, r := range rs {
				all.WriteString(r.ID + r.Diff)
			}
		}
	}
	out := all.String()
	for _, v := range []string{"s3cr3t-base-value", "correct-horse-battery-staple", "admin", "tok-base-123456", "newvalue-xyz-987", "db.internal", "leaky-value-41", "leaky-value-42", hiddenPrefix} {
		for _, form := range []string{v, base64.StdEncoding.EncodeToString([]byte(v))} {
			if strings.Contains(out, form) {
				t.Errorf("an output holds %q", form)
			}
		}
	}
	for _, want := range []string{"\n-  password: (hidden)\n", "\n+  password: (hidden, changed)\n", "\n   user: (hidden)\n", "\n+  apikey: (hidden)\n", "\n-  token: (hidden)\n"} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("the diff lacks %q:\n%s", want, txt.String())
		}
	}
}

// TestGeneratedSecretName: the hash kustomize suffixes a generated
// Secret's name with is a digest of its values, and shows nowhere; a
// generated ConfigMap whose content changed is paired with the one it
// replaces.
func TestGeneratedSecretName(t *testing.T) {
	p := compareCase(t, filepath.Join("testdata", "generated-names"))
	var out strings.Builder
	if err := p.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	out.WriteString(p.Markdown(commentLimit, ""))
	for _, hash := range []string{"5bt56f5hdf", "tg958685gf", "generator-secret-one", "generator-secret-two"} {
		if strings.Contains(out.String(), hash) {
			t.Errorf("an output holds %q", hash)
		}
	}
	if a, r, c := p.Counts(); a != 0 || r != 0 || c != 3 {
		t.Errorf("%d added, %d removed, %d changed; want 3 changed (the Deployment, the ConfigMap, the Secret)", a, r, c)
	}
}

// chartShelf is the chart repository of a golden case: the charts its
// options.txt names ("chart: NAME VERSION"), each a Deployment and a
// ConfigMap of its values, a Service from 1.1.0 on. Any other chart or
// version is unreachable, as a repository that is down.
type chartShelf struct{ charts map[string][]byte }

func (s *chartShelf) add(t *testing.T, name, version string) {
	files := map[string]string{
		"values.yaml": "replicas: 1\nimage: {repository: ghcr.io/acme/app, tag: \"1.0\"}\n",
		"templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  labels: {chart: {{ .Chart.Name }}-{{ .Chart.Version }}}\n" +
			"spec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n        - name: app\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n",
	}
	if version >= "1.1.0" {
		files["templates/service.yaml"] = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  ports: [{port: 80}]\n"
	}
	if s.charts == nil {
		s.charts = map[string][]byte{}
	}
	s.charts[name+"@"+version] = chartsourcetest.Chart(t, name, version, files)
}

func (s *chartShelf) Fetch(_ context.Context, ref chartref.Ref) (*chartref.Archive, error) {
	data, ok := s.charts[ref.Name+"@"+ref.Version]
	if !ok {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.Unreachable, Err: errors.New("dial tcp: connection refused")}
	}
	return &chartref.Archive{Ref: ref, Version: ref.Version, Digest: chartsourcetest.Digest(data), URL: ref.Repo, Data: data}, nil
}
