package verify

import (
	"fmt"
	"sort"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/render"
)

// applyFlux applies to the issues of a resource what Flux's post-build
// substitution did to it (nil: nothing): it drops the issues about values
// that hold an unknown variable, names the substitution in the issues
// about values it changed, keeps every value taken from a Secret out of
// the messages, and adds the substitution's own issues.
func applyFlux(o *render.Substitution, is []issue) []issue {
	if o == nil {
		return is
	}
	out := is[:0]
	quiet := map[int]bool{}
	for _, x := range is {
		if i := o.SkippedAt(x.path); i >= 0 {
			if o.Skipped[i].Notice != "" {
				quiet[i] = true
			}
			continue
		}
		if vars, ok := o.Variables(x.path); ok {
			x.msg += fmt.Sprintf(" (after Flux substituted %s)", vars)
		}
		out = append(out, x)
	}
	for i, s := range o.Skipped {
		if quiet[i] {
			out = append(out, issue{rule: RuleFluxVariable, path: s.Path, msg: s.Notice})
		}
	}
	for _, x := range o.Issues {
		out = append(out, issue{rule: problemRule(x.Kind), path: x.Path, atKey: x.AtKey, msg: x.Message})
	}
	for i := range out {
		out[i].msg = o.Redact(out[i].msg)
	}
	return out
}

// collapseFluxVariables keeps one flux-variable notice per message, at its
// first place in file order, saying how many other places hold it: a
// variable the repository leaves to the cluster is one fact, however many
// values use it.
func collapseFluxVariables(fs []finding.Finding) []finding.Finding {
	type place struct {
		f      finding.Finding
		places map[[3]any]bool
	}
	groups := map[string]*place{}
	var order []string
	out := fs[:0]
	for _, f := range fs {
		if f.Rule != RuleFluxVariable {
			out = append(out, f)
			continue
		}
		at := [3]any{f.File, f.Line, f.Column}
		g, ok := groups[f.Message]
		if !ok {
			groups[f.Message] = &place{f: f, places: map[[3]any]bool{at: true}}
			order = append(order, f.Message)
			continue
		}
		g.places[at] = true
		if before(f, g.f) {
			g.f = f
		}
	}
	sort.Strings(order)
	for _, m := range order {
		g := groups[m]
		if n := len(g.places); n > 1 {
			g.f.Message += fmt.Sprintf(" (and at %d other place(s))", n-1)
		}
		out = append(out, g.f)
	}
	return out
}

// before orders findings by place, then environment and resource: the
// first of a variable's places is the same however the work was
// scheduled, or shared out.
func before(a, b finding.Finding) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	if a.Column != b.Column {
		return a.Column < b.Column
	}
	if a.Environment != b.Environment {
		return a.Environment < b.Environment
	}
	return a.Resource < b.Resource
}
