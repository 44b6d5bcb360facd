package report

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/mdtext"
)

// Stats are the counts a summary shows.
type Stats struct {
	// Files and Resources count what was read and validated.
	Files, Resources int
	// NoSchema counts resources validated against no schema.
	NoSchema int
	// ByEnvironment counts the resources rendered per environment.
	ByEnvironment map[string]int
	// FindingsByEnvironment, when set, counts the findings per
	// environment in place of the findings' own Environment: one finding
	// at a base that several environments render is reported once,
	// without an environment, and counts in each of them.
	FindingsByEnvironment map[string]Counts
	// SourceURL, when set, is the web address of the tree the findings
	// are positions in (https://github.com/OWNER/REPO/blob/SHA): each
	// position links to its file and line there.
	SourceURL string
	// Notes are lines of plain text said under the verdict: what was left
	// out, what annotations silenced. They are escaped as Markdown.
	Notes []string
	// Share, when set, is a line of plain text said before the verdict:
	// which share of a sharded run this is, or how many shares a merge
	// put together. It is escaped as Markdown.
	Share string
}

// Counts tallies findings by severity.
type Counts struct {
	Errors, Warnings, Notices int
}

// maxNote is the most characters a note of the summary keeps.
const maxNote = 2000

// summaryFindings is how many findings the summary lists; the rest are in
// the annotations and the SARIF upload, and a step summary is capped at
// 1 MiB by the runner.
const summaryFindings = 50

// Summary renders the Markdown step summary: totals, a table of counts per
// rule (with severity), a table per environment, and 50 findings: the
// errors first, then the others, each in file order.
func Summary(findings []finding.Finding, stats Stats) string {
	fs := sorted(findings)
	var total counts
	for _, f := range fs {
		total.add(f.Severity)
	}

	var b strings.Builder
	b.WriteString("### verify-manifests\n\n")
	if stats.Share != "" {
		fmt.Fprintf(&b, "%s\n\n", mdtext.Text(stats.Share, maxNote))
	}
	scope := fmt.Sprintf("%d %s, %d %s", stats.Files, plural(stats.Files, "file", "files"),
		stats.Resources, plural(stats.Resources, "resource", "resources"))
	if stats.NoSchema > 0 {
		scope += fmt.Sprintf(" (%d with no schema)", stats.NoSchema)
	}
	if len(fs) == 0 {
		fmt.Fprintf(&b, "✅ No findings in %s.\n", scope)
	} else {
		mark := "✅"
		switch {
		case total.Errors > 0:
			mark = "❌"
		case total.Warnings > 0:
			mark = "⚠️"
		}
		fmt.Fprintf(&b, "%s %s in %s.\n", mark, total.phrase(), scope)
	}
	for _, n := range stats.Notes {
		fmt.Fprintf(&b, "\n%s\n", mdtext.Text(n, maxNote))
	}

	if len(fs) > 0 {
		b.WriteString("\n| rule | severity | findings |\n| --- | --- | ---: |\n")
		for _, r := range ruleCounts(fs) {
			fmt.Fprintf(&b, "| %s | %s | %d |\n", mdtext.Code(r.id, maxCell), r.severity, r.n)
		}
	}

	writeEnvironments(&b, fs, stats)

	if len(fs) > 0 {
		// What fails the job comes first: a warning on every file must
		// not push the one error out of the table.
		ordered := slices.Concat(
			slices.DeleteFunc(slices.Clone(fs), func(f finding.Finding) bool { return f.Severity != finding.Error }),
			slices.DeleteFunc(slices.Clone(fs), func(f finding.Finding) bool { return f.Severity == finding.Error }))
		shown := ordered[:min(len(ordered), summaryFindings)]
		b.WriteString("\n| position | severity | rule | message |\n| --- | --- | --- | --- |\n")
		for _, f := range shown {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", position(f, stats.SourceURL), f.Severity, mdtext.Code(f.Rule, maxCell), mdtext.Text(f.Message, maxMessage))
		}
		if rest := len(fs) - len(shown); rest > 0 {
			fmt.Fprintf(&b, "\n…and %d more %s.\n", rest, plural(rest, "finding", "findings"))
		}
	}
	return b.String()
}

// phrase renders "2 errors, 1 warning, 0 notices".
func (c counts) phrase() string {
	return fmt.Sprintf("%d %s, %d %s, %d %s",
		c.Errors, plural(c.Errors, "error", "errors"),
		c.Warnings, plural(c.Warnings, "warning", "warnings"),
		c.Notices, plural(c.Notices, "notice", "notices"))
}

type ruleCount struct {
	id       string
	severity finding.Severity
	n        int
}

// ruleCounts counts findings per rule, most severe and most frequent
// first; a rule's severity is the highest it was reported at.
func ruleCounts(fs []finding.Finding) []ruleCount {
	byID := map[string]*ruleCount{}
	var out []*ruleCount
	for _, f := range fs {
		r, ok := byID[f.Rule]
		if !ok {
			r = &ruleCount{id: f.Rule, severity: f.Severity}
			byID[f.Rule] = r
			out = append(out, r)
		}
		r.n++
		r.severity = max(r.severity, f.Severity)
	}
	slices.SortFunc(out, func(a, b *ruleCount) int {
		switch {
		case a.severity != b.severity:
			return int(b.severity) - int(a.severity)
		case a.n != b.n:
			return b.n - a.n
		}
		return strings.Compare(a.id, b.id)
	})
	res := make([]ruleCount, len(out))
	for i, r := range out {
		res[i] = *r
	}
	return res
}

// summaryEnvironments lists, by name, every environment that has
// resources or findings.
func summaryEnvironments(fs []finding.Finding, resources map[string]int, tallied map[string]Counts) []string {
	// A set: a repository of thousands of environments has tens of
	// thousands of findings.
	set := map[string]bool{}
	for env := range resources {
		set[env] = true
	}
	for env := range tallied {
		set[env] = true
	}
	for _, f := range fs {
		set[f.Environment] = true
	}
	delete(set, "")
	return slices.Sorted(maps.Keys(set))
}

// Bounds of what a row shows, in runes: a summary holds 1 MiB.
const (
	maxCell    = 400
	maxMessage = 2000
)

// position is a finding's position as a code span, linked to its file
// and line at source when there is one.
func position(f finding.Finding, source string) string {
	pos := mdtext.Code(f.Position(), maxCell)
	if source == "" || f.File == "" {
		return pos
	}
	u := strings.TrimSuffix(source, "/") + "/" + escapePath(f.File)
	if f.Line > 0 {
		u += fmt.Sprintf("#L%d", f.Line)
	}
	return mdtext.Link(pos, u)
}

// escapePath escapes each element of a slash path for a URL.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// writeEnvironments writes the table of the environments that have
// findings; the others are one count: on a repository of ninety
// environments, the few that matter are not lost among the rest.
func writeEnvironments(b *strings.Builder, fs []finding.Finding, stats Stats) {
	envs := summaryEnvironments(fs, stats.ByEnvironment, stats.FindingsByEnvironment)
	if len(envs) == 0 {
		return
	}
	byEnv := map[string]*counts{}
	for _, env := range envs {
		byEnv[env] = &counts{}
	}
	for _, f := range fs {
		if f.Environment != "" && stats.FindingsByEnvironment == nil {
			byEnv[f.Environment].add(f.Severity)
		}
	}
	for env, c := range stats.FindingsByEnvironment {
		if e, ok := byEnv[env]; ok {
			*e = counts{Errors: c.Errors, Warnings: c.Warnings, Notices: c.Notices}
		}
	}
	var shown []string
	for _, env := range envs {
		if c := byEnv[env]; c.Errors+c.Warnings+c.Notices > 0 {
			shown = append(shown, env)
		}
	}
	if len(shown) > 0 {
		b.WriteString("\n| environment | resources | errors | warnings | notices |\n| --- | ---: | ---: | ---: | ---: |\n")
		for _, env := range shown {
			c := byEnv[env]
			fmt.Fprintf(b, "| %s | %d | %d | %d | %d |\n", mdtext.Code(env, maxCell), stats.ByEnvironment[env], c.Errors, c.Warnings, c.Notices)
		}
	}
	switch rest := len(envs) - len(shown); {
	case rest > 0 && len(shown) == 0:
		fmt.Fprintf(b, "\nNo findings in any of the %d %s.\n", rest, plural(rest, "environment", "environments"))
	case rest > 0:
		fmt.Fprintf(b, "\nNo findings in the other %d %s.\n", rest, plural(rest, "environment", "environments"))
	}
}
