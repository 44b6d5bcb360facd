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

	"github.com/gitops-actions/gitops-actions/internal/argoapp"
	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/chartsource"
	"github.com/gitops-actions/gitops-actions/internal/chartsource/chartsourcetest"
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
	data, version, err := packChart(filepath.Join(root, "podinfo", "charts", "podinfo"))
	if err != nil {
		t.Fatal(err)
	}
	repo := chartsourcetest.NewRepo(t, chartsourcetest.RepoOptions{Charts: []chartsourcetest.Entry{{Name: "podinfo", Version: version, Data: data}}})
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
