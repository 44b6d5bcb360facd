package verify

import (
	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/render"
)

// problemRules is the rule that reports each kind of problem rendering
// meets.
var problemRules = map[render.ProblemKind]string{
	render.SyntaxError:        RuleYAMLSyntax,
	render.DuplicateKey:       RuleYAMLDuplicateKey,
	render.TemplateSkipped:    RuleHelmTemplate,
	render.FileSkipped:        RuleFileSkipped,
	render.BuildFailed:        RuleKustomizeBuild,
	render.RemoteSkipped:      RuleKustomizeRemote,
	render.DeprecatedField:    RuleKustomizeDeprecated,
	render.SubstitutionFailed: RuleFluxSubstitution,
	render.VariableUnset:      RuleFluxVariable,
	render.HelmRenderFailed:   RuleHelmRender,
	render.HelmValuesInvalid:  RuleHelmValues,
	render.HelmOffline:        RuleHelmOffline,
	render.ChartSkipped:       RuleHelmOffline,
	render.ChartUnavailable:   RuleChartFetch,
	render.ReleaseSkipped:     RuleReleaseSkipped,
	render.ReleaseIncomplete:  RuleReleaseIncomplete,
}

// problemRule is the rule of a kind of problem.
func problemRule(k render.ProblemKind) string {
	rule, ok := problemRules[k]
	if !ok {
		panic("verify: no rule reports render problems of kind " + string(k))
	}
	return rule
}

// fromProblems turns problems into findings of their rules, seen in
// environment env ("" for none).
func fromProblems(ps []render.Problem, env string) []finding.Finding {
	if len(ps) == 0 {
		return nil
	}
	out := make([]finding.Finding, len(ps))
	for i, p := range ps {
		rule := problemRule(p.Kind)
		out[i] = finding.Finding{File: p.File, Line: p.Line, Column: p.Column, Severity: ruleSeverity(rule), Rule: rule, Message: p.Message, Environment: env}
	}
	return out
}
