package manifest

import (
	"bytes"
	"context"
	"io/fs"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
)

// A Flux HelmRelease (or HelmChart) names its chart's repository by a
// HelmRepository's name and namespace, and the HelmRepository holds the
// URL, most often in another file (a sources/ directory). When a chart is
// given with its repository's URL, the HelmRepositories of the whole tree
// are read first, as Renovate's flux manager does, so that a HelmRelease
// anywhere can be matched by URL.

// sources are the HelmRepositories of a tree, by name.
type sources struct {
	byName map[string][]helmRepository
	// files are the files that hold them, in the walk's order.
	files []string
}

type helmRepository struct {
	namespace, url string
}

// needSources reports whether a chart of the run is given with its
// repository's URL.
func needSources(charts []chartref.Chart) bool {
	for _, c := range charts {
		if c.Repository != "" {
			return true
		}
	}
	return false
}

// readSources reads the HelmRepositories of the YAML files under roots.
// A file that cannot be read or parsed is left to the bump itself, which
// says so.
func readSources(ctx context.Context, fsys fs.FS, roots []string, max int64) (*sources, error) {
	if max == 0 {
		max = DefaultMaxFileSize
	}
	s := &sources{byName: map[string][]helmRepository{}}
	err := listFiles(ctx, fsys, roots, func(p string) {
		data, _, _, err := readFile(fsys, p, max)
		if err != nil || !bytes.Contains(data, []byte("HelmRepository")) {
			return
		}
		docs, err := parseAll(newSource(data).data)
		if err != nil {
			return
		}
		held := false
		for _, d := range docs {
			held = s.add(d) || held
		}
		if held {
			s.files = append(s.files, p)
		}
	})
	return s, err
}

// add records doc when it is a HelmRepository, and says whether it was.
func (s *sources) add(doc *yaml.Node) bool {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return false
	}
	root := doc.Content[0]
	av, kind := field(root, "apiVersion"), field(root, "kind")
	if av == nil || kind == nil || kind.Value != "HelmRepository" || !strings.HasPrefix(av.Value, "source.toolkit.fluxcd.io/") {
		return false
	}
	meta, spec := field(root, "metadata"), field(root, "spec")
	name, url := field(meta, "name"), field(spec, "url")
	if name == nil || url == nil || name.Kind != yaml.ScalarNode || url.Kind != yaml.ScalarNode {
		return false
	}
	r := helmRepository{url: chartref.NormalizeRepo(url.Value)}
	if ns := field(meta, "namespace"); ns != nil && ns.Kind == yaml.ScalarNode {
		r.namespace = ns.Value
	}
	s.byName[name.Value] = append(s.byName[name.Value], r)
	return true
}

// url returns the URL of the HelmRepository name in namespace (either may
// be unknown, ""), or "" when no one repository of the tree is it.
func (s *sources) url(name, namespace string) string {
	if s == nil {
		return ""
	}
	found := ""
	for _, r := range s.byName[name] {
		if namespace != "" && r.namespace != "" && namespace != r.namespace {
			continue
		}
		if found != "" && found != r.url {
			return "" // two repositories of that name: which one is not known
		}
		found = r.url
	}
	return found
}

// field returns the value of key in mapping m, or nil; no alias or merge
// key is followed.
func field(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
