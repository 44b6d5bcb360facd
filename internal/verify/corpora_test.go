package verify

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/render"
	"github.com/gitops-actions/gitops-actions/internal/sharedtest"
)

// corpus returns ../shared/corpora/<name>, or skips (see sharedtest for why
// it is reached through the module's .shared link).
func corpus(t testing.TB, name string) string {
	t.Helper()
	return sharedtest.Path(t, "corpora", name)
}

// stubFS serves the corpus and, for files it lacks that are not YAML, an
// empty file: the corpora hold only the YAML files of their repositories,
// and podinfo's configMapGenerators name scripts and configuration files.
type stubFS struct{ fs.FS }

func (s stubFS) Open(name string) (fs.File, error) {
	f, err := s.FS.Open(name)
	if err == nil || !isStubbed(name) {
		return f, err
	}
	return fstest.MapFS{name: {Data: nil, ModTime: time.Time{}}}.Open(name)
}

func (s stubFS) Stat(name string) (fs.FileInfo, error) {
	f, err := s.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Stat()
}

func isStubbed(name string) bool {
	ext := filepath.Ext(name)
	return ext != "" && ext != ".yaml" && ext != ".yml" && !strings.HasSuffix(name, "Kustomization")
}

// recorder wraps a Validator and records, per apiVersion and kind, whether
// a schema was found.
type recorder struct {
	Validator
	mu    sync.Mutex
	found map[string][]bool
}

func (r *recorder) Validate(obj map[string]any) ([]Violation, bool, error) {
	vs, found, err := r.Validator.Validate(obj)
	a, k, _, _ := render.Meta(obj)
	r.mu.Lock()
	r.found[a+" "+k] = append(r.found[a+" "+k], found)
	r.mu.Unlock()
	return vs, found, err
}

// TestPodinfo: every kustomize overlay of podinfo builds, and the findings
// over the whole repository are stable.
func TestPodinfo(t *testing.T) {
	dir := corpus(t, "podinfo")
	fsys := stubFS{os.DirFS(dir)}
	res := runCorpus(t, fsys, "podinfo", Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37"),
		Environments: []string{"deploy/overlays/dev", "deploy/overlays/staging", "deploy/overlays/production"}})
	overlays, _ := fs.Glob(fsys, "deploy/overlays/*/kustomization.yaml")
	if len(overlays) == 0 {
		t.Fatal("no overlay found under deploy/overlays")
	}
	for _, f := range res.Findings {
		if f.Rule == RuleKustomizeBuild {
			t.Errorf("a kustomization does not build: %s", f)
		}
	}
	for _, o := range overlays {
		env := filepath.ToSlash(filepath.Dir(o))
		n := 0
		for _, e := range res.Environments {
			if e.Name == env {
				n = e.Resources
			}
		}
		if n == 0 {
			t.Errorf("overlay %s rendered no resources", env)
		}
	}
}

// TestFluxExample: the HelmReleases and Flux Kustomizations of the Flux
// example are validated against the Flux schemas, not skipped.
func TestFluxExample(t *testing.T) {
	dir := corpus(t, "flux2-kustomize-helm-example")
	rec := &recorder{Validator: schemas(t, "1.37"), found: map[string][]bool{}}
	runCorpus(t, os.DirFS(dir), "flux2-kustomize-helm-example", Options{KubernetesVersion: "1.37", Schemas: rec,
		Environments: []string{"apps/staging", "apps/production"}})
	for _, kind := range []string{"HelmRelease", "Kustomization", "HelmRepository", "OCIRepository"} {
		seen := 0
		for gvk, founds := range rec.found {
			if !strings.HasSuffix(gvk, " "+kind) || !strings.Contains(gvk, "fluxcd.io/") {
				continue
			}
			for _, found := range founds {
				seen++
				if !found {
					t.Errorf("%s was validated against no schema", gvk)
				}
			}
		}
		if seen == 0 {
			t.Errorf("no Flux %s was validated", kind)
		}
	}
}

func TestArgoCDExamples(t *testing.T) {
	dir := corpus(t, "argocd-example-apps")
	// The app of apps (apps/) names this repository: its Applications
	// render the charts beside it with their own values.
	runCorpus(t, os.DirFS(dir), "argocd-example-apps", Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37"), Repository: "argoproj/argocd-example-apps"})
}

// runCorpus runs the engine on a corpus and compares its findings with
// testdata/corpora/<name>.out.
func runCorpus(t *testing.T, fsys fs.FS, name string, opts Options) *Result {
	t.Helper()
	res, err := Run(context.Background(), fsys, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	compareGolden(t, filepath.Join("testdata", "corpora", name+".out"), res)
	return res
}
