package verify

import (
	"fmt"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

// tally turns the findings of every stage into the result: rules turned
// off are dropped, messages cut, the same finding seen in several
// environments (a base rendered by each) kept once, naming them, and
// everything counted, per environment too. unsummed counts, per
// environment, the resources checked without a summary; envs lists the
// environments to report even without findings or resources.
func (r *run) tally(findings []finding.Finding, sums []*summary, unsummed map[string]int, envs []string) *Result {
	res := &Result{Resources: len(sums)}
	tallies := map[string]*Environment{}
	env := func(name string) *Environment {
		e, ok := tallies[name]
		if !ok {
			e = &Environment{Name: name}
			tallies[name] = e
		}
		return e
	}
	for _, e := range envs {
		env(e)
	}
	for _, s := range sums {
		if s.env != "" {
			env(s.env).Resources++
		}
	}
	for name, n := range unsummed {
		res.Resources += n
		if name != "" {
			env(name).Resources += n
		}
	}
	type findingKey struct {
		file       string
		line, col  int
		rule, text string
	}
	findings = collapseFluxVariables(findings)
	first := map[findingKey]int{}       // index in res.Findings
	seenIn := map[findingKey][]string{} // environments, in the order seen
	for _, f := range findings {
		if !r.rules.Enabled(f.Rule) {
			continue
		}
		f.Severity = r.rules.Severity(f.Rule, f.Severity)
		if f.Suppression != nil {
			res.Suppressed = append(res.Suppressed, f)
			continue
		}
		// Every message leaves here: a value quoted whole (a 1 MB string
		// a schema error echoes) is cut once, for every format.
		f.Message, f.Resource = finding.Shorten(f.Message), finding.Shorten(f.Resource)
		key := findingKey{f.File, f.Line, f.Column, f.Rule, f.Message}
		if f.Environment != "" && !contains(seenIn[key], f.Environment) {
			seenIn[key] = append(seenIn[key], f.Environment)
			e := env(f.Environment)
			switch f.Severity {
			case finding.Error:
				e.Errors++
			case finding.Warning:
				e.Warnings++
			default:
				e.Notices++
			}
		}
		if _, ok := first[key]; ok {
			continue
		}
		first[key] = len(res.Findings)
		res.Findings = append(res.Findings, f)
		switch f.Severity {
		case finding.Error:
			res.Errors++
		case finding.Warning:
			res.Warnings++
		default:
			res.Notices++
		}
	}
	// A base rendered in several environments reports the same finding at
	// the same source once per environment: it is reported once, at the
	// source, naming the environments it is in.
	for key, i := range first {
		if es := seenIn[key]; len(es) > 1 {
			res.Findings[i].Environment = ""
			res.Findings[i].Message += " (in " + joinEnvironments(es) + ")"
		}
	}
	finding.Sort(res.Findings)
	res.Suppressed = uniqueSuppressed(res.Suppressed)
	for _, name := range keys(tallies) {
		res.Environments = append(res.Environments, *tallies[name])
	}
	return res
}

// joinEnvironments names environments in name order, the first few of a
// long list.
func joinEnvironments(es []string) string {
	es = sortedStrings(es)
	const shown = 4
	if len(es) > shown+1 {
		return fmt.Sprintf("%d environments: %s and %d more", len(es), strings.Join(es[:shown], ", "), len(es)-shown)
	}
	return strings.Join(es[:len(es)-1], ", ") + " and " + es[len(es)-1]
}

func sortedStrings(s []string) []string {
	m := map[string]bool{}
	for _, x := range s {
		m[x] = true
	}
	return keys(m)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
