package render

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/helm"
)

// A kustomization's helmCharts are inflated in process, as kustomize's
// HelmChartInflationGenerator would with helm on the runner: the chart
// found under helmGlobals.chartHome ("charts"), else pulled from repo
// (through the tree's Fetcher), the values composed as that generator
// composes them (valuesFile, valuesInline by valuesMerge, then
// additionalValuesFiles). What the chart renders becomes a resource file
// of the kustomization that exists only for the build, so that the rest
// of the kustomization (namePrefix, labels, patches, images) applies to
// it as kustomize applies it; each document carries a marker that leads
// back to its release, template and values.

// helmKey is the field that marks a document a helmCharts entry rendered.
const helmKey = "x-gitops-actions-helm"

// helmChartEntry is one entry of a kustomization's helmCharts.
type helmChartEntry struct {
	kfile, dir string
	index      int
	node       *yaml.Node // the entry
	inline     *yaml.Node // valuesInline

	Name, Version, Repo, ReleaseName, Namespace string
	ValuesFile, ValuesMerge, KubeVersion        string
	AdditionalValuesFiles, APIVersions          []string
	IncludeCRDs, SkipTests, SkipHooks           bool
	chartHome                                   string
}

// chartDir is where kustomize looks for the chart: under chartHome, in a
// NAME-VERSION directory when the entry names a repo and a version.
func (e *helmChartEntry) chartDir() string {
	home := path.Join(e.dir, strings.TrimPrefix(e.chartHome, "/"))
	if e.Version != "" && e.Repo != "" {
		home = path.Join(home, e.Name+"-"+e.Version)
	}
	return path.Join(home, e.Name)
}

// parseHelmCharts reads the helmCharts entries of a kustomization's root
// mapping.
func parseHelmCharts(kfile string, root *yaml.Node) []*helmChartEntry {
	_, seq := mapGet(root, "helmCharts")
	if seq = Deref(seq); seq == nil || seq.Kind != yaml.SequenceNode {
		return nil
	}
	home := "charts"
	if _, g := mapGet(root, "helmGlobals"); g != nil {
		if _, h := mapGet(Deref(g), "chartHome"); h != nil && h.Value != "" {
			home = h.Value
		}
	}
	var out []*helmChartEntry
	for i, item := range seq.Content {
		item = Deref(item)
		if item.Kind != yaml.MappingNode {
			continue
		}
		e := &helmChartEntry{kfile: kfile, dir: path.Dir(kfile), index: i, node: item, chartHome: home}
		str := func(k string) string {
			if _, v := mapGet(item, k); v != nil && v.Kind == yaml.ScalarNode {
				return v.Value
			}
			return ""
		}
		list := func(k string) []string {
			var out []string
			if _, v := mapGet(item, k); v != nil && v.Kind == yaml.SequenceNode {
				for _, c := range v.Content {
					out = append(out, c.Value)
				}
			}
			return out
		}
		e.Name, e.Version, e.Repo = str("name"), str("version"), str("repo")
		e.ReleaseName, e.Namespace = str("releaseName"), str("namespace")
		e.ValuesFile, e.ValuesMerge, e.KubeVersion = str("valuesFile"), str("valuesMerge"), str("kubeVersion")
		e.AdditionalValuesFiles, e.APIVersions = list("additionalValuesFiles"), list("apiVersions")
		e.IncludeCRDs, e.SkipTests, e.SkipHooks = str("includeCRDs") == "true", str("skipTests") == "true", str("skipHooks") == "true"
		if _, v := mapGet(item, "valuesInline"); v != nil {
			e.inline = Deref(v)
		}
		out = append(out, e)
	}
	return out
}

// helmChartEntries reads the helmCharts of the kustomization in dir.
func (t *Tree) helmChartEntries(dir string) []*helmChartEntry {
	kfile := kustomizationIn(t, dir)
	if kfile == "" {
		return nil
	}
	pf := t.file(kfile)
	if len(pf.docs) == 0 || pf.docs[0].root == nil {
		return nil
	}
	return parseHelmCharts(kfile, pf.docs[0].root)
}

// inflation is one helmCharts entry rendered within a build.
type inflation struct {
	entry   *helmChartEntry
	release string
	ref     helm.Position
	res     *helm.Result
	file    string // the resource file of the build that holds the output
	text    []byte
}

// inflate renders a helmCharts entry once per build; the problems are
// the build's. ok is false when there is nothing to add to the build.
func (b *build) inflate(e *helmChartEntry) (*inflation, bool) {
	key := e.kfile + "\x00" + strconv.Itoa(e.index)
	b.mu.Lock()
	inf, done := b.inflated[key]
	b.mu.Unlock()
	if done {
		return inf, inf != nil
	}
	inf, read, probs := b.t.inflateHelmChart(e, len(b.inflations()))
	b.mu.Lock()
	b.inflated[key] = inf
	if inf != nil {
		b.helmRuns = append(b.helmRuns, inf)
	}
	b.helmRead = append(b.helmRead, read...)
	b.mu.Unlock()
	for i, p := range probs {
		b.report(e.kfile, fmt.Sprintf("helm\x00%d\x00%d", e.index, i), p)
	}
	return inf, inf != nil
}

func (b *build) inflations() []*inflation {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.helmRuns
}

// inflateHelmChart loads and renders a helmCharts entry; n numbers it in
// its build. The inflation is nil when nothing rendered.
func (t *Tree) inflateHelmChart(e *helmChartEntry, n int) (*inflation, []string, []Problem) {
	ref := helm.Position{File: e.kfile, Line: e.node.Line, Column: e.node.Column}
	release := fmt.Sprintf("helmCharts %s of %s", e.Name, e.kfile)
	failed := func(format string, args ...any) (*inflation, []string, []Problem) {
		return nil, nil, []Problem{{File: ref.File, Line: ref.Line, Column: ref.Column, Kind: HelmRenderFailed, Message: fmt.Sprintf(release+": "+format, args...)}}
	}
	if e.Name == "" {
		return failed("the entry names no chart (name)")
	}
	l := t.chartLoader()
	var c *helm.Chart
	var err error
	dir := e.chartDir()
	if _, serr := fs.Stat(t.fsys, path.Join(dir, "Chart.yaml")); serr == nil {
		c, err = l.Dir(t.ctx, dir)
	} else if e.Repo != "" {
		ref := chartref.Ref{Repo: e.Repo, Name: e.Name, Version: e.Version}
		c, err = l.Remote(t.ctx, ref)
		if chartref.KindOf(err) != 0 {
			return nil, nil, []Problem{FetchProblem(err, fmt.Sprintf("chart %s for helmCharts %s in %s", ref, e.Name, e.kfile), e.kfile, e.node.Line, e.node.Column)}
		}
	} else {
		return failed("no chart at %s, and no repo to pull it from", dir)
	}
	if err != nil {
		return failed("%v", err)
	}
	read := c.Read
	var values []Layer
	var file, inline *Layer
	if e.ValuesFile != "" {
		l, r, err := t.valuesFileLayer(e.dir, e.ValuesFile)
		if err != nil {
			return failed("valuesFile: %v", err)
		}
		file, read = &l, append(read, r)
	}
	if e.inline != nil {
		l, err := helm.NodeLayer(e.kfile, e.inline)
		if err != nil {
			return failed("valuesInline: %v", err)
		}
		inline = &l
	}
	switch e.ValuesMerge {
	case "", "override":
		values = appendLayers(values, file, inline)
	case "merge":
		values = appendLayers(values, inline, file)
	case "replace":
		values = appendLayers(values, inline)
		if inline == nil {
			values = appendLayers(values, file)
		}
	default:
		return failed("valuesMerge %q is not merge, override or replace", e.ValuesMerge)
	}
	for _, f := range e.AdditionalValuesFiles {
		l, r, err := t.valuesFileLayer(e.dir, f)
		if err != nil {
			return failed("additionalValuesFiles: %v", err)
		}
		values, read = append(values, l), append(read, r)
	}
	caps, err := t.capabilities()
	if err != nil {
		return failed("%v", err)
	}
	if e.KubeVersion != "" {
		caps.KubeVersion = e.KubeVersion
	}
	caps.APIVersions = append(caps.APIVersions[:len(caps.APIVersions):len(caps.APIVersions)], e.APIVersions...)
	req := helm.Request{ReleaseName: e.ReleaseName, Namespace: e.Namespace, Values: values, Capabilities: caps, IncludeCRDs: e.IncludeCRDs, IncludeTests: !e.SkipTests}
	if req.ReleaseName == "" {
		// kustomize asks helm for a generated name, different every run;
		// helm template's own default is stable.
		req.ReleaseName = "release-name"
	}
	if req.Namespace == "" {
		req.Namespace = "default"
	}
	res, err := helm.Render(t.ctx, c, req)
	if err != nil {
		return nil, read, nil
	}
	probs := helmProblems(res.Problems, ref)
	if res.Failed {
		return nil, read, probs
	}
	if e.SkipHooks {
		kept := res.Manifests[:0:0]
		for _, m := range res.Manifests {
			if m.Hook == "" {
				kept = append(kept, m)
			}
		}
		res.Manifests = kept
	}
	inf := &inflation{entry: e, release: release, ref: ref, res: res, file: path.Join(e.dir, fmt.Sprintf(".gitops-actions-helmcharts-%d.yaml", n))}
	var text strings.Builder
	for i, m := range res.Manifests {
		text.WriteString("---\n")
		text.WriteString(markHelm(m.Content, n, i))
		text.WriteString("\n")
	}
	inf.text = []byte(text.String())
	return inf, read, probs
}

// Layer is the engine's, named here for the values of a helmCharts entry.
type Layer = helm.Layer

func appendLayers(out []Layer, ls ...*Layer) []Layer {
	for _, l := range ls {
		if l != nil {
			out = append(out, *l)
		}
	}
	return out
}

// valuesFileLayer reads a values file a kustomization in dir names.
func (t *Tree) valuesFileLayer(dir, name string) (Layer, string, error) {
	if strings.Contains(name, "://") {
		return Layer{}, "", fmt.Errorf("%q is remote: values files are read only from the repository", name)
	}
	p := path.Clean(path.Join(dir, name))
	data, err := fs.ReadFile(t.fsys, p)
	if err != nil {
		return Layer{}, "", fmt.Errorf("reading %q: %w", p, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Layer{}, "", fmt.Errorf("%s: %w", p, err)
	}
	if len(doc.Content) == 0 {
		return Layer{File: p}, p, nil
	}
	l, err := helm.NodeLayer(p, doc.Content[0])
	return l, p, err
}

// markHelm puts a marker naming inflation n, manifest i before the first
// key of a document written as a block mapping; any other stays as it is.
func markHelm(doc string, n, i int) string {
	lines := strings.SplitAfter(doc, "\n")
	for j, l := range lines {
		if isBlank([]byte(l)) {
			continue
		}
		if !isPlainKeyLine([]byte(strings.TrimRight(l, "\n"))) {
			return doc
		}
		mark := helmKey + ": '" + strconv.Itoa(n) + ":" + strconv.Itoa(i) + "'\n"
		return strings.Join(lines[:j], "") + mark + strings.Join(lines[j:], "")
	}
	return doc
}

// helmMark is where a rendered object of a build came from, when a
// helmCharts entry rendered it.
type helmMark struct {
	inf *inflation
	m   int
}

// takeHelmMark removes the marker from a rendered object and says what it
// named.
func (b *build) takeHelmMark(obj map[string]any) *helmMark {
	mark, ok := obj[helmKey].(string)
	if !ok {
		return nil
	}
	delete(obj, helmKey)
	ns, ms, _ := strings.Cut(mark, ":")
	n, err1 := strconv.Atoi(ns)
	m, err2 := strconv.Atoi(ms)
	runs := b.inflations()
	if err1 != nil || err2 != nil || n < 0 || m < 0 {
		return nil
	}
	for _, r := range runs {
		if r.file == path.Join(r.entry.dir, fmt.Sprintf(".gitops-actions-helmcharts-%d.yaml", n)) && m < len(r.res.Manifests) {
			return &helmMark{inf: r, m: m}
		}
	}
	return nil
}

// helmOrigin is the origin of an object a helmCharts entry rendered: a
// patch of the kustomization or its images entry first, as for any
// resource, else the values line, else the entry.
func (b *build) helmOrigin(obj map[string]any, hm *helmMark) Origin {
	inf := hm.inf
	m := inf.res.Manifests[hm.m]
	return Origin{Unit: b.unit, File: inf.ref.File,
		Helm: &HelmOrigin{Release: inf.release, Chart: inf.res.Chart, Version: inf.res.Version, Template: chartRel(m.Template)},
		locate: func(p []string, at Pin) (string, int, int) {
			for _, ps := range b.patchList() {
				if ps.matches(obj) {
					if line, col, ok := ps.locate(obj, p, at == PinKey); ok {
						return ps.file, line, col
					}
				}
			}
			if len(p) > 0 && p[len(p)-1] == "image" {
				if pos, ok := inf.res.Locate(m.Template, obj, p); ok {
					return pos.File, pos.Line, pos.Column
				}
				if file, line, col, ok := b.imageEntry(obj, p); ok {
					return file, line, col
				}
			}
			if at != PinOwner {
				if pos, ok := inf.res.Locate(m.Template, obj, p); ok {
					return pos.File, pos.Line, pos.Column
				}
			}
			return inf.ref.File, inf.ref.Line, inf.ref.Column
		}}
}
