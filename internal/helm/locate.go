package helm

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A rendered value does not say which value of the chart's values it was
// made from: the templates are arbitrary code. Locate finds it the way a
// reader would: among the values the templates saw, the leaf equal to it
// (for an image, the one equal to its tag, else to its name), in the
// values of the template's own chart, its key named like the field where
// several are equal. Only a value a layer of the repository wrote has a
// position; a default of a chart from an archive, or a value the template
// writes itself, has none, and belongs to the chart reference.

// leaf is one scalar of the values, at its path.
type leaf struct {
	path  []string
	value string
}

// Locate returns the position in the repository of the value that made
// the value at path of a rendered object (JSON pointer tokens), for a
// manifest of the template named; ok is false when no value of the
// repository made it.
func (r *Result) Locate(template string, obj map[string]any, at []string) (Position, bool) {
	if len(r.prov) == 0 || len(at) == 0 {
		return Position{}, false
	}
	v, ok := scalarAt(obj, at)
	if !ok {
		return Position{}, false
	}
	leaves := r.leavesIn(scope(template))
	field := at[len(at)-1]
	var cands []leaf
	if field == "image" {
		cands = imageLeaves(leaves, v)
	} else {
		cands = equal(leaves, v)
	}
	if len(cands) == 0 && len(at) == 2 && (at[0] == "data" || at[0] == "binaryData") {
		// A Secret's data is base64: the template encoded (b64enc) the
		// value it was given.
		if text, err := base64.StdEncoding.DecodeString(v); err == nil && len(text) > 0 && utf8.Valid(text) {
			v = string(text)
			cands = equal(leaves, v)
		}
	}
	if !distinctive(v) {
		// true, 1, "on": many values are, and a template writes as many
		// itself. Only one whose key names the field is taken for it.
		cands = slices.DeleteFunc(cands, func(l leaf) bool { return !keyNames(l.path[len(l.path)-1], field) })
	}
	if len(cands) > 1 {
		if named := slices.DeleteFunc(slices.Clone(cands), func(l leaf) bool { return !keyNames(l.path[len(l.path)-1], field) }); len(named) > 0 {
			cands = named
		}
	}
	var found []Position
	for _, c := range cands {
		if pos, ok := r.prov.value(c.path); ok && !slices.Contains(found, pos) {
			found = append(found, pos)
		}
	}
	if len(found) != 1 {
		// None from the repository, or several places that could have
		// made it: the chart reference says no more than is known.
		return Position{}, false
	}
	return found[0], true
}

// leavesIn lists the scalars of the values the templates of a chart at
// path scope saw (its own, and the globals), with their full paths.
func (r *Result) leavesIn(scope []string) []leaf {
	var root any = r.values
	for _, s := range scope {
		m, ok := root.(map[string]any)
		if !ok {
			return nil
		}
		root = m[s]
	}
	var out []leaf
	var walk func(v any, at []string, depth int)
	walk = func(v any, at []string, depth int) {
		if depth > 64 || len(out) > 100_000 {
			return
		}
		switch v := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(v) {
				walk(v[k], append(slices.Clip(at), k), depth+1)
			}
		case []any:
			for i, e := range v {
				walk(e, append(slices.Clip(at), strconv.Itoa(i)), depth+1)
			}
		case nil:
		default:
			out = append(out, leaf{path: at, value: scalarText(v)})
		}
	}
	walk(root, slices.Clone(scope), 0)
	return out
}

func scalarText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// scalarAt is the scalar at a path of a rendered object, as text.
func scalarAt(obj map[string]any, at []string) (string, bool) {
	var v any = obj
	for _, t := range at {
		switch x := v.(type) {
		case map[string]any:
			v = x[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return "", false
			}
			v = x[i]
		default:
			return "", false
		}
	}
	switch v.(type) {
	case map[string]any, []any, nil:
		return "", false
	}
	return scalarText(v), true
}

func equal(leaves []leaf, v string) []leaf {
	var out []leaf
	for _, l := range leaves {
		if l.value == v && v != "" {
			out = append(out, l)
		}
	}
	return out
}

// imageLeaves finds what made an image reference: the value equal to all
// of it, else to its tag (preferring a key that says tag), else to its
// name or the last part of it.
func imageLeaves(leaves []leaf, image string) []leaf {
	if c := equal(leaves, image); len(c) > 0 {
		return c
	}
	name, tag := image, ""
	if at := strings.LastIndex(name, "@"); at >= 0 {
		name = name[:at]
	}
	if colon := strings.LastIndex(name, ":"); colon > strings.LastIndex(name, "/") {
		name, tag = name[:colon], name[colon+1:]
	}
	if tag != "" {
		if c := equal(leaves, tag); len(c) > 0 {
			if tagged := slices.DeleteFunc(slices.Clone(c), func(l leaf) bool {
				return !strings.Contains(strings.ToLower(l.path[len(l.path)-1]), "tag")
			}); len(tagged) > 0 {
				return tagged
			}
			return c
		}
	}
	var out []leaf
	for _, l := range leaves {
		if l.value != "" && (l.value == name || strings.HasSuffix(name, "/"+l.value)) {
			out = append(out, l)
		}
	}
	return out
}

// distinctive reports whether a value is unlikely to be met by chance: a
// string of four characters or more that is not a number or a boolean.
func distinctive(v string) bool {
	if len(v) < 4 {
		return false
	}
	switch strings.ToLower(v) {
	case "true", "false", "null", "none":
		return false
	}
	_, err := strconv.ParseFloat(v, 64)
	return err != nil
}

// keyNames reports whether a values key names a field of an object:
// replicaCount names replicas, port names containerPort.
func keyNames(key, field string) bool {
	k := strings.TrimSuffix(strings.ToLower(key), "s")
	f := strings.TrimSuffix(strings.ToLower(field), "s")
	return k != "" && f != "" && (strings.Contains(k, f) || strings.Contains(f, k))
}
