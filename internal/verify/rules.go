package verify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

// Rule ids, stable: users name them in the rules input and in the
// gitops-actions.io/ignore annotation.
const (
	RuleYAMLSyntax          = "yaml-syntax"
	RuleYAMLDuplicateKey    = "yaml-duplicate-key"
	RuleHelmTemplate        = "helm-template"
	RuleSchema              = "schema"
	RuleNoSchema            = "no-schema"
	RuleCRDInvalid          = "crd-invalid"
	RuleKustomizeBuild      = "kustomize-build"
	RuleKustomizeRemote     = "kustomize-remote"
	RuleKustomizeDeprecated = "kustomize-deprecated"
	RuleImageTagLatest      = "image-tag-latest"
	RuleImageDigestRequired = "image-digest-required"
	RuleResourcesMissing    = "resources-missing"
	RuleDuplicateResource   = "duplicate-resource"
	RuleDeprecatedAPI       = "deprecated-api"
	RuleRemovedAPI          = "removed-api"
	RulePandaConfig         = "panda-config"
	RuleEnvironmentDrift    = "environment-drift"
	RuleFileSkipped         = "file-skipped"
	RuleFluxSubstitution    = "flux-substitution"
	RuleFluxVariable        = "flux-variable"
	RuleHelmRender          = "helm-render"
	RuleHelmValues          = "helm-values"
	RuleHelmOffline         = "helm-offline"
	RuleChartFetch          = "chart-fetch"
	RuleReleaseSkipped      = "release-skipped"
	RuleReleaseIncomplete   = "release-incomplete"
)

// Rules is the catalogue: every rule verify-manifests can report, its
// default severity, and whether it is on unless the rules input says
// otherwise.
var Rules = slices.Concat(coreRules, checkRules)

// coreRules are the rules of YAML, schemas, rendering and the environments.
var coreRules = []finding.Rule{
	{ID: RuleYAMLSyntax, Severity: finding.Error, Default: true, Description: "A YAML file does not parse; reported at the line of what the parser was reading (a quote or bracket left open), else where it stopped."},
	{ID: RuleYAMLDuplicateKey, Severity: finding.Error, Default: true, Description: "A mapping holds the same key twice; Kubernetes would silently keep only one."},
	{ID: RuleHelmTemplate, Severity: finding.Notice, Default: true, Description: "A Helm template (a chart's templates/ or a file with {{ }}) is skipped: it is not YAML until rendered."},
	{ID: RuleSchema, Severity: finding.Error, Default: true, Description: "A resource breaks its schema: unknown field, wrong type, missing required field or invalid value.", Fix: "Correct the field the message names (its spelling, type or value), as kubectl explain shows it for the chosen kubernetes-version."},
	{ID: RuleNoSchema, Severity: finding.Warning, Default: true, Description: "No schema is known for a resource's apiVersion and kind, so it was not validated.", Fix: "Add the kind's CustomResourceDefinition under the crds input (or to the repository), or correct the apiVersion or kind if it is misspelt."},
	{ID: RuleCRDInvalid, Severity: finding.Error, Default: true, Description: "A CustomResourceDefinition in the repo or under crds cannot be turned into a schema."},
	{ID: RuleKustomizeBuild, Severity: finding.Error, Default: true, Description: "A kustomization does not build; reported at its kustomization file."},
	{ID: RuleKustomizeRemote, Severity: finding.Warning, Default: true, Description: "A kustomization refers to a remote base, which is not fetched (verification is offline) and so not validated."},
	{ID: RuleKustomizeDeprecated, Severity: finding.Warning, Default: true, Description: "A kustomization uses a field kustomize v5 deprecated (bases, commonLabels, patchesStrategicMerge, ...); kustomize edit fix rewrites it."},
	{ID: RuleImageTagLatest, Severity: finding.Error, Default: true, Description: "A container image uses the tag latest or no tag at all, so what runs is not pinned.", Fix: "Pin the image to a version tag (nginx:1.27.3) or a digest (@sha256:...)."},
	{ID: RuleImageDigestRequired, Severity: finding.Error, Default: false, Description: "A container image is not pinned by digest (@sha256:...)."},
	{ID: RuleResourcesMissing, Severity: finding.Warning, Default: true, Description: "A container lacks CPU or memory requests or limits.", Fix: "Set resources.requests and resources.limits for cpu and memory on the container."},
	{ID: RuleDuplicateResource, Severity: finding.Error, Default: true, Description: "The same group/kind/namespace/name is defined twice in one environment."},
	{ID: RuleDeprecatedAPI, Severity: finding.Warning, Default: true, Description: "The apiVersion of a kind is deprecated in the chosen Kubernetes version.", Fix: "Move the manifest to the apiVersion the message names before the Kubernetes version that removes this one."},
	{ID: RuleRemovedAPI, Severity: finding.Error, Default: true, Description: "The apiVersion of a kind is no longer served by the chosen Kubernetes version.", Fix: "Move the manifest to the apiVersion the message names; the API server of the chosen version refuses this one."},
	{ID: RulePandaConfig, Severity: finding.Error, Default: true, Description: "A panda.yaml file does not match its schema (name, type, branch, build, env, resources)."},
	{ID: RuleEnvironmentDrift, Severity: finding.Notice, Default: true, Description: "A resource or image differs between two environments, or is present in only one of them."},
	{ID: RuleFileSkipped, Severity: finding.Warning, Default: true, Description: "A file was not read, so not verified: a symbolic link (never followed), a FIFO, device or socket, a file over max-file-size, or one that cannot be read."},
	{ID: RuleFluxSubstitution, Severity: finding.Error, Default: true, Description: "Flux's post-build substitution would fail on a resource: a malformed ${...}, a variable name Flux refuses, or a value that is not YAML once substituted."},
	{ID: RuleFluxVariable, Severity: finding.Notice, Default: true, Description: "A ${VAR} that the Flux Kustomization rendering it does not define in the repository (it may come from the cluster): the value is not validated. Once per variable."},
	{ID: RuleHelmRender, Severity: finding.Error, Default: true, Description: "A Helm chart does not render: a required value missing, a fail, a template error, a template that loops (stopped), a chart that cannot be loaded; reported at the values line when one is known, else at the chart reference."},
	{ID: RuleHelmValues, Severity: finding.Error, Default: true, Description: "A value breaks the chart's values.schema.json; reported at the line of the values that set it."},
	{ID: RuleHelmOffline, Severity: finding.Notice, Default: true, Description: "What an offline render cannot know: a chart calls lookup (answered empty), a values.schema.json refers to a remote schema that is not fetched, a remote chart is not fetched because fetch-charts is false."},
	{ID: RuleChartFetch, Severity: finding.Warning, Default: true, Description: "A remote Helm chart could not be fetched (unreachable, not found, refused, credentials missing), so what it renders is not verified."},
	{ID: RuleReleaseSkipped, Severity: finding.Notice, Default: true, Description: "A Flux HelmRelease, an Argo CD Application or ApplicationSet (or one of its sources) is not rendered, and says why: its chart's source is not in the repository, is another repository or a Bucket, a generator needs the cluster."},
	{ID: RuleReleaseIncomplete, Severity: finding.Notice, Default: true, Description: "A release is rendered without some of its values, which the repository does not hold: a valuesFrom ConfigMap or Secret that is not in it (or is encrypted), a value file of another repository or at a URL, a Flux variable it does not define."},
}

// RuleSet says which rules are on. The zero value has every rule off; use
// DefaultRules or ParseRules.
type RuleSet struct {
	on map[string]bool
	// sev holds the severities a configuration file sets, in place of
	// the rules' own.
	sev map[string]finding.Severity
}

// DefaultRules turns on the rules that are on by default.
func DefaultRules() RuleSet {
	rs := RuleSet{on: map[string]bool{}, sev: map[string]finding.Severity{}}
	for _, r := range Rules {
		rs.on[r.ID] = r.Default
	}
	return rs
}

// Enabled reports whether rule id is on.
func (rs RuleSet) Enabled(id string) bool { return rs.on[id] }

// Severity returns the severity a finding of rule id has: the one the
// configuration sets, else def.
func (rs RuleSet) Severity(id string, def finding.Severity) finding.Severity {
	if s, ok := rs.sev[id]; ok {
		return s
	}
	return def
}

// ParseRules starts from the defaults and applies each item of specs:
// "+id" or "id" turns a rule on, "-id" turns it off. An unknown rule id is an
// error naming it.
func ParseRules(specs []string) (RuleSet, error) {
	return DefaultRules().With(specs)
}

// With returns the rule set with each item of specs applied, as ParseRules
// does to the defaults.
func (rs RuleSet) With(specs []string) (RuleSet, error) {
	rs = rs.clone()
	for _, s := range specs {
		s = strings.TrimSpace(s)
		on := true
		switch {
		case strings.HasPrefix(s, "-"):
			on, s = false, s[1:]
		case strings.HasPrefix(s, "+"):
			s = s[1:]
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return rs, fmt.Errorf("empty rule id in rules (use +id or -id, e.g. -resources-missing)")
		}
		if _, ok := rs.on[s]; !ok {
			return rs, fmt.Errorf("unknown rule %q (known rules: %s)", s, strings.Join(RuleIDs(), ", "))
		}
		rs.on[s] = on
	}
	return rs, nil
}

// RuleIDs lists the ids of the catalogue in order.
func RuleIDs() []string {
	var ids []string
	for _, r := range Rules {
		ids = append(ids, r.ID)
	}
	return ids
}

func ruleSeverity(id string) finding.Severity {
	i := slices.IndexFunc(Rules, func(r finding.Rule) bool { return r.ID == id })
	if i < 0 {
		panic("verify: unknown rule " + id)
	}
	return Rules[i].Severity
}
