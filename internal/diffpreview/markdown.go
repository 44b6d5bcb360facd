package diffpreview

import (
	"cmp"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gitops-actions/gitops-actions/internal/mdtext"
)

// A pull-request comment holds 65,536 characters and a job summary 1 MiB;
// a preview of a large change holds more. Markdown fits it by tiers, whole
// resources first: every diff in full, else each diff cut to cutBytes
// with its fence closed, else the names of the resources, else the counts
// of each environment, and the rest is in the run (runURL). Every
// environment is named in every tier, or counted where even the names do
// not fit.
const (
	cutBytes = 2000 // a diff's budget in the cut tier: about 40 lines
	errRunes = 300  // an error's in the counts tier
	maxError = 1000 // an error's elsewhere (safeError cuts at 500 bytes already)
)

type tier int

const (
	tierFull tier = iota
	tierCut
	tierNames
	tierCounts
)

// Markdown renders the preview for a job summary or a pull-request
// comment in at most limit bytes (so at most limit characters), with a
// link to runURL for what does not fit. Names and errors from the trees
// are escaped, and every diff sits in a code fence longer than any run of
// backticks inside it, so that nothing a pull request writes can close it
// or format the text around it.
func (p *Preview) Markdown(limit int, runURL string) string {
	for _, t := range []tier{tierFull, tierCut, tierNames, tierCounts} {
		if s := p.markdown(t, runURL); len(s) <= limit {
			return s
		}
	}
	return p.fitCounts(limit, runURL)
}

// header is the first lines of every tier.
func (p *Preview) header() string {
	added, removed, changed := p.Counts()
	var b strings.Builder
	b.WriteString("### Rendered changes\n\n")
	touched, failed := 0, 0
	for _, e := range p.Environments {
		if e.BaseError != "" || e.HeadError != "" {
			failed++
		} else if len(e.Added)+len(e.Removed)+len(e.Changed) > 0 {
			touched++
		}
	}
	switch {
	case len(p.Environments) == 0:
		b.WriteString("No rendered resource changes: no environment found.\n")
	case added+removed+changed == 0 && failed == 0:
		fmt.Fprintf(&b, "No rendered resource changes in %s.\n", plural(len(p.Environments), "environment"))
	default:
		fmt.Fprintf(&b, "**%d added, %d removed, %d changed** in %d of %s", added, removed, changed, touched, plural(len(p.Environments), "environment"))
		if failed > 0 {
			fmt.Fprintf(&b, "; %d did not render on one side or both", failed)
		}
		b.WriteString(".\n")
	}
	return b.String()
}

// note says what a tier leaves out, and where the rest is.
func note(t tier, runURL string) string {
	rest := "the rest is in the run's diff file"
	if runURL != "" {
		rest = fmt.Sprintf("the rest is in [the run](%s)", mdtext.URL(runURL))
	}
	switch t {
	case tierCut:
		return fmt.Sprintf("\n_Too large to show whole: each diff is cut to %d bytes; %s._\n", cutBytes, rest)
	case tierNames:
		return fmt.Sprintf("\n_Too large to show the diffs: names only; %s._\n", rest)
	case tierCounts:
		return fmt.Sprintf("\n_Too large to list the resources: counts only; %s._\n", rest)
	}
	return ""
}

func (p *Preview) markdown(t tier, runURL string) string {
	var b strings.Builder
	b.WriteString(p.header())
	b.WriteString(note(t, runURL))
	var quietNames []string
	for _, e := range p.Environments {
		if quiet(e) == 1 {
			quietNames = append(quietNames, code(e.Name))
			continue
		}
		if t == tierCounts {
			b.WriteString(countsLine(e))
			continue
		}
		writeEnvironment(&b, e, t)
	}
	if len(quietNames) > 0 {
		fmt.Fprintf(&b, "\nNo change in %s: %s.\n", plural(len(quietNames), "environment"), strings.Join(quietNames, ", "))
	}
	return b.String()
}

// quiet is 1 for an environment with nothing to show (no change, no
// error), else 0.
func quiet(e Environment) int {
	if e.BaseError == "" && e.HeadError == "" && len(e.Added)+len(e.Removed)+len(e.Changed) == 0 {
		return 1
	}
	return 0
}

func countsLine(e Environment) string {
	s := fmt.Sprintf("- %s: %s\n", code(e.Name), summary(e))
	for _, l := range errorLines(e) {
		s += "  - " + mdtext.Text(l, errRunes) + "\n"
	}
	return s
}

func summary(e Environment) string {
	if e.BaseError != "" || e.HeadError != "" {
		return "not compared"
	}
	return fmt.Sprintf("%d added, %d removed, %d changed", len(e.Added), len(e.Removed), len(e.Changed))
}

func errorLines(e Environment) []string {
	var out []string
	if e.BaseError != "" {
		out = append(out, "the base did not render: "+e.BaseError)
	}
	if e.HeadError != "" {
		out = append(out, "the head did not render: "+e.HeadError)
	}
	return out
}

// writeEnvironment writes one environment: its errors, a table of its
// resources and, unless names only, a collapsed diff of each.
func writeEnvironment(b *strings.Builder, e Environment, t tier) {
	fmt.Fprintf(b, "\n#### %s: %s\n\n", code(e.Name), summary(e))
	for _, l := range errorLines(e) {
		fmt.Fprintf(b, "> %s\n\n", mdtext.Text(l, maxError))
	}
	groups := []struct {
		what string
		rs   []Resource
	}{{"added", e.Added}, {"removed", e.Removed}, {"changed", e.Changed}}
	if len(e.Added)+len(e.Removed)+len(e.Changed) == 0 {
		return
	}
	b.WriteString("| change | resource |\n|---|---|\n")
	for _, g := range groups {
		for _, r := range g.rs {
			fmt.Fprintf(b, "| %s | %s |\n", g.what, code(r.ID))
		}
	}
	if t == tierNames {
		return
	}
	for _, g := range groups {
		for _, r := range g.rs {
			diff, cut := r.Diff, 0
			if t == tierCut {
				diff, cut = cutDiff(diff, cutBytes)
			}
			fence := mdtext.Fence(diff)
			fmt.Fprintf(b, "\n<details><summary>%s %s</summary>\n\n%sdiff\n%s", g.what, htmlCode(r.ID), fence, diff)
			if !strings.HasSuffix(diff, "\n") {
				b.WriteString("\n")
			}
			b.WriteString(fence + "\n")
			if cut > 0 {
				fmt.Fprintf(b, "\n_… %d more bytes not shown._\n", cut)
			}
			b.WriteString("\n</details>\n")
		}
	}
}

// fitCounts is the counts tier cut to limit: the environments that fit,
// then how many more and what they hold. Lines are dropped whole; there is
// no fence to break in this tier.
func (p *Preview) fitCounts(limit int, runURL string) string {
	head := p.header() + note(tierCounts, runURL)
	// The environments with something to show come first: the quiet ones
	// are the first to be only counted.
	envs := slices.Clone(p.Environments)
	slices.SortStableFunc(envs, func(a, b Environment) int {
		return cmp.Compare(quiet(a), quiet(b))
	})
	var lines []string
	for _, e := range envs {
		lines = append(lines, countsLine(e))
	}
	for n := len(lines); n >= 0; n-- {
		var b strings.Builder
		b.WriteString(head)
		for _, l := range lines[:n] {
			b.WriteString(l)
		}
		if n < len(lines) {
			var a, r, c, failed int
			for _, e := range envs[n:] {
				a, r, c = a+len(e.Added), r+len(e.Removed), c+len(e.Changed)
				if e.BaseError != "" || e.HeadError != "" {
					failed++
				}
			}
			more := "more environments"
			if len(lines)-n == 1 {
				more = "more environment"
			}
			fmt.Fprintf(&b, "- … and %d %s: %d added, %d removed, %d changed", len(lines)-n, more, a, r, c)
			if failed > 0 {
				fmt.Fprintf(&b, ", %d not compared", failed)
			}
			b.WriteString("\n")
		}
		if b.Len() <= limit {
			return b.String()
		}
	}
	// Not even the header fits: its first lines, whole, as far as they go.
	out := ""
	for _, l := range strings.SplitAfter(head, "\n") {
		if len(out)+len(l) > limit {
			break
		}
		out += l
	}
	return out
}

// cutDiff keeps the lines of a diff that fit in budget bytes (at least a
// part of the first), and says how many bytes it left out.
func cutDiff(diff string, budget int) (string, int) {
	if len(diff) <= budget {
		return diff, 0
	}
	kept := 0
	for kept < len(diff) {
		i := strings.IndexByte(diff[kept:], '\n')
		if i < 0 || kept+i+1 > budget {
			break
		}
		kept += i + 1
	}
	if kept == 0 {
		kept = budget
		for kept > 0 && !utf8.RuneStart(diff[kept]) {
			kept--
		}
		return diff[:kept] + "\n", len(diff) - kept
	}
	return diff[:kept], len(diff) - kept
}

// maxName bounds a name or an ID from the trees, in runes: Kubernetes
// caps a name at 253 characters, a hostile tree does not.
const maxName = 400

// code shows a name from the trees as a code span (mdtext.Code): nothing
// in it is read as Markdown, and GitHub mentions nothing in code.
func code(s string) string { return mdtext.Code(s, maxName) }

// htmlCode shows a name inside the <summary> of a <details>: that line
// opens an HTML block, where GitHub reads no Markdown (a code span's
// backticks would show, and what they hold would be HTML), so the name is
// HTML-escaped inside a <code> element.
func htmlCode(s string) string {
	return "<code>" + html.EscapeString(mdtext.OneLine(s, maxName)) + "</code>"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// WriteText writes the whole preview as plain text, for the diff-file
// output: every environment, every diff in full.
func (p *Preview) WriteText(w io.Writer) error {
	var b strings.Builder
	added, removed, changed := p.Counts()
	failed := 0
	for _, e := range p.Environments {
		if e.BaseError != "" || e.HeadError != "" {
			failed++
		}
	}
	if added+removed+changed == 0 && failed == 0 {
		fmt.Fprintf(&b, "no rendered resource changes in %s\n", plural(len(p.Environments), "environment"))
	}
	for _, e := range p.Environments {
		fmt.Fprintf(&b, "=== %s: %s\n", oneLine(e.Name), summary(e))
		for _, l := range errorLines(e) {
			fmt.Fprintf(&b, "%s\n", l)
		}
		for _, g := range []struct {
			what string
			rs   []Resource
		}{{"added", e.Added}, {"removed", e.Removed}, {"changed", e.Changed}} {
			for _, r := range g.rs {
				fmt.Fprintf(&b, "--- %s %s\n%s", g.what, oneLine(r.ID), r.Diff)
				if !strings.HasSuffix(r.Diff, "\n") {
					b.WriteString("\n")
				}
			}
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return fmt.Errorf("writing the diff: %w", err)
		}
		b.Reset()
	}
	if b.Len() > 0 {
		if _, err := io.WriteString(w, b.String()); err != nil {
			return fmt.Errorf("writing the diff: %w", err)
		}
	}
	return nil
}

// oneLine keeps a name on its line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
