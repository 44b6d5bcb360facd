package change

import (
	"bufio"
	"regexp"
	"strings"
)

// Provenance is the run that made a change, written into its commit as
// trailers; any field may be empty outside GitHub Actions.
type Provenance struct {
	Repository string // Source-Repository: the repository whose run asked for the change
	Commit     string // Source-Commit: the commit that run built
	RunURL     string // Workflow-Run: the run's URL
}

// Tool is the value of the mark trailer: "Bumped-By: gitops-actions".
const Tool = "gitops-actions"

// WithTrailers appends the provenance trailers and the mark key ("Bumped-By",
// "Promoted-By") to a commit message, in git's trailer paragraph. They are
// appended by the tool, not by a template, so that a custom message cannot
// drop the mark the tool recognises its commits by (IsToolCommit). An
// empty message becomes empty, the caller's to default.
func WithTrailers(message string, p Provenance, mark string) string {
	msg := strings.TrimRight(message, " \t\n")
	var tr []string
	for _, kv := range [][2]string{
		{"Source-Repository", p.Repository},
		{"Source-Commit", p.Commit},
		{"Workflow-Run", p.RunURL},
	} {
		if v := strings.TrimSpace(kv[1]); v != "" && !strings.ContainsAny(v, "\n\r") {
			tr = append(tr, kv[0]+": "+v)
		}
	}
	tr = append(tr, mark+": "+Tool)
	return msg + "\n\n" + strings.Join(tr, "\n") + "\n"
}

// markLine is the tool's mark: one word and "-By", then the tool's name.
var markLine = regexp.MustCompile(`^[A-Za-z]+-By: ` + Tool + `$`)

// IsToolCommit reports whether a commit message carries the tool's mark
// ("Bumped-By: gitops-actions", "Promoted-By: gitops-actions") in its last
// paragraph, where git keeps trailers.
func IsToolCommit(message string) bool {
	msg := strings.TrimRight(strings.ReplaceAll(message, "\r\n", "\n"), "\n ")
	last := msg
	if i := strings.LastIndex(msg, "\n\n"); i >= 0 {
		last = msg[i+2:]
	}
	sc := bufio.NewScanner(strings.NewReader(last))
	for sc.Scan() {
		if markLine.MatchString(strings.TrimSpace(sc.Text())) {
			return true
		}
	}
	return false
}

// ParseProvenance reads the provenance trailers WithTrailers writes from a
// commit message (its last paragraph); ok is false for a commit the tool
// did not make, whose trailers say nothing of ours.
func ParseProvenance(message string) (p Provenance, ok bool) {
	if !IsToolCommit(message) {
		return p, false
	}
	msg := strings.TrimRight(strings.ReplaceAll(message, "\r\n", "\n"), "\n ")
	if i := strings.LastIndex(msg, "\n\n"); i >= 0 {
		msg = msg[i+2:]
	}
	for _, line := range strings.Split(msg, "\n") {
		k, v, found := strings.Cut(line, ": ")
		if !found {
			continue
		}
		switch v = strings.TrimSpace(v); k {
		case "Source-Repository":
			p.Repository = v
		case "Source-Commit":
			p.Commit = v
		case "Workflow-Run":
			p.RunURL = v
		}
	}
	return p, true
}
