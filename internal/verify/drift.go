package verify

import (
	"fmt"
	"path"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

// envResource is a resource of one environment, keyed without its
// namespace (environments usually differ by namespace alone).
type envResource struct {
	r      *resource
	images map[string]string // container name → image
	paths  map[string][]string
}

// drift compares every pair of environments: resources present in one and
// not the other, and images that differ.
func drift(envs []string, rs []*resource) []finding.Finding {
	if len(envs) < 2 {
		return nil
	}
	sets := make([]map[string]*envResource, len(envs))
	var order [][]string
	for i, e := range envs {
		e = path.Clean(e)
		envs[i] = e
		sets[i] = map[string]*envResource{}
		var keys []string
		for _, r := range rs {
			if r.env != e {
				continue
			}
			a, k, _, n := meta(r.obj)
			if k == "Namespace" && a == "v1" {
				// Environments live in namespaces of their own: that their
				// Namespace objects differ is the point, not drift.
				continue
			}
			g, _, _ := strings.Cut(a, "/")
			if !strings.Contains(a, "/") {
				g = ""
			}
			key := strings.TrimPrefix(g+"/", "/") + k + "/" + n
			if _, dup := sets[i][key]; dup {
				continue
			}
			er := &envResource{r: r, images: map[string]string{}, paths: map[string][]string{}}
			for _, c := range containers(r.obj) {
				name, _ := c.m["name"].(string)
				image, _ := c.m["image"].(string)
				er.images[name] = image
				er.paths[name] = appendPath(c.path, "image")
			}
			sets[i][key] = er
			keys = append(keys, key)
		}
		order = append(order, keys)
	}
	sev := ruleSeverity(RuleEnvironmentDrift)
	var out []finding.Finding
	at := func(er *envResource, p []string, env, msg string) {
		file, line, col := er.r.pos(p, false)
		out = append(out, finding.Finding{File: file, Line: line, Column: col, Severity: sev, Rule: RuleEnvironmentDrift, Message: msg, Resource: resourceID(er.r.obj), Environment: env})
	}
	for i := range envs {
		for j := i + 1; j < len(envs); j++ {
			a, b := envs[i], envs[j]
			for _, key := range order[i] {
				ra := sets[i][key]
				if suppressed(ra.r.obj)[RuleEnvironmentDrift] {
					continue
				}
				rb, ok := sets[j][key]
				if !ok {
					at(ra, []string{"metadata", "name"}, a, fmt.Sprintf("%s is in %s but not in %s", key, a, b))
					continue
				}
				for _, c := range keys(ra.images) {
					ib, ok := rb.images[c]
					switch {
					case !ok:
						at(ra, ra.paths[c], a, fmt.Sprintf("%s: container %q is in %s but not in %s", key, c, a, b))
					case ib != ra.images[c]:
						at(rb, rb.paths[c], b, fmt.Sprintf("%s: container %q runs %q in %s and %q in %s", key, c, ra.images[c], a, ib, b))
					}
				}
				for _, c := range keys(rb.images) {
					if _, ok := ra.images[c]; !ok {
						at(rb, rb.paths[c], b, fmt.Sprintf("%s: container %q is in %s but not in %s", key, c, b, a))
					}
				}
			}
			for _, key := range order[j] {
				rb := sets[j][key]
				if _, ok := sets[i][key]; !ok && !suppressed(rb.r.obj)[RuleEnvironmentDrift] {
					at(rb, []string{"metadata", "name"}, b, fmt.Sprintf("%s is in %s but not in %s", key, b, a))
				}
			}
		}
	}
	return out
}
