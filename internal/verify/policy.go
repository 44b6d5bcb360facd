package verify

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/render"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
)

// issue is a finding before it has a position: a rule, the path in the
// object it is about, and a message.
type issue struct {
	rule  string
	path  []string
	atKey bool // pin to the key of the last path step rather than its value
	// missing is set for a required field that is absent: path is the
	// object that lacks it.
	missing bool
	msg     string
}

// container is one container of a pod template, with its path in the object.
type container struct {
	path []string
	m    map[string]any
}

// containers finds every container of every pod spec in obj: a map under a
// "spec" key holding containers, initContainers or ephemeralContainers. That
// covers Pods, workloads, CronJobs and custom kinds embedding a pod template
// (Argo Rollouts, Knative, ...).
func containers(obj map[string]any) []container {
	var out []container
	stack := make([]string, 0, 16) // the path walked so far, copied only on a find
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if len(stack) > 0 && stack[len(stack)-1] == "spec" {
				for _, key := range []string{"initContainers", "containers", "ephemeralContainers"} {
					list, _ := x[key].([]any)
					for i, c := range list {
						if m, ok := c.(map[string]any); ok {
							out = append(out, container{path: appendPath(stack, key, strconv.Itoa(i)), m: m})
						}
					}
				}
			}
			for k, c := range x {
				switch k {
				case "containers", "initContainers", "ephemeralContainers":
					continue
				case "metadata", "status", "data", "stringData", "binaryData":
					if len(stack) == 0 {
						continue // never a pod template
					}
				}
				switch c.(type) {
				case map[string]any, []any:
					stack = append(stack, k)
					walk(c)
					stack = stack[:len(stack)-1]
				}
			}
		case []any:
			for i, c := range x {
				switch c.(type) {
				case map[string]any, []any:
					stack = append(stack, strconv.Itoa(i))
					walk(c)
					stack = stack[:len(stack)-1]
				}
			}
		}
	}
	walk(obj)
	// Map iteration order is random: order what was found by path.
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i].path, "/") < strings.Join(out[j].path, "/") })
	return out
}

func appendPath(p []string, more ...string) []string {
	out := make([]string, 0, len(p)+len(more))
	return append(append(out, p...), more...)
}

// imageIssues checks the image of every container: image-tag-latest and
// image-digest-required.
func imageIssues(cs []container) []issue {
	var out []issue
	for _, c := range cs {
		image, ok := c.m["image"].(string)
		if !ok || image == "" {
			continue
		}
		name, tag, digest := imageref.Split(image)
		path := appendPath(c.path, "image")
		if digest == "" {
			switch tag {
			case "":
				out = append(out, issue{rule: RuleImageTagLatest, path: path, msg: fmt.Sprintf("image %q has no tag, so it means :latest; pin a version", image)})
			case "latest":
				out = append(out, issue{rule: RuleImageTagLatest, path: path, msg: fmt.Sprintf("image %q uses the tag latest; pin a version", image)})
			}
			out = append(out, issue{rule: RuleImageDigestRequired, path: path, msg: fmt.Sprintf("image %q is not pinned by digest (%s@sha256:...)", image, name)})
		}
	}
	return out
}

// resourceIssues reports containers without CPU and memory requests and
// limits.
func resourceIssues(cs []container) []issue {
	var out []issue
	for _, c := range cs {
		if len(c.path) >= 2 && c.path[len(c.path)-2] == "ephemeralContainers" {
			continue // ephemeral containers may not set resources
		}
		res, _ := c.m["resources"].(map[string]any)
		var missing []string
		for _, kind := range []string{"requests", "limits"} {
			m, _ := res[kind].(map[string]any)
			for _, r := range []string{"cpu", "memory"} {
				if v, ok := m[r]; !ok || v == nil || v == "" {
					missing = append(missing, kind+"."+r)
				}
			}
		}
		if len(missing) == 0 {
			continue
		}
		name, _ := c.m["name"].(string)
		path, atKey := appendPath(c.path, "resources"), true
		if res == nil {
			path = appendPath(c.path, "name")
			if name == "" {
				path, atKey = c.path, false
			}
		}
		out = append(out, issue{rule: RuleResourcesMissing, path: path, atKey: atKey, msg: fmt.Sprintf("container %q has no %s", name, strings.Join(missing, ", "))})
	}
	return out
}

// apiIssues reports a deprecated or removed apiVersion of a kind.
func apiIssues(obj map[string]any, version string) []issue {
	if version == "" {
		return nil
	}
	a, k, _, _ := render.Meta(obj)
	d, ok := lookupAPI(a, k)
	if !ok {
		return nil
	}
	repl := ""
	if d.Replacement != "" {
		repl = "; use " + d.Replacement
	}
	path := []string{"apiVersion"}
	switch {
	case d.Removed != "" && compareVersions(version, d.Removed) >= 0:
		return []issue{{rule: RuleRemovedAPI, path: path, msg: fmt.Sprintf("%s %s was removed in Kubernetes %s (deprecated in %s) and is not served by %s%s", a, k, d.Removed, d.Deprecated, version, repl)}}
	case d.Deprecated != "" && compareVersions(version, d.Deprecated) >= 0:
		removal := ""
		if d.Removed != "" {
			removal = fmt.Sprintf(", removal planned in %s", d.Removed)
		}
		return []issue{{rule: RuleDeprecatedAPI, path: path, msg: fmt.Sprintf("%s %s is deprecated since Kubernetes %s%s%s", a, k, d.Deprecated, removal, repl)}}
	}
	return nil
}

// quantityIssues checks the CPU and memory quantities of containers, which
// the OpenAPI schemas type only as int-or-string: "lots" passes them, and
// the API server rejects it.
func quantityIssues(cs []container) []issue {
	var out []issue
	for _, c := range cs {
		res, _ := c.m["resources"].(map[string]any)
		for _, kind := range []string{"limits", "requests"} {
			m, _ := res[kind].(map[string]any)
			for _, name := range sortedKeys(m) {
				if s, ok := m[name].(string); ok && !ValidQuantity(s) {
					out = append(out, issue{rule: RuleSchema, path: appendPath(c.path, "resources", kind, name),
						msg: fmt.Sprintf("%q is not a Kubernetes quantity (e.g. 500m, 1, 512Mi, 2Gi)", s)})
				}
			}
		}
	}
	return out
}
