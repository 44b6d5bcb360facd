package render

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/fluxcd/pkg/envsubst"
	"github.com/fluxcd/pkg/envsubst/parse"
	// The one YAML library besides go.yaml.in/yaml/v3: Flux parses the
	// substituted text of a resource with sigs.k8s.io/yaml, YAML 1.1 (on
	// and yes are true there, strings in v3), and a value must take the
	// type the cluster gives it.
	sigsyaml "sigs.k8s.io/yaml"
)

// Flux's kustomize-controller runs a post-build step on every resource a
// Flux Kustomization renders when the Kustomization has spec.postBuild: it
// serialises the resource to YAML, replaces ${VAR}, ${VAR:=default},
// ${VAR:-default} (and the other bash forms of fluxcd/pkg/envsubst) with
// the variables of postBuild.substitute and of the ConfigMaps and Secrets
// named in postBuild.substituteFrom, and parses the text back (SubstituteVariables
// in fluxcd/pkg/kustomize, kustomize_varsub.go). So a manifest holding
// accessModes: ["${MODE:=ReadWriteOnce}"] is valid in the cluster, and
// judging it as written is a false error.
//
// A tree rendered with Options.Substitute does the same with what the
// repository itself defines:
// the Flux Kustomization whose spec.path renders an object, its
// substitute map, and the ConfigMaps and Secrets of substituteFrom that
// the repository holds. A value whose variable the repository does not
// define is not judged (the cluster may hold the ConfigMap), and a notice
// names the variable once. The parser is Flux's own (fluxcd/pkg/envsubst),
// so the syntax, the defaults and the $${ escape are exactly Flux's; the
// text each value becomes is serialised and parsed back with the YAML
// library Flux uses (sigs.k8s.io/yaml), so "${REPLICAS}" set to 3 becomes
// the integer 3 as it does in the cluster.

// fluxSubstituteKey disables substitution on a resource, as a label or an
// annotation with the value "disabled".
const fluxSubstituteKey = "kustomize.toolkit.fluxcd.io/substitute"

// fluxVarName is the name Flux accepts for a variable (varsubRegex in
// fluxcd/pkg/kustomize); any other name in the variables fails the whole
// Kustomization.
var fluxVarName = regexp.MustCompile(`^[_[:alpha:]][_[:alpha:][:digit:]]*$`)

// fluxState is what the repository defines for post-build substitution,
// read once, on the first resource that holds a ${.
type fluxState struct {
	once sync.Once
	ks   []*fluxKustomization
}

// fluxKustomization is one Flux Kustomization of the repository and, once
// resolved, the variables its post-build step substitutes.
type fluxKustomization struct {
	file      string
	line, col int
	namespace string
	name      string
	rawPath   string   // spec.path as written
	rawComps  []string // spec.components as written
	postBuild bool
	always    bool // substituteStrategy: Always
	inline    map[string]string
	from      []substituteRef

	// Resolved, with the variables of the Kustomization that renders this
	// one's file (a cluster's "apps" Kustomization set by its "flux-system").
	path       string          // cleaned, relative to the repository root; "" if unknown
	components []string        // spec.components, cleaned like path; those still holding a variable left out
	included   map[string]bool // directories and files outside path that its kustomization renders
	vars       map[string]string
	secret     map[string]bool // variables whose value came from a Secret
	opaque     map[string]bool // variables of a SOPS-encrypted Secret: set, value unknown
	missing    []string        // substituteFrom entries the repository does not hold
}

type substituteRef struct {
	kind, name string
	optional   bool
}

// fluxSource is a ConfigMap or Secret substituteFrom may name.
type fluxSource struct {
	kind, namespace, name string
	data                  map[string]string
	sops                  bool
}

// id names a Kustomization as flux get does, namespace/name.
func (k *fluxKustomization) id() string {
	if k.namespace == "" {
		return k.name
	}
	return k.namespace + "/" + k.name
}

// active reports whether Flux runs the substitution at all: it needs
// spec.postBuild, and then at least one variable unless the strategy is
// Always. A substituteFrom entry the repository does not hold may define
// some, so it counts as one.
func (k *fluxKustomization) active() bool {
	return k.postBuild && (k.always || len(k.vars) > 0 || len(k.opaque) > 0 || len(k.missing) > 0)
}

// isFluxKustomization reports whether obj is a kustomize.toolkit.fluxcd.io
// Kustomization (not kustomize's own kustomization.yaml).
func isFluxKustomization(obj map[string]any) bool {
	a, k, _, _ := Meta(obj)
	return k == "Kustomization" && strings.HasPrefix(a, "kustomize.toolkit.fluxcd.io/")
}

// fluxKustomizations returns the repository's Flux Kustomizations, reading the
// repository on first use.
func (t *Tree) fluxKustomizations() []*fluxKustomization {
	t.flux.once.Do(func() { t.flux.ks = t.scanFlux() })
	return t.flux.ks
}

// scanFlux reads the whole repository (Flux paths are relative to its
// root, whatever path the run verifies) for Flux Kustomizations, then for
// the ConfigMaps and Secrets they name. A cheap byte screen keeps it from
// parsing files that cannot hold either.
func (t *Tree) scanFlux() []*fluxKustomization {
	names, _, _, err := t.walk(".")
	if err != nil {
		return nil
	}
	read := func(name string, screen func([]byte) bool, each func(*Document)) {
		if t.ctx.Err() != nil {
			return
		}
		data, err := fs.ReadFile(t.fsys, name)
		if err != nil || !screen(data) || inChartTemplates(name, t.charts) {
			return
		}
		docs, _ := ParseYAML(name, data)
		for _, d := range docs {
			if d.Obj != nil {
				each(d)
			}
		}
	}
	var ks []*fluxKustomization
	for _, n := range names {
		read(n, func(b []byte) bool { return bytes.Contains(b, []byte("kustomize.toolkit.fluxcd.io")) }, func(d *Document) {
			if isFluxKustomization(d.Obj) {
				ks = append(ks, newFluxKustomization(d))
			}
		})
	}
	wanted := map[string]bool{}
	for _, k := range ks {
		for _, ref := range k.from {
			wanted[ref.name] = true
		}
	}
	var sources []*fluxSource
	if len(wanted) > 0 {
		for _, n := range names {
			read(n, func(b []byte) bool {
				if !bytes.Contains(b, []byte("ConfigMap")) && !bytes.Contains(b, []byte("Secret")) {
					return false
				}
				for w := range wanted {
					if bytes.Contains(b, []byte(w)) {
						return true
					}
				}
				return false
			}, func(d *Document) {
				if s := newFluxSource(d.Obj); s != nil && wanted[s.name] {
					sources = append(sources, s)
				}
			})
		}
	}
	resolveFlux(ks, sources)
	for _, k := range ks {
		if k.path != "" {
			k.included = map[string]bool{}
			t.kustomizeIncludes(k.path, k.included, 0)
			t.componentIncludes(k)
		}
	}
	// A Kustomization defined in a base another one renders is resolved
	// with that one's variables.
	resolveFlux(ks, sources)
	return ks
}

// kustomizeIncludes adds to out what the kustomization in dir renders from
// outside dir: the directories (bases, components) and files its
// resources, bases and components name, and what theirs name in turn. A
// base validated on its own is then substituted with the variables of the
// Flux Kustomization that renders it through an overlay.
func (t *Tree) kustomizeIncludes(dir string, out map[string]bool, depth int) {
	kfile := kustomizationIn(t, dir)
	if kfile == "" || depth > 16 {
		return
	}
	pf := t.file(kfile)
	if len(pf.docs) == 0 || pf.docs[0].Obj == nil {
		return
	}
	for _, field := range []string{"resources", "bases", "components"} {
		list, _ := pf.docs[0].Obj[field].([]any)
		for _, e := range list {
			s, _ := e.(string)
			if s == "" || t.isRemote(dir, s) {
				continue
			}
			p := path.Clean(path.Join(dir, s))
			info, err := t.stat(p)
			if err != nil || out[p] {
				continue
			}
			out[p] = true
			if info.IsDir() {
				t.kustomizeIncludes(p, out, depth+1)
			}
		}
	}
}

// componentIncludes adds to what k renders the Components of its
// spec.components, and what their kustomizations name in turn: Flux adds
// them to the components of the kustomization it builds at spec.path
// (kustomize-controller's generator), so their files are rendered, and
// substituted, by k as its resources are.
func (t *Tree) componentIncludes(k *fluxKustomization) {
	for _, c := range k.components {
		info, err := t.stat(c)
		if err != nil || !info.IsDir() || k.included[c] {
			continue
		}
		k.included[c] = true
		t.kustomizeIncludes(c, k.included, 1)
	}
}

func newFluxKustomization(d *Document) *fluxKustomization {
	_, _, ns, name := Meta(d.Obj)
	k := &fluxKustomization{file: d.File, namespace: ns, name: name, inline: map[string]string{}}
	if d.root != nil {
		k.line, k.col = d.root.Line, d.root.Column
	}
	spec, _ := d.Obj["spec"].(map[string]any)
	k.rawPath, _ = spec["path"].(string)
	comps, _ := spec["components"].([]any)
	for _, c := range comps {
		if c, ok := c.(string); ok && c != "" {
			k.rawComps = append(k.rawComps, c)
		}
	}
	pb, ok := spec["postBuild"].(map[string]any)
	if !ok {
		return k
	}
	k.postBuild = true
	k.always = pb["substituteStrategy"] == "Always"
	if sub, ok := pb["substitute"].(map[string]any); ok {
		for name, v := range sub {
			k.inline[name] = scalarText(v)
		}
	}
	from, _ := pb["substituteFrom"].([]any)
	for _, f := range from {
		m, _ := f.(map[string]any)
		kind, _ := m["kind"].(string)
		name, _ := m["name"].(string)
		opt, _ := m["optional"].(bool)
		if name != "" {
			k.from = append(k.from, substituteRef{kind: kind, name: name, optional: opt})
		}
	}
	return k
}

// scalarText is a YAML scalar as the string Flux reads it into a
// map[string]string (substitute: {replicas: 3} holds "3").
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func newFluxSource(obj map[string]any) *fluxSource {
	a, kind, ns, name := Meta(obj)
	if a != "v1" || (kind != "ConfigMap" && kind != "Secret") || name == "" {
		return nil
	}
	s := &fluxSource{kind: kind, namespace: ns, name: name, data: map[string]string{}}
	if _, ok := obj["sops"]; ok {
		s.sops = true
	}
	if data, ok := obj["data"].(map[string]any); ok {
		for key, v := range data {
			text := scalarText(v)
			if kind == "Secret" && !s.sops {
				b, err := base64.StdEncoding.DecodeString(text)
				if err != nil {
					continue // the API server refuses it; the schema says so
				}
				text = string(b)
			}
			s.data[key] = text
		}
	}
	if sd, ok := obj["stringData"].(map[string]any); ok && kind == "Secret" {
		for key, v := range sd {
			s.data[key] = scalarText(v)
		}
	}
	return s
}

// cleanFluxPath turns spec.path ("./apps/prod", "apps/prod/") into a path
// of the repository; "" when it holds a variable not yet resolved.
func cleanFluxPath(p string) string {
	if strings.Contains(p, "${") {
		return ""
	}
	p = strings.TrimLeft(path.Clean("/"+p), "/")
	if p == "" {
		return "."
	}
	return p
}

// resolveFlux works out each Kustomization's path and variables. A
// Kustomization's own manifest is substituted by the Kustomization that
// renders its file (spec.path: ./apps/${cluster}), so resolving goes round
// until nothing changes, a few rounds at most.
func resolveFlux(ks []*fluxKustomization, sources []*fluxSource) {
	for round := 0; round < 4; round++ {
		changed := false
		for _, k := range ks {
			outer := nearestFlux(ks, path.Dir(k.file), k.file, k)
			p := k.rawPath
			comps := slices.Clone(k.rawComps)
			inline := k.inline
			if outer != nil && outer.active() {
				p = substituteText(p, outer)
				for i, c := range comps {
					comps[i] = substituteText(c, outer)
				}
				inline = make(map[string]string, len(k.inline))
				for name, v := range k.inline {
					inline[name] = substituteText(v, outer)
				}
			}
			vars, secret, opaque, missing := fluxVars(k, inline, sources)
			np := cleanFluxPath(p)
			if np != k.path || len(vars) != len(k.vars) {
				changed = true
			}
			k.path, k.vars, k.secret, k.opaque, k.missing = np, vars, secret, opaque, missing
			k.components = k.components[:0]
			for _, c := range comps {
				if np != "" && !strings.Contains(c, "${") {
					k.components = append(k.components, path.Clean(path.Join(np, c)))
				}
			}
		}
		if !changed {
			return
		}
	}
}

// substituteText substitutes a value of a Kustomization's own manifest, or
// leaves it as written when that fails or needs a variable not known.
func substituteText(s string, k *fluxKustomization) string {
	if !strings.Contains(s, "$") {
		return s
	}
	tree, err := parse.Parse(s)
	if err != nil {
		return s
	}
	var unresolved []string
	unresolvedVars(tree.Root, k, &unresolved)
	if len(unresolved) > 0 {
		return s
	}
	out, err := envsubst.Eval(s, func(name string) (string, bool) { return k.vars[name], true })
	if err != nil {
		return s
	}
	return out
}

// fluxVars gathers a Kustomization's variables as LoadVariables does: the
// substituteFrom entries in order, then the inline map over them, newlines
// removed.
func fluxVars(k *fluxKustomization, inline map[string]string, sources []*fluxSource) (vars map[string]string, secret, opaque map[string]bool, missing []string) {
	vars, secret, opaque = map[string]string{}, map[string]bool{}, map[string]bool{}
	for _, ref := range k.from {
		s := findSource(sources, ref, k.namespace)
		if s == nil {
			if !ref.optional {
				missing = append(missing, ref.kind+" "+strconvQuote(ref.name))
			} else {
				missing = append(missing, ref.kind+" "+strconvQuote(ref.name)+" (optional)")
			}
			continue
		}
		for key, v := range s.data {
			if s.sops {
				opaque[key] = true
				delete(vars, key)
				continue
			}
			vars[key] = strings.ReplaceAll(v, "\n", "")
			delete(opaque, key)
			secret[key] = s.kind == "Secret"
		}
	}
	for key, v := range inline {
		vars[key] = strings.ReplaceAll(v, "\n", "")
		delete(opaque, key)
		secret[key] = false
	}
	return vars, secret, opaque, missing
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

// findSource finds the ConfigMap or Secret a substituteFrom entry names,
// in the Kustomization's namespace. A namespace left out of either file
// (set by a kustomization or by the Kustomization's targetNamespace) is not
// held against the match.
func findSource(sources []*fluxSource, ref substituteRef, namespace string) *fluxSource {
	for _, s := range sources {
		if s.kind == ref.kind && s.name == ref.name && (s.namespace == "" || namespace == "" || s.namespace == namespace) {
			return s
		}
	}
	return nil
}

// nearestFlux returns the Kustomization that renders dir (a directory
// kustomize builds) or file (a plain file, when dir is its directory):
// the one whose path holds it most closely, else the first, in file order,
// whose kustomization includes it from outside its path; skip is left out.
// nil when none does.
func nearestFlux(ks []*fluxKustomization, dir, file string, skip *fluxKustomization) *fluxKustomization {
	var best, including *fluxKustomization
	for _, k := range ks {
		if k == skip || k.path == "" {
			continue
		}
		if k.path != "." && dir != k.path && !strings.HasPrefix(dir, k.path+"/") {
			if including == nil && (k.included[dir] || k.included[file] || includedUnder(k.included, dir)) {
				including = k
			}
			continue
		}
		if best == nil || len(k.path) > len(best.path) {
			best = k
		}
	}
	if best == nil {
		return including
	}
	return best
}

// includedUnder reports whether dir lies under an included directory: a
// plain file deeper in a base a kustomization names.
func includedUnder(included map[string]bool, dir string) bool {
	for d := dir; d != "." && d != "/" && d != ""; d = path.Dir(d) {
		if included[d] {
			return true
		}
	}
	return false
}

// unresolvedVars appends the variables of a parsed value that the
// Kustomization leaves without a value: those read bare (${X}, ${X^^})
// that it does not define. A default form (${X:=d}) has a value, its
// default, and only the variables of that default are then looked at.
func unresolvedVars(n parse.Node, k *fluxKustomization, out *[]string) {
	switch x := n.(type) {
	case *parse.ListNode:
		for _, c := range x.Nodes {
			unresolvedVars(c, k, out)
		}
	case *parse.FuncNode:
		v, known := k.vars[x.Param]
		opaque := k.opaque[x.Param]
		if isDefaultOp(x.Name) {
			if known && v != "" || opaque {
				return
			}
		} else if !known && !opaque && !slices.Contains(*out, x.Param) {
			*out = append(*out, x.Param)
		}
		for _, a := range x.Args {
			unresolvedVars(a, k, out)
		}
	}
}

// opaqueVars reports whether a parsed value reads a variable whose value
// is encrypted (a SOPS Secret): set in the cluster, unknown here.
func opaqueVars(n parse.Node, k *fluxKustomization) bool {
	switch x := n.(type) {
	case *parse.ListNode:
		return slices.ContainsFunc(x.Nodes, func(c parse.Node) bool { return opaqueVars(c, k) })
	case *parse.FuncNode:
		if k.opaque[x.Param] {
			return true
		}
		return slices.ContainsFunc(x.Args, func(c parse.Node) bool { return opaqueVars(c, k) })
	}
	return false
}

// usedVars lists the variables a parsed value reads.
func usedVars(n parse.Node, out *[]string) {
	switch x := n.(type) {
	case *parse.ListNode:
		for _, c := range x.Nodes {
			usedVars(c, out)
		}
	case *parse.FuncNode:
		if x.Param != "" && !slices.Contains(*out, x.Param) {
			*out = append(*out, x.Param)
		}
		for _, a := range x.Args {
			usedVars(a, out)
		}
	}
}

// isDefaultOp mirrors fluxcd/pkg/envsubst: the forms that give a value of
// their own when the variable is unset or empty.
func isDefaultOp(name string) bool {
	switch name {
	case "-", "+", "=", "?", ":-", ":+", ":=", ":?":
		return true
	}
	return false
}

// Substitution is what Flux's post-build substitution did to one object:
// the values it changed, those it could not judge, and its own issues.
type Substitution struct {
	obj map[string]any
	k   *fluxKustomization // nil when no Flux Kustomization renders the object
	// Skipped are the values not to judge: each holds a variable whose
	// value is unknown here.
	Skipped []SkippedValue
	// Issues are the substitution's own: a value it fails on, a variable
	// name Flux refuses, a variable the repository does not set.
	Issues  []Issue
	subst   map[string]string // joined path → "${A}, ${B}": values substituted
	secrets []string          // values taken from Secrets: never printed
}

// SkippedValue is a value that holds a variable whose value is unknown.
// Notice, when set, is the notice to give only when an issue there was
// dropped: a value no Flux Kustomization of the repository renders may
// never be substituted, and a ${ in a shell script is not worth a word
// unless it hid something.
type SkippedValue struct {
	Path   []string
	Notice string
}

// fluxSubstitute substitutes obj, rendered from dir (a kustomization's;
// "" for the directory of the plain file it is written in) out of file, as
// Flux's post-build step would, or returns nil when there is nothing to
// do: no value holds a "$", the usual case, costs one walk over the
// object's strings. The top-level sops field is left alone: Flux decrypts
// a SOPS object, its metadata gone, before it substitutes.
func (t *Tree) fluxSubstitute(obj map[string]any, dir, file string) *Substitution {
	var out *Substitution
	if isFluxKustomization(obj) {
		out = &Substitution{obj: obj, Issues: fluxNameIssues(obj)}
	}
	if !holdsExpr(obj, true) {
		return out
	}
	if out == nil {
		out = &Substitution{obj: obj}
	}
	if fluxDisabled(obj) {
		return out
	}
	if dir == "" {
		dir = path.Dir(file)
	}
	out.k = nearestFlux(t.fluxKustomizations(), dir, file, nil)
	if out.k != nil && !out.k.active() {
		return out // Flux applies it as written
	}
	out.subst = map[string]string{}
	v, _ := out.walk(obj, nil)
	out.obj = v.(map[string]any)
	return out
}

// fluxNameIssues reports inline variables whose name Flux refuses.
func fluxNameIssues(obj map[string]any) []Issue {
	spec, _ := obj["spec"].(map[string]any)
	pb, _ := spec["postBuild"].(map[string]any)
	sub, _ := pb["substitute"].(map[string]any)
	var out []Issue
	for _, name := range slices.Sorted(maps.Keys(sub)) {
		if !fluxVarName.MatchString(name) {
			out = append(out, Issue{Kind: SubstitutionFailed, Path: []string{"spec", "postBuild", "substitute", name}, AtKey: true,
				Message: fmt.Sprintf("%q is not a variable name Flux accepts (letters, digits and _, not starting with a digit): the post-build substitution of this Kustomization fails", name)})
		}
	}
	return out
}

func fluxDisabled(obj map[string]any) bool {
	md, _ := obj["metadata"].(map[string]any)
	annotations, _ := md["annotations"].(map[string]any)
	labels, _ := md["labels"].(map[string]any)
	return annotations[fluxSubstituteKey] == "disabled" || labels[fluxSubstituteKey] == "disabled"
}

// holdsExpr reports whether any key or string of v holds "${" or "$$",
// what envsubst rewrites; top is set for the object itself, whose sops
// field is not looked at.
func holdsExpr(v any, top bool) bool {
	switch x := v.(type) {
	case string:
		return hasExpr(x)
	case map[string]any:
		for k, val := range x {
			if top && k == "sops" {
				continue
			}
			if hasExpr(k) || holdsExpr(val, false) {
				return true
			}
		}
	case []any:
		for _, val := range x {
			if holdsExpr(val, false) {
				return true
			}
		}
	}
	return false
}

func hasExpr(s string) bool {
	i := strings.IndexByte(s, '$')
	return i >= 0 && (strings.Contains(s[i:], "${") || strings.Contains(s[i:], "$$"))
}

// walk substitutes every string under v, copying only what changes (the
// object's sops field aside).
func (o *Substitution) walk(v any, p []string) (any, bool) {
	switch x := v.(type) {
	case string:
		if !hasExpr(x) {
			return x, false
		}
		return o.value(x, p)
	case map[string]any:
		var cp map[string]any
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if p == nil && k == "sops" {
				continue
			}
			nv, changed := o.walk(x[k], append(slices.Clip(p), k))
			nk := k
			if hasExpr(k) {
				if s, ok := o.key(k, p); ok {
					nk, changed = s, true
				}
			}
			if changed {
				if cp == nil {
					cp = make(map[string]any, len(x))
					for kk, vv := range x {
						cp[kk] = vv
					}
				}
				delete(cp, k)
				cp[nk] = nv
			}
		}
		if cp != nil {
			return cp, true
		}
		return x, false
	case []any:
		var cp []any
		for i, item := range x {
			nv, changed := o.walk(item, append(slices.Clip(p), fmt.Sprint(i)))
			if changed {
				if cp == nil {
					cp = slices.Clone(x)
				}
				cp[i] = nv
			}
		}
		if cp != nil {
			return cp, true
		}
		return x, false
	}
	return v, false
}

// key substitutes a mapping key. A key that fails or stays unresolved is
// left alone: the value under it is judged, or skipped, on its own.
func (o *Substitution) key(s string, p []string) (string, bool) {
	if o.k == nil {
		return s, false
	}
	v, changed := o.value(s, append(slices.Clip(p), s))
	str, ok := v.(string)
	return str, changed && ok
}

// value substitutes one string, as Flux substitutes the text of the whole
// resource: the string as Flux serialises it, then substituted, then
// parsed back, so that the result takes the type the cluster gives it.
func (o *Substitution) value(s string, p []string) (any, bool) {
	tree, perr := parse.Parse(s)
	if o.k == nil {
		if perr == nil && strings.Contains(s, "${") {
			var vars []string
			usedVars(tree.Root, &vars)
			o.Skipped = append(o.Skipped, SkippedValue{Path: p, Notice: fmt.Sprintf("%s would be substituted by Flux, but no Flux Kustomization in the repository renders this file (none holds it under its spec.path or includes it from a kustomization there): the value was not validated", varList(vars))})
		}
		return s, false
	}
	if perr != nil {
		o.Skipped = append(o.Skipped, SkippedValue{Path: p})
		o.Issues = append(o.Issues, Issue{Kind: SubstitutionFailed, Path: p,
			Message: fmt.Sprintf("Flux's post-build substitution (Kustomization %s) fails on this value: %v; write a literal ${ as $${", o.k.id(), perr)})
		return s, false
	}
	var unresolved []string
	unresolvedVars(tree.Root, o.k, &unresolved)
	if len(unresolved) > 0 {
		o.Skipped = append(o.Skipped, SkippedValue{Path: p})
		for _, name := range unresolved {
			o.Issues = append(o.Issues, Issue{Kind: VariableUnset, Path: p, Message: o.unresolvedMessage(name)})
		}
		return s, false
	}
	if opaqueVars(tree.Root, o.k) {
		o.Skipped = append(o.Skipped, SkippedValue{Path: p})
		return s, false
	}
	text, err := sigsyaml.Marshal(s)
	if err != nil {
		return s, false
	}
	out, err := envsubst.Eval(string(text), func(name string) (string, bool) { return o.k.vars[name], true })
	if err != nil {
		return s, false
	}
	var vars []string
	usedVars(tree.Root, &vars)
	for _, name := range vars {
		if o.k.secret[name] && o.k.vars[name] != "" {
			o.secrets = append(o.secrets, o.k.vars[name])
		}
	}
	j, err := sigsyaml.YAMLToJSON([]byte(out))
	var nv any
	if err == nil {
		err = json.Unmarshal(j, &nv)
	}
	if err != nil {
		o.Skipped = append(o.Skipped, SkippedValue{Path: p})
		o.Issues = append(o.Issues, Issue{Kind: SubstitutionFailed, Path: p,
			Message: fmt.Sprintf("after Flux substitutes %s (Kustomization %s) this value is not YAML, and the post-build step fails: %v", varList(vars), o.k.id(), err)})
		return s, false
	}
	o.subst[strings.Join(p, "\x00")] = varList(vars)
	return nv, true
}

func (o *Substitution) unresolvedMessage(name string) string {
	msg := fmt.Sprintf("${%s} is not set for Flux Kustomization %s (%s:%d): neither its postBuild.substitute nor a ConfigMap or Secret of its substituteFrom in the repository defines it, so this value was not validated", name, o.k.id(), o.k.file, o.k.line)
	if len(o.k.missing) > 0 {
		msg += fmt.Sprintf("; it may come from %s, which the repository does not hold", strings.Join(o.k.missing, ", "))
	}
	return msg
}

func varList(vars []string) string {
	out := make([]string, len(vars))
	for i, v := range vars {
		out[i] = "${" + v + "}"
	}
	return strings.Join(out, ", ")
}

// SkippedAt returns the index in Skipped of the value that holds path p,
// or -1.
func (o *Substitution) SkippedAt(p []string) int {
	for i, s := range o.Skipped {
		if len(p) >= len(s.Path) && slices.Equal(p[:len(s.Path)], s.Path) {
			return i
		}
	}
	return -1
}

// Variables names the variables substituted in the value at path p
// ("${A}, ${B}"); ok is false when the substitution did not change it.
func (o *Substitution) Variables(p []string) (vars string, ok bool) {
	vars, ok = o.subst[strings.Join(p, "\x00")]
	return vars, ok
}

// Redact replaces in msg every value taken from a Secret, as written and
// as JSON would quote it inside a message.
func (o *Substitution) Redact(msg string) string {
	for _, s := range o.secrets {
		msg = strings.ReplaceAll(msg, s, "***")
		if q, err := json.Marshal(s); err == nil {
			msg = strings.ReplaceAll(msg, strings.Trim(string(q), `"`), "***")
		}
	}
	return msg
}
