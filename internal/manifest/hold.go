package manifest

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// A hold keeps an image reference at its version: a comment on the line
// of the reference, written by a rollback (MarkHeld) or by hand,
//
//	image: ghcr.io/acme/app:v1.4.0 # gitops-actions: hold (rollback of v20260501120000)
//
// Bump leaves a held reference as it is and reports it (Result.Held),
// unless Options.IgnoreHolds; removing the comment releases it. Automated
// bumps undoing a rollback is what users of every image updater report;
// the comment keeps the decision in Git, next to the value, where a
// review sees it and a revert undoes it.

// HoldMarker is the text that makes a comment a hold.
const HoldMarker = "gitops-actions: hold"

// holdRE finds the marker in a comment, and the reason in the parentheses
// that follow it.
var holdRE = regexp.MustCompile(`gitops-actions: hold(?:\s*\((.*)\))?`)

// Hold is a reference a hold comment keeps at its version.
type Hold struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Image string `json:"image,omitempty"`
	// Chart is the chart's name, for a chart's version (Image is empty).
	Chart string `json:"chart,omitempty"`
	// Version is what the reference holds; Wanted what the run would have
	// set (empty when only the comment is known, see Holds).
	Version string `json:"version"`
	Wanted  string `json:"wanted,omitempty"`
	Reason  string `json:"reason"`
}

// What names what is held: the image's repository, or "chart NAME".
func (h Hold) What() string { return what(h.Image, h.Chart) }

func (h Hold) String() string {
	reason := ""
	if h.Reason != "" {
		reason = " (" + h.Reason + ")"
	}
	return fmt.Sprintf("%s:%d: %s is held at %s%s", h.File, h.Line, h.What(), h.Version, reason)
}

// holdReason reads a comment: whether it holds, and why.
func holdReason(comment string) (string, bool) {
	m := holdRE.FindStringSubmatch(comment)
	if m == nil {
		return "", false
	}
	return strings.TrimSpace(m[1]), true
}

// HoldComment is the comment MarkHeld writes: the marker and the reason,
// on one line whatever the reason holds.
func HoldComment(reason string) string {
	reason = strings.Join(strings.FieldsFunc(reason, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }), " ")
	if r := []rune(reason); len(r) > 200 {
		reason = string(r[:199]) + "…"
	}
	if reason == "" {
		return "# " + HoldMarker
	}
	return "# " + HoldMarker + " (" + reason + ")"
}

// held is the matcher's hook: it reports whether the reference c, which
// would change, is kept where it is by a hold comment on one of the nodes
// it is read from (the scalar, or the entries of a kustomization or values
// map), and records the hold.
func (w *walker) held(c *Change, at []*yaml.Node) bool {
	if w.m.opts.IgnoreHolds {
		return false
	}
	for _, n := range at {
		if n == nil {
			continue
		}
		if reason, ok := holdReason(n.LineComment); ok {
			h := Hold{File: w.path, Line: c.Line, Image: c.Image, Chart: c.Chart, Version: c.Old, Wanted: c.New, Reason: reason}
			for _, prev := range w.holds {
				if prev == h {
					return true // the same reference reached through an alias
				}
			}
			w.holds = append(w.holds, h)
			return true
		}
	}
	return false
}

func sortHolds(hs []Hold) {
	sort.SliceStable(hs, func(i, j int) bool {
		if hs[i].File != hs[j].File {
			return hs[i].File < hs[j].File
		}
		return hs[i].Line < hs[j].Line
	})
}

// AllHeld lists the images whose every reference that would have changed
// is held, so that nothing of theirs changed and nothing holds their new
// version: a pipeline that asked for them should notice.
func (r *Result) AllHeld() []string {
	var images []string
	for _, h := range r.Held {
		images = append(images, h.What())
	}
	return r.unmoved(images)
}

// HeldBy says which holds keep image: the reasons of its holds, once each,
// in the order given ("a hold comment" for one that gives none), and the
// places of the first few, for a message that tells a user what holds an
// image and where to lift it.
func HeldBy(hs []Hold, image string) string {
	var reasons, places []string
	seen := map[string]bool{}
	more := 0
	for _, h := range hs {
		if h.Image != image {
			continue
		}
		if len(places) == 3 {
			more++
		}
		r := h.Reason
		if r == "" {
			r = "a hold comment"
		}
		if !seen[r] {
			seen[r] = true
			reasons = append(reasons, r)
		}
		if len(places) < 3 {
			places = append(places, fmt.Sprintf("%s:%d", h.File, h.Line))
		}
	}
	if len(reasons) == 0 {
		return ""
	}
	if more > 0 {
		places = append(places, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(reasons, "; ") + " (" + strings.Join(places, ", ") + ")"
}

// Holds lists the hold comments of one file, with the line of each and its
// reason (Image, Version and Wanted are left empty): what a promotion that
// replaces whole files must not overwrite. A file that is not YAML has
// none.
func Holds(path string, data []byte) []Hold {
	if !bytes.Contains(data, []byte(HoldMarker)) {
		return nil
	}
	docs, err := parseAll(newSource(data).data)
	if err != nil {
		return nil
	}
	var out []Hold
	seen := map[int]bool{}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > maxHoldDepth {
			return
		}
		if reason, ok := holdReason(n.LineComment); ok && !seen[n.Line] {
			seen[n.Line] = true
			out = append(out, Hold{File: path, Line: n.Line, Reason: reason})
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	for _, d := range docs {
		walk(d, 0)
	}
	sortHolds(out)
	return out
}

// maxHoldDepth bounds the walk of Holds, as the matcher's walk is.
const maxHoldDepth = 10000

// MarkHeld writes HoldComment(reason) on each of lines (1-based) of a
// YAML file: after the value that ends the line, or after the comment
// already there. A line that holds the marker already is left as it is.
// Nothing else changes, and the result is parsed again to check that it
// holds the same documents and every line is held. A line whose value is
// not the last text on it (a flow collection) cannot take a comment, and
// is an *EditError.
func MarkHeld(path string, data []byte, lines []int, reason string) ([]byte, error) {
	src := newSource(data)
	docs, err := parseAll(src.data)
	if err != nil {
		return nil, &EditError{File: path, Err: fmt.Errorf("not valid YAML: %w", err)}
	}
	last := map[int]*yaml.Node{} // line → the value that ends furthest right on it
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > maxHoldDepth {
			return
		}
		if n.Kind == yaml.ScalarNode {
			if prev, ok := last[n.Line]; !ok || n.Column > prev.Column {
				last[n.Line] = n
			}
		}
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				continue // a key: a hold is on a value
			}
			walk(c, depth+1)
		}
	}
	for _, d := range docs {
		walk(d, 0)
	}
	comment := " " + HoldComment(reason)
	var ops []op
	done := map[int]bool{}
	for _, line := range lines {
		if done[line] {
			continue
		}
		done[line] = true
		n, ok := last[line]
		if !ok {
			return nil, &EditError{File: path, Line: line, Err: fmt.Errorf("no value on the line to hold")}
		}
		if _, held := holdReason(n.LineComment); held {
			continue
		}
		sp, err := src.scalarSpan(n)
		if err != nil {
			return nil, &EditError{File: path, Line: line, Err: fmt.Errorf("cannot place a hold comment: %w", err)}
		}
		end := src.lineEnd(sp.end)
		text := strings.TrimRight(string(src.data[sp.end:end]), "\r\n")
		rest := strings.TrimLeft(text, " \t")
		switch {
		case rest == "":
			ops = append(ops, op{sp.end, sp.end, comment})
		case strings.HasPrefix(rest, "#"):
			at := sp.end + len(text)
			ops = append(ops, op{at, at, comment})
		default:
			return nil, &EditError{File: path, Line: line, Err: fmt.Errorf("the value is followed by %q on its line; a hold comment cannot go there (hold it by hand)", rest)}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].start > ops[j].start })
	out := append([]byte(nil), src.data...)
	for _, o := range ops {
		out = append(out[:o.start], append([]byte(o.text), out[o.end:]...)...)
	}
	if err := verify(docs, out, nil); err != nil {
		return nil, &EditError{File: path, Err: fmt.Errorf("cannot place hold comments safely, file left untouched: %w", err)}
	}
	for _, h := range Holds(path, out) {
		delete(done, h.Line)
	}
	if len(done) > 0 {
		return nil, &EditError{File: path, Err: fmt.Errorf("hold comments do not read back on every line asked")}
	}
	return src.bytes(out), nil
}
