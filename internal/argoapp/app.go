// Package argoapp reads an Argo CD Application (and generates the
// Applications of an ApplicationSet) as Argo CD's repo-server does: which
// of its sources render with Helm, the chart each names, the release name
// and namespace, and the values in Argo CD's precedence (parameters over
// valuesObject or values over valueFiles over the chart's values). It
// holds no Helm rendering and no network code.
package argoapp

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
)

// IsApplication reports whether obj is an Argo CD Application.
func IsApplication(obj map[string]any) bool {
	api, _ := obj["apiVersion"].(string)
	return obj["kind"] == "Application" && strings.HasPrefix(api, "argoproj.io/")
}

// IsApplicationSet reports whether obj is an Argo CD ApplicationSet.
func IsApplicationSet(obj map[string]any) bool {
	api, _ := obj["apiVersion"].(string)
	return obj["kind"] == "ApplicationSet" && strings.HasPrefix(api, "argoproj.io/")
}

// App is an Application as the repo-server reads it.
type App struct {
	// Name and Namespace are the Application's own.
	Name, Namespace string
	// Project is spec.project.
	Project string
	// DestinationNamespace is spec.destination.namespace.
	DestinationNamespace string
	// Sources are spec.sources, or spec.source alone.
	Sources []Source
	// Multi is set when the application has spec.sources.
	Multi bool
}

// ID names the application: namespace/name.
func (a *App) ID() string {
	if a.Namespace == "" {
		return a.Name
	}
	return a.Namespace + "/" + a.Name
}

// Source is one application source.
type Source struct {
	// Path is where the source sits in the Application: ["spec",
	// "source"] or ["spec", "sources", "1"].
	Path []string
	// RepoURL, Dir (spec.source.path), Chart and TargetRevision are as
	// written; Ref is the name $-references use.
	RepoURL, Dir, Chart, TargetRevision, Ref string
	// Helm is the source's helm field, nil when it has none.
	Helm *Helm
	// Tool is the other tool the source names, if any: "kustomize",
	// "directory", "jsonnet" (a directory with jsonnet settings),
	// "plugin".
	Tool string
}

// Helm is a source's helm field.
type Helm struct {
	ValueFiles []string
	// Values is helm.values, the YAML text.
	Values string
	// ValuesObject is helm.valuesObject; when set, Argo CD ignores Values.
	ValuesObject                              map[string]any
	Parameters                                []Parameter
	FileParameters                            []FileParameter
	ReleaseName                               string
	Namespace                                 string
	KubeVersion                               string
	APIVersions                               []string
	SkipCrds, SkipTests, SkipSchemaValidation bool
	IgnoreMissingValueFiles                   bool
}

// Parameter is one helm.parameters entry (--set, or --set-string when
// ForceString).
type Parameter struct {
	Index       int
	Name, Value string
	ForceString bool
}

// FileParameter is one helm.fileParameters entry (--set-file).
type FileParameter struct {
	Index      int
	Name, Path string
}

// Issue is what is wrong with an Application as written, at a path of
// the object (JSON pointer tokens).
type Issue struct {
	Path    []string
	Message string
}

// Read reads an Application. It returns nil when the object is not one.
func Read(obj map[string]any) (*App, []Issue) {
	md, _ := obj["metadata"].(map[string]any)
	spec, _ := obj["spec"].(map[string]any)
	a := &App{Name: str(md["name"]), Namespace: str(md["namespace"]), Project: str(spec["project"])}
	dest, _ := spec["destination"].(map[string]any)
	a.DestinationNamespace = str(dest["namespace"])
	var issues []Issue
	if srcs, ok := spec["sources"].([]any); ok && len(srcs) > 0 {
		a.Multi = true
		for i, s := range srcs {
			m, _ := s.(map[string]any)
			src, is := readSource(m, []string{"spec", "sources", fmt.Sprint(i)})
			issues = append(issues, is...)
			a.Sources = append(a.Sources, src)
		}
	} else if m, ok := spec["source"].(map[string]any); ok {
		src, is := readSource(m, []string{"spec", "source"})
		issues = append(issues, is...)
		a.Sources = append(a.Sources, src)
	}
	return a, issues
}

func readSource(m map[string]any, at []string) (Source, []Issue) {
	s := Source{Path: at, RepoURL: str(m["repoURL"]), Dir: str(m["path"]), Chart: str(m["chart"]), TargetRevision: str(m["targetRevision"]), Ref: str(m["ref"])}
	switch {
	case m["plugin"] != nil:
		s.Tool = "plugin"
	case m["kustomize"] != nil:
		s.Tool = "kustomize"
	case m["directory"] != nil:
		s.Tool = "directory"
		if d, _ := m["directory"].(map[string]any); d["jsonnet"] != nil {
			s.Tool = "jsonnet"
		}
	}
	h, ok := m["helm"].(map[string]any)
	if !ok {
		return s, nil
	}
	var issues []Issue
	hp := append(at[:len(at):len(at)], "helm")
	s.Helm = &Helm{ReleaseName: str(h["releaseName"]), Namespace: str(h["namespace"]), KubeVersion: str(h["kubeVersion"]),
		SkipCrds: h["skipCrds"] == true, SkipTests: h["skipTests"] == true, SkipSchemaValidation: h["skipSchemaValidation"] == true,
		IgnoreMissingValueFiles: h["ignoreMissingValueFiles"] == true}
	for _, f := range list(h["valueFiles"]) {
		if f, ok := f.(string); ok {
			s.Helm.ValueFiles = append(s.Helm.ValueFiles, f)
		}
	}
	for _, v := range list(h["apiVersions"]) {
		if v, ok := v.(string); ok {
			s.Helm.APIVersions = append(s.Helm.APIVersions, v)
		}
	}
	switch v := h["values"].(type) {
	case nil:
	case string:
		s.Helm.Values = v
	default:
		issues = append(issues, Issue{Path: append(hp, "values"), Message: "helm.values is a string of YAML (values: |); a map belongs under helm.valuesObject: Argo CD refuses the Application"})
	}
	if vo, ok := h["valuesObject"].(map[string]any); ok {
		s.Helm.ValuesObject = vo
	}
	for i, p := range list(h["parameters"]) {
		pm, _ := p.(map[string]any)
		s.Helm.Parameters = append(s.Helm.Parameters, Parameter{Index: i, Name: str(pm["name"]), Value: scalar(pm["value"]), ForceString: pm["forceString"] == true})
	}
	for i, p := range list(h["fileParameters"]) {
		pm, _ := p.(map[string]any)
		s.Helm.FileParameters = append(s.Helm.FileParameters, FileParameter{Index: i, Name: str(pm["name"]), Path: str(pm["path"])})
	}
	return s, issues
}

// Chart is where a Helm source's chart comes from.
type Chart struct {
	// Remote is the chart to fetch: repoURL + chart + targetRevision.
	Remote *chartref.Ref
	// Dir is the chart's directory in this repository.
	Dir string
}

// ChartOf returns the chart a source renders with Helm, or nil when the
// source is not a Helm source rendered from what this repository holds:
// why then says why it is not rendered here (a path in another
// repository, a plugin, jsonnet, a path the repository lacks), or is ""
// for a source rendered as the repository's own files are (kustomize,
// plain manifests) or that renders nothing (a ref-only source). hasChart
// reports whether a directory of this repository holds a Chart.yaml, as
// Argo CD detects a Helm source by it; hasDir whether it is a directory
// of the repository.
func ChartOf(s Source, self func(url string) bool, hasChart, hasDir func(dir string) bool) (c *Chart, why string) {
	if s.Chart != "" {
		repo := strings.TrimSuffix(s.RepoURL, "/")
		if isHelmOCI(repo) {
			repo = "oci://" + strings.TrimPrefix(repo, "oci://")
		} else if !strings.HasPrefix(repo, "https://") && !strings.HasPrefix(repo, "http://") {
			return nil, fmt.Sprintf("the chart %q is in %q, which is neither an https Helm repository nor an OCI registry", s.Chart, s.RepoURL)
		}
		return &Chart{Remote: &chartref.Ref{Repo: repo, Name: s.Chart, Version: s.TargetRevision}}, ""
	}
	if s.Dir == "" {
		return nil, "" // ref-only, or the repository's root as plain manifests
	}
	if strings.HasPrefix(s.RepoURL, "oci://") {
		return nil, fmt.Sprintf("the source is an OCI artifact (%s), not a chart: not rendered", s.RepoURL)
	}
	if self == nil || !self(s.RepoURL) {
		if s.Helm != nil {
			return nil, fmt.Sprintf("the chart at %q is in the repository %s, not this one: not rendered", s.Dir, s.RepoURL)
		}
		return nil, fmt.Sprintf("the source %q is in the repository %s, not this one: not rendered", s.Dir, s.RepoURL)
	}
	dir := cleanDir(s.Dir)
	switch {
	case s.Tool == "plugin":
		return nil, fmt.Sprintf("the source %q is rendered by a config management plugin, which is not run here", dir)
	case s.Tool == "jsonnet":
		return nil, fmt.Sprintf("the source %q is rendered with jsonnet, which is not run here", dir)
	case !hasDir(dir):
		return nil, fmt.Sprintf("the source's path %q is not a directory of the repository: Argo CD fails to render it", dir)
	case s.Tool != "" && s.Helm == nil:
		return nil, "" // kustomize or plain manifests: rendered as the repository's own files
	}
	if !hasChart(dir) {
		if s.Helm != nil {
			return nil, fmt.Sprintf("the source has helm settings but %q holds no Chart.yaml: Argo CD fails to render it", dir)
		}
		return nil, "" // kustomize or plain manifests: rendered as the repository's own files
	}
	return &Chart{Dir: dir}, ""
}

// isHelmOCI is IsHelmOciRepo of argo-cd (a chart repository URL that
// parses without a host, having no scheme, is an OCI registry), or an
// oci:// URL.
func isHelmOCI(u string) bool {
	if strings.HasPrefix(u, "oci://") {
		return true
	}
	p, err := url.Parse(u)
	return u != "" && err == nil && p.Host == ""
}

// cleanDir is a source path as a path of the repository.
func cleanDir(p string) string {
	d := strings.TrimLeft(path.Clean("/"+p), "/")
	if d == "" {
		return "."
	}
	return d
}

// Env is the build environment Argo CD substitutes into valueFiles,
// parameters and fileParameters ($ARGOCD_APP_NAME, …). ARGOCD_APP_REVISION
// and its short forms are the commit being rendered, unknown here: they
// expand to the empty string, as an unset variable does in Argo CD.
func (a *App) Env(s Source) map[string]string {
	return map[string]string{
		"ARGOCD_APP_NAME":                   a.Name,
		"ARGOCD_APP_NAMESPACE":              a.DestinationNamespace,
		"ARGOCD_APP_PROJECT_NAME":           a.Project,
		"ARGOCD_APP_SOURCE_REPO_URL":        s.RepoURL,
		"ARGOCD_APP_SOURCE_PATH":            s.Dir,
		"ARGOCD_APP_SOURCE_TARGET_REVISION": s.TargetRevision,
	}
}

// envsubst is Env.Envsubst of argo-cd: os.Expand with the environment,
// $$ a literal $.
func envsubst(s string, env map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return os.Expand(s, func(k string) string {
		if k == "$" {
			return "$"
		}
		return env[k]
	})
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// scalar is a parameter value as Argo CD reads it: a string (a number
// written unquoted becomes its text).
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprint(int64(x))
		}
	}
	return fmt.Sprint(v)
}

// OverrideFiles are the files of a source's directory the repo-server
// merges into a source of this repository before it renders it
// (mergeSourceParameters): .argocd-source.yaml, then
// .argocd-source-<application>.yaml (what Argo CD Image Updater writes).
func (a *App) OverrideFiles(s Source) []string {
	if s.Dir == "" {
		return nil
	}
	d := cleanDir(s.Dir)
	return []string{path.Join(d, ".argocd-source.yaml"), path.Join(d, ".argocd-source-"+a.Name+".yaml")}
}

// Override merges each patch (the YAML of an override file) into the
// source written as raw, as a JSON merge patch, as the repo-server does;
// the source's repoURL, path, chart and targetRevision stay as written.
func Override(raw map[string]any, at []string, patches [][]byte) (Source, error) {
	merged := any(copyMap(raw))
	for _, p := range patches {
		var patch any
		if err := sigsyaml.Unmarshal(p, &patch); err != nil {
			return Source{}, err
		}
		merged = mergePatch(merged, patch)
	}
	m, _ := merged.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	for _, k := range []string{"repoURL", "path", "chart", "targetRevision"} {
		if v, ok := raw[k]; ok {
			m[k] = v
		} else {
			delete(m, k)
		}
	}
	s, issues := readSource(m, at)
	if len(issues) > 0 {
		return s, fmt.Errorf("%s", issues[0].Message)
	}
	return s, nil
}

// mergePatch is RFC 7386: a map merges key by key, null removes a key,
// anything else replaces.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

func copyMap(m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		return map[string]any{}
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}
