package verify

import (
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

// The annotations that silence rules for one object: ours, and those
// users of kube-linter and Polaris already write.
const (
	// IgnoreAnnotation lists, comma-separated, the rules not to report
	// for the object that carries it.
	IgnoreAnnotation = "gitops-actions.io/ignore"
	// IgnoreRulePrefix followed by a rule id silences that rule; the
	// value is the reason, counted in the summary.
	IgnoreRulePrefix = "ignore.gitops-actions.io/"
	// kube-linter's: ignore-check.kube-linter.io/<check>: <reason>, and
	// kube-linter.io/ignore-all: <reason>.
	kubeLinterIgnorePrefix = "ignore-check.kube-linter.io/"
	kubeLinterIgnoreAll    = "kube-linter.io/ignore-all"
	// Polaris's: polaris.fairwinds.com/<check>-exempt: "true", and
	// polaris.fairwinds.com/exempt: "true".
	polarisPrefix    = "polaris.fairwinds.com/"
	polarisExemptAll = "polaris.fairwinds.com/exempt"
)

// suppression is why a rule is silenced on an object: the annotation that
// says so and the reason written in it ("" when it gives none).
type suppression struct {
	by, reason string
}

// suppressions returns the rules the object's annotations silence; nil
// when none does. A rule named by several keeps the first with a reason.
func suppressions(obj map[string]any) map[string]suppression {
	md, _ := obj["metadata"].(map[string]any)
	an, _ := md["annotations"].(map[string]any)
	if len(an) == 0 {
		return nil
	}
	var out map[string]suppression
	add := func(rule, by, reason string) {
		if rule == RulePodSecurity && !ownAnnotation(by) {
			// A peer's annotation silences its own check; the Pod
			// Security finding of the same field is silenced through
			// the rule it shares (podSecurityPeer), never as a whole.
			return
		}
		if out == nil {
			out = map[string]suppression{}
		}
		if old, ok := out[rule]; ok && (old.reason != "" || reason == "") {
			return
		}
		out[strings.Clone(rule)] = suppression{by: strings.Clone(by), reason: strings.Clone(reason)}
	}
	for key, v := range an {
		value, _ := v.(string)
		value = strings.TrimSpace(value)
		switch {
		case key == IgnoreAnnotation:
			for _, r := range strings.Split(value, ",") {
				if r = strings.TrimSpace(r); r != "" {
					add(r, key, "")
				}
			}
		case strings.HasPrefix(key, IgnoreRulePrefix):
			add(strings.TrimPrefix(key, IgnoreRulePrefix), key, value)
		case strings.HasPrefix(key, kubeLinterIgnorePrefix):
			check := strings.TrimPrefix(key, kubeLinterIgnorePrefix)
			rules := peerRules(KubeLinter, check)
			if rules == nil && knownRule(check) {
				rules = []string{check}
			}
			for _, r := range rules {
				add(r, key, value)
			}
		case key == kubeLinterIgnoreAll:
			for _, r := range toolRules(KubeLinter) {
				add(r, key, value)
			}
		case key == polarisExemptAll:
			if strings.EqualFold(value, "true") {
				for _, r := range toolRules(Polaris) {
					add(r, key, "")
				}
			}
		case strings.HasPrefix(key, polarisPrefix) && strings.HasSuffix(key, "-exempt"):
			if strings.EqualFold(value, "true") {
				for _, r := range peerRules(Polaris, strings.TrimSuffix(strings.TrimPrefix(key, polarisPrefix), "-exempt")) {
					add(r, key, "")
				}
			}
		}
	}
	return out
}

// ignored returns the set of rules a map of suppressions silences, for
// the rules across resources (duplicate-resource).
func ignored(sup map[string]suppression) map[string]bool {
	if len(sup) == 0 {
		return nil
	}
	out := make(map[string]bool, len(sup))
	for r := range sup {
		out[r] = true
	}
	return out
}

// suppressedAs returns f marked as silenced by s.
func suppressedAs(f finding.Finding, s suppression) finding.Finding {
	f.Suppression = &finding.Suppression{By: s.by, Reason: s.reason}
	return f
}

// knownRule reports whether id is a rule of the catalogue.
func knownRule(id string) bool {
	for _, r := range Rules {
		if r.ID == id {
			return true
		}
	}
	return false
}

// uniqueSuppressed sorts suppressed findings and keeps one of each place,
// rule and message: a base rendered in two environments is one.
func uniqueSuppressed(fs []finding.Finding) []finding.Finding {
	finding.Sort(fs)
	out := fs[:0]
	for i, f := range fs {
		if i > 0 {
			p := fs[i-1]
			if p.File == f.File && p.Line == f.Line && p.Column == f.Column && p.Rule == f.Rule && p.Message == f.Message {
				continue
			}
		}
		f.Environment = ""
		out = append(out, f)
	}
	return out
}

// ownAnnotation reports whether an annotation key is one of ours, not a
// peer tool's.
func ownAnnotation(key string) bool {
	return key == IgnoreAnnotation || strings.HasPrefix(key, IgnoreRulePrefix)
}
