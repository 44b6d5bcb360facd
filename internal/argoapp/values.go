package argoapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/strvals"
	sigsyaml "sigs.k8s.io/yaml"
)

// Plan is what rendering one Helm source of an application takes: the
// chart, the release, and where its values come from.
type Plan struct {
	App    *App
	Source Source
	Chart  Chart
	// ReleaseName is helm.releaseName, else the application's name.
	ReleaseName string
	// Namespace is helm.namespace, else the destination namespace.
	Namespace string
	// IncludeCRDs is !helm.skipCrds; SkipTests and SkipSchemaValidation
	// are helm's.
	IncludeCRDs, SkipTests, SkipSchemaValidation bool
	// KubeVersion and APIVersions, when set, override the run's.
	KubeVersion string
	APIVersions []string
	// Refs maps each $name of the application's ref sources to its
	// repository URL.
	Refs map[string]string
	// Self reports whether a repository URL is this repository.
	Self func(url string) bool
}

// NewPlan is the plan of source s of a, whose chart is c.
func NewPlan(a *App, s Source, c Chart, self func(url string) bool) *Plan {
	p := &Plan{App: a, Source: s, Chart: c, ReleaseName: a.Name, Namespace: a.DestinationNamespace, IncludeCRDs: true, Refs: map[string]string{}, Self: self}
	if h := s.Helm; h != nil {
		if h.ReleaseName != "" {
			p.ReleaseName = h.ReleaseName
		}
		if h.Namespace != "" {
			p.Namespace = h.Namespace
		}
		p.IncludeCRDs, p.SkipTests, p.SkipSchemaValidation = !h.SkipCrds, h.SkipTests, h.SkipSchemaValidation
		p.KubeVersion, p.APIVersions = h.KubeVersion, h.APIVersions
	}
	if a.Multi {
		for _, o := range a.Sources {
			if o.Ref != "" {
				p.Refs["$"+o.Ref] = o.RepoURL
			}
		}
	}
	return p
}

// LayerKind says where a layer of values is written.
type LayerKind int

const (
	// ValueFile is a file of helm.valueFiles.
	ValueFile LayerKind = iota + 1
	// InlineValues is helm.values or helm.valuesObject.
	InlineValues
	// Param is a helm.parameters entry.
	Param
	// FileParam is a helm.fileParameters entry.
	FileParam
)

// Layer is one source of the values, in the order Helm applies them.
type Layer struct {
	Kind LayerKind
	// Index is the entry's position in its list (valueFiles, parameters,
	// fileParameters).
	Index int
	// File is a value file's path: of the repository, or of the chart
	// when InChart.
	File    string
	InChart bool
	// Object is set for helm.valuesObject (Values then holds its values),
	// unset for the YAML text of helm.values.
	Object bool
	// Text is the YAML text of a value file or of helm.values.
	Text   []byte
	Values map[string]any
}

// Unresolved is a part of the values not known here: a value file of
// another repository or at a URL, a missing one Argo CD is told to ignore
// (not reported), a file parameter of another repository.
type Unresolved struct {
	Path    []string
	Message string
}

// ValuesError is what Argo CD fails the application on: a value file that
// does not exist, that lies outside the repository, that is not YAML, a
// parameter Helm cannot parse.
type ValuesError struct {
	Path    []string
	Message string
}

func (e *ValuesError) Error() string { return e.Message }

// maxValuesFile bounds what is read of one values file.
const maxValuesFile = 8 << 20

// Values composes the values of p as the repo-server hands them to helm
// template, and as Helm's values.Options.MergeValues merges them: the
// value files in order (globs expanded in lexical order, an entry listed
// again later placed there, each file once; missing files left out with
// ignoreMissingValueFiles), then helm.valuesObject or, without it,
// helm.values, as one more file; then --set of each parameter, --set-string
// of each forceString one, and --set-file of each file parameter. repo is
// the repository's tree; chart is the chart's own files, for a fetched
// chart's value files. The error is a *ValuesError.
func Values(p *Plan, repo, chart fs.FS) (values map[string]any, layers []Layer, unresolved []Unresolved, err error) {
	h := p.Source.Helm
	base := map[string]any{}
	if h == nil {
		return base, nil, nil, nil
	}
	env := p.App.Env(p.Source)
	at := append(slices.Clip(p.Source.Path), "helm")
	files, unres, err := p.valueFiles(repo, chart, env)
	unresolved = append(unresolved, unres...)
	if err != nil {
		return nil, nil, unresolved, err
	}
	for _, f := range files {
		text, err := readBounded(pick(f.InChart, repo, chart), f.File)
		if err != nil {
			return nil, nil, unresolved, &ValuesError{Path: append(at, "valueFiles", fmt.Sprint(f.Index)), Message: fmt.Sprintf("reading value file %q: %v", f.File, err)}
		}
		vals, err := loader.LoadValues(bytes.NewReader(text))
		if err != nil {
			return nil, nil, unresolved, &ValuesError{Path: append(at, "valueFiles", fmt.Sprint(f.Index)), Message: fmt.Sprintf("value file %q is not YAML: %v", f.File, err)}
		}
		base = loader.MergeMaps(base, vals)
		f.Text, f.Values = text, vals
		layers = append(layers, f)
	}
	if inline, text, isObject, err := inlineValues(h); err != nil {
		field := "values"
		if isObject {
			field = "valuesObject"
		}
		return nil, nil, unresolved, &ValuesError{Path: append(at, field), Message: fmt.Sprintf("helm.%s is not YAML: %v", field, err)}
	} else if inline != nil {
		base = loader.MergeMaps(base, inline)
		layers = append(layers, Layer{Kind: InlineValues, Object: isObject, Text: text, Values: inline})
	}
	set := func(l Layer, parse func(string, map[string]any) error, expr string, field string) error {
		if err := parse(expr, base); err != nil {
			return &ValuesError{Path: append(at, field, fmt.Sprint(l.Index)), Message: fmt.Sprintf("helm.%s[%d]: Helm cannot parse %q: %v", field, l.Index, expr, err)}
		}
		one := map[string]any{}
		_ = parse(expr, one)
		l.Values = one
		layers = append(layers, l)
		return nil
	}
	// The repo-server keeps parameters in maps by name (a later entry of
	// a name replaces an earlier one), and Helm applies all --set before
	// all --set-string.
	for _, force := range []bool{false, true} {
		last := map[string]int{}
		for i, prm := range h.Parameters {
			if prm.ForceString == force {
				last[prm.Name] = i
			}
		}
		for _, name := range sortedKeys(last) {
			prm := h.Parameters[last[name]]
			parse := strvals.ParseInto
			if force {
				parse = strvals.ParseIntoString
			}
			if err := set(Layer{Kind: Param, Index: prm.Index}, parse, name+"="+cleanSetParameter(envsubst(prm.Value, env)), "parameters"); err != nil {
				return nil, nil, unresolved, err
			}
		}
	}
	last := map[string]int{}
	for i, fp := range h.FileParameters {
		last[fp.Name] = i
	}
	for _, name := range sortedKeys(last) {
		fp := h.FileParameters[last[name]]
		inChart, file, why := p.resolveFile(fp.Path, env)
		if why != "" {
			if strings.HasPrefix(why, "!") {
				return nil, nil, unresolved, &ValuesError{Path: append(at, "fileParameters", fmt.Sprint(fp.Index)), Message: why[1:]}
			}
			unresolved = append(unresolved, Unresolved{Path: append(at, "fileParameters", fmt.Sprint(fp.Index)), Message: why})
			continue
		}
		text, err := readBounded(pick(inChart, repo, chart), file)
		if err != nil {
			return nil, nil, unresolved, &ValuesError{Path: append(at, "fileParameters", fmt.Sprint(fp.Index)), Message: fmt.Sprintf("helm.fileParameters[%d]: reading %q: %v", fp.Index, file, err)}
		}
		parse := func(expr string, into map[string]any) error {
			return strvals.ParseIntoFile(expr, into, func([]rune) (any, error) { return string(text), nil })
		}
		if err := set(Layer{Kind: FileParam, Index: fp.Index, File: file, InChart: inChart}, parse, name+"="+cleanSetParameter(file), "fileParameters"); err != nil {
			return nil, nil, unresolved, err
		}
	}
	return base, layers, unresolved, nil
}

// inlineValues is ValuesYAML of argo-cd, read as Helm reads the file the
// repo-server writes it to: valuesObject when set (values is then
// ignored), else the values text; nil when both are empty.
func inlineValues(h *Helm) (vals map[string]any, text []byte, isObject bool, err error) {
	if h.ValuesObject != nil {
		j, err := json.Marshal(h.ValuesObject)
		if err != nil {
			return nil, nil, true, err
		}
		y, err := sigsyaml.JSONToYAML(j)
		if err != nil {
			return nil, nil, true, err
		}
		v, err := loader.LoadValues(bytes.NewReader(y))
		return v, nil, true, err
	}
	if h.Values == "" {
		return nil, nil, false, nil
	}
	v, err := loader.LoadValues(strings.NewReader(h.Values))
	return v, []byte(h.Values), false, err
}

// valueFiles resolves helm.valueFiles as getResolvedValueFiles of argo-cd
// does: each path relative to the source's path (or, starting with /, to
// the repository's root; or, starting with $name/, to the root of that
// ref source's repository), never outside the root; globs expanded in
// lexical order, a file the list names explicitly kept for its own place;
// each file once; a missing one left out when ignoreMissingValueFiles.
func (p *Plan) valueFiles(repo, chart fs.FS, env map[string]string) ([]Layer, []Unresolved, error) {
	h := p.Source.Helm
	at := append(slices.Clip(p.Source.Path), "helm", "valueFiles")
	type resolved struct {
		inChart bool
		file    string
	}
	explicit := map[resolved]bool{}
	for _, raw := range h.ValueFiles {
		if inChart, file, why := p.resolveFile(raw, env); why == "" && !isGlob(file) {
			explicit[resolved{inChart, file}] = true
		}
	}
	var out []Layer
	var unresolved []Unresolved
	seen := map[resolved]bool{}
	add := func(i int, inChart bool, file string) {
		k := resolved{inChart, file}
		if !seen[k] {
			seen[k] = true
			out = append(out, Layer{Kind: ValueFile, Index: i, File: file, InChart: inChart})
		}
	}
	for i, raw := range h.ValueFiles {
		inChart, file, why := p.resolveFile(raw, env)
		fsys := pick(inChart, repo, chart)
		if why != "" {
			if strings.HasPrefix(why, "!") {
				return nil, unresolved, &ValuesError{Path: append(at, fmt.Sprint(i)), Message: why[1:]}
			}
			unresolved = append(unresolved, Unresolved{Path: append(at, fmt.Sprint(i)), Message: why})
			continue
		}
		if isGlob(file) {
			matches, err := doublestar.Glob(fsys, file, doublestar.WithFilesOnly())
			if err != nil {
				return nil, unresolved, &ValuesError{Path: append(at, fmt.Sprint(i)), Message: fmt.Sprintf("value file pattern %q: %v", raw, err)}
			}
			if len(matches) == 0 {
				if h.IgnoreMissingValueFiles {
					continue
				}
				return nil, unresolved, &ValuesError{Path: append(at, fmt.Sprint(i)), Message: fmt.Sprintf("value file pattern %q matches no file: Argo CD fails the application (set ignoreMissingValueFiles to allow it)", raw)}
			}
			slices.Sort(matches)
			for _, m := range matches {
				if !explicit[resolved{inChart, m}] {
					add(i, inChart, m)
				}
			}
			continue
		}
		if _, err := fs.Stat(fsys, file); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				if h.IgnoreMissingValueFiles {
					continue
				}
				return nil, unresolved, &ValuesError{Path: append(at, fmt.Sprint(i)), Message: fmt.Sprintf("value file %q does not exist: Argo CD fails the application (set ignoreMissingValueFiles to allow it)", raw)}
			}
		}
		add(i, inChart, file)
	}
	return out, unresolved, nil
}

// pick is chart for a file of the chart, else repo.
func pick(inChart bool, repo, chart fs.FS) fs.FS {
	if inChart {
		return chart
	}
	return repo
}

// resolveFile resolves a value file or file parameter path to a file of
// the repository or, inChart, of the chart. why, when set, says why it is
// not read here; a why starting with "!" is an error Argo CD fails on.
func (p *Plan) resolveFile(raw string, env map[string]string) (inChart bool, file, why string) {
	if name, rest, ok := strings.Cut(raw, "/"); ok && strings.HasPrefix(raw, "$") {
		if repoURL, isRef := p.Refs[name]; isRef {
			if !p.selfRef(repoURL) {
				return false, "", fmt.Sprintf("%q is in the repository %s (source %s), not this one: not read", raw, repoURL, name)
			}
			f, err := within(".", envsubst("/"+rest, env))
			if err != nil {
				return false, "", "!" + fmt.Sprintf("value file %q: %v", raw, err)
			}
			return false, f, ""
		}
	}
	raw = envsubst(raw, env)
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
		return false, "", fmt.Sprintf("%q is a URL, which is not fetched", raw)
	}
	if p.Chart.Remote != nil {
		f, err := within(".", raw)
		if err != nil {
			return false, "", "!" + fmt.Sprintf("value file %q: %v", raw, err)
		}
		return true, f, ""
	}
	f, err := within(p.Chart.Dir, raw)
	if err != nil {
		return false, "", "!" + fmt.Sprintf("value file %q: %v", raw, err)
	}
	return false, f, ""
}

// selfRef reports whether a ref source's repository is this one.
func (p *Plan) selfRef(repoURL string) bool {
	return p.Self != nil && p.Self(repoURL)
}

// within joins a path to dir (or, when it starts with /, to the root) and
// refuses one that leaves the root.
func within(dir, p string) (string, error) {
	var j string
	if strings.HasPrefix(p, "/") {
		j = path.Clean(strings.TrimLeft(p, "/"))
	} else {
		j = path.Clean(path.Join(dir, p))
	}
	if j == ".." || strings.HasPrefix(j, "../") {
		return "", fmt.Errorf("the path leaves the repository")
	}
	if j == "" {
		j = "."
	}
	return j, nil
}

func isGlob(p string) bool { return strings.ContainsAny(p, "*?[") }

// cleanSetParameter is cleanSetParameters of argo-cd: commas escaped
// (unless already, or the value is a {list}), so that one parameter sets
// one value.
func cleanSetParameter(v string) string {
	if strings.HasPrefix(v, "{") && strings.HasSuffix(v, "}") {
		return v
	}
	var b strings.Builder
	var prev rune
	for _, r := range v {
		if r == ',' && prev != '\\' {
			b.WriteString(`\,`)
		} else {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

// readBounded reads a file of fsys, refusing one over maxValuesFile.
func readBounded(fsys fs.FS, name string) ([]byte, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	if info.Size() > maxValuesFile {
		return nil, fmt.Errorf("%d bytes, over the limit of %d", info.Size(), maxValuesFile)
	}
	return fs.ReadFile(fsys, name)
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
