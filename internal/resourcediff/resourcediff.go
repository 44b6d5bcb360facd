// Package resourcediff compares two sets of Kubernetes objects, as rendered
// for two environments or for a branch and its base: the objects present on
// one side only, and for the others each field that differs, by path, with
// both values. It knows nothing of where the objects came from and prints
// nothing; a Secret's values never leave it (Field.Hidden).
package resourcediff

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ID names an object: its API group ("" for the core group), kind,
// namespace ("" for none given) and name.
type ID struct {
	Group, Kind, Namespace, Name string
}

// IDOf returns the ID of an object.
func IDOf(obj map[string]any) ID {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	md, _ := obj["metadata"].(map[string]any)
	ns, _ := md["namespace"].(string)
	name, _ := md["name"].(string)
	group := ""
	if g, _, ok := strings.Cut(apiVersion, "/"); ok {
		group = g
	}
	return ID{Group: group, Kind: kind, Namespace: ns, Name: name}
}

// String renders an ID as kubectl names a resource: Kind.group/name, with
// the namespace in front when there is one (app-staging/Deployment.apps/app).
func (id ID) String() string {
	s := id.Kind
	if id.Group != "" {
		s += "." + id.Group
	}
	s += "/" + id.Name
	if id.Namespace != "" {
		s = id.Namespace + "/" + s
	}
	return s
}

// Options say how to pair objects.
type Options struct {
	// IgnoreNamespace pairs an object left without a partner in its own
	// namespace with the one object of the same group, kind and name on the
	// other side, and does not count the namespace as a difference:
	// environments usually live in namespaces of their own (a
	// kustomization's namespace:), and that is not what tells them apart.
	IgnoreNamespace bool
}

// Diff is what tells two sets of objects apart.
type Diff struct {
	// OnlyA and OnlyB are the objects of one side that the other lacks,
	// sorted.
	OnlyA, OnlyB []ID
	// Changed are the paired objects whose fields differ, sorted by A.
	Changed []Changed
}

// Count is the number of differences: one per object on one side only,
// one per field that differs.
func (d Diff) Count() int {
	n := len(d.OnlyA) + len(d.OnlyB)
	for _, c := range d.Changed {
		n += len(c.Fields)
	}
	return n
}

// Changed is a pair of objects and the fields that differ between them.
type Changed struct {
	A, B   ID
	Fields []Field
}

// Field is one field that differs. A and B are the values on each side
// (a scalar, or a map or list where the other side has something else or
// nothing); an absent field is nil with AbsentA or AbsentB set.
type Field struct {
	// Path is the field's path: map keys joined by dots (a key holding a
	// dot or a bracket in quotes and brackets, ["app.kubernetes.io/name"]),
	// list items by [name=x] when every item of the list has a distinct
	// name, else by [index].
	Path             string
	A, B             any
	AbsentA, AbsentB bool
	// Hidden is set for a value of a Secret (anything but its name,
	// namespace, labels and type): A and B are then nil, and only that
	// the value differs is known.
	Hidden bool
}

// Compare compares the objects of side a with those of side b. Objects are
// paired by ID (see Options.IgnoreNamespace); an ID that appears twice on
// one side is compared once, with its first object.
func Compare(a, b []map[string]any, opts Options) Diff {
	ia, ib := index(a), index(b)
	var d Diff
	type pair struct {
		a, b ID
	}
	var pairs []pair
	for id := range ia.objs {
		if _, ok := ib.objs[id]; ok {
			pairs = append(pairs, pair{id, id})
		}
	}
	leftA, leftB := ia.without(ib), ib.without(ia)
	if opts.IgnoreNamespace {
		byName := func(ids []ID) map[ID][]ID {
			m := map[ID][]ID{}
			for _, id := range ids {
				k := id
				k.Namespace = ""
				m[k] = append(m[k], id)
			}
			return m
		}
		na, nb := byName(leftA), byName(leftB)
		paired := map[ID]bool{}
		for k, as := range na {
			if bs := nb[k]; len(as) == 1 && len(bs) == 1 {
				pairs = append(pairs, pair{as[0], bs[0]})
				paired[as[0]], paired[bs[0]] = true, true
			}
		}
		leftA, leftB = unpaired(leftA, paired), unpaired(leftB, paired)
	}
	d.OnlyA, d.OnlyB = sorted(leftA), sorted(leftB)
	sort.Slice(pairs, func(i, j int) bool { return less(pairs[i].a, pairs[j].a) })
	for _, p := range pairs {
		c := &comparer{secret: p.a.Group == "" && p.a.Kind == "Secret", ignoreNS: opts.IgnoreNamespace}
		c.value(nil, ia.objs[p.a], ib.objs[p.b], true, true)
		if len(c.fields) > 0 {
			d.Changed = append(d.Changed, Changed{A: p.a, B: p.b, Fields: c.fields})
		}
	}
	return d
}

type indexed struct {
	objs map[ID]map[string]any
	ids  []ID
}

func index(objs []map[string]any) indexed {
	ix := indexed{objs: map[ID]map[string]any{}}
	for _, o := range objs {
		id := IDOf(o)
		if _, dup := ix.objs[id]; !dup {
			ix.objs[id] = o
			ix.ids = append(ix.ids, id)
		}
	}
	return ix
}

// without lists the IDs of ix that other lacks.
func (ix indexed) without(other indexed) []ID {
	var out []ID
	for _, id := range ix.ids {
		if _, ok := other.objs[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

func unpaired(ids []ID, paired map[ID]bool) []ID {
	var out []ID
	for _, id := range ids {
		if !paired[id] {
			out = append(out, id)
		}
	}
	return out
}

func less(a, b ID) bool {
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	if a.Group != b.Group {
		return a.Group < b.Group
	}
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	return a.Name < b.Name
}

func sorted(ids []ID) []ID {
	sort.Slice(ids, func(i, j int) bool { return less(ids[i], ids[j]) })
	return ids
}

// comparer walks a pair of objects and collects the fields that differ.
type comparer struct {
	secret   bool
	ignoreNS bool
	fields   []Field
}

// step is one step of a path: a map key, a named list item or an index.
type step struct {
	key   string
	name  string
	index int
	kind  byte // 'k', 'n' or 'i'
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func render(path []step) string {
	var b strings.Builder
	for i, s := range path {
		switch s.kind {
		case 'k':
			if plainKey.MatchString(s.key) {
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(s.key)
			} else {
				b.WriteString("[" + strconv.Quote(s.key) + "]")
			}
		case 'n':
			b.WriteString("[name=" + s.name + "]")
		default:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		}
	}
	return b.String()
}

// visible reports whether a field of a Secret may be shown: its identity,
// labels and type say nothing secret; everything else may.
func visible(path []step) bool {
	if len(path) == 0 || path[0].kind != 'k' {
		return false
	}
	switch path[0].key {
	case "apiVersion", "kind", "type", "immutable":
		return true
	case "metadata":
		return len(path) >= 2 && path[1].kind == 'k' && (path[1].key == "name" || path[1].key == "namespace" || path[1].key == "labels")
	}
	return false
}

func (c *comparer) add(path []step, a, b any, hasA, hasB bool) {
	f := Field{Path: render(path), AbsentA: !hasA, AbsentB: !hasB}
	if c.secret && !visible(path) {
		f.Hidden = true
	} else {
		f.A, f.B = a, b
	}
	c.fields = append(c.fields, f)
}

func (c *comparer) value(path []step, a, b any, hasA, hasB bool) {
	if c.ignoreNS && len(path) == 2 && path[0].key == "metadata" && path[1].key == "namespace" {
		return
	}
	ma, okA := a.(map[string]any)
	mb, okB := b.(map[string]any)
	if c.secret && (okA && !hasB || okB && !hasA) {
		// Name the keys of a Secret's map that only one side has: which
		// key is set is all a reviewer can be told.
		okA, okB = true, true
	}
	if !okA || !okB {
		if !hasA || !hasB {
			c.add(path, a, b, hasA, hasB)
			return
		}
	}
	if okA && okB {
		keys := map[string]bool{}
		for k := range ma {
			keys[k] = true
		}
		for k := range mb {
			keys[k] = true
		}
		var ks []string
		for k := range keys {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			va, ia := ma[k]
			vb, ib := mb[k]
			c.value(append(path, step{kind: 'k', key: k}), va, vb, ia, ib)
		}
		return
	}
	la, okA := a.([]any)
	lb, okB := b.([]any)
	if okA && okB {
		c.list(path, la, lb)
		return
	}
	if !equal(a, b) {
		c.add(path, a, b, true, true)
	}
}

// list compares two lists: by item name when every item of both is a map
// with a distinct name (containers, ports, env), else by position.
func (c *comparer) list(path []step, a, b []any) {
	na, okA := names(a)
	nb, okB := names(b)
	if okA && okB {
		var order []string
		seen := map[string]bool{}
		for _, l := range [][]any{a, b} {
			for _, it := range l {
				n := it.(map[string]any)["name"].(string)
				if !seen[n] {
					seen[n] = true
					order = append(order, n)
				}
			}
		}
		for _, n := range order {
			va, ia := na[n]
			vb, ib := nb[n]
			c.value(append(path, step{kind: 'n', name: n}), va, vb, ia, ib)
		}
		return
	}
	for i := range max(len(a), len(b)) {
		var va, vb any
		if i < len(a) {
			va = a[i]
		}
		if i < len(b) {
			vb = b[i]
		}
		c.value(append(path, step{kind: 'i', index: i}), va, vb, i < len(a), i < len(b))
	}
}

// names maps the items of a list by their name, when every item is a map
// with a distinct string name.
func names(l []any) (map[string]any, bool) {
	out := map[string]any{}
	for _, it := range l {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, false
		}
		n, ok := m["name"].(string)
		if !ok || n == "" {
			return nil, false
		}
		if _, dup := out[n]; dup {
			return nil, false
		}
		out[n] = m
	}
	return out, len(out) > 0
}

// equal compares two values as their JSON: 3 and 3.0 are the same number
// whichever decoder read them.
func equal(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	if errA != nil || errB != nil {
		return fmt.Sprint(a) == fmt.Sprint(b)
	}
	return string(ja) == string(jb)
}

// Format renders a value for one line of text: a string as it is, anything
// else as compact JSON, cut to max runes (0: no limit).
func Format(v any, max int) string {
	s, ok := v.(string)
	if !ok {
		b, err := json.Marshal(v)
		if err != nil {
			s = fmt.Sprint(v)
		} else {
			s = string(b)
		}
	}
	if r := []rune(s); max > 0 && len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}
