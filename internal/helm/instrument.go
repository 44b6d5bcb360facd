package helm

import (
	"slices"
	"strings"
	"text/template/parse"

	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
)

// Go's text/template cannot be interrupted: a template that loops
// ({{ range 100000000000 }}, an include that calls itself twice) runs
// until the process ends. So before a chart renders, each of its
// templates gets a call of the session's tick at the start of every range
// body and every defined template, which stops the render past its step
// budget or its time limit. The call is written right after the action
// that opens the body, and trims what that action trimmed, so that the
// output and every line number of an error stay as they were.

// instrument rewrites the templates of a chart and of its dependencies
// in place.
func instrument(ch *chart.Chart) {
	for i, t := range ch.Templates {
		if data, ok := instrumented(t.Name, t.Data); ok {
			ch.Templates[i] = &common.File{Name: t.Name, ModTime: t.ModTime, Data: data}
		}
	}
	for _, d := range ch.Dependencies() {
		instrument(d)
	}
}

// instrumented returns a template with its ticks; ok is false when it
// has no loop or definition, or does not parse (Helm reports that).
func instrumented(name string, data []byte) ([]byte, bool) {
	src := string(data)
	if !strings.Contains(src, "range") && !strings.Contains(src, "define") && !strings.Contains(src, "block") {
		return nil, false
	}
	trees := map[string]*parse.Tree{}
	t := parse.New(name)
	t.Mode = parse.SkipFuncCheck
	if _, err := t.Parse(src, "{{", "}}", trees); err != nil {
		return nil, false
	}
	var at []int
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.RangeNode:
			at = append(at, int(n.List.Pos))
			walk(n.List)
			walk(n.ElseList)
		case *parse.IfNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.List)
			walk(n.ElseList)
		}
	}
	for tname, tr := range trees {
		if tr.Root == nil {
			continue
		}
		if tname != name {
			at = append(at, int(tr.Root.Pos))
		}
		walk(tr.Root)
	}
	if len(at) == 0 {
		return nil, false
	}
	slices.Sort(at)
	at = slices.Compact(at)
	var b strings.Builder
	b.Grow(len(src) + len(at)*24)
	last := 0
	for _, p := range at {
		// The body starts after the "}}" of the action that opens it,
		// past what that action trimmed.
		end := strings.LastIndex(src[:p], "}}")
		if end < last || end < 0 {
			continue
		}
		b.WriteString(src[last : end+2])
		if end >= 2 && src[end-1] == '-' && src[end-2] == ' ' {
			b.WriteString("{{" + tickFunc + " -}}")
		} else {
			b.WriteString("{{" + tickFunc + "}}")
		}
		last = end + 2
	}
	b.WriteString(src[last:])
	return []byte(b.String()), true
}
