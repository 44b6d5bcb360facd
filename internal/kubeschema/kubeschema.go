// Package kubeschema validates Kubernetes resources offline and strictly
// against JSON Schemas embedded in the binary (see bundle/README.md): the
// built-in kinds of every Kubernetes minor version from 1.30 to the newest,
// the CRDs of Flux, Argo CD and the projects config repositories use most,
// plus any CustomResourceDefinition registered at run time.
//
// Strict means unknown fields, wrong types, missing required fields and
// values outside an enum are violations. A Validator compiles each kind's
// schema once, on first use, and is safe for concurrent use.
package kubeschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/gitops-actions/gitops-actions/internal/kubeschema/bundle"
	"github.com/gitops-actions/gitops-actions/internal/kubeschema/convert"
)

// Violation is one way a resource breaks its schema.
type Violation struct {
	// Path holds the JSON pointer tokens of the offending value, e.g.
	// ["spec","template","spec","containers","0","image"]. For an unknown
	// field it is the path of that field; for a missing required field, the
	// path of the object that lacks it.
	Path []string `json:"path"`
	// Reason is a short rule name: "unknown-field", "type", "required",
	// "enum", "pattern", or the JSON Schema keyword in kebab case
	// ("min-length", "maximum", ...).
	Reason string `json:"reason"`
	// Message is lower case and names the values involved, e.g.
	// `unknown field "replica"` or `expected integer, got string "3"`.
	Message string `json:"message"`
}

// store is the decoded embedded bundle, immutable once loaded and so shared
// by every Validator.
type store struct {
	b *bundle.Bundle
}

var loadStore = sync.OnceValues(func() (*store, error) {
	b, err := bundle.Decode(bundle.Embedded())
	if err != nil {
		return nil, err
	}
	return &store{b: b}, nil
})

// blob decodes one definition afresh: the caller owns the result. Nothing
// is cached here; the compiler keeps what it loaded, and a second copy
// would only add to the peak memory.
func (s *store) blob(key string) (map[string]any, bool) {
	raw, ok, err := s.b.Blob(key)
	if !ok || err != nil {
		return nil, false
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, false
	}
	m, ok := v.(map[string]any)
	return m, ok
}

// Versions lists the embedded Kubernetes minor versions, newest first
// ("1.37", ...). It returns nil if the embedded bundle is unreadable, which
// New then reports.
func Versions() []string {
	s, err := loadStore()
	if err != nil {
		return nil
	}
	out := make([]string, len(s.b.Kubernetes))
	for i, r := range s.b.Kubernetes {
		out[i] = r.Version
	}
	return out
}

// APIVersions lists what a cluster of one Kubernetes minor version ("" =
// the newest; as New reads it) with every embedded CRD installed would
// serve, in the two forms Helm's .Capabilities.APIVersions holds when Helm
// asks a cluster, each sorted: groupVersions ("v1", "apps/v1",
// "cert-manager.io/v1") and kinds, each a group/version and a kind
// ("v1/Pod", "apps/v1/Deployment", "cert-manager.io/v1/Certificate"). The
// List kinds and the API machinery's own types (v1/Status, v1/APIGroup)
// are left out: no discovery document names them as resources. Alpha
// versions, and the beta versions Kubernetes leaves off by default, are
// in: the schemas do not tell which versions a cluster turns on. An
// unknown version is New's error.
func APIVersions(kubernetesVersion string) (groupVersions, kinds []string, err error) {
	s, err := loadStore()
	if err != nil {
		return nil, nil, err
	}
	r, err := s.release(kubernetesVersion)
	if err != nil {
		return nil, nil, err
	}
	gvs := map[string]bool{}
	add := func(gvk string) {
		i := strings.LastIndex(gvk, "/")
		gvs[gvk[:i]] = true
		kinds = append(kinds, gvk)
	}
	for gvk, root := range r.Kinds {
		if strings.HasPrefix(root, apiMachinery) {
			continue
		}
		// A List kind is the list of its item's kind in the same
		// group/version ("apps/v1/DeploymentList"), or v1/List, the list
		// of anything; a CRD's kind may end in List on its own, and is
		// kept below.
		if item, ok := strings.CutSuffix(gvk, "List"); ok {
			if _, ok := r.Kinds[item]; ok || strings.HasSuffix(item, "/") {
				continue
			}
		}
		add(gvk)
	}
	for gvk := range s.b.CRDs.Kinds {
		if _, ok := r.Kinds[gvk]; !ok {
			add(gvk)
		}
	}
	for gv := range gvs {
		groupVersions = append(groupVersions, gv)
	}
	sort.Strings(groupVersions)
	sort.Strings(kinds)
	return groupVersions, kinds, nil
}

// apiMachinery prefixes the definitions of the API machinery's own types
// (Status, APIGroup, APIResourceList), which the swagger document gives a
// kind in the core group but no API server serves as a resource.
const apiMachinery = "io.k8s.apimachinery.pkg.apis.meta."

// Validator checks resources against the schemas of one Kubernetes version.
// It is safe for concurrent use, AddCRD included.
type Validator struct {
	store   *store
	release *bundle.Release

	mu         sync.RWMutex
	extraDefs  map[string]map[string]any // from AddCRD
	extraKinds map[string]string

	compiled sync.Map // "apiVersion/Kind" → *compiled, without status
	statuses sync.Map // "apiVersion/Kind" → *compiled, the status alone

	compileMu sync.Mutex
	compiler  *jsonschema.Compiler // nil until first use, after AddCRD and once idle
	// sinceCompile counts validations since the last compile; at
	// releaseAfter the compiler is let go (see Validate).
	sinceCompile atomic.Int64
}

// releaseAfter is how many validations in a row without compiling a new
// kind make the compiler idle. The compiler holds every definition it
// loaded (about 2.5 MB for the dozen kinds of a typical repository) only to
// share them with kinds compiled later; the compiled schemas do not need
// them. A repository meets its kinds early, so after this many resources
// with nothing new the validator releases the compiler, which is a third of
// what it keeps live. A kind met later still compiles, with a new compiler,
// at the cost of compiling the definitions it shares again.
const releaseAfter = 512

type compiled struct {
	once   sync.Once
	schema *jsonschema.Schema
	err    error
}

// New returns a validator for one Kubernetes minor version: "1.37", "v1.37"
// or "1.37.2" all pick 1.37, and "" picks the newest. An unknown version is
// an error naming the available ones.
func New(kubernetesVersion string) (*Validator, error) {
	s, err := loadStore()
	if err != nil {
		return nil, err
	}
	r, err := s.release(kubernetesVersion)
	if err != nil {
		return nil, err
	}
	return &Validator{
		store:      s,
		release:    r,
		extraDefs:  map[string]map[string]any{},
		extraKinds: map[string]string{},
	}, nil
}

func (s *store) release(version string) (*bundle.Release, error) {
	if len(s.b.Kubernetes) == 0 {
		return nil, errors.New("schema bundle holds no kubernetes version")
	}
	if version == "" {
		return &s.b.Kubernetes[0], nil
	}
	want := strings.TrimPrefix(strings.TrimSpace(version), "v")
	if parts := strings.Split(want, "."); len(parts) == 3 {
		want = parts[0] + "." + parts[1]
	}
	var avail []string
	for i := range s.b.Kubernetes {
		if s.b.Kubernetes[i].Version == want {
			return &s.b.Kubernetes[i], nil
		}
		avail = append(avail, s.b.Kubernetes[i].Version)
	}
	return nil, fmt.Errorf("unknown kubernetes version %q (available: %s)", version, strings.Join(avail, ", "))
}

// AddCRD registers a CustomResourceDefinition (the decoded object, as found
// in the repository or under the crds input paths) so that the kinds of its
// served versions validate. It replaces an embedded schema of the same kind:
// the repository's own CRD is what its cluster will serve. A CRD that cannot
// be converted is an error and registers nothing.
func (v *Validator) AddCRD(crd map[string]any) error {
	s, err := convert.CRD(crd)
	if err != nil {
		return err
	}
	// Lock order: compileMu, then mu (compile reads definitions under mu).
	v.compileMu.Lock()
	defer v.compileMu.Unlock()
	v.mu.Lock()
	defer v.mu.Unlock()
	for name, def := range s.Defs {
		v.extraDefs[name] = def
	}
	for gvk, name := range s.Kinds {
		v.extraKinds[gvk] = name
	}
	// A replaced definition may already be compiled, alone or inside
	// another kind: forget everything compiled so far.
	v.compiler = nil
	for _, m := range []*sync.Map{&v.compiled, &v.statuses} {
		m.Range(func(k, _ any) bool {
			m.Delete(k)
			return true
		})
	}
	return nil
}

// lookup finds a definition by name: run-time CRDs, then the version's
// built-in kinds, then the embedded CRDs.
func (v *Validator) lookup(name string) (map[string]any, bool) {
	v.mu.RLock()
	d, ok := v.extraDefs[name]
	v.mu.RUnlock()
	if ok {
		return d, true
	}
	if key, ok := v.release.Defs[name]; ok {
		return v.store.blob(key)
	}
	if key, ok := v.store.b.CRDs.Defs[name]; ok {
		return v.store.blob(key)
	}
	return nil, false
}

func (v *Validator) root(gvk string) (string, bool) {
	v.mu.RLock()
	name, ok := v.extraKinds[gvk]
	v.mu.RUnlock()
	if ok {
		return name, true
	}
	if name, ok := v.release.Kinds[gvk]; ok {
		return name, true
	}
	name, ok = v.store.b.CRDs.Kinds[gvk]
	return name, ok
}

// schema returns the compiled schema of "apiVersion/Kind", compiling it on
// first use.
func (v *Validator) schema(gvk string) (*jsonschema.Schema, bool, error) {
	c, ok := v.compiled.Load(gvk)
	if !ok {
		if _, ok := v.root(gvk); !ok {
			return nil, false, nil
		}
		c, _ = v.compiled.LoadOrStore(gvk, &compiled{})
	}
	cc := c.(*compiled)
	cc.once.Do(func() { cc.schema, cc.err = v.compile(gvk, mainSuffix) })
	return cc.schema, true, cc.err
}

// A kind is compiled in two parts: the object with its status left open
// (mainSuffix), and the status alone (statusSuffix), compiled only when a
// resource of that kind carries one. Manifests in git almost never do, and
// status can be most of a schema: two thirds of the Argo CD Application
// CRD, whose compile took 70 ms of a 0.75 s run over 10,000 resources. The verdicts are those of the whole schema: a status present
// is validated against its own schema, and its violations carry the
// status/... path they always had.
const (
	mainSuffix   = "@main"
	statusSuffix = "@status"
)

// statusSchema returns the compiled schema of the status of a kind. A kind
// whose schema has no status property gets the schema true: its main
// schema, untouched, judges a status field as it judges any other.
func (v *Validator) statusSchema(gvk string) (*jsonschema.Schema, error) {
	c, _ := v.statuses.LoadOrStore(gvk, &compiled{})
	cc := c.(*compiled)
	cc.once.Do(func() { cc.schema, cc.err = v.compile(gvk, statusSuffix) })
	return cc.schema, cc.err
}

// statusOf returns the status property of a kind's root definition.
func statusOf(def map[string]any) (any, bool) {
	props, _ := def["properties"].(map[string]any)
	st, ok := props["status"]
	return st, ok
}

// compile compiles one kind with the validator's shared compiler, in which
// every definition is a resource of its own: a definition many kinds reach
// (PodSpec, ObjectMeta) is checked against the meta-schema and compiled
// once, not once per kind. The compiler is not safe for concurrent use,
// hence the lock; compiled schemas are.
func (v *Validator) compile(gvk, suffix string) (*jsonschema.Schema, error) {
	name, ok := v.root(gvk)
	if !ok {
		return nil, fmt.Errorf("no schema for %q", gvk)
	}
	v.compileMu.Lock()
	defer v.compileMu.Unlock()
	if v.compiler == nil {
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.UseLoader(jsonschema.SchemeURLLoader{"kubeschema": defLoader{v}})
		c.UseRegexpEngine(lenientRegexp)
		v.compiler = c
	}
	v.sinceCompile.Store(0)
	sch, err := v.compiler.Compile(defURL(name + suffix))
	if err != nil {
		// A failed compile may leave the compiler half-way; start afresh.
		v.compiler = nil
		return nil, fmt.Errorf("compiling schema of %q: %w", gvk, err)
	}
	return sch, nil
}

// releaseCompiler lets the compiler go unless a compile started since it was
// decided.
func (v *Validator) releaseCompiler() {
	v.compileMu.Lock()
	defer v.compileMu.Unlock()
	if v.sinceCompile.Load() >= releaseAfter {
		v.compiler = nil
	}
}

// lenientRegexp compiles a pattern with Go's regexp and, when Go cannot
// (CRD patterns are ECMA 262: lookaheads, backreferences), ignores that one
// pattern rather than losing the kind's whole schema.
func lenientRegexp(pattern string) (jsonschema.Regexp, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return anyString(pattern), nil
	}
	return re, nil
}

// anyString is a pattern Go cannot run; it matches everything.
type anyString string

func (p anyString) String() string          { return string(p) }
func (p anyString) MatchString(string) bool { return true }

func defURL(name string) string { return "kubeschema:///" + name + ".json" }

// defLoader serves definitions to the compiler by URL, their references
// rewritten from "#/$defs/<name>" (the standalone form Export writes) to
// the URL of that definition.
type defLoader struct{ v *Validator }

func (l defLoader) Load(url string) (any, error) {
	name := strings.TrimSuffix(strings.TrimPrefix(url, "kubeschema:///"), ".json")
	part := ""
	for _, suffix := range []string{mainSuffix, statusSuffix} {
		if n, ok := strings.CutSuffix(name, suffix); ok {
			name, part = n, suffix
		}
	}
	// lookup returns a fresh decode for an embedded definition but the
	// validator's own map for a run-time CRD: rewrite copies, never edits.
	d, ok := l.v.lookup(name)
	if !ok {
		return nil, fmt.Errorf("definition %q is referenced but not defined", name)
	}
	switch part {
	case mainSuffix:
		if _, ok := statusOf(d); ok {
			// A shallow copy with an open status: the status is
			// validated on its own (see statusSchema).
			props := maps.Clone(d["properties"].(map[string]any))
			props["status"] = true
			d = maps.Clone(d)
			d["properties"] = props
		}
	case statusSuffix:
		st, ok := statusOf(d)
		if !ok {
			return true, nil
		}
		return rewrite(st, false), nil
	}
	return rewrite(d, false), nil
}

// rewrite copies a schema with its references rewritten. names is set for
// a map whose keys are names (properties, $defs), not keywords: a property
// called "enum" holds a schema, the keyword enum holds values.
func rewrite(s any, names bool) any {
	switch x := s.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			if names {
				out[k] = rewrite(val, false)
				continue
			}
			switch k {
			case "$ref":
				if r, ok := val.(string); ok && strings.HasPrefix(r, convert.RefPrefix) {
					out[k] = defURL(strings.TrimPrefix(r, convert.RefPrefix))
					continue
				}
				out[k] = val
			case "enum", "const":
				out[k] = val
			case "properties", "$defs":
				out[k] = rewrite(val, true)
			default:
				out[k] = rewrite(val, false)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = rewrite(val, false)
		}
		return out
	}
	return s
}

// Validate checks one decoded resource: a JSON-compatible map as YAML
// decoding gives (maps keyed by string, slices, strings, bools, numbers,
// nil; a time.Time from an unquoted timestamp counts as its RFC 3339 text). found is false when no schema exists for its apiVersion and kind,
// or when either is missing, which the caller reports on its own. err is for
// a schema that could not be compiled or a value that is not JSON.
//
// A SOPS-encrypted resource (a top-level "sops" key) is validated without
// that key, and violations on its encrypted values ("ENC[...]") are dropped.
func (v *Validator) Validate(obj map[string]any) (violations []Violation, found bool, err error) {
	apiVersion, _ := obj["apiVersion"].(string)
	kindName, _ := obj["kind"].(string)
	if apiVersion == "" || kindName == "" {
		return nil, false, nil
	}
	gvk := apiVersion + "/" + kindName
	sch, found, err := v.schema(gvk)
	if !found || err != nil {
		return nil, found, err
	}
	if v.sinceCompile.Add(1) == releaseAfter {
		v.releaseCompiler()
	}
	inst := obj
	_, sops := obj["sops"]
	if sops {
		inst = make(map[string]any, len(obj))
		for k, x := range obj {
			if k != "sops" {
				inst[k] = x
			}
		}
	}
	out, err := validateWith(sch, inst)
	if err != nil {
		return nil, true, fmt.Errorf("validating %s: %w", gvk, err)
	}
	if st, ok := inst["status"]; ok {
		ssch, err := v.statusSchema(gvk)
		if err != nil {
			return nil, true, err
		}
		sv, err := validateWith(ssch, st)
		if err != nil {
			return nil, true, fmt.Errorf("validating %s: %w", gvk, err)
		}
		for _, x := range sv {
			x.Path = append([]string{"status"}, x.Path...)
			out = append(out, x)
		}
	}
	if sops {
		kept := out[:0]
		for _, x := range out {
			if s, ok := valueAt(inst, x.Path).(string); ok && strings.HasPrefix(s, "ENC[") {
				continue
			}
			kept = append(kept, x)
		}
		out = kept
	}
	if len(out) == 0 {
		return nil, true, nil
	}
	sortViolations(out)
	return out, true, nil
}

// validateWith validates one value against one compiled schema and turns
// the error tree into violations, with paths relative to the value.
func validateWith(sch *jsonschema.Schema, inst any) ([]Violation, error) {
	verr := sch.Validate(inst)
	if verr == nil {
		return nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(verr, &ve) {
		return nil, verr
	}
	if hasInvalidValue(ve) {
		// Only now, to keep the common case free of a copy: YAML decoders
		// give time.Time for an unquoted timestamp, which Kubernetes (and
		// kubeconform) read as the string it is in JSON.
		norm, err := jsonCompatible(inst)
		if err != nil {
			return nil, err
		}
		inst = norm
		if verr = sch.Validate(inst); verr == nil {
			return nil, nil
		}
		if !errors.As(verr, &ve) {
			return nil, verr
		}
	}
	var out []Violation
	collect(ve, inst, &out)
	return out, nil
}

func hasInvalidValue(e *jsonschema.ValidationError) bool {
	if _, ok := e.ErrorKind.(*kind.InvalidJsonValue); ok {
		return true
	}
	for _, c := range e.Causes {
		if hasInvalidValue(c) {
			return true
		}
	}
	return false
}

// jsonCompatible copies a decoded value into the types encoding/json would
// give: time.Time becomes its RFC 3339 text, maps with non-string keys get
// string keys, anything else unknown goes through a JSON round trip.
func jsonCompatible(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, json.Number:
		return v, nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			c, err := jsonCompatible(val)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			c, err := jsonCompatible(val)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			c, err := jsonCompatible(val)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("value of type %T is not JSON: %w", v, err)
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(raw))
}

func sortViolations(vs []Violation) {
	sort.SliceStable(vs, func(i, j int) bool {
		a, b := strings.Join(vs[i].Path, "/"), strings.Join(vs[j].Path, "/")
		if a != b {
			return a < b
		}
		if vs[i].Reason != vs[j].Reason {
			return vs[i].Reason < vs[j].Reason
		}
		return vs[i].Message < vs[j].Message
	})
}

var printer = message.NewPrinter(language.English)

// collect turns the library's error tree into violations: one per leaf,
// except that a failed anyOf/oneOf is one violation, since listing how the
// value failed every alternative tells the reader less than saying none fit.
func collect(e *jsonschema.ValidationError, inst any, out *[]Violation) {
	path := append([]string(nil), e.InstanceLocation...)
	switch k := e.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf:
		var details []string
		var sub []Violation
		for _, c := range e.Causes {
			collect(c, inst, &sub)
		}
		for _, s := range sub {
			details = append(details, s.Message)
		}
		msg := "matches none of the allowed forms"
		if o, ok := k.(*kind.OneOf); ok && len(o.Subschemas) > 1 {
			msg = "matches more than one of the exclusive forms"
		}
		if len(details) > 0 {
			msg += ": " + strings.Join(details, "; ")
		}
		reason := "any-of"
		if _, ok := k.(*kind.OneOf); ok {
			reason = "one-of"
		}
		*out = append(*out, Violation{Path: path, Reason: reason, Message: msg})
		return
	}
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collect(c, inst, out)
		}
		return
	}
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			*out = append(*out, Violation{Path: append(append([]string(nil), path...), p), Reason: "unknown-field", Message: fmt.Sprintf("unknown field %q", p)})
		}
	case *kind.Required:
		for _, m := range k.Missing {
			*out = append(*out, Violation{Path: path, Reason: "required", Message: fmt.Sprintf("missing required field %q", m)})
		}
	case *kind.Type:
		var want []string
		for _, w := range k.Want {
			if w != "null" {
				want = append(want, w)
			}
		}
		val := valueAt(inst, path)
		got := typeName(val, k.Got)
		if d := display(val); d != "" {
			got += " " + d
		}
		*out = append(*out, Violation{Path: path, Reason: "type", Message: fmt.Sprintf("expected %s, got %s", strings.Join(want, " or "), got)})
	case *kind.Enum:
		var want []any
		for _, w := range k.Want {
			if w != nil {
				want = append(want, w)
			}
		}
		*out = append(*out, Violation{Path: path, Reason: "enum", Message: fmt.Sprintf("%s is not one of %s", jsonText(k.Got), jsonText(want))})
	case *kind.Const:
		*out = append(*out, Violation{Path: path, Reason: "enum", Message: fmt.Sprintf("%s is not %s", jsonText(k.Got), jsonText(k.Want))})
	case *kind.Pattern:
		*out = append(*out, Violation{Path: path, Reason: "pattern", Message: fmt.Sprintf("%s does not match pattern %q", jsonText(k.Got), k.Want)})
	default:
		reason := "schema"
		if kp := e.ErrorKind.KeywordPath(); len(kp) > 0 {
			reason = kebab(kp[0])
		}
		*out = append(*out, Violation{Path: path, Reason: reason, Message: e.ErrorKind.LocalizedString(printer)})
	}
}

// typeName names a value's JSON type, calling a whole number an integer
// (the library says "number" unless integer was among the wanted types).
func typeName(v any, fallback string) string {
	switch x := v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "integer"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case float32:
		if x == float32(int64(x)) {
			return "integer"
		}
		return "number"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "integer"
		}
		return "number"
	}
	return fallback
}

// display renders a scalar for a message; "" for objects and arrays, whose
// type name says enough.
func display(v any) string {
	switch v.(type) {
	case map[string]any, []any, nil:
		return ""
	}
	return jsonText(v)
}

func jsonText(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// valueAt follows JSON pointer tokens through decoded JSON; nil when the
// path leads nowhere.
func valueAt(v any, path []string) any {
	for _, tok := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[tok]
		case []any:
			var i int
			if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// Export writes the schemas of one Kubernetes version ("" = newest), the
// embedded CRDs included, as standalone JSON Schema files named the way
// kubeconform's -schema-location template {{.ResourceKind}}{{.KindSuffix}}.json
// looks them up (deployment-apps-v1.json, service-v1.json,
// helmrelease-helm-v2.json), so both tools judge by the same rules:
//
//	kubeconform -strict -schema-location 'DIR/{{.ResourceKind}}{{.KindSuffix}}.json'
//
// Two kinds that kubeconform's naming cannot tell apart are an error.
func Export(dir, kubernetesVersion string) error {
	v, err := New(kubernetesVersion)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	kinds := map[string]string{}
	for gvk, name := range v.store.b.CRDs.Kinds {
		kinds[gvk] = name
	}
	for gvk, name := range v.release.Kinds {
		kinds[gvk] = name
	}
	files := map[string]string{}
	keys := make([]string, 0, len(kinds))
	for k := range kinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, gvk := range keys {
		i := strings.LastIndex(gvk, "/")
		file := KubeconformFile(gvk[:i], gvk[i+1:])
		if other, ok := files[file]; ok {
			return fmt.Errorf("exporting schemas: %q and %q both map to %q", other, gvk, file)
		}
		files[file] = gvk
		doc, err := convert.Standalone(kinds[gvk], v.lookup)
		if err != nil {
			return fmt.Errorf("exporting %q: %w", gvk, err)
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, file), raw, 0o644); err != nil {
			return fmt.Errorf("exporting %q: %w", gvk, err)
		}
	}
	return nil
}

// KubeconformFile is the file name kubeconform's {{.ResourceKind}}{{.KindSuffix}}.json
// gives a kind: the lower-cased kind, the first label of the group and the
// version ("deployment-apps-v1.json", "service-v1.json").
func KubeconformFile(apiVersion, kindName string) string {
	// Mirrors schemaPath in kubeconform's pkg/registry/registry.go (v0.7.0).
	groupParts := strings.Split(apiVersion, "/")
	versionParts := strings.Split(groupParts[0], ".")
	suffix := "-" + strings.ToLower(versionParts[0])
	if len(groupParts) > 1 {
		suffix += "-" + strings.ToLower(groupParts[1])
	}
	return strings.ToLower(kindName) + suffix + ".json"
}

// Check validates inst against a schema compiled by the caller (a chart's
// values.schema.json) and returns its violations in the words Validate
// uses.
func Check(sch *jsonschema.Schema, inst any) ([]Violation, error) {
	return validateWith(sch, inst)
}
