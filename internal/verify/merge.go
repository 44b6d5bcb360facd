package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

// Merge reports the Tallies of the shares of one tree as one Run over the
// whole tree reports its own: each finding once, naming every environment
// it was seen in, whichever shares saw it; a flux-variable notice once per
// variable; the counts summed. The caller checks that the tallies are of
// one tree, each share once (Result.Plan, Result.Shard).
func Merge(parts []*Tally) *Result {
	all := &Tally{}
	g := newGathering(all)
	resources := map[string]int{}
	for _, p := range parts {
		for _, s := range p.Seen {
			g.seen(s)
		}
		for _, f := range p.FluxVariables {
			g.flux(f)
		}
		all.Suppressed = append(all.Suppressed, p.Suppressed...)
		all.Resources += p.Resources
		for _, e := range p.Environments {
			resources[e.Name] += e.Resources
		}
		all.Checked = append(all.Checked, p.Checked...)
		all.NotManifests = append(all.NotManifests, p.NotManifests...)
	}
	for _, name := range keys(resources) {
		all.Environments = append(all.Environments, Environment{Name: name, Resources: resources[name]})
	}
	slices.Sort(all.Checked)
	all.Checked = slices.Compact(all.Checked)
	slices.SortFunc(all.NotManifests, func(a, b NotManifest) int { return strings.Compare(a.File, b.File) })
	all.NotManifests = slices.CompactFunc(all.NotManifests, func(a, b NotManifest) bool { return a.File == b.File })
	all.Suppressed = uniqueSuppressed(all.Suppressed)
	return all.result()
}

// plan is a digest of what decides a run's findings besides the files:
// the partition of the tree (the files' names, what their kustomizations
// name, the shares) and the options. Shares of one tree checked alike
// have the same plan.
func (r *run) plan(partition string) string {
	o := r.opts
	h := sha256.New()
	fmt.Fprintf(h, "partition %s\npath %q\nenvironments %q\ncrds %q\nkubernetes %q\npod-security %q\napi-versions %q\nrepository %q\nfetch %t\n",
		partition, o.Path, o.Environments, o.CRDs, o.KubernetesVersion, r.podSecurityLevel(), o.APIVersions, o.Repository, o.Fetcher != nil)
	for _, id := range RuleIDs() {
		fmt.Fprintf(h, "rule %s %t %s\n", id, r.rules.Enabled(id), r.rules.Severity(id, ruleSeverity(id)))
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// wireTally is a Tally as JSON.
type wireTally struct {
	Resources     int           `json:"resources"`
	Environments  []wireEnv     `json:"environments"`
	Checked       []string      `json:"checked"`
	NotManifests  []wireNotTool `json:"notManifests,omitempty"`
	Findings      []wireFinding `json:"findings"`
	FluxVariables []wireFinding `json:"fluxVariables,omitempty"`
	Suppressed    []wireFinding `json:"suppressed,omitempty"`
}

type wireEnv struct {
	Name      string `json:"name"`
	Resources int    `json:"resources"`
}

type wireNotTool struct {
	File string `json:"file"`
	Tool string `json:"tool"`
}

// wireFinding is a finding with its severity spelled out, the
// environments it was seen in, and the annotation that silenced it.
type wireFinding struct {
	File         string   `json:"file"`
	Line         int      `json:"line"`
	Column       int      `json:"column"`
	Severity     string   `json:"severity"`
	Rule         string   `json:"rule"`
	Message      string   `json:"message"`
	Resource     string   `json:"resource,omitempty"`
	Environment  string   `json:"environment,omitempty"`
	Environments []string `json:"environments,omitempty"`
	SuppressedBy string   `json:"suppressedBy,omitempty"`
	Reason       string   `json:"suppressedBecause,omitempty"`
}

func toWire(f finding.Finding, envs []string) wireFinding {
	w := wireFinding{File: f.File, Line: f.Line, Column: f.Column, Severity: f.Severity.String(), Rule: f.Rule, Message: f.Message,
		Resource: f.Resource, Environment: f.Environment, Environments: envs}
	if f.Suppression != nil {
		w.SuppressedBy, w.Reason = f.Suppression.By, f.Suppression.Reason
	}
	return w
}

func (w wireFinding) finding() (finding.Finding, error) {
	sev, err := finding.ParseSeverity(w.Severity)
	if err != nil {
		return finding.Finding{}, fmt.Errorf("finding at %q line %d: %w", w.File, w.Line, err)
	}
	if w.Line < 0 || w.Column < 0 || w.Rule == "" {
		return finding.Finding{}, fmt.Errorf("finding at %q line %d: no rule, or a negative line or column", w.File, w.Line)
	}
	f := finding.Finding{File: w.File, Line: w.Line, Column: w.Column, Severity: sev, Rule: w.Rule, Message: w.Message, Resource: w.Resource, Environment: w.Environment}
	if w.SuppressedBy != "" {
		f.Suppression = &finding.Suppression{By: w.SuppressedBy, Reason: w.Reason}
	}
	return f, nil
}

// MarshalJSON writes the tally as JSON: the findings with their severity
// spelled out and the environments they were seen in.
func (t *Tally) MarshalJSON() ([]byte, error) {
	w := wireTally{Resources: t.Resources, Checked: t.Checked, Environments: []wireEnv{}, Findings: []wireFinding{}}
	if w.Checked == nil {
		w.Checked = []string{}
	}
	for _, e := range t.Environments {
		w.Environments = append(w.Environments, wireEnv{Name: e.Name, Resources: e.Resources})
	}
	for _, m := range t.NotManifests {
		w.NotManifests = append(w.NotManifests, wireNotTool{File: m.File, Tool: m.Tool})
	}
	for _, s := range t.Seen {
		w.Findings = append(w.Findings, toWire(s.Finding, s.Environments))
	}
	for _, f := range t.FluxVariables {
		w.FluxVariables = append(w.FluxVariables, toWire(f, nil))
	}
	for _, f := range t.Suppressed {
		w.Suppressed = append(w.Suppressed, toWire(f, nil))
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON writes; a finding without a rule
// or with an unknown severity is an error.
func (t *Tally) UnmarshalJSON(data []byte) error {
	var w wireTally
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	out := Tally{Resources: w.Resources, Checked: w.Checked}
	if w.Resources < 0 {
		return fmt.Errorf("a negative number of resources (%d)", w.Resources)
	}
	for _, e := range w.Environments {
		out.Environments = append(out.Environments, Environment{Name: e.Name, Resources: e.Resources})
	}
	for _, m := range w.NotManifests {
		out.NotManifests = append(out.NotManifests, NotManifest{File: m.File, Tool: m.Tool})
	}
	for _, x := range w.Findings {
		f, err := x.finding()
		if err != nil {
			return err
		}
		out.Seen = append(out.Seen, Seen{Finding: f, Environments: x.Environments})
	}
	for _, list := range []struct {
		from []wireFinding
		to   *[]finding.Finding
	}{{w.FluxVariables, &out.FluxVariables}, {w.Suppressed, &out.Suppressed}} {
		for _, x := range list.from {
			f, err := x.finding()
			if err != nil {
				return err
			}
			*list.to = append(*list.to, f)
		}
	}
	*t = out
	return nil
}
