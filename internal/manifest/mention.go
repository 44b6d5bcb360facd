package manifest

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/spelling"
)

// The byte screen is cheap and loose: it passes a file that holds the
// bytes every spelling of an image contains ("acme/app"), which
// "acme/app-worker" and "ghcr.io/acme/app" (for ghrc.io/acme/app, a typo)
// hold too. What a message says a file mentions, and whether a file that
// cannot be read stops the run, is decided on the words that hold those
// bytes: a mention is the screen's bytes standing as a whole name, and the
// word around it is quoted as the file spells it.

// mention is one place where a file names an image, as it spells it.
type mention struct {
	line int
	// word is the reference-like text around the screen's bytes, as
	// written ("ghcr.io/acme/app:v2.1.0").
	word string
	// repo is the word's normalised repository, or "" when the word does
	// not parse as a reference.
	repo string
}

// nameByte reports whether c may be part of an image name.
func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// wordByte reports whether c may be part of a reference (name, tag,
// digest, registry port).
func wordByte(c byte) bool {
	return nameByte(c) || c == '/' || c == ':' || c == '@' || c == '+'
}

// maxMentions bounds the mentions read in one file.
const maxMentions = 100

// mentionsOf finds where data names an image whose screen bytes are s: s
// not glued to other characters of a name on either side ("acme/app" in
// "ghcr.io/acme/app:v1", not in "acme/app-worker" nor in "acme/apps").
func mentionsOf(data, s []byte) []mention {
	var out []mention
	for off := 0; len(out) < maxMentions; {
		i := bytes.Index(data[off:], s)
		if i < 0 {
			break
		}
		start, end := off+i, off+i+len(s)
		off = end
		if start > 0 && nameByte(data[start-1]) || end < len(data) && (nameByte(data[end]) || data[end] == '/') {
			continue
		}
		ws, we := start, end
		for ws > 0 && wordByte(data[ws-1]) {
			ws--
		}
		for we < len(data) && wordByte(data[we]) {
			we++
		}
		word := strings.TrimRight(string(data[ws:we]), ":@+/.")
		word = strings.TrimLeft(word, ":@+/.-")
		m := mention{line: 1 + bytes.Count(data[:start], []byte("\n")), word: word}
		if f, err := imageref.ParseFound(word); err == nil {
			m.repo = f.Repository
		}
		out = append(out, m)
	}
	return out
}

// mentionsImage returns the mentions in data of the image of the matcher
// at index i, and whether there is one.
func (m *matcher) mentionsImage(data []byte, i int) ([]mention, bool) {
	ms := mentionsOf(data, m.screens[i])
	return ms, len(ms) > 0
}

// own reports whether a mention names the run's image (or chart) at
// index i itself: a word that is a reference to its repository, or that
// is no reference at all (a chart's name always is one).
func (m *matcher) own(i int, mt mention) bool {
	return i >= len(m.opts.Images) || mt.repo == m.keys[i] || mt.repo == ""
}

// spelled says how a message names what a mention of the image (or chart)
// at index i holds: the repository when the word spells it out, else the
// word and the repository it stands for; a chart by its name.
func (m *matcher) spelled(i int, mt mention) string {
	if i >= len(m.opts.Images) {
		return m.keys[i]
	}
	repo := m.keys[i]
	if mt.repo == repo && strings.Contains(mt.word, repo) {
		return repo
	}
	if mt.repo == "" {
		return fmt.Sprintf("%q", mt.word)
	}
	return fmt.Sprintf("%q (%s)", mt.word, mt.repo)
}

// inChartTemplates reports whether p is under a templates directory: a
// Helm chart's templates, which are not YAML until rendered and whose
// versions come from the chart's values.
func inChartTemplates(p string) bool {
	for dir := path.Dir(p); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if path.Base(dir) == "templates" {
			return true
		}
	}
	return false
}

// Similar is an image the tree references whose name is close to that of
// an image found nowhere: what a typo most likely meant.
type Similar struct {
	Image string
	// Places are where it is referenced (the first few).
	Places []Warning
	// More counts the places beyond Places.
	More int
}

// maxSimilar bounds the names suggested, and maxPlaces the places named
// for each.
const (
	maxSimilar = 3
	maxPlaces  = 3
)

// similarImages returns the images of refs whose names are closest to
// want: by edit distance on the whole name (ghrc.io/acme/app for
// ghcr.io/acme/app, ghcr.io/acme/ap) or on its last path element
// (acme/app, which Docker reads as docker.io/acme/app, for
// ghcr.io/acme/app), each with where it is referenced.
func similarImages(want string, refs []Change) []Similar {
	type cand struct {
		Similar
		score int
	}
	byRepo := map[string]*cand{}
	var order []*cand
	for _, r := range refs {
		if r.Image == want {
			continue
		}
		c, ok := byRepo[r.Image]
		if !ok {
			d := spelling.Distance(want, r.Image)
			last := spelling.Distance(lastElement(want), lastElement(r.Image))
			lw := len(lastElement(want))
			switch {
			case d <= max(2, len(want)/8):
			case last <= max(1, lw/4) && lw >= 2:
				d = 100 + last // after every close whole name
			default:
				byRepo[r.Image] = nil
				continue
			}
			c = &cand{Similar: Similar{Image: r.Image}, score: d}
			byRepo[r.Image] = c
			order = append(order, c)
		}
		if c == nil {
			continue
		}
		if len(c.Places) < maxPlaces {
			c.Places = append(c.Places, Warning{File: r.File, Line: r.Line})
		} else {
			c.More++
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].score != order[j].score {
			return order[i].score < order[j].score
		}
		return order[i].Image < order[j].Image
	})
	var out []Similar
	for i, c := range order {
		if i == maxSimilar {
			break
		}
		out = append(out, c.Similar)
	}
	return out
}

func lastElement(repo string) string {
	return repo[strings.LastIndexByte(repo, '/')+1:]
}
