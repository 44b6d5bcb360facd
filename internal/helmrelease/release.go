// Package helmrelease reads a Flux HelmRelease (helm.toolkit.fluxcd.io/v2)
// as helm-controller does: the chart it names and where that chart comes
// from (a HelmRepository, an OCIRepository, a GitRepository, a HelmChart),
// the values it composes in helm-controller's order, its post-renderers
// and the release it installs. It holds no Helm rendering and no network
// code: a renderer resolves the chart and renders it with what Read and
// Values return.
package helmrelease

import (
	"crypto/sha256"
	"fmt"
	"strings"
)

// Release is a HelmRelease as helm-controller installs it.
type Release struct {
	// Name and Namespace are the HelmRelease's own.
	Name, Namespace string
	// ReleaseName is the Helm release's name: spec.releaseName, else
	// [targetNamespace-]name, shortened past 53 characters as
	// helm-controller shortens it (ShortenName).
	ReleaseName string
	// ReleaseNamespace is where the chart is installed: targetNamespace,
	// else the HelmRelease's namespace.
	ReleaseNamespace string
	// Chart is spec.chart.spec, nil when the release names spec.chartRef.
	Chart *ChartTemplate
	// ChartRef is spec.chartRef, nil when the release names spec.chart.
	ChartRef *ObjectRef
	// ValuesFrom are spec.valuesFrom in order.
	ValuesFrom []ValuesRef
	// Values are spec.values (nil when none), as the cluster stores them:
	// numbers are float64, as helm-controller decodes them.
	Values map[string]any
	// PostRenderers are the kustomize post-renderers in order.
	PostRenderers []PostRenderer
	// PostRenderStrategy says whether hooks go through the post-renderers:
	// "combined" (the default of helm-controller with Helm 4) or
	// "separate" send them, "nohooks" does not.
	PostRenderStrategy string
	// CommonLabels and CommonAnnotations are spec.commonMetadata.
	CommonLabels, CommonAnnotations map[string]string
	// IncludeCRDs is whether the chart's crds/ are installed
	// (install.crds is not Skip).
	IncludeCRDs bool
	// SkipSchemaValidation is install.disableSchemaValidation: the chart's
	// values.schema.json is not applied.
	SkipSchemaValidation bool
}

// ChartTemplate is spec.chart.spec: the HelmChart helm-controller creates
// for the release.
type ChartTemplate struct {
	// Chart is the chart's name in a HelmRepository, its path in a
	// GitRepository or Bucket.
	Chart string
	// Version is a version or semver range; only a HelmRepository's chart
	// takes it ("*" when empty).
	Version string
	// SourceRef names the source: HelmRepository, GitRepository or Bucket.
	SourceRef ObjectRef
	// ValuesFiles, when set, replace the chart's values.yaml with these
	// files merged in order (source-controller's HelmChart valuesFiles).
	ValuesFiles []string
	// IgnoreMissingValuesFiles skips a values file that does not exist.
	IgnoreMissingValuesFiles bool
}

// ObjectRef names an object of the cluster: a source or a HelmChart.
type ObjectRef struct {
	Kind, Name, Namespace string
}

func (r ObjectRef) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// ValuesRef is one entry of spec.valuesFrom.
type ValuesRef struct {
	// Index is the entry's position in spec.valuesFrom.
	Index int
	// Kind is ConfigMap or Secret.
	Kind, Name string
	// ValuesKey is the data key, "values.yaml" when not set.
	ValuesKey string
	// TargetPath, when set, places the whole value at this path (Helm's
	// --set syntax) instead of merging it as YAML.
	TargetPath string
	// Optional entries that cannot be resolved are left out.
	Optional bool
	// Literal takes the value verbatim at TargetPath (--set-literal).
	Literal bool
}

// PostRenderer is one spec.postRenderers[].kustomize.
type PostRenderer struct {
	// Index is the entry's position in spec.postRenderers.
	Index int
	// Patches are kustomize patches (strategic merge or JSON 6902), each
	// with its target selector, as plain values.
	Patches []map[string]any
	// Images are kustomize images entries, as plain values.
	Images []map[string]any
}

// Issue is what is wrong with a HelmRelease as written, at a path of the
// object (JSON pointer tokens): helm-controller would refuse it.
type Issue struct {
	Path    []string
	Message string
}

// IsHelmRelease reports whether obj is a Flux HelmRelease of a version
// this package reads (helm.toolkit.fluxcd.io v2, v2beta2, v2beta1).
func IsHelmRelease(obj map[string]any) bool {
	api, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	return kind == "HelmRelease" && strings.HasPrefix(api, "helm.toolkit.fluxcd.io/")
}

// Read reads a HelmRelease. The issues are what helm-controller would
// refuse (no chart, a source of a kind it does not know); the release is
// nil only when there is nothing to render.
func Read(obj map[string]any) (*Release, []Issue) {
	md, _ := obj["metadata"].(map[string]any)
	spec, _ := obj["spec"].(map[string]any)
	r := &Release{Name: str(md["name"]), Namespace: str(md["namespace"])}
	var issues []Issue
	bad := func(msg string, p ...string) { issues = append(issues, Issue{Path: p, Message: msg}) }

	chart, _ := spec["chart"].(map[string]any)
	chartRef, _ := spec["chartRef"].(map[string]any)
	switch {
	case chart != nil && chartRef != nil:
		bad("a HelmRelease names either spec.chart or spec.chartRef, not both: helm-controller refuses it", "spec", "chartRef")
		return nil, issues
	case chart != nil:
		cs, _ := chart["spec"].(map[string]any)
		t := &ChartTemplate{Chart: str(cs["chart"]), Version: str(cs["version"]), IgnoreMissingValuesFiles: cs["ignoreMissingValuesFiles"] == true}
		sr, _ := cs["sourceRef"].(map[string]any)
		t.SourceRef = ObjectRef{Kind: str(sr["kind"]), Name: str(sr["name"]), Namespace: str(sr["namespace"])}
		for _, f := range list(cs["valuesFiles"]) {
			if s, ok := f.(string); ok {
				t.ValuesFiles = append(t.ValuesFiles, s)
			}
		}
		switch {
		case t.Chart == "":
			bad("spec.chart.spec.chart is empty: name the chart (its name in a HelmRepository, its path in a GitRepository)", "spec", "chart", "spec")
			return nil, issues
		case t.SourceRef.Name == "":
			bad("spec.chart.spec.sourceRef names no source", "spec", "chart", "spec")
			return nil, issues
		}
		switch t.SourceRef.Kind {
		case "HelmRepository", "GitRepository", "Bucket":
		default:
			bad(fmt.Sprintf("spec.chart.spec.sourceRef.kind %q is not one of HelmRepository, GitRepository or Bucket", t.SourceRef.Kind), "spec", "chart", "spec", "sourceRef", "kind")
			return nil, issues
		}
		r.Chart = t
	case chartRef != nil:
		ref := ObjectRef{Kind: str(chartRef["kind"]), Name: str(chartRef["name"]), Namespace: str(chartRef["namespace"])}
		switch {
		case ref.Name == "":
			bad("spec.chartRef names no object", "spec", "chartRef")
			return nil, issues
		case ref.Kind != "OCIRepository" && ref.Kind != "HelmChart" && ref.Kind != "ExternalArtifact":
			bad(fmt.Sprintf("spec.chartRef.kind %q is not one of OCIRepository, HelmChart or ExternalArtifact", ref.Kind), "spec", "chartRef", "kind")
			return nil, issues
		}
		r.ChartRef = &ref
	default:
		bad("a HelmRelease needs spec.chart or spec.chartRef: helm-controller has no chart to install", "spec")
		return nil, issues
	}

	tns := str(spec["targetNamespace"])
	r.ReleaseName = str(spec["releaseName"])
	if r.ReleaseName == "" {
		r.ReleaseName = r.Name
		if tns != "" {
			r.ReleaseName = tns + "-" + r.Name
		}
	}
	r.ReleaseName = ShortenName(r.ReleaseName)
	r.ReleaseNamespace = r.Namespace
	if tns != "" {
		r.ReleaseNamespace = tns
	}

	for i, e := range list(spec["valuesFrom"]) {
		m, _ := e.(map[string]any)
		ref := ValuesRef{Index: i, Kind: str(m["kind"]), Name: str(m["name"]), ValuesKey: str(m["valuesKey"]),
			TargetPath: str(m["targetPath"]), Optional: m["optional"] == true, Literal: m["literal"] == true}
		if ref.ValuesKey == "" {
			ref.ValuesKey = "values.yaml"
		}
		if ref.Kind != "ConfigMap" && ref.Kind != "Secret" {
			bad(fmt.Sprintf("valuesFrom kind %q is not ConfigMap or Secret: helm-controller fails the release", ref.Kind), "spec", "valuesFrom", fmt.Sprint(i), "kind")
			continue
		}
		r.ValuesFrom = append(r.ValuesFrom, ref)
	}
	if v, ok := spec["values"].(map[string]any); ok {
		r.Values = jsonTyped(v).(map[string]any)
	}

	for i, e := range list(spec["postRenderers"]) {
		m, _ := e.(map[string]any)
		k, _ := m["kustomize"].(map[string]any)
		if k == nil {
			continue
		}
		pr := PostRenderer{Index: i}
		for _, p := range list(k["patches"]) {
			if pm, ok := p.(map[string]any); ok {
				pr.Patches = append(pr.Patches, pm)
			}
		}
		for _, im := range list(k["images"]) {
			if m, ok := im.(map[string]any); ok {
				pr.Images = append(pr.Images, m)
			}
		}
		r.PostRenderers = append(r.PostRenderers, pr)
	}
	r.PostRenderStrategy = str(spec["postRenderStrategy"])
	switch r.PostRenderStrategy {
	case "":
		r.PostRenderStrategy = "combined"
	case "combined", "separate", "nohooks":
	default:
		bad(fmt.Sprintf("spec.postRenderStrategy %q is not one of nohooks, combined or separate", r.PostRenderStrategy), "spec", "postRenderStrategy")
		r.PostRenderStrategy = "combined"
	}
	if cm, ok := spec["commonMetadata"].(map[string]any); ok {
		r.CommonLabels, r.CommonAnnotations = strMap(cm["labels"]), strMap(cm["annotations"])
	}

	install, _ := spec["install"].(map[string]any)
	r.IncludeCRDs = true
	switch p := str(install["crds"]); p {
	case "Skip":
		r.IncludeCRDs = false
	case "", "Create", "CreateReplace":
	default:
		bad(fmt.Sprintf("install.crds %q is not one of Skip, Create or CreateReplace: helm-controller fails the install", p), "spec", "install", "crds")
	}
	r.SkipSchemaValidation = install["disableSchemaValidation"] == true
	return r, issues
}

// ID names the HelmRelease as flux get does: namespace/name.
func (r *Release) ID() string {
	if r.Namespace == "" {
		return r.Name
	}
	return r.Namespace + "/" + r.Name
}

// ShortenName is helm-controller's release name rule: a name longer than
// 53 characters (Helm's limit) becomes its first 40 characters, a dash and
// the first 12 hex digits of its SHA-256.
func ShortenName(name string) string {
	if len(name) <= 53 {
		return name
	}
	sum := fmt.Sprintf("%x", sha256.Sum256([]byte(name)))
	return name[:53-13] + "-" + sum[:12]
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func strMap(v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		} else {
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

// jsonTyped returns v with every integer as a float64: the types a value
// takes once it has been JSON in the cluster and decoded again, as
// helm-controller decodes spec.values (and Helm its values files). A
// template then prints 1000000 as 1e+06, as it does in the cluster.
func jsonTyped(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonTyped(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonTyped(e)
		}
		return out
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case uint64:
		return float64(x)
	}
	return v
}
