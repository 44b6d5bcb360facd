package manifest

import (
	"fmt"
	"slices"
	"sort"
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

// noteMentions records msg for each image text mentions by its own name:
// "ghcr.io/acme/app:${TAG}" is no mention of ghcr.io/acme/ap, whose bytes
// it holds, nor of ghrc.io/acme/app, a typo of it.
func (w *walker) noteMentions(text string, line int, msg string) {
	if w.m.any {
		return
	}
	for i := range w.m.opts.Images {
		ms, _ := w.m.mentionsImage([]byte(text), i)
		if slices.ContainsFunc(ms, func(mt mention) bool { return w.m.own(i, mt) }) {
			w.note(w.m.keys[i], line, msg)
		}
	}
}

// looked returns, for each image the screen found in data (hits) but the
// walk found no reference of, why nothing was edited: the notes of the
// walk, else what the words that name it are: another image's reference
// (a typo's likely target), or a mention where bump-image edits nothing.
// A file whose bytes hold the screen only inside other names
// (acme/app-worker for acme/app) mentions nothing and says nothing.
func (w *walker) looked(data []byte, hits []int) map[string][]Warning {
	var out map[string][]Warning
	for _, i := range hits {
		repo := w.m.keys[i]
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
			ws = w.mentionsWhy(data, i, repo)
		}
		if len(ws) == 0 {
			continue
		}
		sort.SliceStable(ws, func(i, j int) bool { return ws[i].Line < ws[j].Line })
		if out == nil {
			out = map[string][]Warning{}
		}
		out[repo] = ws
	}
	return out
}

// mentionsWhy says why the mentions in data of the image at index i were
// not edited: the first that names the image itself, or else each other
// image whose name holds the image's bytes.
func (w *walker) mentionsWhy(data []byte, i int, repo string) []Warning {
	ms, _ := w.m.mentionsImage(data, i)
	for _, mt := range ms {
		if w.m.own(i, mt) {
			return []Warning{{File: w.path, Line: mt.line, Message: w.mentionWhy(w.m.spelled(i, mt))}}
		}
	}
	var ws []Warning
	seen := map[string]bool{}
	for _, mt := range ms {
		if !seen[mt.repo] {
			seen[mt.repo] = true
			ws = append(ws, Warning{File: w.path, Line: mt.line, Message: fmt.Sprintf("holds %q, a reference to %s, not to %s", mt.word, mt.repo, repo)})
		}
	}
	return ws
}

// mentionWhy says why a mention (spelled as a message names it) the walk
// gave no note about was not edited.
func (w *walker) mentionWhy(spelled string) string {
	if inChartTemplates(w.path) {
		return fmt.Sprintf("mentions %s in a Helm chart's templates, whose version comes from the chart's values", spelled)
	}
	return fmt.Sprintf("mentions %s, but in no place bump-image edits (a comment, an annotation, or a field it does not know)", spelled)
}
