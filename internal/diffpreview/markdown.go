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
// a preview of a large change holds more. The Markdown puts first what a
// reviewer came for: the verdict of the check and what changes, linked to
// the run. Then the environments that have something to show (a change,
// an error, a finding), the most important first: production before the
// others, and those with errors before those without. The others are one
// count.
//
// Each change is listed once, its diff open under a <details> whose
// summary names it with its size (+N −M). The budget is filled with whole
// diffs in order of importance; a diff that does not fit leaves its
// resource named only, and the next ones are still tried; room left at
// the end shows the start of the first diff that did not fit. Identical
// edits are folded: shown once, with the names of the resources they are
// made to. Where not even every name fits, each environment is a line of
// counts, and the rest is in the run (runURL).
const (
	errRunes = 300  // an error's, in the counts form
	maxError = 1000 // an error's elsewhere (safeError cuts at 500 bytes already)
	// minCut is the least of a diff worth showing cut.
	minCut = 600
)

// MarkdownOptions say how the preview is shown.
type MarkdownOptions struct {
	// Limit bounds the Markdown in bytes (so in characters).
	Limit int
	// RunURL is the workflow run, where everything is: the verdict links
	// to it.
	RunURL string
	// Check is the verdict of the check the preview goes with (verify's
	// findings); nil shows the changes alone, under a heading, as in a
	// job summary that says the verdict already.
	Check *Check
	// About is a line of the tool's own Markdown under the verdict: what
	// was compared with what.
	About string
}

// Check is what the check found: its errors and warnings, in all and per
// environment (by the preview's names).
type Check struct {
	Errors, Warnings int
	ByEnvironment    map[string]Tally
}

// Tally counts one environment's findings.
type Tally struct {
	Errors, Warnings int
}

// Markdown renders the preview for a job summary in at most limit bytes,
// with a link to runURL for what does not fit (MarkdownWith).
func (p *Preview) Markdown(limit int, runURL string) string {
	return p.MarkdownWith(MarkdownOptions{Limit: limit, RunURL: runURL})
}

// MarkdownWith renders the preview in at most opts.Limit bytes. Names and
// errors from the trees are escaped (mdtext), and every diff sits in a
// code fence longer than any run of backticks inside it, so that nothing
// a pull request writes can close it, format the text around it, or link
// or mention anything.
func (p *Preview) MarkdownWith(opts MarkdownOptions) string {
	l := p.layout(opts)
	if s, ok := l.fill(opts.Limit); ok {
		return s
	}
	return l.fitCounts(opts.Limit)
}

// layout is a preview arranged for Markdown: its sections in order, each
// entry's forms rendered.
type layout struct {
	head     string // the verdict and what was compared
	sections []*section
	quiet    int // environments with nothing to show
	runURL   string
	p        *Preview
}

// section is one environment that has something to show.
type section struct {
	env     Environment
	tally   Tally
	rank    int
	heading string
	entries []*mdEntry
}

// mdEntry is a change as the Markdown lists it: a resource, with those
// that had the identical edit in the same environment folded into it.
type mdEntry struct {
	what, id    string
	diff        string // the diff as Markdown shows it (mdDiff)
	plus, minus int
	// folded are the IDs of the same environment's resources with the
	// same edit; others counts those of other environments.
	folded []string
	others int
	// sameAs, when set, is the entry shown whole elsewhere that made the
	// same edit, in the environment sameEnv: this one is a name only.
	sameAs  *mdEntry
	sameEnv string
}

// rank orders environments: production before the others, errors (a
// side that does not render, or findings) before none.
func rank(name string, failed bool) int {
	r := 3
	if isProduction(name) {
		r = 1
	}
	if failed {
		r--
	}
	return r
}

// isProduction reports whether an environment's name says production.
func isProduction(name string) bool {
	for _, part := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == '/' || r == '-' || r == '_' || r == '.' }) {
		if strings.HasPrefix(part, "prod") || part == "prd" || part == "live" {
			return true
		}
	}
	return false
}

func failed(e Environment) bool { return e.BaseError != "" || e.HeadError != "" }

func nChanges(e Environment) int { return len(e.Added) + len(e.Removed) + len(e.Changed) }

// layout arranges the preview: which environments show, in which order,
// and each change as an entry, identical edits folded.
func (p *Preview) layout(opts MarkdownOptions) *layout {
	l := &layout{runURL: opts.RunURL, p: p}
	for _, e := range p.Environments {
		var t Tally
		if opts.Check != nil {
			t = opts.Check.ByEnvironment[e.Name]
		}
		if !failed(e) && nChanges(e) == 0 && len(e.Notes) == 0 && t.Errors+t.Warnings == 0 {
			l.quiet++
			continue
		}
		s := &section{env: e, tally: t, rank: rank(e.Name, failed(e) || t.Errors > 0)}
		l.sections = append(l.sections, s)
	}
	slices.SortStableFunc(l.sections, func(a, b *section) int { return cmp.Compare(a.rank, b.rank) })
	l.head = p.verdict(opts)
	// Identical edits: the first, in order of importance, is shown; the
	// others of its environment fold into it, those of others name it.
	first := map[string]*mdEntry{}
	firstEnv := map[*mdEntry]string{}
	for _, s := range l.sections {
		s.heading = sectionHeading(s)
		for _, g := range groups(s.env) {
			for _, r := range g.rs {
				e := &mdEntry{what: g.what, id: r.ID, diff: mdDiff(r.Diff)}
				e.plus, e.minus = diffSize(r.Diff)
				key := g.what + "\x00" + editOf(e.diff)
				switch f, seen := first[key]; {
				case !seen || g.what != "changed":
					first[key] = e
					firstEnv[e] = s.env.Name
					s.entries = append(s.entries, e)
				case firstEnv[f] == s.env.Name:
					f.folded = append(f.folded, r.ID)
				default:
					f.others++
					e.sameAs, e.sameEnv = f, firstEnv[f]
					s.entries = append(s.entries, e)
				}
			}
		}
	}
	return l
}

// groups are an environment's changes by kind.
func groups(e Environment) []struct {
	what string
	rs   []Resource
} {
	return []struct {
		what string
		rs   []Resource
	}{{"changed", e.Changed}, {"added", e.Added}, {"removed", e.Removed}}
}

// verdict is the first lines: the check's result and what changes,
// linked to the run, then what was compared.
func (p *Preview) verdict(opts MarkdownOptions) string {
	added, removed, changed := p.Counts()
	touched, broken := 0, 0
	for _, e := range p.Environments {
		switch {
		case failed(e):
			broken++
		case nChanges(e) > 0:
			touched++
		}
	}
	var what string
	switch n := added + removed + changed; {
	case len(p.Environments) == 0:
		what = "no rendered resource changes: no environment found"
	case n == 0:
		what = fmt.Sprintf("no rendered resource changes in %s", plural(len(p.Environments), "environment"))
	default:
		verb := "change"
		if n == 1 {
			verb = "changes"
		}
		what = fmt.Sprintf("%s %s in %d of %s", plural(n, "resource"), verb, touched, plural(len(p.Environments), "environment"))
	}
	if broken > 0 {
		verb := "do"
		if broken == 1 {
			verb = "does"
		}
		what += fmt.Sprintf(" · %d %s not render", broken, verb)
	}
	notes := 0
	for _, e := range p.Environments {
		notes += len(e.Notes)
	}
	if notes > 0 {
		what += fmt.Sprintf(" · %s not compared", plural(notes, "release"))
	}
	var b strings.Builder
	if c := opts.Check; c != nil {
		b.WriteString(mdtext.Link(checkText(c, p), opts.RunURL))
		b.WriteString(" · " + what + "\n")
	} else {
		b.WriteString("### Rendered changes\n\n")
		b.WriteString(mdtext.Link(upper(what), opts.RunURL) + "\n")
	}
	if opts.About != "" {
		b.WriteString("\n" + opts.About + "\n")
	}
	return b.String()
}

// checkText is the check's verdict: "❌ 5 errors (1 in production)".
func checkText(c *Check, p *Preview) string {
	prod := 0
	for _, e := range p.Environments {
		if isProduction(e.Name) {
			prod += c.ByEnvironment[e.Name].Errors
		}
	}
	switch {
	case c.Errors > 0 && prod > 0:
		return fmt.Sprintf("❌ %s (%d in production)", plural(c.Errors, "error"), prod)
	case c.Errors > 0:
		return "❌ " + plural(c.Errors, "error")
	case c.Warnings > 0:
		return "⚠️ " + plural(c.Warnings, "warning")
	}
	return "✅ no findings"
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// sectionHeading is an environment's heading: its name, what changes in
// it, and its findings.
func sectionHeading(s *section) string {
	e := s.env
	var parts []string
	switch {
	case failed(e):
		parts = append(parts, "does not render")
	case nChanges(e) == 0 && len(e.Notes) > 0:
		parts = append(parts, "no change in what rendered on both sides")
	case nChanges(e) == 0:
		parts = append(parts, "no change")
	default:
		var c []string
		for _, g := range groups(e) {
			if len(g.rs) > 0 {
				c = append(c, fmt.Sprintf("%d %s", len(g.rs), g.what))
			}
		}
		parts = append(parts, strings.Join(c, ", "))
	}
	var f []string
	if s.tally.Errors > 0 {
		f = append(f, "❌ "+plural(s.tally.Errors, "error"))
	}
	if s.tally.Warnings > 0 {
		f = append(f, "⚠️ "+plural(s.tally.Warnings, "warning"))
	}
	if len(f) > 0 {
		parts = append(parts, strings.Join(f, ", "))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n#### %s · %s\n\n", code(e.Name), strings.Join(parts, " · "))
	for _, l := range errorLines(e) {
		fmt.Fprintf(&b, "> %s\n\n", mdtext.Text(l, maxError))
	}
	return b.String()
}

// form is how an entry shows: named only, its diff whole, or its diff cut.
type form struct {
	whole bool
	cut   int // the bytes of the diff shown, when cut
}

// name is an entry named only, as a list item.
func (e *mdEntry) name() string {
	s := fmt.Sprintf("- %s %s %s", e.what, code(e.id), size(e.plus, e.minus))
	if e.sameAs != nil {
		s += fmt.Sprintf(": the same edit as %s in %s", code(e.sameAs.id), code(e.sameEnv))
	}
	return s + e.foldedText() + "\n"
}

// foldedText names the resources the entry's edit was made to too:
// by what tells them apart, after what they share ("apps/v1 Deployment
// prod/").
func (e *mdEntry) foldedText() string {
	var b strings.Builder
	if len(e.folded) > 0 {
		shared := sharedPrefix(append([]string{e.id}, e.folded...))
		names := make([]string, len(e.folded))
		for i, id := range e.folded {
			names[i] = code(id[len(shared):])
		}
		of := ""
		if shared != "" {
			of = " " + code(shared+"…")
		}
		fmt.Fprintf(&b, "; the same edit to %d more%s: %s", len(e.folded), of, strings.Join(names, ", "))
	}
	if e.others > 0 {
		fmt.Fprintf(&b, "; the same edit in %s, below", plural(e.others, "other environment"))
	}
	return b.String()
}

// sharedPrefix is the longest start every id has that ends with a space
// or a slash, and leaves each something.
func sharedPrefix(ids []string) string {
	p := ids[0]
	for _, id := range ids[1:] {
		n := 0
		for n < len(p) && n < len(id) && p[n] == id[n] {
			n++
		}
		p = p[:n]
	}
	for _, id := range ids {
		if len(id) == len(p) {
			p = p[:max(0, len(p)-1)]
		}
	}
	if i := strings.LastIndexAny(p, " /"); i >= 0 {
		return p[:i+1]
	}
	return ""
}

// block is an entry with its diff, open, cut to n bytes when n > 0.
func (e *mdEntry) block(n int) string {
	var b strings.Builder
	fold := ""
	if len(e.folded) > 0 {
		fold = fmt.Sprintf(" · ×%d", len(e.folded)+1)
	}
	fmt.Fprintf(&b, "<details open><summary>%s %s %s%s</summary>\n\n", e.what, htmlCode(e.id), size(e.plus, e.minus), fold)
	diff, left := e.diff, 0
	if n > 0 {
		diff, left = cutDiff(diff, n)
	}
	fence := mdtext.Fence(diff)
	b.WriteString(fence + "diff\n" + diff)
	if !strings.HasSuffix(diff, "\n") {
		b.WriteString("\n")
	}
	b.WriteString(fence + "\n")
	if left > 0 {
		fmt.Fprintf(&b, "\n_… %d more bytes of this diff are in the run._\n", left)
	}
	if t := e.foldedText(); t != "" {
		b.WriteString("\n" + upper(strings.TrimPrefix(t, "; ")) + ".\n")
	}
	b.WriteString("\n</details>\n\n")
	return b.String()
}

// size is "+N −M".
func size(plus, minus int) string { return fmt.Sprintf("+%d −%d", plus, minus) }

// shown reports whether an entry may show its diff: one that names
// another's edit never does.
func (e *mdEntry) shown() bool { return e.sameAs == nil }

// fill lays the sections out in limit bytes: every entry named, then as
// many whole diffs as fit, in order of importance, then the start of the
// first that did not. ok is false when not even the names fit.
func (l *layout) fill(limit int) (string, bool) {
	var all []*mdEntry
	for _, s := range l.sections {
		for _, e := range s.entries {
			if e.shown() {
				all = append(all, e)
			}
		}
	}
	forms := map[*mdEntry]form{}
	render := func() string {
		var b strings.Builder
		b.WriteString(l.head)
		left := 0
		for _, e := range all {
			if !forms[e].whole {
				left++
			}
		}
		if left > 0 {
			b.WriteString(l.note(left, len(all)))
		}
		for _, s := range l.sections {
			b.WriteString(s.heading)
			for _, e := range s.entries {
				switch f := forms[e]; {
				case f.whole:
					b.WriteString(e.block(f.cut))
				default:
					b.WriteString(e.name())
				}
			}
		}
		b.WriteString(l.rest())
		return b.String()
	}
	// The skeleton: every entry named, and the note that says so (its
	// count the widest it can be).
	size := len(l.head) + len(l.note(len(all), len(all))) + len(l.rest())
	for _, s := range l.sections {
		size += len(s.heading)
		for _, e := range s.entries {
			size += len(e.name())
		}
	}
	if size > limit {
		return "", false
	}
	for _, e := range all {
		if grow := len(e.block(0)) - len(e.name()); size+grow <= limit {
			forms[e] = form{whole: true}
			size += grow
		}
	}
	for _, e := range all {
		if forms[e].whole {
			continue
		}
		// The room left, less what a cut block adds around its diff.
		room := limit - size - (len(e.block(1)) - len(e.name())) - 40
		if room < minCut {
			break
		}
		f := form{whole: true, cut: room}
		if grow := len(e.block(room)) - len(e.name()); size+grow <= limit {
			forms[e] = f
			size += grow
		}
		break
	}
	return render(), true
}

// note says that some diffs are named only, and where they are.
func (l *layout) note(left, all int) string {
	where := "the run's diff file"
	if l.runURL != "" {
		where = mdtext.Link("the run", l.runURL) + " (its diff file)"
	}
	return fmt.Sprintf("\n_%d of %d diffs do not fit here whole: their resources are named, and every diff is in %s._\n", left, all, where)
}

// rest counts the environments with nothing to show.
func (l *layout) rest() string {
	switch {
	case l.quiet == 0:
		return ""
	case len(l.sections) == 0:
		return ""
	}
	return fmt.Sprintf("\nNo change in the other %s.\n", plural(l.quiet, "environment"))
}

// countsLine is an environment as a line of counts.
func countsLine(s *section) string {
	e := s.env
	summary := "does not render"
	if !failed(e) {
		summary = fmt.Sprintf("%d added, %d removed, %d changed", len(e.Added), len(e.Removed), len(e.Changed))
	}
	if s.tally.Errors > 0 {
		summary += ", ❌ " + plural(s.tally.Errors, "error")
	}
	out := fmt.Sprintf("- %s: %s\n", code(e.Name), summary)
	for _, l := range errorLines(e) {
		out += "  - " + mdtext.Text(l, errRunes) + "\n"
	}
	return out
}

// fitCounts is the preview when not even every resource's name fits:
// each environment to show as a line of counts, as many as fit, then how
// many more and what they hold. Lines are dropped whole; there is no
// fence to break in this form.
func (l *layout) fitCounts(limit int) string {
	rest := "the run's diff file"
	if l.runURL != "" {
		rest = mdtext.Link("the run", l.runURL)
	}
	head := l.head + fmt.Sprintf("\n_Too large to list the resources: counts only; the rest is in %s._\n\n", rest)
	var lines []string
	for _, s := range l.sections {
		lines = append(lines, countsLine(s))
	}
	for n := len(lines); n >= 0; n-- {
		var b strings.Builder
		b.WriteString(head)
		for _, x := range lines[:n] {
			b.WriteString(x)
		}
		if n < len(lines) {
			var a, r, c, broken int
			for _, s := range l.sections[n:] {
				a, r, c = a+len(s.env.Added), r+len(s.env.Removed), c+len(s.env.Changed)
				if failed(s.env) {
					broken++
				}
			}
			fmt.Fprintf(&b, "- … and %s: %d added, %d removed, %d changed", plural(len(lines)-n, "more environment"), a, r, c)
			if broken > 0 {
				fmt.Fprintf(&b, ", %d not rendered", broken)
			}
			b.WriteString("\n")
		}
		b.WriteString(l.rest())
		if b.Len() <= limit {
			return b.String()
		}
	}
	// Not even that fits: the first lines, whole, as far as they go.
	out := ""
	for _, x := range strings.SplitAfter(head, "\n") {
		if len(out)+len(x) > limit {
			break
		}
		out += x
	}
	return out
}

// mdDiff is a diff as the Markdown shows it: without the file header,
// which names no file, and each hunk header its path alone when it has
// one (the line numbers of a rendered object mean nothing to a reader).
func mdDiff(diff string) string {
	var b strings.Builder
	for i, l := range strings.SplitAfter(diff, "\n") {
		if i < 2 && (strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "+++ ")) {
			continue
		}
		if strings.HasPrefix(l, "@@ ") {
			rest := strings.TrimRight(l, "\n")
			if j := strings.Index(rest[3:], " @@ "); j >= 0 {
				l = "@@ " + rest[3+j+4:] + " @@\n"
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

// editOf is what a diff changes, without its context: two resources with
// the same edit have the same.
func editOf(diff string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(diff, "\n") {
		if l != "" && (l[0] == '+' || l[0] == '-' || l[0] == '@') {
			b.WriteString(l)
		}
	}
	return b.String()
}

// diffSize counts a unified diff's added and removed lines.
func diffSize(diff string) (plus, minus int) {
	for i, l := range strings.Split(diff, "\n") {
		if i < 2 && (strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "+++ ")) {
			continue
		}
		switch {
		case strings.HasPrefix(l, "+"):
			plus++
		case strings.HasPrefix(l, "-"):
			minus++
		}
	}
	return plus, minus
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

func summary(e Environment) string {
	if failed(e) {
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
	return append(out, e.Notes...)
}

// WriteText writes the whole preview as plain text, for the diff-file
// output: every environment, every diff in full.
func (p *Preview) WriteText(w io.Writer) error {
	var b strings.Builder
	added, removed, changed := p.Counts()
	broken := 0
	for _, e := range p.Environments {
		if failed(e) {
			broken++
		}
	}
	if added+removed+changed == 0 && broken == 0 {
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
