package bumpimage

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"text/template"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/mdtext"
)

// changeRow is one image in one environment: what it changes from and
// to, and every place it is set (a Deployment and the kustomization's
// images: entry of the same image are one change in two places).
type changeRow struct {
	Environment string
	Image       string
	// Old and New list the distinct versions, comma-separated (the
	// places of one image may have held different ones).
	Old, New string
	// Places are file:line, in the engine's order.
	Places []string
	// PinsDefault is set when a place had no tag (the chart's default).
	PinsDefault bool
}

// envDirs are the directory names a config repository keeps its
// environments under.
var envDirs = []string{"environments", "envs", "env", "clusters", "overlays", "stages"}

// environmentOf names the environment a file belongs to: the directory
// under environments/ (envs/, clusters/, overlays/, stages/) that holds
// it, else the file's own directory.
func environmentOf(file string) string {
	parts := strings.Split(file, "/")
	for i := 0; i+2 < len(parts); i++ {
		if slices.Contains(envDirs, parts[i]) {
			return strings.Join(parts[:i+2], "/")
		}
	}
	return path.Dir(file)
}

// rows groups changes by environment and image, in the order they come.
func rows(changes []manifest.Change) []changeRow {
	var rows []changeRow
	at := map[[2]string]int{}
	add := func(list, v string) string {
		if v == "" || slices.Contains(strings.Split(list, ", "), v) {
			return list
		}
		if list == "" {
			return v
		}
		return list + ", " + v
	}
	for _, c := range changes {
		k := [2]string{environmentOf(c.File), c.What()}
		i, ok := at[k]
		if !ok {
			i = len(rows)
			at[k] = i
			rows = append(rows, changeRow{Environment: k[0], Image: c.What()})
		}
		r := &rows[i]
		old := imageref.VersionOf(c.Image, c.Old)
		if c.PinsDefault {
			old, r.PinsDefault = "(the chart's default)", true
		}
		r.Old, r.New = add(r.Old, old), add(r.New, imageref.VersionOf(c.Image, c.New))
		r.Places = append(r.Places, fmt.Sprintf("%s:%d", c.File, c.Line))
	}
	return rows
}

// maxCell bounds a value from the repository in a table cell, in runes.
const maxCell = 300

// markdownFuncs are the functions body templates may call to put a value
// from the repository into Markdown safely: code (a code span), text
// (escaped text, nothing linked or mentioned), short (a version with its
// digest shortened) and link (a link whose text is Markdown already).
var markdownFuncs = template.FuncMap{
	"code":  func(s string) string { return mdtext.Code(s, maxCell) },
	"text":  func(s string) string { return mdtext.Text(s, maxCell) },
	"short": imageref.Abbrev,
	"link":  mdtext.Link,
}

// summaryTable renders the job summary: what changed (or, in a dry run,
// would change), one row per image and environment with its places, and
// the references holds and digest pins kept as they are.
func summaryTable(res *manifest.Result, dryRun bool) string {
	var b strings.Builder
	b.WriteString("### bump-image\n\n")
	if dryRun {
		b.WriteString("**Dry run: nothing written.** ")
	}
	rows := rows(res.Changes)
	if len(rows) == 0 {
		fmt.Fprintf(&b, "Nothing to change: %d reference(s) already hold the new version.\n", len(res.Current))
	} else {
		var envs []string
		for _, r := range rows {
			if !slices.Contains(envs, r.Environment) {
				envs = append(envs, r.Environment)
			}
		}
		verb := "Changed"
		if dryRun {
			verb = "Would change"
		}
		fmt.Fprintf(&b, "%s %d place(s) in %d file(s), in %d environment(s):\n\n", verb, len(res.Changes), len(res.Files), len(envs))
		b.WriteString("| environment | image | old | new | where |\n|---|---|---|---|---|\n")
		for _, r := range rows {
			old := mdtext.Code(imageref.Abbrev(r.Old), maxCell)
			if r.PinsDefault {
				old += " (no tag set: now pinned)"
			}
			var places []string
			for _, p := range r.Places {
				places = append(places, mdtext.Code(p, maxCell))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdtext.Code(r.Environment, maxCell), mdtext.Code(r.Image, maxCell), old, mdtext.Code(imageref.Abbrev(r.New), maxCell), strings.Join(places, "<br>"))
		}
	}
	if len(res.Held) > 0 {
		b.WriteString("\nHeld by a hold comment, left as they are:\n\n| file | line | image | held at | reason |\n|---|---|---|---|---|\n")
		for _, h := range res.Held {
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", mdtext.Code(h.File, maxCell), h.Line, mdtext.Code(h.What(), maxCell), mdtext.Code(imageref.Abbrev(h.Version), maxCell), mdtext.Text(h.Reason, maxCell))
		}
	}
	if len(res.Refused) > 0 {
		b.WriteString("\nRefused (a digest pin would be dropped, or a digest has no field), left as they are:\n\n| file | line | image | old | wanted | why |\n|---|---|---|---|---|---|\n")
		for _, f := range res.Refused {
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s |\n", mdtext.Code(f.File, maxCell), f.Line, mdtext.Code(f.What(), maxCell), mdtext.Code(imageref.Abbrev(f.Old), maxCell), mdtext.Code(imageref.Abbrev(f.Wanted), maxCell), mdtext.Text(f.Message, 1000))
		}
	}
	return b.String()
}
