package manifest

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"
)

// When an image is found nowhere, "no reference" alone leaves the user to
// guess whether the engine missed a place or the place is not one it
// edits. Every file the byte screen let through for the image tells why
// nothing in it was edited: what the walk saw there (a note), or else
// where the image is mentioned.

// note says why a place that mentions an image was not edited.
type note struct {
	repo string // "" for every image the file mentions
	line int
	msg  string
}

// note records why the place at line was not edited, for repo (or, when
// repo is "", for any image the file mentions).
func (w *walker) note(repo string, line int, msg string) {
	if w.m.any {
		return
	}
	w.notes = append(w.notes, note{repo: repo, line: line, msg: msg})
}

// noteMentions records msg for each image whose name text holds.
func (w *walker) noteMentions(text string, line int, msg string) {
	if w.m.any {
		return
	}
	for i, s := range w.m.screens {
		if strings.Contains(text, string(s)) {
			w.note(w.m.opts.Images[i].Repository, line, msg)
		}
	}
}

// looked returns, for each image the screen found in data (hits) but the
// walk found no reference of, why nothing was edited: the notes of the
// walk, or else the first line that mentions it.
func (w *walker) looked(data []byte, hits []int) map[string][]Warning {
	var out map[string][]Warning
	for _, i := range hits {
		repo := w.m.opts.Images[i].Repository
		if w.found[repo] {
			continue
		}
		var ws []Warning
		for _, n := range w.notes {
			if n.repo == "" || n.repo == repo {
				ws = append(ws, Warning{File: w.path, Line: n.line, Message: n.msg})
			}
		}
		if len(ws) == 0 {
			line := 1 + bytes.Count(data[:bytes.Index(data, w.m.screens[i])], []byte("\n"))
			ws = append(ws, Warning{File: w.path, Line: line, Message: w.mentionWhy(repo)})
		}
		sort.SliceStable(ws, func(i, j int) bool { return ws[i].Line < ws[j].Line })
		if out == nil {
			out = map[string][]Warning{}
		}
		out[repo] = ws
	}
	return out
}

// mentionWhy says why a mention the walk gave no note about was not
// edited.
func (w *walker) mentionWhy(repo string) string {
	for dir := path.Dir(w.path); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if path.Base(dir) == "templates" {
			return fmt.Sprintf("mentions %s in a Helm chart's templates, whose version comes from the chart's values", repo)
		}
	}
	return fmt.Sprintf("mentions %s, but in no place bump-image edits (a comment, an annotation, or a field it does not know)", repo)
}
