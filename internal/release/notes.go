package release

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/mdtext"
)

// maxTitle bounds a title or subject copied into a tag or a release.
const maxTitle = 256

// subject is the first line of a commit message.
func subject(msg string) string {
	s, _, _ := strings.Cut(msg, "\n")
	return s
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}

func versionOrNone(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// tagMessage is the annotated tag's message: the tag alone answers who
// changed what, who approved it, and when.
func tagMessage(m Merge, c *Commit, approvers []string, changes []ImageChange) string {
	var b strings.Builder
	if p := m.Pull; p != nil {
		fmt.Fprintf(&b, "%s (#%d)\n\n", mdtext.OneLine(p.Title, maxTitle), p.Number)
		fmt.Fprintf(&b, "Pull-Request: #%d %s\n", p.Number, mdtext.OneLine(p.Title, maxTitle))
		fmt.Fprintf(&b, "URL: %s\n", mdtext.OneLine(p.URL, 1024))
		fmt.Fprintf(&b, "Author: %s\n", mdtext.OneLine(p.Author, 100))
		fmt.Fprintf(&b, "Approved-By: %s\n", mdtext.OneLine(orNone(approvers), 4096))
		if len(p.Labels) > 0 {
			fmt.Fprintf(&b, "Labels: %s\n", mdtext.OneLine(strings.Join(p.Labels, ", "), 4096))
		}
		fmt.Fprintf(&b, "Merged-At: %s\n", m.Time.UTC().Format(time.RFC3339))
		fmt.Fprintf(&b, "Merge-Commit: %s\n", m.SHA)
	} else {
		fmt.Fprintf(&b, "%s\n\n", mdtext.OneLine(subject(c.Message), maxTitle))
		fmt.Fprintf(&b, "Commit: %s\n", m.SHA)
		fmt.Fprintf(&b, "Author: %s\n", mdtext.OneLine(c.Author, 100))
		fmt.Fprintf(&b, "Committed-At: %s\n", m.Time.UTC().Format(time.RFC3339))
		b.WriteString("Pull-Request: none\n")
	}
	if len(changes) > 0 {
		b.WriteString("\nImages:\n")
		for _, ch := range changes {
			fmt.Fprintf(&b, "- %s: %s %s -> %s (%s:%d)\n", mdtext.OneLine(ch.Environment, 200), ch.Image, versionOrNone(ch.Old), versionOrNone(ch.New), mdtext.OneLine(ch.File, 1024), ch.Line)
		}
	}
	return b.String()
}

func mdText(s string) string { return mdtext.Text(s, maxTitle) }

// mdCode renders s as a code span in a table cell: fenced by more
// backticks than it holds, its pipes escaped (GitHub splits cells first).
func mdCode(s string) string { return mdtext.Code(s, 1024) }

// mention renders a login as GitHub links it.
func mention(login string) string {
	l := mdtext.OneLine(login, 100)
	if l == "" {
		return "someone"
	}
	return "@" + mdtext.Escape(l)
}

// changeRows groups the changes by environment and image, in their
// order: a Deployment and the kustomization images: entry that set the
// same image are one change, made in two places.
func changeRows(changes []ImageChange) [][]ImageChange {
	var rows [][]ImageChange
	at := map[[2]string]int{}
	for _, ch := range changes {
		k := [2]string{ch.Environment, ch.Image}
		if i, ok := at[k]; ok {
			rows[i] = append(rows[i], ch)
			continue
		}
		at[k] = len(rows)
		rows = append(rows, []ImageChange{ch})
	}
	return rows
}

// joined lists the distinct values of a row's changes, in their order.
func joined(row []ImageChange, value func(ImageChange) string) string {
	var out []string
	for _, ch := range row {
		if v := value(ch); !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return strings.Join(out, ", ")
}

// releaseNotes is the release's body, in Markdown.
func releaseNotes(r *Result, c *Commit, opts Options) string {
	var b strings.Builder
	link := func(path string) string { return strings.TrimSuffix(opts.RepoURL, "/") + "/" + path }
	if p := r.Pull; p != nil {
		fmt.Fprintf(&b, "## %s ([#%d](%s))\n\n", mdText(p.Title), p.Number, mdtext.OneLine(p.URL, 1024))
		fmt.Fprintf(&b, "- **Pull request:** [#%d](%s) by %s\n", p.Number, mdtext.OneLine(p.URL, 1024), mention(p.Author))
		var approvers []string
		for _, a := range r.Approvers {
			approvers = append(approvers, mention(a))
		}
		fmt.Fprintf(&b, "- **Approved by:** %s\n", orNone(approvers))
		if len(p.Labels) > 0 {
			var labels []string
			for _, l := range p.Labels {
				labels = append(labels, mdCode(l))
			}
			fmt.Fprintf(&b, "- **Labels:** %s\n", strings.Join(labels, ", "))
		}
		fmt.Fprintf(&b, "- **Merged:** %s\n", p.MergedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	} else {
		fmt.Fprintf(&b, "## %s\n\n", mdText(subject(c.Message)))
		fmt.Fprintf(&b, "- **Pushed without a pull request** by %s\n", mdText(c.Author))
		fmt.Fprintf(&b, "- **Committed:** %s\n", c.CommittedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if opts.RepoURL != "" {
		fmt.Fprintf(&b, "- **Commit:** [`%s`](%s)\n", short(r.SHA), link("commit/"+r.SHA))
	} else {
		fmt.Fprintf(&b, "- **Commit:** `%s`\n", r.SHA)
	}
	b.WriteString("\n### Image changes\n\n")
	if len(r.Changes) == 0 {
		b.WriteString("No image reference changed.\n")
	} else {
		b.WriteString("| environment | image | old | new | where |\n|---|---|---|---|---|\n")
		for _, row := range changeRows(r.Changes) {
			var places []string
			for _, ch := range row {
				places = append(places, mdCode(fmt.Sprintf("%s:%d", ch.File, ch.Line)))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCode(row[0].Environment), mdCode(row[0].Image),
				mdCode(imageref.Abbrev(joined(row, func(c ImageChange) string { return versionOrNone(c.Old) }))),
				mdCode(imageref.Abbrev(joined(row, func(c ImageChange) string { return versionOrNone(c.New) }))),
				strings.Join(places, "<br>"))
		}
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n### Warnings\n\n")
		for _, w := range r.Warnings {
			fmt.Fprintf(&b, "- %s\n", mdText(w))
		}
	}
	if r.Previous != "" && opts.RepoURL != "" {
		fmt.Fprintf(&b, "\n**Full changelog:** [%s...%s](%s)\n", mdText(r.Previous), mdText(r.Tag), link("compare/"+r.Previous+"..."+r.Tag))
	}
	return b.String()
}
