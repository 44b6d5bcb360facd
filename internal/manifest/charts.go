package manifest

import (
	"fmt"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
)

// Charts are bumped where config repositories pin them, as Renovate's
// flux, argocd, helmv3 and kustomize managers read them:
//
//   - a Flux HelmRelease's spec.chart.spec.version, its chart from a
//     HelmRepository (spec.chart.spec.sourceRef), and a Flux HelmChart's
//     spec.version likewise;
//   - a Flux OCIRepository's spec.ref.tag (or spec.ref.semver when it
//     names one version), the chart's name the last element of spec.url;
//   - an Argo CD application source's targetRevision, where it has a
//     chart (or an oci:// repoURL that ends with the chart);
//   - a Chart.yaml's dependencies[].version;
//   - a kustomization's helmCharts[].version.
//
// Only a version that names one version is replaced: a range (6.x,
// >=1.0.0, ~1.2) is the tool's to resolve, and is left as it is with a
// note that "where it looked" shows.

// chartPlace is one place that names a chart and pins its version.
type chartPlace struct {
	kind string
	// what names the place in messages: "the HelmRelease".
	what string
	name string // the chart's name
	src  chartref.Source
	// unknown, when set, says why the place's repository is not known
	// (a HelmRepository not under the paths searched).
	unknown string
	// version is the version scalar (nil: none), field how to call it.
	version, versionVia *yaml.Node
	field               string
	// owner is the mapping that holds the version; at the nodes where a
	// hold comment may sit.
	owner, ownerVia *yaml.Node
	at              []*yaml.Node
	line            int // where the place is, when it has no version
	// refusal, when set, says why the place is left as it is.
	refusal string
}

// chart returns the chart of the run that the chart named name from src
// is, if any.
func (m *matcher) chart(name string, src chartref.Source) (chartref.Chart, bool) {
	for _, c := range m.opts.Charts {
		if c.Matches(name, src) {
			return c, true
		}
	}
	return chartref.Chart{}, false
}

// chartAt bumps the version of one place, or notes why it is left as it
// is when it names a chart of the run.
func (w *walker) chartAt(p chartPlace) {
	if w.m.any || p.name == "" {
		return
	}
	c, ok := w.m.chart(p.name, p.src)
	if !ok {
		w.otherRepository(p)
		return
	}
	line := p.line
	if p.version != nil {
		line = p.version.Line
	}
	key := c.Key()
	if p.version == nil {
		w.note(key, line, fmt.Sprintf("%s of chart %s sets no %s, so the newest version applies; left as it is", p.what, c.Name, p.field))
		return
	}
	if p.version.Kind != yaml.ScalarNode {
		return
	}
	v := p.version.Value
	switch {
	case placeholder(v):
		w.note(key, line, fmt.Sprintf("the %s of chart %s is a template placeholder (%q), which whatever renders this file fills in; left as it is", p.field, c.Name, v))
		return
	case !chartref.Exact(v):
		w.note(key, line, fmt.Sprintf("the %s of chart %s is the range %q, which the tool that reads it resolves to the newest version it allows; left as it is (give one version there to have it bumped)", p.field, c.Name, v))
		return
	}
	w.match(p.owner, p.ownerVia)
	w.found[key] = true
	ch := Change{Kind: p.kind, Chart: c.Name, Line: line, column: p.version.Column, Old: v, New: c.Version}
	if !w.admit(&ch, v, c.Version, append(p.at, p.version)...) {
		return
	}
	if p.refusal != "" {
		w.refuse(ch, p.refusal)
		return
	}
	w.add(&edit{op: opReplace, node: p.version, value: c.Version}, p.owner, p.versionVia)
	w.changes = append(w.changes, ch)
}

// otherRepository notes a place that names a chart of the run by its
// name, but from another repository, or from one that is not known.
func (w *walker) otherRepository(p chartPlace) {
	for _, c := range w.m.opts.Charts {
		if c.Name != p.name {
			continue
		}
		want := c.Repository
		if want == "" {
			want = c.Alias
		}
		line := p.line
		if p.version != nil {
			line = p.version.Line
		}
		switch {
		case p.unknown != "" && c.Repository != "":
			w.note(c.Key(), line, fmt.Sprintf("%s names chart %s, but %s, so whether it comes from %s is not known; left as it is (give the chart without its repository to bump it wherever it comes from)", p.what, c.Name, p.unknown, want))
		default:
			from := firstOf(p.src.URL, p.src.Alias, "a repository not named here")
			w.note(c.Key(), line, fmt.Sprintf("%s names chart %s from %s, not from %s; left as it is", p.what, c.Name, from, want))
		}
	}
}

// fluxChartSpec reads the chart template of a Flux HelmRelease
// (spec.chart.spec) or the spec of a HelmChart: chart, version and a
// sourceRef to a HelmRepository; namespace is the object's own, which a
// sourceRef without one means.
func (w *walker) fluxChartSpec(spec, via *yaml.Node, kind, what, namespace string) {
	if spec == nil || spec.Kind != yaml.MappingNode {
		return
	}
	chartK, chart, _ := w.lookup(spec, "chart", via)
	_, ref, rvia := w.lookup(spec, "sourceRef", via)
	if chart == nil || chart.Kind != yaml.ScalarNode {
		return
	}
	refKind, refName, refNS := "", "", namespace
	if _, v, _ := w.lookup(ref, "kind", rvia); v != nil {
		refKind = v.Value
	}
	if _, v, _ := w.lookup(ref, "name", rvia); v != nil {
		refName = v.Value
	}
	if _, v, _ := w.lookup(ref, "namespace", rvia); v != nil && v.Value != "" {
		refNS = v.Value
	}
	if refKind != "HelmRepository" {
		return // a GitRepository's or a Bucket's chart is a path, and its version is not read
	}
	versionK, version, versionVia := w.lookup(spec, "version", via)
	p := chartPlace{kind: kind, what: what, name: chart.Value, src: chartref.Source{Alias: refName}, version: version, versionVia: versionVia, field: "version",
		owner: spec, ownerVia: via, at: []*yaml.Node{chartK, chart, versionK}, line: chart.Line}
	if p.src.URL = w.m.sources.url(refName, refNS); p.src.URL == "" {
		p.unknown = fmt.Sprintf("its HelmRepository %s is not one HelmRepository under the paths searched", path.Join(refNS, refName))
	}
	w.chartAt(p)
}

// metadataNamespace returns the namespace of an object's metadata, or "".
func (w *walker) metadataNamespace(root, via *yaml.Node) string {
	_, meta, mvia := w.lookup(root, "metadata", via)
	if _, ns, _ := w.lookup(meta, "namespace", mvia); ns != nil && ns.Kind == yaml.ScalarNode {
		return ns.Value
	}
	return ""
}

// helmChartMediaType is the media type of a Helm chart's layer in an OCI
// artifact.
const helmChartMediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

// ociRepository reads a Flux OCIRepository: the chart is the last element
// of spec.url, its version spec.ref.tag, or spec.ref.semver where that
// names one version. An OCIRepository whose layerSelector picks another
// media type than a chart's holds no chart. A digest in spec.ref, which
// Flux prefers to the tag, leaves the place as it is.
func (w *walker) ociRepository(spec, via *yaml.Node) {
	_, url, _ := w.lookup(spec, "url", via)
	if url == nil || url.Kind != yaml.ScalarNode {
		return
	}
	if _, sel, svia := w.lookup(spec, "layerSelector", via); sel != nil {
		if _, mt, _ := w.lookup(sel, "mediaType", svia); mt != nil && mt.Value != "" && mt.Value != helmChartMediaType {
			return
		}
	}
	u := strings.TrimRight(url.Value, "/")
	i := strings.LastIndexByte(u, '/')
	if i < 0 {
		return
	}
	repo, name := u[:i], u[i+1:]
	_, ref, rvia := w.lookup(spec, "ref", via)
	p := chartPlace{kind: KindOCIRepository, what: "the OCIRepository", name: name, src: chartref.Source{URL: chartref.NormalizeRepo(repo)}, field: "spec.ref.tag",
		owner: ref, ownerVia: rvia, line: url.Line}
	if ref == nil || ref.Kind != yaml.MappingNode {
		w.chartAt(p)
		return
	}
	tagK, tag, tagVia := w.lookup(ref, "tag", rvia)
	semK, sem, semVia := w.lookup(ref, "semver", rvia)
	_, dig, _ := w.lookup(ref, "digest", rvia)
	switch {
	case sem != nil && (tag == nil || sem.Kind == yaml.ScalarNode && chartref.Exact(sem.Value)):
		// semver wins over tag in Flux; one version there is a pin.
		p.version, p.versionVia, p.field, p.at = sem, semVia, "spec.ref.semver", []*yaml.Node{semK}
	default:
		p.version, p.versionVia, p.at = tag, tagVia, []*yaml.Node{tagK}
	}
	if dig != nil && scalarValue(dig) != "" {
		p.refusal = fmt.Sprintf("the OCIRepository pins chart %s by digest (spec.ref.digest %s), which Flux prefers to the tag, so a new tag would change nothing that deploys: remove the digest, or set it to the new version's", name, shortDigest(dig.Value))
	}
	w.chartAt(p)
}

// argoChart reads an Argo CD application source that installs a chart:
// repoURL, chart and targetRevision; or an oci:// repoURL whose last
// element is the chart (Argo CD 3).
func (w *walker) argoChart(src, via *yaml.Node) {
	if src == nil || src.Kind != yaml.MappingNode {
		return
	}
	_, repo, _ := w.lookup(src, "repoURL", via)
	if repo == nil || repo.Kind != yaml.ScalarNode {
		return
	}
	chartK, chart, _ := w.lookup(src, "chart", via)
	revK, rev, revVia := w.lookup(src, "targetRevision", via)
	p := chartPlace{kind: KindArgoChart, what: "the Argo CD application source", version: rev, versionVia: revVia, field: "targetRevision", owner: src, ownerVia: via,
		at: []*yaml.Node{chartK, chart, revK}, line: repo.Line}
	switch {
	case chart != nil && chart.Kind == yaml.ScalarNode:
		p.name, p.src = chart.Value, chartref.Source{URL: chartref.NormalizeRepo(repo.Value)}
	case strings.HasPrefix(strings.ToLower(repo.Value), "oci://"):
		i := strings.LastIndexByte(strings.TrimRight(repo.Value, "/"), '/')
		if i < 0 {
			return
		}
		p.name, p.src = strings.TrimRight(repo.Value, "/")[i+1:], chartref.Source{URL: chartref.NormalizeRepo(repo.Value[:i])}
	default:
		return // a Git source: its targetRevision is a branch, a tag or a commit
	}
	w.chartAt(p)
}

// chartDependencies reads the dependencies of a Chart.yaml: name, version
// and repository (a URL, oci://, or a repository's name as @NAME or
// alias:NAME; a local file:// chart is left alone).
func (w *walker) chartDependencies(root, via *yaml.Node) {
	_, deps, dvia := w.lookup(root, "dependencies", via)
	if deps == nil || deps.Kind != yaml.SequenceNode {
		return
	}
	for _, item := range deps.Content {
		dep, evia := w.resolve(item, dvia)
		nameK, name, _ := w.lookup(dep, "name", evia)
		if name == nil || name.Kind != yaml.ScalarNode {
			continue
		}
		var src chartref.Source
		if _, repo, _ := w.lookup(dep, "repository", evia); repo != nil {
			r := repo.Value
			switch {
			case strings.HasPrefix(r, "file://"):
				continue
			case strings.HasPrefix(r, "@"):
				src.Alias = r[1:]
			case strings.HasPrefix(r, "alias:"):
				src.Alias = r[len("alias:"):]
			case r != "":
				src.URL = chartref.NormalizeRepo(r)
			}
		}
		versionK, version, versionVia := w.lookup(dep, "version", evia)
		w.chartAt(chartPlace{kind: KindDependency, what: "the dependency", name: name.Value, src: src, version: version, versionVia: versionVia, field: "version",
			owner: dep, ownerVia: evia, at: []*yaml.Node{nameK, name, versionK}, line: name.Line})
	}
}

// kustomizeChart reads one entry of a kustomization's helmCharts: name,
// repo and version.
func (w *walker) kustomizeChart(entry, via *yaml.Node) {
	nameK, name, _ := w.lookup(entry, "name", via)
	if name == nil || name.Kind != yaml.ScalarNode {
		return
	}
	var src chartref.Source
	if _, repo, _ := w.lookup(entry, "repo", via); repo != nil && repo.Kind == yaml.ScalarNode {
		src.URL = chartref.NormalizeRepo(repo.Value)
	}
	versionK, version, versionVia := w.lookup(entry, "version", via)
	w.chartAt(chartPlace{kind: KindKustomizeHelm, what: "the helmCharts entry", name: name.Value, src: src, version: version, versionVia: versionVia, field: "version",
		owner: entry, ownerVia: via, at: []*yaml.Node{nameK, name, versionK}, line: name.Line})
}
