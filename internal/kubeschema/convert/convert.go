// Package convert turns Kubernetes API descriptions into strict JSON Schemas
// (draft 2020-12): the OpenAPI v2 document published with Kubernetes
// (api/openapi-spec/swagger.json) and the openAPIV3Schema of
// CustomResourceDefinitions.
//
// Strict means what the API server would prune or reject is an error: an
// object that lists properties gets additionalProperties: false unless it
// carries x-kubernetes-preserve-unknown-fields; required and enum are kept;
// int-or-string accepts a string or an integer and resource.Quantity a string
// or a number; apiVersion and kind must match the schema's own GVK.
//
// Optional fields accept null, as the API server treats null as unset
// (kubectl writes `creationTimestamp: null`); a required primitive does not.
// Descriptions, formats and defaults are dropped: they never change a verdict
// here and would triple the bundle.
package convert

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Schemas is a set of named definitions and the kinds whose root they are.
// Definitions refer to one another with {"$ref": "#/$defs/<name>"}.
type Schemas struct {
	// Defs maps a definition name to its JSON Schema.
	Defs map[string]map[string]any
	// Kinds maps "apiVersion/Kind" ("apps/v1/Deployment", "v1/Service") to
	// the name of its root definition.
	Kinds map[string]string
}

// RefPrefix starts every reference between definitions.
const RefPrefix = "#/$defs/"

// ObjectMeta is the definition that CRD roots use for metadata.
const ObjectMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

// Definitions whose OpenAPI v2 text ("type: string") understates what the
// API server accepts.
const (
	intOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
	quantity    = "io.k8s.apimachinery.pkg.api.resource.Quantity"
)

// OpenAPIv2 converts a Kubernetes swagger.json document. Only kinds with
// exactly one x-kubernetes-group-version-kind are listed in Kinds: the
// definitions with several (DeleteOptions, WatchEvent, ...) are wrappers
// the API uses for every group, never something a repository holds.
func OpenAPIv2(swagger []byte) (*Schemas, error) {
	var doc struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(swagger, &doc); err != nil {
		return nil, fmt.Errorf("decoding openapi v2 document: %w", err)
	}
	if len(doc.Definitions) == 0 {
		return nil, fmt.Errorf("openapi v2 document has no definitions")
	}
	out := &Schemas{Defs: map[string]map[string]any{}, Kinds: map[string]string{}}
	for name, def := range doc.Definitions {
		switch name {
		case intOrString:
			out.Defs[name] = map[string]any{"type": []any{"string", "integer", "null"}}
			continue
		case quantity:
			out.Defs[name] = map[string]any{"type": []any{"string", "number", "null"}}
			continue
		}
		s := node(def, v2Refs, false)
		allowNull(s)
		gvks, _ := def["x-kubernetes-group-version-kind"].([]any)
		if len(gvks) == 1 {
			g, _ := gvks[0].(map[string]any)
			group, _ := g["group"].(string)
			version, _ := g["version"].(string)
			kind, _ := g["kind"].(string)
			if version != "" && kind != "" {
				apiVersion := joinGV(group, version)
				pinGVK(s, apiVersion, kind)
				out.Kinds[apiVersion+"/"+kind] = name
			}
		}
		out.Defs[name] = s
	}
	return out, nil
}

// CRD converts the served versions of a CustomResourceDefinition (v1, or
// v1beta1 with a top-level validation). Root metadata becomes a reference to
// ObjectMeta, which the caller provides from the Kubernetes definitions.
func CRD(crd map[string]any) (*Schemas, error) {
	spec, _ := crd["spec"].(map[string]any)
	names, _ := spec["names"].(map[string]any)
	group, _ := spec["group"].(string)
	kind, _ := names["kind"].(string)
	if group == "" || kind == "" {
		return nil, fmt.Errorf("customresourcedefinition %q: spec.group or spec.names.kind is empty", crdName(crd))
	}
	var shared map[string]any
	if val, ok := spec["validation"].(map[string]any); ok {
		shared, _ = val["openAPIV3Schema"].(map[string]any)
	}
	type ver struct {
		name   string
		schema map[string]any
	}
	var vers []ver
	if list, ok := spec["versions"].([]any); ok {
		for _, item := range list {
			m, _ := item.(map[string]any)
			name, _ := m["name"].(string)
			if served, ok := m["served"].(bool); ok && !served || name == "" {
				continue
			}
			sch := shared
			if s, ok := m["schema"].(map[string]any); ok {
				if v3, ok := s["openAPIV3Schema"].(map[string]any); ok {
					sch = v3
				}
			}
			vers = append(vers, ver{name, sch})
		}
	} else if v, ok := spec["version"].(string); ok && v != "" {
		vers = append(vers, ver{v, shared})
	}
	if len(vers) == 0 {
		return nil, fmt.Errorf("customresourcedefinition %q: no served version", crdName(crd))
	}
	out := &Schemas{Defs: map[string]map[string]any{}, Kinds: map[string]string{}}
	for _, v := range vers {
		var s map[string]any
		if v.schema == nil {
			// A CRD without a schema keeps every field (apiextensions/v1beta1).
			s = map[string]any{"type": "object"}
		} else {
			s = node(v.schema, nil, false)
		}
		props, _ := s["properties"].(map[string]any)
		if props == nil {
			props = map[string]any{}
			if v.schema != nil && v.schema["x-kubernetes-preserve-unknown-fields"] != true {
				s["additionalProperties"] = false
			}
		}
		props["metadata"] = map[string]any{"$ref": RefPrefix + ObjectMeta}
		s["properties"] = props
		s["type"] = "object"
		apiVersion := group + "/" + v.name
		pinGVK(s, apiVersion, kind)
		name := "crd." + group + "." + v.name + "." + kind
		out.Defs[name] = s
		out.Kinds[apiVersion+"/"+kind] = name
	}
	return out, nil
}

func crdName(crd map[string]any) string {
	md, _ := crd["metadata"].(map[string]any)
	n, _ := md["name"].(string)
	return n
}

func joinGV(group, version string) string {
	if group == "" {
		return version
	}
	return group + "/" + version
}

// pinGVK fixes apiVersion and kind. It does not require them: a definition
// is also used embedded (a StatefulSet's volumeClaimTemplates are
// PersistentVolumeClaims without either), and a top-level resource without
// them has no schema to be looked up by in the first place.
func pinGVK(s map[string]any, apiVersion, kind string) {
	props, _ := s["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
		s["properties"] = props
	}
	props["apiVersion"] = map[string]any{"type": []any{"string", "null"}, "enum": []any{apiVersion, nil}}
	props["kind"] = map[string]any{"type": []any{"string", "null"}, "enum": []any{kind, nil}}
}

// v2Refs rewrites an OpenAPI v2 reference to the shape Schemas uses.
func v2Refs(ref string) string {
	return RefPrefix + strings.TrimPrefix(ref, "#/definitions/")
}

// keep lists the validation keywords copied as they are.
var keep = []string{
	"pattern", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
	"minProperties", "maxProperties", "multipleOf",
}

// node converts one schema node. refs rewrites $ref values (nil: none
// expected). inJunctor is set below allOf/anyOf/oneOf/not, where a structural
// schema only adds value checks and must not forbid fields by itself.
func node(in map[string]any, refs func(string) string, inJunctor bool) map[string]any {
	out := map[string]any{}
	if ref, ok := in["$ref"].(string); ok && refs != nil {
		out["$ref"] = refs(ref)
		return out
	}
	for _, k := range keep {
		if v, ok := in[k]; ok {
			out[k] = v
		}
	}
	if v, ok := in["minimum"]; ok {
		if in["exclusiveMinimum"] == true {
			out["exclusiveMinimum"] = v
		} else {
			out["minimum"] = v
		}
	}
	if v, ok := in["maximum"]; ok {
		if in["exclusiveMaximum"] == true {
			out["exclusiveMaximum"] = v
		} else {
			out["maximum"] = v
		}
	}
	typ, _ := in["type"].(string)
	preserve := in["x-kubernetes-preserve-unknown-fields"] == true
	if in["x-kubernetes-int-or-string"] == true {
		out["type"] = []any{"integer", "string"}
	} else if typ != "" {
		out["type"] = typ
	}
	if e, ok := in["enum"].([]any); ok {
		out["enum"] = e
	}
	if req := asStrings(in["required"]); len(req) > 0 {
		out["required"] = sortedUnique(req)
	}
	required := map[string]bool{}
	for _, r := range asStrings(in["required"]) {
		required[r] = true
	}
	if props, ok := in["properties"].(map[string]any); ok {
		if in["x-kubernetes-embedded-resource"] == true {
			props = withEmbedded(props)
		}
		cp := make(map[string]any, len(props))
		for name, p := range props {
			pm, _ := p.(map[string]any)
			c := node(pm, refs, inJunctor)
			if !required[name] && !inJunctor {
				allowNull(c)
			}
			cp[name] = c
		}
		out["properties"] = cp
		if !preserve && !inJunctor && (typ == "object" || typ == "") {
			out["additionalProperties"] = false
		}
	}
	switch ap := in["additionalProperties"].(type) {
	case bool:
		out["additionalProperties"] = ap
	case map[string]any:
		out["additionalProperties"] = node(ap, refs, inJunctor)
	}
	if items, ok := in["items"].(map[string]any); ok {
		out["items"] = node(items, refs, inJunctor)
	}
	if in["x-kubernetes-int-or-string"] != true {
		for _, j := range []string{"allOf", "anyOf", "oneOf"} {
			if list, ok := in[j].([]any); ok {
				conv := make([]any, 0, len(list))
				for _, item := range list {
					m, _ := item.(map[string]any)
					conv = append(conv, node(m, refs, true))
				}
				out[j] = conv
			}
		}
	}
	if not, ok := in["not"].(map[string]any); ok {
		out["not"] = node(not, refs, true)
	}
	return out
}

// withEmbedded adds the fields every embedded object may carry.
func withEmbedded(props map[string]any) map[string]any {
	cp := make(map[string]any, len(props)+3)
	for k, v := range props {
		cp[k] = v
	}
	for _, f := range []string{"apiVersion", "kind"} {
		if _, ok := cp[f]; !ok {
			cp[f] = map[string]any{"type": "string"}
		}
	}
	if _, ok := cp["metadata"]; !ok {
		cp["metadata"] = map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}
	}
	return cp
}

// allowNull lets a schema accept null: its type gains "null" and its enum
// nil. A $ref is left alone: every referenced definition already allows it.
func allowNull(s map[string]any) {
	switch t := s["type"].(type) {
	case string:
		s["type"] = []any{t, "null"}
	case []any:
		for _, x := range t {
			if x == "null" {
				return
			}
		}
		s["type"] = append(append([]any{}, t...), "null")
	default:
		return
	}
	if e, ok := s["enum"].([]any); ok {
		s["enum"] = append(append([]any{}, e...), nil)
	}
}

// Refs returns the definition names a schema refers to, sorted.
func Refs(s any) []string {
	seen := map[string]bool{}
	collectRefs(s, seen, false)
	return sortedKeys(seen)
}

// collectRefs walks a schema. names is set for a map whose keys are names
// (properties, $defs), not keywords: a property called "enum" holds a
// schema, the keyword enum holds values.
func collectRefs(s any, seen map[string]bool, names bool) {
	switch v := s.(type) {
	case map[string]any:
		for k, x := range v {
			switch {
			case names:
				collectRefs(x, seen, false)
			case k == "$ref":
				if r, ok := x.(string); ok && strings.HasPrefix(r, RefPrefix) {
					seen[strings.TrimPrefix(r, RefPrefix)] = true
				}
			case k == "enum" || k == "const":
			case k == "properties" || k == "$defs":
				collectRefs(x, seen, true)
			default:
				collectRefs(x, seen, false)
			}
		}
	case []any:
		for _, x := range v {
			collectRefs(x, seen, false)
		}
	}
}

// Closure returns name and every definition it reaches, sorted; lookup
// reports false for a name it does not know, which is an error.
func Closure(name string, lookup func(string) (map[string]any, bool)) ([]string, error) {
	seen := map[string]bool{}
	queue := []string{name}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if seen[n] {
			continue
		}
		seen[n] = true
		s, ok := lookup(n)
		if !ok {
			return nil, fmt.Errorf("definition %q is referenced but not defined", n)
		}
		queue = append(queue, Refs(s)...)
	}
	return sortedKeys(seen), nil
}

// Standalone builds the self-contained document for one root definition:
// the root's keywords at the top and every definition it reaches under
// $defs, so a validator that reads one file per kind (kubeconform) needs
// nothing else.
func Standalone(name string, lookup func(string) (map[string]any, bool)) (map[string]any, error) {
	names, err := Closure(name, lookup)
	if err != nil {
		return nil, err
	}
	defs := make(map[string]any, len(names))
	for _, n := range names {
		defs[n], _ = lookup(n)
	}
	return map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$ref":    RefPrefix + name,
		"$defs":   defs,
	}, nil
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	if ss, ok := v.([]string); ok {
		out = append(out, ss...)
	}
	return out
}

func sortedUnique(ss []string) []any {
	return toAny(uniqueSorted(ss))
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Enums maps a definition name to its fields' allowed values.
type Enums map[string]map[string][]string

// AddEnums sets the allowed values of string fields (or of the items of a
// list of strings). The OpenAPI documents Kubernetes publishes carry no
// enums; the values come from the Go types (// +enum) in k8s.io/api.
func (s *Schemas) AddEnums(enums Enums) {
	for def, fields := range enums {
		d, ok := s.Defs[def]
		if !ok {
			continue
		}
		props, _ := d["properties"].(map[string]any)
		for field, values := range fields {
			p, _ := props[field].(map[string]any)
			if p == nil || len(values) == 0 {
				continue
			}
			if hasType(p, "array") {
				p, _ = p["items"].(map[string]any)
				if p == nil {
					continue
				}
			}
			if !hasType(p, "string") {
				continue
			}
			vals := toAny(uniqueSorted(values))
			if hasType(p, "null") {
				vals = append(vals, nil)
			}
			p["enum"] = vals
		}
	}
}

func hasType(s map[string]any, t string) bool {
	switch v := s["type"].(type) {
	case string:
		return v == t
	case []any:
		for _, x := range v {
			if x == t {
				return true
			}
		}
	}
	return false
}

func uniqueSorted(ss []string) []string {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return sortedKeys(m)
}
