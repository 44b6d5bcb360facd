package verify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

// Tally is what a run found before it is reported: each finding once,
// with the environments it was seen in, and the counts. A run over a
// share of the tree hands its Tally to the merge of every share (Merge),
// which reports their union as one run over the whole tree would: a base
// rendered in environments of several shares is one finding naming them
// all, and a variable left to the cluster one notice however many shares
// met it.
type Tally struct {
	// Seen are the findings to report (rules turned off left out,
	// severities set, messages cut), each once, in the order met.
	Seen []Seen
	// FluxVariables are the flux-variable notices, one per place and
	// environment, before they are collapsed to one per variable.
	FluxVariables []finding.Finding
	// Suppressed are the findings an annotation of their object silenced.
	Suppressed []finding.Finding
	// Resources counts the resources checked; Environments the resources
	// of each environment, every environment to report listed.
	Resources    int
	Environments []Environment
	// Checked lists the files read under Path, in name order;
	// NotManifests those left out as another tool's configuration.
	Checked      []string
	NotManifests []NotManifest
}

// Seen is one finding and the environments it was seen in.
type Seen struct {
	// Finding is as first seen in the environment that sorts first.
	Finding finding.Finding
	// Environments are where it was seen, in the order met; none for a
	// finding outside any environment.
	Environments []string
}

// findingKey is what makes two findings one: the place, rule and message.
type findingKey struct {
	file       string
	line, col  int
	rule, text string
}

func keyOf(f finding.Finding) findingKey {
	return findingKey{f.File, f.Line, f.Column, f.Rule, f.Message}
}

// tally turns the findings of every stage into the result: rules turned
// off are dropped, messages cut, the same finding seen in several
// environments (a base rendered by each) kept once, naming them, and
// everything counted, per environment too. unsummed counts, per
// environment, the resources checked without a summary; envs lists the
// environments to report even without findings or resources.
func (r *run) tally(findings []finding.Finding, sums []*summary, unsummed map[string]int, envs []string) *Tally {
	t := &Tally{Resources: len(sums)}
	resources := map[string]int{}
	for _, e := range envs {
		resources[e] += 0
	}
	for _, s := range sums {
		if s.env != "" {
			resources[s.env]++
		}
	}
	for name, n := range unsummed {
		t.Resources += n
		if name != "" {
			resources[name] += n
		}
	}
	for _, name := range keys(resources) {
		t.Environments = append(t.Environments, Environment{Name: name, Resources: resources[name]})
	}
	g := newGathering(t)
	for _, f := range findings {
		if !r.rules.Enabled(f.Rule) {
			continue
		}
		f.Severity = r.rules.Severity(f.Rule, f.Severity)
		if f.Rule == RuleFluxVariable {
			// Collapsed to one per variable once every place is known.
			g.flux(f)
			continue
		}
		g.add(f)
	}
	return t
}

// gathering adds findings to a Tally, each once.
type gathering struct {
	t      *Tally
	index  map[findingKey]int // in t.Seen
	places map[finding.Finding]bool
}

func newGathering(t *Tally) *gathering {
	g := &gathering{t: t, index: map[findingKey]int{}, places: map[finding.Finding]bool{}}
	for i, s := range t.Seen {
		g.index[keyOf(s.Finding)] = i
	}
	for _, f := range t.FluxVariables {
		g.places[f] = true
	}
	return g
}

// flux keeps a flux-variable notice, one per place and environment.
func (g *gathering) flux(f finding.Finding) {
	key := f
	key.Suppression = nil
	if !g.places[key] {
		g.places[key] = true
		g.t.FluxVariables = append(g.t.FluxVariables, f)
	}
}

// add counts one finding: suppressed apart, else once per place, rule and
// message, with each environment it was seen in.
func (g *gathering) add(f finding.Finding) {
	if f.Suppression != nil {
		g.t.Suppressed = append(g.t.Suppressed, f)
		return
	}
	// Every message leaves here: a value quoted whole (a 1 MB string a
	// schema error echoes) is cut once, for every format.
	f.Message, f.Resource = finding.Shorten(f.Message), finding.Shorten(f.Resource)
	g.seen(Seen{Finding: f, Environments: nonEmpty(f.Environment)})
}

// seen merges s into the tally: its environments added to those of the
// same finding, the finding of the environment that sorts first kept
// (the same whichever share met it first).
func (g *gathering) seen(s Seen) {
	key := keyOf(s.Finding)
	i, ok := g.index[key]
	if !ok {
		g.index[key] = len(g.t.Seen)
		g.t.Seen = append(g.t.Seen, Seen{Finding: s.Finding, Environments: slices.Clone(s.Environments)})
		return
	}
	have := &g.t.Seen[i]
	for _, e := range s.Environments {
		if !contains(have.Environments, e) {
			have.Environments = append(have.Environments, e)
		}
	}
	if s.Finding.Environment < have.Finding.Environment {
		have.Finding = s.Finding
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// result reports a tally: the flux-variable notices collapsed, each
// finding seen in several environments named once with them, sorted and
// counted, per environment too.
func (t *Tally) result() *Result {
	all := &Tally{Seen: slices.Clone(t.Seen), Suppressed: slices.Clone(t.Suppressed)}
	g := newGathering(all)
	for _, f := range collapseFluxVariables(slices.Clone(t.FluxVariables)) {
		g.add(f)
	}
	res := &Result{Resources: t.Resources, Files: len(t.Checked), Checked: t.Checked, NotManifests: t.NotManifests, Tally: t}
	tallies := map[string]*Environment{}
	for _, e := range t.Environments {
		tallies[e.Name] = &Environment{Name: e.Name, Resources: e.Resources}
	}
	for _, s := range all.Seen {
		f := s.Finding
		for _, name := range s.Environments {
			e, ok := tallies[name]
			if !ok {
				e = &Environment{Name: name}
				tallies[name] = e
			}
			switch f.Severity {
			case finding.Error:
				e.Errors++
			case finding.Warning:
				e.Warnings++
			default:
				e.Notices++
			}
		}
		// A base rendered in several environments reports the same
		// finding at the same source once per environment: it is
		// reported once, at the source, naming the environments it is in.
		if len(s.Environments) > 1 {
			f.Environment = ""
			f.Message += " (in " + joinEnvironments(s.Environments) + ")"
		}
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
	finding.Sort(res.Findings)
	res.Suppressed = uniqueSuppressed(all.Suppressed)
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
