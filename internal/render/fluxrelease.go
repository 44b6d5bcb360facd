package render

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/loader"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/helm"
	"github.com/gitops-actions/gitops-actions/internal/helmrelease"
)

// renderHelmRelease renders a Flux HelmRelease as helm-controller would:
// its chart from the source the repository defines, its values in
// helm-controller's order, its post-renderers over the output.
func (t *Tree) renderHelmRelease(u *Unit, visit func(*Object)) *Output {
	src := u.release
	// Read is what the release read besides its own file, which stays a
	// plain manifest (or part of the build that rendered it).
	out := &Output{Unit: u}
	hr := t.substituted(src)
	id := releaseID(hr.Object)
	what := "HelmRelease " + id
	at := func(p []string) (string, int, int) { return hr.Origin.Position(p, PinValue) }
	problem := func(kind ProblemKind, p []string, format string, args ...any) {
		file, line, col := at(p)
		out.Problems = append(out.Problems, Problem{File: file, Line: line, Column: col, Kind: kind, Message: fmt.Sprintf(format, args...)})
	}
	fail := func(p []string, err error) *Output {
		file, _, _ := at(p)
		out.Err, out.FailedIn = fmt.Errorf("rendering %s: %w", what, err), file
		return out
	}

	if skipped := unknownValues(&hr); len(skipped) > 0 {
		problem(ReleaseIncomplete, skipped[0], "%s: %s would be substituted by Flux with a value the repository does not define: the chart is rendered with its own default there", what, strings.Join(joinPaths(skipped), ", "))
	}
	r, issues := helmrelease.Read(hr.Object)
	for _, is := range issues {
		problem(HelmRenderFailed, is.Path, "%s: %s", what, is.Message)
	}
	if r == nil {
		return fail([]string{"spec"}, errors.New("no chart to render"))
	}
	objs := t.refsOf(src)
	ch, err := helmrelease.ResolveChart(r, objs, t.isThisRepository)
	if err != nil {
		var se *helmrelease.SourceError
		if errors.As(err, &se) {
			problem(ReleaseSkipped, se.Path, "%s is not rendered: %s", what, se.Message)
			return out
		}
		return fail(nil, err)
	}
	refPath := []string{"spec", "chart", "spec", "chart"}
	if r.ChartRef != nil {
		refPath = []string{"spec", "chartRef", "name"}
	}
	rfile, rline, rcol := at(refPath)
	ref := helm.Position{File: rfile, Line: rline, Column: rcol}

	c, ok := t.loadReleaseChart(ch, what, ref, out)
	if !ok {
		return out
	}
	var valuesFiles []string
	if len(ch.ValuesFiles) > 0 {
		if ch.Dir != "" {
			vals, layers, err := t.repoValuesFiles(ch)
			if err != nil {
				problem(HelmRenderFailed, refPath, "%s: %v: source-controller fails the HelmChart", what, err)
				return fail(refPath, err)
			}
			out.Read = append(out.Read, ch.ValuesFiles...)
			c = c.WithDefaults(vals, layers)
		} else {
			valuesFiles = chartValuesFiles(c, ch)
		}
	}

	values, layers, unresolved, err := helmrelease.Values(r, objs)
	for _, un := range unresolved {
		problem(ReleaseIncomplete, []string{"spec", "valuesFrom", fmt.Sprint(un.Ref.Index)}, "%s is rendered without %s: %s (the cluster may hold it)", what, un.Ref.What(), un.Reason)
	}
	if err != nil {
		var ve *helmrelease.ValuesError
		p := []string{"spec", "valuesFrom"}
		if errors.As(err, &ve) {
			p = append(p, fmt.Sprint(ve.Ref.Index))
		}
		problem(HelmRenderFailed, p, "%s: %v", what, err)
		return fail(p, err)
	}
	req := helm.Request{ReleaseName: r.ReleaseName, Namespace: r.ReleaseNamespace, ValuesFiles: valuesFiles, IncludeCRDs: r.IncludeCRDs, SkipSchemaValidation: r.SkipSchemaValidation,
		Values: append([]helm.Layer{{Values: values}}, t.fluxValuePositions(hr, objs, layers)...)}
	if req.Capabilities, err = t.capabilities(); err != nil {
		return fail(nil, err)
	}
	res, err := helm.Render(t.ctx, c, req)
	if err != nil {
		return fail(nil, err)
	}
	prefixProblems(res, what)
	var around func(obj map[string]any, p []string, at Pin) (string, int, int, bool)
	if !res.Failed {
		if around, err = t.postRenderRelease(res, r, hr); err != nil {
			problem(HelmRenderFailed, []string{"spec", "postRenderers"}, "%s: the post-renderers fail: %v", what, err)
			return fail([]string{"spec", "postRenderers"}, err)
		}
	}
	out.Problems = append(out.Problems, t.visitRelease(u, res, what, ref, around, visit)...)
	if res.Failed {
		out.Err, out.FailedIn = fmt.Errorf("rendering %s: the chart does not render", what), ref.File
	}
	return out
}

// substituted is the release object with Flux's post-build substitution
// applied, as the Flux Kustomization that applies it would, whether or
// not the tree substitutes what it renders (the diff preview does not).
func (t *Tree) substituted(src *releaseSrc) Object {
	o := src.obj
	if o.Flux == nil && !t.opts.Substitute {
		dir := ""
		if o.Origin.Unit != nil && o.Origin.Unit.Kind == Kustomization {
			dir = o.Origin.Unit.Dir
		}
		if o.Flux = t.fluxSubstitute(o.Object, dir, o.Origin.File); o.Flux != nil {
			o.Object = o.Flux.obj
		}
	}
	return o
}

// unknownValues drops from a copy of the release's spec.values the values
// holding a variable the repository does not define (their value in the
// cluster is unknown here, so the chart's default is used), and returns
// their paths.
func unknownValues(o *Object) [][]string {
	if o.Flux == nil || len(o.Flux.Skipped) == 0 {
		return nil
	}
	o.Object = copyMap(o.Object) // the object itself is checked as written
	var out [][]string
	values, _ := specOf(o.Object)["values"].(map[string]any)
	for _, s := range o.Flux.Skipped {
		if len(s.Path) > 2 && s.Path[0] == "spec" && s.Path[1] == "values" && values != nil {
			if deletePath(values, s.Path[2:]) {
				out = append(out, s.Path)
			}
		}
	}
	return out
}

func specOf(obj map[string]any) map[string]any {
	s, _ := obj["spec"].(map[string]any)
	return s
}

// deletePath removes the value at p (a map key) from v.
func deletePath(v map[string]any, p []string) bool {
	for i, k := range p {
		if i == len(p)-1 {
			if _, ok := v[k]; ok {
				delete(v, k)
				return true
			}
			return false
		}
		next, ok := v[k].(map[string]any)
		if !ok {
			return false
		}
		v = next
	}
	return false
}

func joinPaths(ps [][]string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = strings.Join(p, ".")
	}
	return out
}

// releaseID is namespace/name of an object.
func releaseID(obj map[string]any) string {
	_, _, ns, name := Meta(obj)
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

// loadReleaseChart loads the chart of a release from the repository or
// through the fetcher. A chart not fetched is a problem naming it and the
// release (a notice when fetching is off, a warning otherwise): the pull
// request may be fine.
func (t *Tree) loadReleaseChart(ch *helmrelease.Chart, what string, ref helm.Position, out *Output) (*helm.Chart, bool) {
	add := func(kind ProblemKind, msg string) {
		out.Problems = append(out.Problems, Problem{File: ref.File, Line: ref.Line, Column: ref.Column, Kind: kind, Message: msg})
	}
	if ch.Dir != "" {
		if !t.charts[ch.Dir] {
			add(HelmRenderFailed, fmt.Sprintf("%s names the chart %q of this repository, which holds no Chart.yaml there: the HelmChart fails", what, ch.Dir))
			out.Err, out.FailedIn = fmt.Errorf("rendering %s: no chart at %q", what, ch.Dir), ref.File
			return nil, false
		}
		c, err := t.chartLoader().Dir(t.ctx, ch.Dir)
		if err != nil {
			add(HelmRenderFailed, fmt.Sprintf("%s: the chart %s does not load: %v", what, ch.Dir, err))
			out.Err, out.FailedIn = fmt.Errorf("rendering %s: %w", what, err), ref.File
			return nil, false
		}
		out.Read = append(out.Read, c.Read...)
		return c, true
	}
	c, err := t.chartLoader().Remote(t.ctx, *ch.Remote)
	if err != nil {
		add(fetchProblem(err), fetchMessage(what, *ch.Remote, err))
		if chartref.KindOf(err) != chartref.Disabled {
			out.Err, out.FailedIn = fmt.Errorf("rendering %s: %w", what, err), ref.File
		}
		return nil, false
	}
	return c, true
}

// fetchProblem is the kind of problem a chart not fetched is.
func fetchProblem(err error) ProblemKind {
	if chartref.KindOf(err) == chartref.Disabled {
		return ChartSkipped
	}
	return ChartUnavailable
}

// fetchMessage says which chart of which release was not fetched, and
// what to do about it.
func fetchMessage(what string, ref chartref.Ref, err error) string {
	var e *chartref.Error
	cause := err.Error()
	if errors.As(err, &e) {
		cause = e.Err.Error()
	}
	switch chartref.KindOf(err) {
	case chartref.Disabled:
		return fmt.Sprintf("%s: the chart %s is not fetched (fetch-charts is false), so what it deploys is not verified", what, ref)
	case chartref.Unauthorized:
		msg := fmt.Sprintf("%s: the chart %s could not be fetched: %s", what, ref, cause)
		if hint := chartref.CredentialsHint(err); hint != "" {
			msg += "; " + hint
		}
		return msg
	}
	return fmt.Sprintf("%s: the chart %s could not be fetched, so what it deploys is not verified: %s", what, ref, cause)
}

// repoValuesFiles merges the valuesFiles of a chart from this repository,
// each a path from the repository's root, in order, as
// source-controller's local chart builder does; a missing one fails
// unless IgnoreMissingValuesFiles.
func (t *Tree) repoValuesFiles(ch *helmrelease.Chart) (map[string]any, []helm.Layer, error) {
	merged := map[string]any{}
	var layers []helm.Layer
	for _, f := range ch.ValuesFiles {
		p := strings.TrimLeft(path.Clean("/"+f), "/")
		info, err := fs.Stat(t.fsys, p)
		switch {
		case err != nil && errors.Is(err, fs.ErrNotExist) && ch.IgnoreMissingValuesFiles:
			continue
		case err != nil || !info.Mode().IsRegular():
			return nil, nil, fmt.Errorf("no values file found at path %q", f)
		case info.Size() > 8<<20:
			return nil, nil, fmt.Errorf("values file %q is over 8 MiB", f)
		}
		data, err := fs.ReadFile(t.fsys, p)
		if err != nil {
			return nil, nil, fmt.Errorf("reading values file %q: %w", f, err)
		}
		vals, err := common.ReadValues(data)
		if err != nil {
			return nil, nil, fmt.Errorf("values file %q is not YAML: %w", f, err)
		}
		merged = loader.MergeMaps(merged, vals)
		for _, l := range fileLayers(p, data) {
			l.Values = vals
			layers = append(layers, l)
			break
		}
	}
	return merged, layers, nil
}

// chartValuesFiles are the valuesFiles of a fetched chart that it holds,
// those missing left out when IgnoreMissingValuesFiles (the engine fails
// on the others, as source-controller does).
func chartValuesFiles(c *helm.Chart, ch *helmrelease.Chart) []string {
	if !ch.IgnoreMissingValuesFiles {
		return ch.ValuesFiles
	}
	files := c.Files()
	var out []string
	for _, f := range ch.ValuesFiles {
		if _, err := fs.Stat(files, path.Clean(strings.TrimPrefix(f, "./"))); err == nil {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		// Every file missing: source-controller replaces the defaults
		// with nothing.
		return nil
	}
	return out
}

// fluxValuePositions places the values of a HelmRelease's layers where
// they are written: a valuesFrom ConfigMap's or Secret's data, spec.values
// of the HelmRelease as rendered (its overlays' patches included).
func (t *Tree) fluxValuePositions(hr Object, objs refs, layers []helmrelease.Layer) []helm.Layer {
	var out []helm.Layer
	for _, l := range layers {
		if l.Ref == nil {
			out = append(out, pinnedLayers(l.Values, nil, func(p []string, at Pin) (string, int, int) {
				return hr.Origin.Position(append([]string{"spec", "values"}, p...), at)
			})...)
			continue
		}
		pinned := t.valuesFromPositions(hr, objs, *l.Ref)
		if len(pinned) == 0 {
			// Nowhere better to point at than the entry itself; never
			// leave an earlier source the last word on these values.
			entry := []string{"spec", "valuesFrom", fmt.Sprint(l.Ref.Index)}
			pinned = pinnedLayers(l.Values, nil, func([]string, Pin) (string, int, int) { return hr.Origin.Position(entry, PinValue) })
		}
		out = append(out, pinned...)
	}
	return out
}

// valuesFromPositions places the values of one valuesFrom entry: in the
// values file a configMapGenerator made the ConfigMap from, or in the
// data key's block of the object where it is written.
func (t *Tree) valuesFromPositions(hr Object, objs refs, ref helmrelease.ValuesRef) []helm.Layer {
	src := objs.object(ref.Kind, releaseNamespace(hr.Object), ref.Name)
	if src == nil {
		return nil
	}
	field := "data"
	if ref.Kind == "Secret" {
		if sd, ok := src.Object["stringData"].(map[string]any); ok {
			if _, ok := sd[ref.ValuesKey]; ok {
				field = "stringData"
			}
		}
	}
	var prefix []string
	if ref.TargetPath != "" {
		p, ok := setPath(ref.TargetPath)
		if !ok {
			return nil
		}
		prefix = p
	}
	file, line, col := src.Origin.Position([]string{field, ref.ValuesKey}, PinValue)
	if IsKustomizationFile(file) {
		// Generated: the values are the file the generator names.
		if f := generatedFrom(t, file, ref.ValuesKey, src.Object); f != "" {
			if data, err := fs.ReadFile(t.fsys, f); err == nil {
				if ref.TargetPath != "" {
					return []helm.Layer{{File: f, Node: &yaml.Node{Kind: yaml.ScalarNode, Line: 1, Column: 1}, Values: map[string]any{}, Prefix: prefix}}
				}
				return fileLayers(f, data)
			}
		}
		if ref.TargetPath != "" {
			// A literal of the generator: its entry.
			return []helm.Layer{{File: file, Node: &yaml.Node{Kind: yaml.ScalarNode, Line: line, Column: col}, Values: map[string]any{}, Prefix: prefix}}
		}
		return nil
	}
	if ref.TargetPath != "" {
		return []helm.Layer{{File: file, Node: &yaml.Node{Kind: yaml.ScalarNode, Line: line, Column: col}, Values: map[string]any{}, Prefix: prefix}}
	}
	if field == "data" && ref.Kind == "Secret" {
		return nil // base64: no lines of its own
	}
	text, _ := src.Object[field].(map[string]any)[ref.ValuesKey].(string)
	return blockLayer(t.fsys, file, line, col, text, nil)
}

// releaseNamespace is an object's namespace.
func releaseNamespace(obj map[string]any) string {
	_, _, ns, _ := Meta(obj)
	return ns
}

// generatedFrom finds the file a configMapGenerator or secretGenerator
// entry of the kustomization file kfile reads key from: "files: [key=path]"
// or "files: [path]" (the key its base name).
func generatedFrom(t *Tree, kfile, key string, obj map[string]any) string {
	pf := t.file(kfile)
	if len(pf.docs) == 0 || pf.docs[0].Obj == nil {
		return ""
	}
	_, kind, _, name := Meta(obj)
	field := "configMapGenerator"
	if kind == "Secret" {
		field = "secretGenerator"
	}
	gens, _ := pf.docs[0].Obj[field].([]any)
	for _, g := range gens {
		m, _ := g.(map[string]any)
		gname, _ := m["name"].(string)
		if gname == "" || !strings.HasPrefix(name, gname) {
			continue
		}
		files, _ := m["files"].([]any)
		for _, f := range files {
			s, _ := f.(string)
			k, p, ok := strings.Cut(s, "=")
			if !ok {
				k, p = path.Base(s), s
			}
			if k == key {
				return path.Clean(path.Join(path.Dir(kfile), p))
			}
		}
	}
	return ""
}

// prefixProblems names the release in what the engine says of its chart.
func prefixProblems(res *helm.Result, what string) {
	for i := range res.Problems {
		if !strings.HasPrefix(res.Problems[i].Message, what) {
			res.Problems[i].Message = what + ": " + res.Problems[i].Message
		}
	}
}

// postRenderRelease runs the release's post-renderers over what the chart
// rendered (its crds/ aside, which helm-controller applies itself,
// labelled), replacing the manifests, and returns where a value a
// post-renderer set is written: its patch, its images entry.
func (t *Tree) postRenderRelease(res *helm.Result, r *helmrelease.Release, hr Object) (func(obj map[string]any, p []string, at Pin) (string, int, int, bool), error) {
	crd := map[string]bool{}
	for _, m := range res.CRDs {
		crd[m.Template] = true
	}
	var objs []chartObject
	var keep []helm.Manifest
	for _, m := range res.Manifests {
		if crd[m.Template] {
			keep = append(keep, m)
			continue
		}
		docs, ps := ParseYAML(m.Template, []byte(m.Content))
		if hasSyntaxError(ps) {
			keep = append(keep, m) // reported when visited
			continue
		}
		for _, d := range docs {
			if d.Obj != nil {
				objs = append(objs, chartObject{Obj: d.Obj, Template: m.Template, Hook: m.Hook != ""})
			}
		}
	}
	done, err := postRender(objs, r)
	if err != nil {
		return nil, err
	}
	res.Manifests = keep
	for _, o := range done {
		b, err := yaml.Marshal(o.Obj)
		if err != nil {
			return nil, err
		}
		hook := ""
		if o.Hook {
			hook = "hook"
		}
		res.Manifests = append(res.Manifests, helm.Manifest{Template: o.Template, Content: string(b), Hook: hook})
	}
	patches := t.postRenderPatches(r, hr)
	if len(patches) == 0 && !slices.ContainsFunc(r.PostRenderers, func(p helmrelease.PostRenderer) bool { return len(p.Images) > 0 }) {
		return nil, nil
	}
	return func(obj map[string]any, p []string, at Pin) (string, int, int, bool) {
		for _, ps := range patches {
			if !ps.matches(obj) {
				continue
			}
			if line, col, ok := ps.locate(obj, p, at == PinKey); ok {
				return ps.file, line, col, true
			}
		}
		if len(p) > 0 && p[len(p)-1] == "image" {
			if file, line, col, ok := postRenderImage(r, hr, obj, p); ok {
				return file, line, col, true
			}
		}
		return "", 0, 0, false
	}, nil
}

// postRenderPatches are a HelmRelease's post-renderer patches with their
// positions, the last applied first (it wins).
func (t *Tree) postRenderPatches(r *helmrelease.Release, hr Object) []*patchSrc {
	var out []*patchSrc
	for _, pr := range r.PostRenderers {
		for j, p := range pr.Patches {
			text, _ := p["patch"].(string)
			target, _ := p["target"].(map[string]any)
			file, line, col := hr.Origin.Position([]string{"spec", "postRenderers", fmt.Sprint(pr.Index), "kustomize", "patches", fmt.Sprint(j), "patch"}, PinValue)
			for _, d := range blockDocs(t.fsys, file, line, col, text) {
				if d.root != nil {
					out = append(out, &patchSrc{file: file, root: d.root, obj: d.Obj, target: target, json6902: d.root.Kind == yaml.SequenceNode})
				}
			}
		}
	}
	slices.Reverse(out)
	return out
}

// postRenderImage finds the images entry of a post-renderer that set the
// image at p.
func postRenderImage(r *helmrelease.Release, hr Object, obj map[string]any, p []string) (string, int, int, bool) {
	image, _ := valueAt(obj, p).(string)
	for i := len(r.PostRenderers) - 1; i >= 0; i-- {
		pr := r.PostRenderers[i]
		for j := len(pr.Images) - 1; j >= 0; j-- {
			im := pr.Images[j]
			name, _ := im["name"].(string)
			newName, _ := im["newName"].(string)
			if name == "" || (!strings.HasPrefix(image, name) && (newName == "" || !strings.HasPrefix(image, newName))) {
				continue
			}
			at := []string{"spec", "postRenderers", fmt.Sprint(pr.Index), "kustomize", "images", fmt.Sprint(j)}
			for _, f := range []string{"digest", "newTag", "newName", "name"} {
				if _, ok := im[f]; ok {
					file, line, col := hr.Origin.Position(append(at, f), PinValue)
					return file, line, col, true
				}
			}
		}
	}
	return "", 0, 0, false
}
