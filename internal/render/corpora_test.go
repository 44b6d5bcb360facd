package render

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/argoapp"
	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/chartsource"
	"github.com/gitops-actions/gitops-actions/internal/chartsource/chartsourcetest"
	"github.com/gitops-actions/gitops-actions/internal/helm/helmtest"
	"github.com/gitops-actions/gitops-actions/internal/sharedtest"
)

// mirrorOnly fetches through the real fetcher only what a mirror of the
// test serves; any other chart is unreachable, as from a runner with no
// network: the test never leaves the machine.
type mirrorOnly struct {
	repos map[string]bool
	f     *chartsource.Fetcher
}

func (m mirrorOnly) Fetch(ctx context.Context, ref chartref.Ref) (*chartref.Archive, error) {
	if !m.repos[strings.TrimSuffix(ref.Repo, "/")] {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.Unreachable, Err: errors.New("not reachable from this test: no network")}
	}
	return m.f.Fetch(ctx, ref)
}

// TestCorporaReleases renders every release of the real repositories
// under ../shared/corpora, podinfo's chart served from a loopback Helm
// repository (the chart of the podinfo corpus, packed) through the
// fetcher, with a mirror of podinfo's published repository; every other
// remote chart unreachable. Every release is rendered or announced by
// name: none passes silently. The figures are logged (go test -v).
func TestCorporaReleases(t *testing.T) {
	root := sharedtest.Path(t, "corpora")
	data, err := helmtest.Pack(os.DirFS(filepath.Join(root, "podinfo", "charts")), "podinfo", "podinfo")
	if err != nil {
		t.Fatal(err)
	}
	meta, err := os.ReadFile(filepath.Join(root, "podinfo", "charts", "podinfo", "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Version string }
	if err := yaml.Unmarshal(meta, &m); err != nil {
		t.Fatal(err)
	}
	repo := chartsourcetest.NewRepo(t, chartsourcetest.RepoOptions{Charts: []chartsourcetest.Entry{{Name: "podinfo", Version: m.Version, Data: data}}})
	mirrors, err := chartsource.ParseMirrors([]string{"https://stefanprodan.github.io/podinfo=" + repo.URL})
	if err != nil {
		t.Fatal(err)
	}
	f, err := chartsource.New(chartsource.Options{Mirrors: mirrors})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fetch := mirrorOnly{repos: map[string]bool{"https://stefanprodan.github.io/podinfo": true}, f: f}
	for _, c := range []struct{ name, repository string }{
		{"flux2-kustomize-helm-example", "fluxcd/flux2-kustomize-helm-example"},
		{"argocd-example-apps", "argoproj/argocd-example-apps"},
		{"podinfo", "stefanprodan/podinfo"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(root, c.name)
			tr, err := Walk(context.Background(), os.DirFS(dir), Options{Substitute: true, KubernetesVersion: "1.37", Repository: c.repository, Fetcher: fetch})
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			objects := map[*Unit]int{}
			releases := map[*Unit]*releaseSrc{}
			outs := tr.RenderAll(2, func(u *Unit) func(*Object) {
				mu.Lock()
				releases[u] = u.release
				mu.Unlock()
				return func(o *Object) {
					if !o.SchemaOnly {
						mu.Lock()
						objects[u]++
						mu.Unlock()
					}
				}
			})
			var found, rendered, announced, failed, files int
			var lines []string
			for _, o := range outs {
				if !releaseKind(o.Unit.Kind) || o.Unit.Kind == ApplicationSet {
					continue
				}
				found++
				var kinds []string
				for _, p := range o.Problems {
					kinds = append(kinds, string(p.Kind))
				}
				switch {
				case slices.Contains(kinds, string(HelmRenderFailed)):
					failed++
				case objects[o.Unit] > 0:
					rendered++
				case len(kinds) > 0:
					announced++
				case ownFiles(tr, releases[o.Unit]):
					files++
				default:
					t.Errorf("%s rendered nothing and says nothing about it", o.Unit.Name)
				}
				line := fmt.Sprintf("%s: %d objects", o.Unit.Name, objects[o.Unit])
				for _, p := range o.Problems {
					line += fmt.Sprintf("\n    %s:%d: %s: %s", p.File, p.Line, p.Kind, p.Message)
				}
				lines = append(lines, line)
			}
			slices.Sort(lines)
			t.Logf("%s: %d releases: %d rendered, %d of the repository's own kustomizations or manifests (verified as such), %d announced (not rendered, named), %d failing to render\n  %s", c.name, found, rendered, files, announced, failed, strings.Join(lines, "\n  "))
		})
	}
	if n := len(repo.Requests()); n == 0 {
		t.Errorf("the loopback repository got no request: podinfo's chart was not fetched through the mirror")
	}
}

// ownFiles reports whether every source of an Application is a directory
// of the repository rendered as its own files are (kustomize, plain
// manifests): verified as such, not as the Application's.
func ownFiles(tr *Tree, r *releaseSrc) bool {
	if !argoapp.IsApplication(r.obj.Object) {
		return false
	}
	a, _ := argoapp.Read(r.obj.Object)
	for _, s := range a.Sources {
		if s.Dir == "" || !tr.isThisRepository(s.RepoURL) || !tr.isDir(cleanPath(s.Dir)) || tr.charts[cleanPath(s.Dir)] {
			return false
		}
	}
	return len(a.Sources) > 0
}

func cleanPath(p string) string {
	p = strings.Trim(filepath.ToSlash(filepath.Clean("/"+p)), "/")
	if p == "" {
		return "."
	}
	return p
}

// TestOCIRepositoryThroughMirror renders a HelmRelease whose chartRef is
// an OCIRepository, its chart pulled by the real fetcher from a loopback
// OCI registry that a mirror stands for, and its HelmRepository twin of
// type oci alike.
func TestOCIRepositoryThroughMirror(t *testing.T) {
	reg := chartsourcetest.NewRegistry(t, chartsourcetest.RegistryOptions{})
	reg.Push(t, "charts", "app", "1.2.3", chartsourcetest.Chart(t, "app", "1.2.3", map[string]string{
		"templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n",
		"values.yaml":           "replicas: 1\n",
	}))
	mirrors, err := chartsource.ParseMirrors([]string{"oci://ghcr.io/acme=oci://" + reg.Host})
	if err != nil {
		t.Fatal(err)
	}
	f, err := chartsource.New(chartsource.Options{Mirrors: mirrors})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	repo := fstest.MapFS{"apps/app.yaml": {Data: []byte(`apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: app, namespace: apps}
spec:
  url: oci://ghcr.io/acme/charts/app
  ref: {semver: 1.x}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: apps}
spec:
  type: oci
  url: oci://ghcr.io/acme/charts
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: by-ref, namespace: apps}
spec:
  chartRef: {kind: OCIRepository, name: app}
  values: {replicas: 2}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: by-repo, namespace: apps}
spec:
  chart:
    spec: {chart: app, version: 1.2.3, sourceRef: {kind: HelmRepository, name: charts}}
  values: {replicas: 3}
`)}}
	tr, err := Walk(context.Background(), repo, Options{KubernetesVersion: "1.33", Fetcher: f})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	outs := tr.RenderAll(2, func(u *Unit) func(*Object) {
		return func(o *Object) {
			if o.Origin.Helm != nil {
				mu.Lock()
				got = append(got, fmt.Sprintf("%s replicas=%v", o.Origin.Helm, valueAt(o.Object, []string{"spec", "replicas"})))
				mu.Unlock()
			}
		}
	})
	for _, o := range outs {
		for _, p := range o.Problems {
			t.Errorf("%s: %s: %s", o.Unit.Name, p.Kind, p.Message)
		}
	}
	slices.Sort(got)
	want := []string{
		"HelmRelease apps/by-ref → app 1.2.3, templates/cm.yaml replicas=<nil>",
		"HelmRelease apps/by-ref → app 1.2.3, templates/deploy.yaml replicas=2",
		"HelmRelease apps/by-repo → app 1.2.3, templates/cm.yaml replicas=<nil>",
		"HelmRelease apps/by-repo → app 1.2.3, templates/deploy.yaml replicas=3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("rendered:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(reg.Requests()) == 0 {
		t.Error("the loopback registry got no request")
	}
}
