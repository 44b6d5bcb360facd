package verify

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/render"
)

// quantityRE is the grammar of a Kubernetes resource quantity
// (k8s.io/apimachinery/pkg/api/resource): a signed decimal number, then a
// binary SI suffix, a decimal SI suffix or a decimal exponent. It is written
// out here rather than importing apimachinery for one function.
var quantityRE = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$`)

// ValidQuantity reports whether s is a valid Kubernetes quantity, such as
// 500m, 1.5, 512Mi or 1e3.
func ValidQuantity(s string) bool { return quantityRE.MatchString(s) }

// isPanda reports whether a file is a panda.yaml.
func isPanda(file string) bool {
	b := file[strings.LastIndex(file, "/")+1:]
	return b == "panda.yaml" || b == "panda.yml"
}

// pandaField is one field of the panda.yaml schema.
type pandaField struct {
	required bool
	kind     string // "string", "map-of-strings", "object", "quantity"
	fields   map[string]pandaField
}

var pandaSchema = pandaField{kind: "object", fields: map[string]pandaField{
	"name":   {required: true, kind: "string"},
	"type":   {required: true, kind: "string"},
	"branch": {required: true, kind: "string"},
	"image":  {kind: "string"},
	"build": {required: true, kind: "object", fields: map[string]pandaField{
		"dockerfile": {required: true, kind: "string"},
		"context":    {required: true, kind: "string"},
	}},
	"env": {kind: "map-of-strings"},
	"resources": {kind: "object", fields: map[string]pandaField{
		"cpu":    {kind: "quantity"},
		"memory": {kind: "quantity"},
	}},
}}

// checkPanda validates the documents of a panda.yaml against its schema.
func checkPanda(file string, docs []*render.Document) []finding.Finding {
	var out []finding.Finding
	add := func(n *yaml.Node, format string, args ...any) {
		out = append(out, finding.Finding{File: file, Line: n.Line, Column: n.Column, Severity: ruleSeverity(RulePandaConfig), Rule: RulePandaConfig, Message: fmt.Sprintf(format, args...)})
	}
	var check func(n *yaml.Node, key *yaml.Node, f pandaField, path string)
	check = func(n, key *yaml.Node, f pandaField, path string) {
		n = render.Deref(n)
		at := n
		if key != nil {
			at = key
		}
		switch f.kind {
		case "string":
			if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" || strings.TrimSpace(n.Value) == "" {
				add(at, "%s must be a non-empty string", path)
			}
		case "quantity":
			if n.Kind != yaml.ScalarNode || !ValidQuantity(n.Value) {
				add(n, "%s: %q is not a Kubernetes quantity (e.g. 500m, 1, 512Mi, 2Gi)", path, n.Value)
			}
		case "map-of-strings":
			if n.Kind != yaml.MappingNode {
				add(at, "%s must be a map of names to strings", path)
				return
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], render.Deref(n.Content[i+1])
				if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
					add(v, "%s.%s must be a string; quote the value", path, k.Value)
				}
			}
		case "object":
			if n.Kind != yaml.MappingNode {
				add(at, "%s must be a mapping", path)
				return
			}
			seen := map[string]bool{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				sub, ok := f.fields[k.Value]
				p := strings.TrimPrefix(path+"."+k.Value, ".")
				if !ok {
					add(k, "unknown field %q (known: %s)", p, strings.Join(keys(f.fields), ", "))
					continue
				}
				seen[k.Value] = true
				check(n.Content[i+1], k, sub, p)
			}
			for _, name := range keys(f.fields) {
				if f.fields[name].required && !seen[name] {
					add(at, "missing required field %q", strings.TrimPrefix(path+"."+name, "."))
				}
			}
		}
	}
	for _, d := range docs {
		if root := d.Node(); root != nil {
			check(root, nil, pandaSchema, "")
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]any) []string { return keys(m) }
