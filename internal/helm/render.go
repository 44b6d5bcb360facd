// Package helm renders Helm charts in process with Helm's own engine
// (helm.sh/helm/v4 as a library), offline and bounded: charts loaded from
// the repository (confined to it), from archives and through a
// chartref.Fetcher; values composed as layers that remember where each
// value is written, so that a finding in the output can point at the
// line of the repository it came from; Capabilities from the cluster
// version the user names, never Helm's default; the nondeterministic
// template functions fixed per render; lookup answered empty and said
// so; a template that loops stopped. It never touches the network itself
// and never prints.
package helm

import (
	"context"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	release "helm.sh/helm/v4/pkg/release/v1"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
)

// Request is one release of a chart to render.
type Request struct {
	// ReleaseName and Namespace are the release's, as .Release sees them.
	// An empty Namespace is "default", as helm template and the API
	// server take a release or an object that names none.
	ReleaseName, Namespace string
	// ValuesFiles, when set, are files of the chart whose merge, in
	// order, replaces its values.yaml as its defaults (Flux's
	// spec.chart.spec.valuesFiles).
	ValuesFiles []string
	// Values are the user's layers, lowest precedence first.
	Values []Layer
	// Capabilities are what .Capabilities answers.
	Capabilities Capabilities
	// IncludeCRDs renders the chart's crds/ as objects too; they are in
	// Result.CRDs either way.
	IncludeCRDs bool
	// IncludeTests keeps test hooks, which are left out otherwise.
	IncludeTests bool
	// SkipSchemaValidation leaves the chart's values.schema.json out, as
	// helm --skip-schema-validation does (a Flux HelmRelease's
	// install.disableSchemaValidation, an Argo CD source's
	// skipSchemaValidation).
	SkipSchemaValidation bool
	// Clock is the time now and the date functions read; zero means
	// DefaultClock.
	Clock time.Time
	// Limits bound the render; zero fields take DefaultLimits'.
	Limits Limits
}

// Capabilities are the cluster a chart is rendered for.
type Capabilities struct {
	// KubeVersion is the Kubernetes version ("1.37", "v1.37.2").
	KubeVersion string
	// APIVersions are the group/versions and group/version/kinds the
	// cluster serves ("apps/v1", "monitoring.coreos.com/v1/ServiceMonitor").
	APIVersions []string
}

// Manifest is one object the chart rendered, as YAML text.
type Manifest struct {
	// Template is the file it came from: "app/templates/deployment.yaml",
	// "app/charts/redis/templates/master.yaml", "app/crds/crd.yaml".
	Template string
	// Content is the document.
	Content string
	// Hook is the value of its helm.sh/hook annotation; "" for none.
	Hook string
}

// Result is what a render gave.
type Result struct {
	// Chart is the chart rendered (name and version), for messages.
	Chart, Version string
	// Manifests are in the order helm installs them: the CRDs when
	// included, the objects by kind, then the hooks.
	Manifests []Manifest
	// CRDs are the chart's CustomResourceDefinitions from crds/, its
	// dependencies' included, as YAML documents: schemas for its own
	// custom resources whether or not they are installed with it.
	CRDs []Manifest
	// Problems are what the render met: a failure, a value the schema
	// refuses, lookup, what could not be fetched.
	Problems []Problem
	// Failed is set when the chart did not render; Manifests are then
	// empty.
	Failed bool

	values map[string]any // the values the templates saw
	prov   provenance
}

// Problem is something a chart's load or render met, as data; Pos is
// zero when it belongs to the reference of the chart (the caller's
// place).
type Problem struct {
	Kind    ProblemKind
	Pos     Position
	Message string
}

// ProblemKind says what a Problem is.
type ProblemKind string

const (
	// RenderFailed: the chart did not render (required, fail, a template
	// error, a loop stopped, output too large, a chart that is not one).
	RenderFailed ProblemKind = "render-failed"
	// ValuesInvalid: a value the chart's values.schema.json refuses.
	ValuesInvalid ProblemKind = "values-invalid"
	// Offline: what an offline render cannot know: lookup answered
	// nothing; a remote $ref of values.schema.json was skipped.
	Offline ProblemKind = "offline"
	// ChartSkipped: a remote chart not fetched because fetching is off.
	ChartSkipped ProblemKind = "chart-skipped"
	// ChartUnavailable: a remote chart that could not be fetched.
	ChartUnavailable ProblemKind = "chart-unavailable"
	// FileNotRead: a file of a chart directory that is not read (a link).
	FileNotRead ProblemKind = "file-not-read"
)

// Render renders a chart as helm template would, in process. A chart that
// does not render is a RenderFailed problem and Failed, not an error;
// the error is for a cancelled ctx.
func Render(ctx context.Context, c *Chart, req Request) (*Result, error) {
	lim := withDefaults(req.Limits)
	res := &Result{Chart: c.Name, Version: c.Version, prov: provenance{}}
	res.Problems = append(res.Problems, c.Problems...)
	fail := func(pos Position, format string, args ...any) (*Result, error) {
		res.Failed = true
		res.Manifests = nil
		res.Problems = append(res.Problems, Problem{Kind: RenderFailed, Pos: pos, Message: fmt.Sprintf(format, args...)})
		return res, ctx.Err()
	}
	if c.Library() {
		return fail(Position{}, "chart %s %s is a library chart: it renders only inside the charts that depend on it", c.Name, c.Version)
	}
	ch := cloneChart(c.chart)
	defaults := c.defaults
	if len(req.ValuesFiles) > 0 {
		vals, layers, err := valuesFiles(c, req.ValuesFiles)
		if err != nil {
			return fail(Position{}, "%v", err)
		}
		ch.Values, defaults = vals, layers
	}
	for _, l := range defaults {
		res.prov.add(l)
	}
	for _, l := range req.Values {
		res.prov.add(l)
	}
	vals := mergeLayers(req.Values)
	caps, err := capabilities(req.Capabilities)
	if err != nil {
		return fail(Position{}, "%v", err)
	}
	if ch.Metadata.KubeVersion != "" && !chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, caps.KubeVersion.String()) {
		return fail(Position{}, "chart %s %s requires kubeVersion %s, which Kubernetes %s is not (kubernetes-version)", c.Name, c.Version, ch.Metadata.KubeVersion, caps.KubeVersion.Version)
	}
	if err := chartutil.ProcessDependencies(ch, vals); err != nil {
		return fail(Position{}, "chart %s %s: processing its dependencies: %v", c.Name, c.Version, err)
	}
	ns := req.Namespace
	if ns == "" {
		ns = "default"
	}
	opts := common.ReleaseOptions{Name: req.ReleaseName, Namespace: ns, Revision: 1, IsInstall: true}
	top, err := util.ToRenderValuesWithSchemaValidation(ch, vals, opts, caps, true)
	if err != nil {
		return fail(Position{}, "chart %s %s: composing its values: %v", c.Name, c.Version, err)
	}
	final, _ := top["Values"].(common.Values)
	res.values = final
	if ps := skippable(req.SkipSchemaValidation, func() []Problem { return validateValues(ch, final, res.prov) }); len(ps) > 0 {
		res.Problems = append(res.Problems, ps...)
		if slices.ContainsFunc(ps, func(p Problem) bool { return p.Kind == ValuesInvalid }) {
			res.Failed = true
			return res, ctx.Err()
		}
	}
	s := newSession(ctx, strings.Join([]string{req.ReleaseName, req.Namespace, c.Name, c.Version}, "\x00"), req.Clock, lim)
	files, err := runEngine(ctx, ch, top, s, lim)
	if s.lookups > 0 {
		res.Problems = append(res.Problems, Problem{Kind: Offline, Message: fmt.Sprintf("chart %s %s calls lookup, which sees no cluster offline: it answered nothing, and what the chart renders from its answer is not verified", c.Name, c.Version)})
	}
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		pos := res.errorPosition(ch, err.Error())
		return fail(pos, "chart %s %s does not render: %s", c.Name, c.Version, cleanError(err.Error()))
	}
	size := 0
	for _, v := range files {
		size += len(v)
	}
	if int64(size) > lim.MaxOutput {
		return fail(Position{}, "chart %s %s renders %d bytes, over the limit of %d", c.Name, c.Version, size, lim.MaxOutput)
	}
	for k := range files {
		if strings.HasSuffix(k, "NOTES.txt") {
			delete(files, k)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return fail(Position{}, "chart %s %s renders what is not YAML: %s", c.Name, c.Version, cleanError(err.Error()))
	}
	for _, crd := range ch.CRDObjects() {
		res.CRDs = append(res.CRDs, Manifest{Template: crd.Filename, Content: string(crd.File.Data)})
	}
	if req.IncludeCRDs {
		res.Manifests = append(res.Manifests, res.CRDs...)
	}
	for _, m := range manifests {
		res.Manifests = append(res.Manifests, Manifest{Template: m.Name, Content: m.Content})
	}
	for _, h := range hooks {
		if !req.IncludeTests && slices.ContainsFunc(h.Events, func(e release.HookEvent) bool { return e == release.HookTest }) {
			continue
		}
		res.Manifests = append(res.Manifests, Manifest{Template: h.Path, Content: h.Manifest, Hook: hookNames(h)})
	}
	return res, ctx.Err()
}

func hookNames(h *release.Hook) string {
	var names []string
	for _, e := range h.Events {
		names = append(names, e.String())
	}
	return strings.Join(names, ",")
}

func withDefaults(l Limits) Limits {
	d := DefaultLimits()
	if l.MaxFiles > 0 {
		d.MaxFiles = l.MaxFiles
	}
	if l.MaxBytes > 0 {
		d.MaxBytes = l.MaxBytes
	}
	if l.MaxArchive > 0 {
		d.MaxArchive = l.MaxArchive
	}
	if l.Timeout > 0 {
		d.Timeout = l.Timeout
	}
	if l.MaxOutput > 0 {
		d.MaxOutput = l.MaxOutput
	}
	if l.MaxSteps > 0 {
		d.MaxSteps = l.MaxSteps
	}
	return d
}

// runEngine runs Helm's engine on its own goroutine: a template that
// loops is stopped by the session's ticks; one that spends its time in
// a single function call is left behind at the time limit, the render
// reported as stopped.
func runEngine(ctx context.Context, ch *chart.Chart, top common.Values, s *session, lim Limits) (map[string]string, error) {
	type outcome struct {
		files map[string]string
		err   error
	}
	done := make(chan outcome, 1)
	go func() {
		e := engine.Engine{CustomTemplateFuncs: s.funcs()}
		files, err := e.RenderWithContext(ctx, ch, top)
		done <- outcome{files, err}
	}()
	timer := time.NewTimer(lim.Timeout + time.Second)
	defer timer.Stop()
	select {
	case o := <-done:
		if o.err != nil && s.stopped != nil {
			return nil, s.stopped
		}
		return o.files, o.err
	case <-timer.C:
		return nil, fmt.Errorf("%w: the render took longer than its time limit of %s", errStopped, lim.Timeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// capabilities turns the request's into Helm's.
func capabilities(c Capabilities) (*common.Capabilities, error) {
	v := c.KubeVersion
	if v == "" {
		return nil, fmt.Errorf("no Kubernetes version to render for")
	}
	if strings.Count(strings.TrimPrefix(v, "v"), ".") == 1 {
		v += ".0"
	}
	kv, err := common.ParseKubeVersion(v)
	if err != nil {
		return nil, fmt.Errorf("kubernetes version %q: %w", c.KubeVersion, err)
	}
	caps := &common.Capabilities{KubeVersion: *kv, APIVersions: common.VersionSet(c.APIVersions), HelmVersion: common.DefaultCapabilities.HelmVersion}
	return caps, nil
}

// cloneChart copies what ProcessDependencies and the values change of a
// chart (its metadata, values and dependency list), so that a loaded
// chart renders any number of times, at once.
func cloneChart(c *chart.Chart) *chart.Chart {
	out := *c
	md := *c.Metadata
	md.Dependencies = nil
	for _, d := range c.Metadata.Dependencies {
		if d == nil {
			continue
		}
		dc := *d
		md.Dependencies = append(md.Dependencies, &dc)
	}
	out.Metadata = &md
	out.Values = deepCopy(c.Values)
	var deps []*chart.Chart
	for _, d := range c.Dependencies() {
		deps = append(deps, cloneChart(d))
	}
	out.SetDependencies(deps...)
	return &out
}

func deepCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return deepCopy(v)
	case common.Values:
		return deepCopy(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}

// valuesFiles merges files of the chart into the defaults that replace
// its values.yaml.
func valuesFiles(c *Chart, names []string) (map[string]any, []Layer, error) {
	out := map[string]any{}
	var layers []Layer
	for _, n := range names {
		n = path.Clean(strings.TrimPrefix(n, "./"))
		var data []byte
		for _, f := range c.chart.Raw {
			if f.Name == n {
				data = f.Data
			}
		}
		if data == nil {
			return nil, nil, fmt.Errorf("chart %s %s has no values file %q", c.Name, c.Version, n)
		}
		vals, err := common.ReadValues(data)
		if err != nil {
			return nil, nil, fmt.Errorf("chart %s %s: values file %q: %w", c.Name, c.Version, n, err)
		}
		out = mergeMapsHelm(out, vals)
		if c.Dir != "" {
			if l, err := fileLayer(path.Join(c.Dir, n), data); err == nil {
				layers = append(layers, l)
			}
		}
	}
	return out, layers, nil
}

func mergeMapsHelm(a, b map[string]any) map[string]any {
	return mergeLayers([]Layer{{Values: a}, {Values: b}})
}

// Helm's engine says where a template failed as
// "(chart/templates/x.yaml:12:5)", and quotes a required's or fail's own
// message between markers it takes out.
var (
	errorAt     = regexp.MustCompile(`\(([^()]+\.(?:yaml|yml|tpl|txt|json)):(\d+)(?::(\d+))?\)`)
	valuesRefRE = regexp.MustCompile(`\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)`)
)

// cleanError is an engine error on one line, its middle cut when it is
// long: text/template repeats the whole chain of includes, which for a
// recursion 1,000 deep is 100 KB.
func cleanError(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 600 {
		s = s[:300] + " … " + s[len(s)-250:]
	}
	return strings.ToValidUTF8(s, "?")
}

// errorPosition finds the values line a render error is about: the
// template line it names, read for the .Values it refers to, and of
// those the deepest part a repository layer writes (a required value
// missing under a block the user wrote is pinned to that block). Zero
// when none is known: the chart reference.
func (r *Result) errorPosition(ch *chart.Chart, msg string) Position {
	m := errorAt.FindStringSubmatch(msg)
	if m == nil {
		return Position{}
	}
	tmpl := m[1]
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	lines := strings.Split(templateSource(ch, tmpl), "\n")
	if line < 1 || line > len(lines) {
		return Position{}
	}
	// The value the failing call reads is the first .Values at or after
	// the column the engine names (the call of required or fail); else
	// the line's, the deepest a repository layer writes.
	text := lines[line-1]
	refs := valuesRefRE.FindAllStringSubmatchIndex(text, -1)
	if col > 0 {
		for _, r := range refs {
			if r[0] >= col-1 {
				refs = [][]int{r}
				break
			}
		}
	}
	var best Position
	bestDepth := -1
	for _, ref := range refs {
		at := append(scope(tmpl), strings.Split(strings.TrimPrefix(text[ref[2]:ref[3]], "."), ".")...)
		if pos, depth, ok := r.prov.nearest(at); ok && depth > bestDepth {
			best, bestDepth = pos, depth
		}
	}
	return best
}

// templateSource finds a template by its full name in a chart tree.
func templateSource(ch *chart.Chart, full string) string {
	for _, t := range ch.Templates {
		if path.Join(ch.ChartFullPath(), t.Name) == full {
			return string(t.Data)
		}
	}
	for _, d := range ch.Dependencies() {
		if s := templateSource(d, full); s != "" {
			return s
		}
	}
	return ""
}

// scope is the values path the templates of a file see as .Values:
// "app/charts/redis/templates/x.yaml" sees the values under "redis".
func scope(template string) []string {
	parts := strings.Split(template, "/")
	var out []string
	for i := 1; i+1 < len(parts); i++ {
		if parts[i] == "charts" {
			out = append(out, parts[i+1])
			i++
		} else {
			break
		}
	}
	return out
}

// sortedKeys is for deterministic walks.
func sortedKeys(m map[string]any) []string {
	keys := slices.Collect(maps.Keys(m))
	sort.Strings(keys)
	return keys
}
