package helmrelease

import (
	"fmt"
	"path"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
)

// Objects finds the objects a HelmRelease refers to (its sources, its
// HelmChart, the ConfigMaps and Secrets of valuesFrom) among what the
// repository defines. Find returns nil when the repository holds no such
// object; namespace "" matches an object of any namespace, and an object
// written without a namespace matches any.
type Objects interface {
	Find(kind, namespace, name string) map[string]any
}

// Chart is where a release's chart comes from, resolved through the
// objects of the repository.
type Chart struct {
	// Remote is the chart to fetch, when it comes from a HelmRepository
	// or an OCIRepository.
	Remote *chartref.Ref
	// Dir is the chart's directory in this repository, when it comes from
	// a GitRepository that is this repository.
	Dir string
	// Name names the chart in messages: its name, or its directory.
	Name string
	// ValuesFiles, when not empty, replace the chart's values.yaml with
	// these files merged in order. For a chart of this repository they
	// are paths of the repository (source-controller reads them relative
	// to the root of the GitRepository's artifact); for a fetched chart
	// they are files of the chart, "values.yaml" its own values.
	ValuesFiles []string
	// IgnoreMissingValuesFiles leaves out a values file that does not
	// exist instead of failing.
	IgnoreMissingValuesFiles bool
	// DigestVersion is set for a chart of an OCIRepository: helm-controller
	// appends the first 12 hex digits of the artifact's digest to the
	// chart's version (6.5.0+0123456789ab).
	DigestVersion bool
	// Via are the objects that led to the chart, the first one named by
	// the release: "HelmChart flux-system/podinfo", "HelmRepository …".
	Via []ObjectRef
}

// SourceError says why a release's chart cannot be rendered from the
// repository: its source is not in the repository, is another repository,
// or is of a kind nothing here can read. It is a notice about the
// release, never an error of it: the cluster may well hold the source.
type SourceError struct {
	// Path is the field of the HelmRelease the reason is about.
	Path    []string
	Message string
}

func (e *SourceError) Error() string { return e.Message }

// ThisRepository reports whether a Git URL is the repository being
// verified, so that a chart path in it can be read from the working tree.
type ThisRepository func(url string) bool

// ResolveChart finds the chart of r through objs. The error is a
// *SourceError.
func ResolveChart(r *Release, objs Objects, self ThisRepository) (*Chart, error) {
	if r.ChartRef != nil {
		ref := *r.ChartRef
		if ref.Namespace == "" {
			ref.Namespace = r.Namespace
		}
		at := []string{"spec", "chartRef"}
		switch ref.Kind {
		case "OCIRepository":
			return ociChart(ref, objs, at)
		case "HelmChart":
			obj := objs.Find("HelmChart", ref.Namespace, ref.Name)
			if obj == nil {
				return nil, notHeld(ref, at)
			}
			c, err := helmChartChart(obj, ref, objs, self, at)
			if err != nil {
				return nil, err
			}
			return c, nil
		}
		return nil, &SourceError{Path: at, Message: fmt.Sprintf("the chart comes from %s, an artifact another controller produces: not rendered", ref)}
	}
	t := r.Chart
	src := t.SourceRef
	if src.Namespace == "" {
		src.Namespace = r.Namespace
	}
	return templateChart(t.Chart, t.Version, src, t.ValuesFiles, t.IgnoreMissingValuesFiles, objs, self, []string{"spec", "chart", "spec", "sourceRef"})
}

// helmChartChart reads a source.toolkit.fluxcd.io HelmChart: the template
// helm-controller would have created, written out.
func helmChartChart(obj map[string]any, ref ObjectRef, objs Objects, self ThisRepository, at []string) (*Chart, error) {
	spec, _ := obj["spec"].(map[string]any)
	sr, _ := spec["sourceRef"].(map[string]any)
	src := ObjectRef{Kind: str(sr["kind"]), Name: str(sr["name"]), Namespace: ref.Namespace}
	var files []string
	for _, f := range list(spec["valuesFiles"]) {
		if s, ok := f.(string); ok {
			files = append(files, s)
		}
	}
	if str(spec["chart"]) == "" || src.Name == "" {
		return nil, &SourceError{Path: at, Message: fmt.Sprintf("%s names no chart or no source: not rendered", ref)}
	}
	c, err := templateChart(str(spec["chart"]), str(spec["version"]), src, files, spec["ignoreMissingValuesFiles"] == true, objs, self, at)
	if err != nil {
		return nil, err
	}
	c.Via = append([]ObjectRef{ref}, c.Via...)
	return c, nil
}

// templateChart resolves a chart named in a HelmRepository, a GitRepository
// or a Bucket.
func templateChart(chart, version string, src ObjectRef, valuesFiles []string, ignoreMissing bool, objs Objects, self ThisRepository, at []string) (*Chart, error) {
	c := &Chart{ValuesFiles: effectiveValuesFiles(valuesFiles), IgnoreMissingValuesFiles: ignoreMissing}
	switch src.Kind {
	case "HelmRepository":
		obj := objs.Find("HelmRepository", src.Namespace, src.Name)
		if obj == nil {
			return nil, notHeld(src, at)
		}
		spec, _ := obj["spec"].(map[string]any)
		url := strings.TrimSpace(str(spec["url"]))
		typ := str(spec["type"])
		switch {
		case url == "":
			return nil, &SourceError{Path: at, Message: fmt.Sprintf("%s has no spec.url: not rendered", src)}
		case typ == "oci" && !strings.HasPrefix(url, "oci://"):
			return nil, &SourceError{Path: at, Message: fmt.Sprintf("%s is of type oci but its url %q does not start with oci://: source-controller refuses it", src, url)}
		case typ != "oci" && !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://"):
			return nil, &SourceError{Path: at, Message: fmt.Sprintf("%s has the url %q, which is neither http(s):// nor, with type: oci, oci://", src, url)}
		}
		if version == "" {
			version = "*" // source-controller's default: the newest stable version
		}
		c.Remote = &chartref.Ref{Repo: url, Name: chart, Version: version}
		c.Name = chart
	case "GitRepository":
		obj := objs.Find("GitRepository", src.Namespace, src.Name)
		if obj == nil {
			return nil, notHeld(src, at)
		}
		spec, _ := obj["spec"].(map[string]any)
		url := str(spec["url"])
		if self == nil || !self(url) {
			return nil, &SourceError{Path: at, Message: fmt.Sprintf("the chart %q is in %s, which is the repository %s, not this one: not rendered", chart, src, url)}
		}
		dir := strings.TrimLeft(path.Clean("/"+chart), "/")
		if dir == "" {
			dir = "."
		}
		c.Dir, c.Name = dir, dir
	case "Bucket":
		return nil, &SourceError{Path: at, Message: fmt.Sprintf("the chart %q is in %s, an object storage bucket nothing here reads: not rendered", chart, src)}
	default:
		return nil, &SourceError{Path: at, Message: fmt.Sprintf("the chart's source is of kind %q, which helm-controller does not read", src.Kind)}
	}
	c.Via = []ObjectRef{src}
	return c, nil
}

// ociChart reads an OCIRepository: spec.url is the chart itself, and
// spec.ref picks the version as source-controller does (digest, else
// semver, else tag, else "latest").
func ociChart(ref ObjectRef, objs Objects, at []string) (*Chart, error) {
	obj := objs.Find("OCIRepository", ref.Namespace, ref.Name)
	if obj == nil {
		return nil, notHeld(ref, at)
	}
	spec, _ := obj["spec"].(map[string]any)
	url := strings.TrimSuffix(strings.TrimSpace(str(spec["url"])), "/")
	if !strings.HasPrefix(url, "oci://") || !strings.Contains(strings.TrimPrefix(url, "oci://"), "/") {
		return nil, &SourceError{Path: at, Message: fmt.Sprintf("%s has the url %q, which is not oci://REGISTRY/PATH/CHART", ref, url)}
	}
	i := strings.LastIndex(url, "/")
	r := &chartref.Ref{Repo: url[:i], Name: url[i+1:]}
	sel, _ := spec["ref"].(map[string]any)
	switch {
	case str(sel["digest"]) != "":
		r.Digest = str(sel["digest"])
	case str(sel["semver"]) != "":
		r.Version = str(sel["semver"])
	case str(sel["tag"]) != "":
		r.Version = str(sel["tag"])
	default:
		r.Version = "latest"
	}
	return &Chart{Remote: r, Name: r.Name, DigestVersion: true, Via: []ObjectRef{ref}}, nil
}

func notHeld(ref ObjectRef, at []string) error {
	return &SourceError{Path: at, Message: fmt.Sprintf("the chart's source, %s, is not in the repository: not rendered (the cluster may hold it)", ref)}
}

// effectiveValuesFiles is source-controller's GetValuesFiles: a list that
// is only "values.yaml" changes nothing.
func effectiveValuesFiles(files []string) []string {
	if len(files) == 1 && path.Clean(files[0]) == "values.yaml" {
		return nil
	}
	return files
}
