package render

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// parsedFile is one YAML file, read and parsed.
type parsedFile struct {
	path     string
	data     []byte
	docs     []*Document
	problems []Problem
	template bool // a Helm template: not parsed, not rendered
	unread   bool // the file could not be read (problems says why)
}

// file reads and parses one file, when a stage needs one whole (a
// kustomization for what it includes); nothing is kept.
func (t *Tree) file(name string) *parsedFile {
	data, err := fs.ReadFile(t.fsys, name)
	if err != nil {
		return &parsedFile{path: name, problems: []Problem{Skipped(name, err)}, unread: true}
	}
	return t.parse(name, data)
}

// Parse parses the bytes of one file of the tree, read by the caller, into
// its documents and the problems of parsing. template is set for what is
// YAML only once rendered: a template of a Helm chart (nothing parsed; the
// caller reports the chart once, SkippedTemplates), or a file holding
// {{ }} that does not parse as YAML (a TemplateSkipped problem).
func (t *Tree) Parse(name string, data []byte) (docs []*Document, problems []Problem, template bool) {
	pf := t.parse(name, data)
	return pf.docs, pf.problems, pf.template
}

// parse parses one file's bytes.
func (t *Tree) parse(name string, data []byte) *parsedFile {
	pf := &parsedFile{path: name, data: data}
	if inChartTemplates(name, t.charts) {
		pf.template = true // reported once per chart, by SkippedTemplates
		return pf
	}
	docs, fs := ParseYAML(name, data)
	if bytes.Contains(data, []byte("{{")) && (hasSyntaxError(fs) || hasComplexKey(docs)) {
		// Go templates ({{ .Values.x }}) outside a chart: not YAML until
		// rendered, so a syntax error here says nothing.
		pf.template = true
		pf.problems = append(pf.problems, Problem{File: name, Line: 1, Column: 1, Kind: TemplateSkipped,
			Message: "template skipped: the file holds {{ }} and is YAML only once rendered"})
		return pf
	}
	pf.docs, pf.problems = docs, fs
	return pf
}

// Streamable reports whether a file can be read a document at a time
// (EachQuickDocument), each let go once handled: all but templates, whose
// every document decides whether the file is one.
func (t *Tree) Streamable(name string, data []byte) bool {
	return !inChartTemplates(name, t.charts) && !bytes.Contains(data, []byte("{{"))
}

// hasComplexKey reports whether a mapping key is itself a collection:
// valid YAML, but what "name: {{ .Name }}" parses to, and never meant.
func hasComplexKey(docs []*Document) bool {
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n.Kind == yaml.MappingNode {
			for i := 0; i < len(n.Content); i += 2 {
				if k := n.Content[i].Kind; k == yaml.MappingNode || k == yaml.SequenceNode {
					return true
				}
			}
		}
		for _, c := range n.Content {
			if walk(c) {
				return true
			}
		}
		return false
	}
	for _, d := range docs {
		if d.root != nil && walk(d.root) {
			return true
		}
	}
	return false
}

func hasSyntaxError(ps []Problem) bool {
	for _, p := range ps {
		if p.Kind == SyntaxError {
			return true
		}
	}
	return false
}

// SkippedTemplates reports, once per Helm chart, how many of its
// templates were skipped: templates says which of names were found to be
// templates (Parse) and not rendered. Only a directory holding a
// Chart.yaml is a chart: a templates/ folder of anything else (an Ansible
// role) is not one, and each of its files that holds {{ }} is reported
// on its own (Parse).
func (t *Tree) SkippedTemplates(names []string, templates map[string]bool) []Problem {
	charts := map[string]int{}
	for _, n := range names {
		if !templates[n] {
			continue
		}
		for d := path.Dir(n); d != "." && d != "/"; d = path.Dir(d) {
			if path.Base(d) == "templates" && t.charts[path.Dir(d)] {
				charts[path.Dir(d)]++
				break
			}
		}
	}
	var out []Problem
	for _, c := range slices.Sorted(maps.Keys(charts)) {
		out = append(out, Problem{File: path.Join(c, "Chart.yaml"), Line: 1, Column: 1, Kind: TemplateSkipped,
			Message: fmt.Sprintf("%d Helm template(s) under %s skipped: they are YAML only once rendered by helm template", charts[c], path.Join(c, "templates"))})
	}
	return out
}

// inChartTemplates reports whether name sits under the templates/ directory
// of a Helm chart.
func inChartTemplates(name string, charts map[string]bool) bool {
	for d := path.Dir(name); d != "." && d != "/"; d = path.Dir(d) {
		if path.Base(d) == "templates" && charts[path.Dir(d)] {
			return true
		}
	}
	return false
}

// ListItems returns the items of a List (kind List, or any kind ending in
// List with an items list, as kubectl reads them).
func ListItems(obj map[string]any) ([]any, bool) {
	_, k, _, _ := Meta(obj)
	items, isList := obj["items"].([]any)
	switch {
	case k == "List" && (isList || obj["items"] == nil):
		return items, true
	case strings.HasSuffix(k, "List") && isList:
		return items, true
	}
	return nil, false
}
