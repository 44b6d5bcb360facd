package convert

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Share moves every subschema of at least minSize bytes (as JSON) that
// occurs more than once into a definition of its own, named prefix and a
// hash of its content, and refers to it from every place it occurred.
//
// CRD schemas are written out in full: no $ref, so the PodSpec fields that
// Prometheus, Alertmanager, ThanosRuler and a CloudNativePG Cluster all
// embed, or the spec that Kyverno's Policy and ClusterPolicy share, or a
// kind served identically as v1beta1 and v1, are stored once per place.
// Shared, they are stored, inflated and compiled once. The verdicts do not
// change: a $ref alone is the schema it names (draft 2020-12), and the
// paths of violations are those of the instance.
//
// The result depends only on the content, not on map order: subschemas
// are visited in sorted order and named by their hash.
func (s *Schemas) Share(minSize int, prefix string) error {
	// created holds the content each shared definition was made from:
	// later rounds replace its own subschemas with references, which
	// changes its text but not what it means.
	created := map[string]string{}
	for round := 0; round < 64; round++ {
		counts := map[string]int{}
		names := sortedKeys(s.Defs)
		for _, n := range names {
			def := s.Defs[n]
			if _, shared := s.shared(n, prefix); shared {
				// A shared definition's own content counts as an
				// occurrence, so that a copy left elsewhere is
				// replaced by a reference to it.
				c, err := canonical(def)
				if err != nil {
					return err
				}
				counts[c]++
			}
			var err error
			eachSubschema(def, func(m map[string]any) map[string]any {
				c, cerr := canonical(m)
				if cerr != nil {
					err = cerr
					return nil
				}
				if len(c) >= minSize {
					counts[c]++
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		changed := false
		var collision error
		for _, n := range names {
			eachSubschema(s.Defs[n], func(m map[string]any) map[string]any {
				c, _ := canonical(m)
				if len(c) < minSize || counts[c] < 2 {
					return nil
				}
				sum := sha256.Sum256([]byte(c))
				name := prefix + hex.EncodeToString(sum[:6])
				if old, ok := created[name]; !ok {
					s.Defs[name] = m
					created[name] = c
				} else if old != c {
					collision = fmt.Errorf("sharing subschemas: two contents hash to %q", name)
					return nil
				}
				changed = true
				return map[string]any{"$ref": RefPrefix + name}
			})
		}
		if collision != nil {
			return collision
		}
		if !changed {
			return nil
		}
	}
	return nil
}

func (s *Schemas) shared(name, prefix string) (map[string]any, bool) {
	if len(name) < len(prefix) || name[:len(prefix)] != prefix {
		return nil, false
	}
	d, ok := s.Defs[name]
	return d, ok
}

// canonical is a schema's JSON with sorted keys, as the bundle stores it.
func canonical(m map[string]any) (string, error) {
	b, err := json.Marshal(m)
	return string(b), err
}

// eachSubschema calls f on every subschema below s, top-down and in a
// fixed order: the values of properties, items, additionalProperties and
// not, and the members of allOf, anyOf and oneOf. When f returns a
// schema, it replaces the subschema and is not descended into.
func eachSubschema(s map[string]any, f func(map[string]any) map[string]any) {
	visit := func(m map[string]any) map[string]any {
		if r := f(m); r != nil {
			return r
		}
		eachSubschema(m, f)
		return m
	}
	if props, ok := s["properties"].(map[string]any); ok {
		for _, k := range sortedKeys(props) {
			if m, ok := props[k].(map[string]any); ok {
				props[k] = visit(m)
			}
		}
	}
	for _, k := range []string{"items", "additionalProperties", "not"} {
		if m, ok := s[k].(map[string]any); ok {
			s[k] = visit(m)
		}
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if list, ok := s[k].([]any); ok {
			for i, x := range list {
				if m, ok := x.(map[string]any); ok {
					list[i] = visit(m)
				}
			}
		}
	}
}
