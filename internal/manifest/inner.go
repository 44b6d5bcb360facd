package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Argo CD's helm.values is a YAML document inside a string, most often a
// literal block scalar:
//
//	helm:
//	  values: |
//	    image:
//	      repository: ghcr.io/acme/web
//	      tag: 1.2.3
//
// The document is walked as a values file of its own; its edits become
// byte operations inside the block, each line of the document being a line
// of the block after its indentation. The inner document is verified as
// any file is, and the outer file then checks that the block reads back as
// the edited document and nothing else moved.

// maxNesting bounds values strings inside values strings.
const maxNesting = 4

// valuesString walks the values document inside the scalar n.
func (w *walker) valuesString(n, via *yaml.Node) {
	if n.Style&yaml.LiteralStyle == 0 || w.nesting >= maxNesting {
		// Folded and quoted strings fold their lines: their bytes are not
		// the document's, and are not edited.
		w.noteMentions(n.Value, n.Line, "the values are a string that is not a literal block (|), so they are not edited")
		return
	}
	if !w.m.any && !w.mentions(n.Value) {
		return
	}
	docs, err := parseAll([]byte(n.Value))
	if err != nil {
		w.noteMentions(n.Value, n.Line, fmt.Sprintf("the values string is not valid YAML: %v", err))
		return
	}
	inner := w.m.newWalker(w.path, valuesFile, docs)
	inner.nesting = w.nesting + 1
	for _, d := range docs {
		inner.walk(d, nil, 0)
	}
	if len(inner.errs) == 0 && inner.tooComplex == nil {
		inner.checkAnchors()
	}
	if !w.adopt(inner, n.Line) || len(inner.edits) == 0 {
		return
	}
	src := newSource([]byte(n.Value))
	ops, err := src.ops(inner.edits)
	var out []byte
	if err == nil {
		out = applyOps(src.data, ops)
		err = verify(docs, out, inner.edits)
	}
	if err != nil {
		w.errs = append(w.errs, &EditError{File: w.path, Line: n.Line, Err: fmt.Errorf("cannot edit the values inside the string safely, file left untouched: %w", err)})
		return
	}
	w.match(n, via)
	w.add(&edit{op: opBlock, node: n, value: string(out), ops: ops}, n, via)
}

// mentions reports whether text holds the name of an image of the run.
func (w *walker) mentions(text string) bool {
	for _, s := range w.m.screens {
		if strings.Contains(text, string(s)) {
			return true
		}
	}
	return false
}

// adopt takes what the walk of an inner document found, its lines moved
// by offset (the line of the block's header), and reports whether its
// edits may be made.
func (w *walker) adopt(inner *walker, offset int) bool {
	for repo := range inner.found {
		w.found[repo] = true
	}
	for _, c := range inner.changes {
		c.Line += offset
		w.changes = append(w.changes, c)
	}
	for _, c := range inner.current {
		c.Line += offset
		w.current = append(w.current, c)
	}
	for _, f := range inner.refused {
		f.Line += offset
		w.refused = append(w.refused, f)
	}
	for _, h := range inner.holds {
		h.Line += offset
		w.holds = append(w.holds, h)
	}
	for _, n := range inner.notes {
		n.line += offset
		w.notes = append(w.notes, n)
	}
	for _, wr := range inner.warnings {
		w.warn(wr.Line+offset, wr.Message)
	}
	if inner.tooComplex != nil {
		w.tooComplex, w.line = inner.tooComplex, inner.line+offset
		return false
	}
	for _, err := range inner.errs {
		var dg *DowngradeError
		var ve *VariantError
		var ee *EditError
		switch {
		case errors.As(err, &dg):
			dg.Line += offset
		case errors.As(err, &ve):
			ve.Line += offset
		case errors.As(err, &ee):
			ee.Line += offset
		}
		w.errs = append(w.errs, err)
	}
	return len(inner.errs) == 0
}

// blockOp turns the operations on a literal block's text (e.ops) into one
// operation on the file: each position of the text is the same position
// on the block's line after the block's indentation, and each line an
// operation inserts is indented like the block.
func (s *source) blockOp(e *edit) (op, error) {
	n := e.node
	if n.Kind != yaml.ScalarNode || n.Style&yaml.LiteralStyle == 0 {
		return op{}, fmt.Errorf("not a literal block")
	}
	text := n.Value
	lines := strings.Split(text, "\n")
	first := n.Line // index in lineStart of the block's first line
	indent := -1
	for k, line := range lines {
		if line == "" {
			continue
		}
		got, ok := s.line(first + k)
		if !ok {
			return op{}, fmt.Errorf("the block's line %d is beyond the file", k+1)
		}
		if indent < 0 {
			indent = len(got) - len(line)
		}
		if indent < 0 || len(got) != indent+len(line) || got[indent:] != line || strings.Trim(got[:indent], " ") != "" {
			return op{}, fmt.Errorf("the block's line %d does not read back as its text", k+1)
		}
	}
	if indent < 0 {
		return op{}, fmt.Errorf("the block is empty")
	}
	pad := strings.Repeat(" ", indent)
	lb := s.lineBreak(s.lineStart[first])
	// pos maps an offset in text to the file; at a line's start (col 0) it
	// is the start of the file's line, before the indentation.
	pos := func(p int) (int, bool, error) {
		k := strings.Count(text[:p], "\n")
		col := p - (strings.LastIndexByte(text[:p], '\n') + 1)
		if first+k >= len(s.lineStart) {
			return 0, false, fmt.Errorf("the block's line %d is beyond the file", k+1)
		}
		if col == 0 {
			return s.lineStart[first+k], true, nil
		}
		return s.lineStart[first+k] + indent + col, false, nil
	}
	var b strings.Builder
	out := op{start: -1}
	for _, o := range e.ops {
		start, atLine, err := pos(o.start)
		if err != nil {
			return op{}, err
		}
		end := start
		if o.end > o.start {
			if strings.Contains(text[o.start:o.end], "\n") || strings.Contains(o.text, "\n") {
				return op{}, fmt.Errorf("an edit inside the block spans lines")
			}
			if atLine {
				start += indent
			}
			end = start + (o.end - o.start)
		}
		if out.start < 0 {
			out.start = start
		} else {
			b.Write(s.data[out.end:start])
		}
		for i, part := range strings.Split(o.text, "\n") {
			if i > 0 {
				b.WriteString(lb)
			}
			if part != "" && (i > 0 || (atLine && o.end == o.start)) {
				b.WriteString(pad)
			}
			b.WriteString(part)
		}
		out.end = end
	}
	out.text = b.String()
	if out.start < 0 {
		return op{}, fmt.Errorf("no edit inside the block")
	}
	return out, nil
}

// line returns the text of the file's line at index i of lineStart,
// without its line break.
func (s *source) line(i int) (string, bool) {
	if i >= len(s.lineStart) {
		return "", false
	}
	start := s.lineStart[i]
	end := s.lineEnd(start)
	return string(bytes.TrimRight(s.data[start:end], "\r\n")), true
}
