package verify

import (
	"fmt"
	"path"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

// drift compares every pair of environments: resources present in one and
// not the other, and images that differ. Resources are matched by group,
// kind and name: environments usually differ by namespace alone. A pair
// of which one is broken (does not build) is not compared.
func drift(envs []string, sums []*summary, loc *summaryLocator, broken map[string]bool) []finding.Finding {
	if len(envs) < 2 {
		return nil
	}
	sets := make([]map[string]*summary, len(envs))
	order := make([][]string, len(envs))
	for i, e := range envs {
		e = path.Clean(e)
		envs[i] = e
		sets[i] = map[string]*summary{}
		for _, s := range sums {
			key := s.key()
			if s.env != e || key == "" {
				continue
			}
			if s.typ.kind == "Namespace" && s.typ.apiVersion == "v1" {
				// Environments live in namespaces of their own: that their
				// Namespace objects differ is the point, not drift.
				continue
			}
			if _, dup := sets[i][key]; dup {
				continue
			}
			sets[i][key] = s
			order[i] = append(order[i], key)
		}
	}
	sev := ruleSeverity(RuleEnvironmentDrift)
	var out []finding.Finding
	add := func(s *summary, file string, line, col int, env, msg string) {
		out = append(out, finding.Finding{File: file, Line: line, Column: col, Severity: sev, Rule: RuleEnvironmentDrift, Message: msg, Resource: s.id(), Environment: env})
	}
	images := func(s *summary) map[string]imageAt {
		m := map[string]imageAt{}
		for _, im := range s.images() {
			m[im.container] = im
		}
		return m
	}
	for i := range envs {
		for j := i + 1; j < len(envs); j++ {
			a, b := envs[i], envs[j]
			if broken[a] || broken[b] {
				continue
			}
			for _, key := range order[i] {
				sa := sets[i][key]
				sb, ok := sets[j][key]
				if sa.ignores(RuleEnvironmentDrift) || (ok && sb.ignores(RuleEnvironmentDrift)) {
					continue
				}
				if !ok {
					file, line, col := loc.at(sa)
					add(sa, file, line, col, a, fmt.Sprintf("%s is in %s but not in %s", key, a, b))
					continue
				}
				ia, ib := images(sa), images(sb)
				for _, c := range keys(ia) {
					x, y := ia[c], ib[c]
					if _, ok := ib[c]; !ok {
						add(sa, x.file, x.line, x.col, a, fmt.Sprintf("%s: container %q is in %s but not in %s", key, c, a, b))
						continue
					}
					if x.image != y.image {
						// Pin it where one environment sets its own image (its
						// kustomization's images:, its patch), not in a base
						// both share.
						at, s, env := y, sb, b
						if !under(y.file, b) && under(x.file, a) {
							at, s, env = x, sa, a
						}
						add(s, at.file, at.line, at.col, env, fmt.Sprintf("%s: container %q runs %q in %s and %q in %s", key, c, x.image, a, y.image, b))
					}
				}
				for _, c := range keys(ib) {
					if _, ok := ia[c]; !ok {
						y := ib[c]
						add(sb, y.file, y.line, y.col, b, fmt.Sprintf("%s: container %q is in %s but not in %s", key, c, b, a))
					}
				}
			}
			for _, key := range order[j] {
				sb := sets[j][key]
				if _, ok := sets[i][key]; !ok && !sb.ignores(RuleEnvironmentDrift) {
					file, line, col := loc.at(sb)
					add(sb, file, line, col, b, fmt.Sprintf("%s is in %s but not in %s", key, b, a))
				}
			}
		}
	}
	return out
}

// under reports whether file lies in directory dir.
func under(file, dir string) bool {
	return dir == "." || strings.HasPrefix(file, dir+"/")
}
