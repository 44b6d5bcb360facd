package promotion

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/mdtext"
	"github.com/gitops-actions/gitops-actions/internal/resourcediff"
)

// Text is the title, body and commit message of a pull request. The
// commit message has no trailers: the pull-request machinery adds them.
type Text struct {
	Title, Body, Message string
}

// Limits keep a body under GitHub's 65,536 characters whatever the
// repository holds.
const (
	maxRows    = 150 // rows of a drift or file table
	maxCell    = 200 // runes of a value in a cell
	maxTitle   = 250
	maxSubject = 120
)

// md renders text from the repository as plain Markdown text: nothing in
// it becomes markup, a link or a mention.
func md(s string) string { return mdtext.Text(s, maxCell) }

// code renders s as a code span that survives a table cell.
func code(s string) string { return mdtext.Code(s, maxCell) }

// version renders a version for a table: its digest shortened
// (imageref.Abbrev), which cannot wrap and would push the columns after
// it out of sight; the full digest is in the files and the commit.
func version(v string) string { return code(imageref.Abbrev(v)) }

// webRoot is the scheme and host of a GitHub web address ("" when u is
// none), to link a commit of another repository on the same server.
func webRoot(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	return scheme + "://" + host
}

// shortVersion is a version for a title: the tag, else the start of the
// digest.
func shortVersion(v string) string {
	if tag, _, ok := strings.Cut(v, "@"); ok && tag != "" {
		return tag
	}
	v = strings.TrimPrefix(v, "@")
	if strings.HasPrefix(v, "sha256:") && len(v) > 19 {
		return v[:19]
	}
	return v
}

// footer is the line a body ends with: who made it, from which run.
func footer(runURL string) string {
	s := "\n---\n<sub>Opened by gitops-actions promote"
	if runURL != "" {
		s += " · [workflow run](" + mdtext.URL(runURL) + ")"
	}
	return s + "</sub>\n"
}

func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// origin renders where a version came from, for a table cell.
func origin(o *Origin) string {
	if o == nil {
		return "—"
	}
	var parts []string
	if o.Pull != nil {
		link := fmt.Sprintf("#%d", o.Pull.Number)
		if o.Pull.URL != "" {
			link = fmt.Sprintf("[#%d](%s)", o.Pull.Number, mdtext.URL(o.Pull.URL))
		}
		parts = append(parts, link+" "+md(mdtext.OneLine(o.Pull.Title, maxSubject)))
	} else if o.Commit != "" {
		parts = append(parts, code(shortSHA(o.Commit))+" "+md(mdtext.OneLine(o.Subject, maxSubject)))
	}
	if o.SourceRepository != "" || o.SourceCommit != "" {
		built := code(o.SourceRepository + "@" + shortSHA(o.SourceCommit))
		root := webRoot(o.RunURL)
		if root == "" && o.Pull != nil {
			root = webRoot(o.Pull.URL)
		}
		if root != "" && o.SourceRepository != "" && o.SourceCommit != "" {
			built = mdtext.Link(built, root+"/"+o.SourceRepository+"/commit/"+o.SourceCommit)
		}
		parts = append(parts, "built from "+built)
	}
	if o.RunURL != "" {
		parts = append(parts, "[run]("+mdtext.URL(o.RunURL)+")")
	}
	return strings.Join(parts, " · ")
}

// imagesTitle lists images and versions for a title: app v2.1.0, api 1.1.0.
func imagesTitle(ps []Promotion) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, path.Base(p.Image)+" "+shortVersion(p.ToVersion))
	}
	return strings.Join(parts, ", ")
}

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-3]) + "..."
	}
	return s
}

// PromotionText is the pull request of a directory promotion.
func PromotionText(res *Result, mode Mode, runURL string) Text {
	var t Text
	what := imagesTitle(res.Promoted)
	if mode == Files && what == "" {
		what = fmt.Sprintf("%d files", len(res.Files))
	}
	t.Title = cut(mdtext.OneLine(fmt.Sprintf("Promote %s to %s: %s", res.From, res.To, what), maxTitle), maxTitle)
	var b strings.Builder
	fmt.Fprintf(&b, "Promotes %s to %s", code(res.From), code(res.To))
	if mode == Files {
		b.WriteString(", file by file (`promotion: files`)")
	}
	b.WriteString(".\n\n")
	writePromoted(&b, res.Promoted, res.To, res.From, true)
	if mode == Files {
		writeFiles(&b, res.Files)
	}
	writeHeld(&b, res.Held, mode == Files)
	if len(res.Skipped) > 0 {
		b.WriteString("\n**Not promoted:**\n\n")
		for _, s := range res.Skipped {
			v := ""
			if s.Version != "" {
				v = " " + code(s.Version)
			}
			fmt.Fprintf(&b, "- %s%s: %s\n", code(s.Image), imageref.Abbrev(v), md(s.Reason))
		}
	}
	b.WriteString("\n")
	b.WriteString(DriftMarkdown(res.Drift))
	writeWarnings(&b, res.Warnings)
	b.WriteString(footer(runURL))
	t.Body = b.String()

	var m strings.Builder
	m.WriteString(t.Title + "\n\n")
	for _, p := range res.Promoted {
		fmt.Fprintf(&m, "- %s %s -> %s\n", p.Image, mdtext.OneLine(p.FromVersion, maxCell), mdtext.OneLine(p.ToVersion, maxCell))
	}
	if mode == Files {
		fmt.Fprintf(&m, "\n%s becomes a copy of %s: %d files.\n", res.To, res.From, len(res.Files))
	}
	t.Message = m.String()
	return t
}

// writePromoted renders the table of images that move.
func writePromoted(b *strings.Builder, ps []Promotion, target, source string, withOrigin bool) {
	if len(ps) == 0 {
		b.WriteString("No image changes version.\n")
		return
	}
	fmt.Fprintf(b, "| image | %s now | becomes | brought to %s by |\n|---|---|---|---|\n", code(target), code(source))
	for _, p := range ps {
		o := "—"
		if withOrigin {
			o = origin(p.Origin)
		}
		from := p.FromVersion
		if from == "" {
			from = "(none)"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", code(p.Image), version(from), version(p.ToVersion), o)
	}
}

// writeFiles lists the files of a Files promotion.
func writeFiles(b *strings.Builder, files []File) {
	if len(files) == 0 {
		return
	}
	fmt.Fprintf(b, "\n**Files** (%d):\n\n", len(files))
	for i, f := range files {
		if i == maxRows {
			fmt.Fprintf(b, "- and %d more\n", len(files)-maxRows)
			break
		}
		what := "copied"
		if f.Delete {
			what = "removed"
		}
		fmt.Fprintf(b, "- %s %s\n", code(f.Path), what)
	}
}

// writeHeld lists the hold comments that kept references (or files).
func writeHeld(b *strings.Builder, hs []manifest.Hold, files bool) {
	if len(hs) == 0 {
		return
	}
	if files {
		b.WriteString("\n**Held**: these files hold a hold comment, so they are left as they are (remove the comment to release them):\n\n| file | line | reason |\n|---|---|---|\n")
		for _, h := range hs {
			fmt.Fprintf(b, "| %s | %d | %s |\n", code(h.File), h.Line, md(h.Reason))
		}
		return
	}
	b.WriteString("\n**Held**: these references keep their version (remove the comment `# gitops-actions: hold` to release one):\n\n| file | line | image | held at | reason |\n|---|---|---|---|---|\n")
	for _, h := range hs {
		fmt.Fprintf(b, "| %s | %d | %s | %s | %s |\n", code(h.File), h.Line, code(h.Image), version(h.Version), md(h.Reason))
	}
}

func writeWarnings(b *strings.Builder, ws []string) {
	if len(ws) == 0 {
		return
	}
	b.WriteString("\n**Warnings:**\n\n")
	for i, w := range ws {
		if i == maxRows {
			fmt.Fprintf(b, "- and %d more\n", len(ws)-maxRows)
			break
		}
		fmt.Fprintf(b, "- %s\n", md(w))
	}
}

// DriftMarkdown renders the drift section, for the pull request's body and
// the job summary. A Secret's values are never in it.
func DriftMarkdown(d Drift) string {
	var b strings.Builder
	n := d.Count()
	from, to := path.Base(d.From), path.Base(d.To)
	b.WriteString("### Drift\n\n")
	switch {
	case n == 0 && len(d.Errors) == 0:
		fmt.Fprintf(&b, "None: once this is merged, %s and %s render the same resources, but for their namespaces.\n", code(d.From), code(d.To))
		return b.String()
	case n > 0:
		fmt.Fprintf(&b, "%d difference(s) between %s and %s that this pull request does **not** carry:\n\n", n, code(d.From), code(d.To))
	}
	ids := func(label string, list []resourcediff.ID) {
		if len(list) == 0 {
			return
		}
		var names []string
		for _, id := range list {
			names = append(names, code(id.String()))
		}
		fmt.Fprintf(&b, "- **Only in %s:** %s\n", code(label), strings.Join(names, ", "))
	}
	ids(d.From, d.Resources.OnlyA)
	ids(d.To, d.Resources.OnlyB)
	if len(d.OnlyInTo) > 0 {
		var refs []string
		for _, r := range d.OnlyInTo {
			refs = append(refs, fmt.Sprintf("%s %s (%s)", code(r.Image), version(r.Version), code(fmt.Sprintf("%s:%d", r.File, r.Line))))
		}
		fmt.Fprintf(&b, "- **Images only in %s**, left alone: %s\n", code(d.To), strings.Join(refs, ", "))
	}
	rows := 0
	for _, c := range d.Resources.Changed {
		rows += len(c.Fields)
	}
	if rows > 0 {
		fmt.Fprintf(&b, "\n| resource | field | %s | %s |\n|---|---|---|---|\n", code(from), code(to))
		shown := 0
		for _, c := range d.Resources.Changed {
			id := c.A
			id.Namespace = ""
			for _, f := range c.Fields {
				if shown == maxRows {
					break
				}
				shown++
				a, bv := value(f.A, f.AbsentA, f.Hidden), value(f.B, f.AbsentB, f.Hidden)
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", code(id.String()), code(f.Path), a, bv)
			}
		}
		if shown < rows {
			fmt.Fprintf(&b, "\nand %d more field(s).\n", rows-shown)
		}
	}
	seen := map[string]bool{}
	for _, e := range d.Errors {
		if !seen[e] {
			seen[e] = true
			fmt.Fprintf(&b, "\nNot compared: %s\n", md(e))
		}
	}
	return b.String()
}

// value renders one side of a field for the drift table.
func value(v any, absent, hidden bool) string {
	switch {
	case absent:
		return "(absent)"
	case hidden:
		// A Secret's value, on either side: that the row is there says
		// it differs.
		return "hidden"
	}
	return code(resourcediff.Format(v, maxCell))
}

// RollbackText is the pull request of a rollback: what it undoes (what),
// where, and the hold comments it writes. A revert says in its body, when
// undone is set, the change it undoes with a link to its pull request.
func RollbackText(rb *Rollback, what string, undone *Undone, target, base, runURL string) Text {
	var t Text
	where := target
	if where == "" {
		where = base
	}
	t.Title = cut(mdtext.OneLine(fmt.Sprintf("Roll back %s: %s", where, what), maxTitle), maxTitle)
	var b strings.Builder
	fmt.Fprintf(&b, "Rolls back %s on top of %s: %s.\n\n", code(where), code(base), undoneText(what, undone))
	writePromoted(&b, rb.Restored, where, where, false)
	fmt.Fprintf(&b, "\n**Files** (%d):\n\n", len(rb.Files))
	for i, f := range rb.Files {
		if i == maxRows {
			fmt.Fprintf(&b, "- and %d more\n", len(rb.Files)-maxRows)
			break
		}
		verb := "restored"
		if f.Delete {
			verb = "removed"
		}
		fmt.Fprintf(&b, "- %s %s\n", code(f.Path), verb)
	}
	if len(rb.Held) > 0 {
		b.WriteString("\n**Held**: each restored reference carries a hold comment, so that the next automated bump or promotion leaves it alone. Remove the comment, in an ordinary pull request, to release it.\n\n| file | line | image | held at |\n|---|---|---|---|\n")
		for _, h := range rb.Held {
			fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", code(h.File), h.Line, code(h.Image), version(h.Version))
		}
	}
	writeWarnings(&b, rb.Warnings)
	b.WriteString(footer(runURL))
	t.Body = b.String()
	var m strings.Builder
	m.WriteString(t.Title + "\n\n")
	for _, p := range rb.Restored {
		fmt.Fprintf(&m, "- %s %s -> %s (held)\n", p.Image, mdtext.OneLine(p.FromVersion, maxCell), mdtext.OneLine(p.ToVersion, maxCell))
	}
	t.Message = m.String()
	return t
}

// undoneText says what a rollback undoes: the change and, linked, the
// pull request that made it ("revert v20260501120000 ([#2](…) "Promote …")").
func undoneText(what string, u *Undone) string {
	if u == nil || u.Pull == nil {
		return md(what)
	}
	pull := fmt.Sprintf("#%d", u.Pull.Number)
	if u.Pull.URL != "" {
		pull = mdtext.Link(pull, u.Pull.URL)
	}
	return fmt.Sprintf("revert %s (%s %s)", md(u.Name), pull, md(strconv.Quote(mdtext.OneLine(u.Pull.Title, maxSubject))))
}

// BranchText is the pull request of a branch promotion.
func BranchText(br *Branches, runURL string) Text {
	var t Text
	what := imagesTitle(br.Promoted)
	if what == "" {
		what = fmt.Sprintf("%d commit(s)", len(br.Ahead))
	}
	t.Title = cut(mdtext.OneLine(fmt.Sprintf("Promote %s to %s: %s", br.From, br.To, what), maxTitle), maxTitle)
	var b strings.Builder
	fmt.Fprintf(&b, "Promotes branch %s into %s: %d commit(s).\n\n", code(br.From), code(br.To), len(br.Ahead))
	writePromoted(&b, br.Promoted, br.To, br.From, true)
	if len(br.Held) > 0 {
		fmt.Fprintf(&b, "\n**Warning:** %s holds hold comments in files this pull request changes; merging it overrides them:\n\n| file | line | reason |\n|---|---|---|\n", code(br.To))
		for _, h := range br.Held {
			fmt.Fprintf(&b, "| %s | %d | %s |\n", code(h.File), h.Line, md(h.Reason))
		}
	}
	b.WriteString("\n### Drift\n\n")
	if len(br.Behind) == 0 {
		fmt.Fprintf(&b, "None: %s has no commit that %s lacks.\n", code(br.To), code(br.From))
	} else {
		fmt.Fprintf(&b, "%s has %d commit(s) that %s lacks, which this pull request does **not** carry:\n\n", code(br.To), len(br.Behind), code(br.From))
		for i, c := range br.Behind {
			if i == maxRows {
				fmt.Fprintf(&b, "- and %d more\n", len(br.Behind)-maxRows)
				break
			}
			fmt.Fprintf(&b, "- %s %s\n", code(shortSHA(c.SHA)), md(mdtext.OneLine(c.Subject, maxSubject)))
		}
	}
	writeWarnings(&b, br.Warnings)
	b.WriteString(footer(runURL))
	t.Body = b.String()
	return t
}

// ImagesMarkdown is what moves in target, for a job summary: one row per
// image, its version now and after, and the files it is set in.
func ImagesMarkdown(ps []Promotion, target string) string {
	if len(ps) == 0 {
		return "No image changes version.\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| image | %s now | becomes | in |\n|---|---|---|---|\n", code(target))
	for i, p := range ps {
		if i == maxRows {
			fmt.Fprintf(&b, "\nand %d more image(s).\n", len(ps)-maxRows)
			break
		}
		from := p.FromVersion
		if from == "" {
			from = "(none)"
		}
		var files []string
		for _, f := range p.Files {
			files = append(files, code(f))
		}
		if len(files) == 0 {
			files = []string{"—"}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", code(p.Image), version(from), version(p.ToVersion), strings.Join(files, "<br>"))
	}
	return b.String()
}

// UndoneMarkdown says what a rollback undoes, for a job summary: the
// change, and the pull request that made it, linked.
func UndoneMarkdown(what string, u *Undone) string { return undoneText(what, u) }
