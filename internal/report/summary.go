package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/finding"
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
}

// Counts tallies findings by severity.
type Counts struct {
	Errors, Warnings, Notices int
}

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

	if len(fs) > 0 {
		b.WriteString("\n| rule | severity | findings |\n| --- | --- | ---: |\n")
		for _, r := range ruleCounts(fs) {
			fmt.Fprintf(&b, "| `%s` | %s | %d |\n", markdownCode(r.id), r.severity, r.n)
		}
	}

	envs := summaryEnvironments(fs, stats.ByEnvironment, stats.FindingsByEnvironment)
	if len(envs) > 0 {
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
		b.WriteString("\n| environment | resources | errors | warnings | notices |\n| --- | ---: | ---: | ---: | ---: |\n")
		for _, env := range envs {
			c := byEnv[env]
			fmt.Fprintf(&b, "| `%s` | %d | %d | %d | %d |\n", markdownCode(env), stats.ByEnvironment[env], c.Errors, c.Warnings, c.Notices)
		}
	}

	if len(fs) > 0 {
		// What fails the job comes first: a warning on every file must
		// not push the one error out of the table.
		ordered := slices.Concat(
			slices.DeleteFunc(slices.Clone(fs), func(f finding.Finding) bool { return f.Severity != finding.Error }),
			slices.DeleteFunc(slices.Clone(fs), func(f finding.Finding) bool { return f.Severity == finding.Error }))
		shown := ordered[:min(len(ordered), summaryFindings)]
		b.WriteString("\n| position | severity | rule | message |\n| --- | --- | --- | --- |\n")
		for _, f := range shown {
			fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s |\n", markdownCode(f.Position()), f.Severity, markdownCode(f.Rule), markdownCell(f.Message))
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
	var envs []string
	for env := range resources {
		if env != "" {
			envs = append(envs, env)
		}
	}
	for env := range tallied {
		if env != "" && !slices.Contains(envs, env) {
			envs = append(envs, env)
		}
	}
	for _, f := range fs {
		if f.Environment != "" && !slices.Contains(envs, f.Environment) {
			envs = append(envs, f.Environment)
		}
	}
	slices.Sort(envs)
	return envs
}

// markdownCell keeps a message on one table row and stops it from opening
// HTML or closing the cell.
var markdownCell = strings.NewReplacer(
	"\r\n", " ", "\n", " ", "\r", " ",
	"|", `\|`, "<", "&lt;", ">", "&gt;", "&", "&amp;",
).Replace

// markdownCode keeps text inside a code span on one row: a backtick would
// end the span early and a pipe the cell.
var markdownCode = strings.NewReplacer("`", "'", "|", `\|`, "\n", " ", "\r", " ").Replace
