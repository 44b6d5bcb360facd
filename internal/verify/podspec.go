package verify

import (
	"strconv"

	"github.com/gitops-actions/gitops-actions/internal/render"
)

// podTemplate is a pod, or the pod template of a workload: its metadata
// and spec, with the path of each in the object.
type podTemplate struct {
	meta     map[string]any
	metaPath []string
	spec     map[string]any
	path     []string
	// pod is set for a Pod itself, whose creation the API server refuses,
	// rather than a template it refuses pods of.
	pod bool
	// serving is set for the templates of long-running pods (not a Job's).
	serving bool
	// kind is the kind of the object holding it.
	kind string
}

// templateAt says where a kind holds its pod template: the path of the
// template (metadata and spec) in the object; nil for the object itself (a
// Pod).
type templateAt struct {
	path    []string
	serving bool
}

// podTemplateKinds are the kinds known to hold a full pod template, by API
// group and kind: Kubernetes' workloads, and custom resources whose
// template the operator runs as it is (not overlays it merges onto its
// own defaults, such as a Grafana or Prometheus resource's).
var podTemplateKinds = map[string]templateAt{
	"/Pod":                               {path: nil, serving: true},
	"/ReplicationController":             {path: []string{"spec", "template"}, serving: true},
	"/PodTemplate":                       {path: []string{"template"}, serving: true},
	"apps/Deployment":                    {path: []string{"spec", "template"}, serving: true},
	"apps/StatefulSet":                   {path: []string{"spec", "template"}, serving: true},
	"apps/DaemonSet":                     {path: []string{"spec", "template"}, serving: true},
	"apps/ReplicaSet":                    {path: []string{"spec", "template"}, serving: true},
	"batch/Job":                          {path: []string{"spec", "template"}},
	"batch/CronJob":                      {path: []string{"spec", "jobTemplate", "spec", "template"}},
	"argoproj.io/Rollout":                {path: []string{"spec", "template"}, serving: true},
	"apps.kruise.io/CloneSet":            {path: []string{"spec", "template"}, serving: true},
	"apps.kruise.io/StatefulSet":         {path: []string{"spec", "template"}, serving: true},
	"apps.kruise.io/DaemonSet":           {path: []string{"spec", "template"}, serving: true},
	"apps.openshift.io/DeploymentConfig": {path: []string{"spec", "template"}, serving: true},
	"keda.sh/ScaledJob":                  {path: []string{"spec", "jobTargetRef", "template"}},
	"serving.knative.dev/Service":        {path: []string{"spec", "template"}, serving: true},
	"serving.knative.dev/Configuration":  {path: []string{"spec", "template"}, serving: true},
}

// podTemplateOf returns the pod template an object holds, if its kind is
// known to hold one.
func podTemplateOf(obj map[string]any) (podTemplate, bool) {
	a, k, _, _ := render.Meta(obj)
	at, ok := podTemplateKinds[groupKind(a, k)]
	if !ok {
		return podTemplate{}, false
	}
	var tmpl map[string]any = obj
	for _, key := range at.path {
		tmpl, _ = tmpl[key].(map[string]any)
	}
	spec, _ := tmpl["spec"].(map[string]any)
	if spec == nil {
		return podTemplate{}, false
	}
	meta, _ := tmpl["metadata"].(map[string]any)
	return podTemplate{meta: meta, metaPath: appendPath(at.path, "metadata"), spec: spec, path: appendPath(at.path, "spec"),
		pod: at.path == nil, serving: at.serving, kind: k}, true
}

// containers lists the containers of the pod, init containers first, then
// containers, then ephemeral containers, each with its path.
func (p podTemplate) containers() []container {
	var out []container
	for _, key := range []string{"initContainers", "containers", "ephemeralContainers"} {
		list, _ := p.spec[key].([]any)
		for i, c := range list {
			if m, ok := c.(map[string]any); ok {
				out = append(out, container{path: appendPath(p.path, key, strconv.Itoa(i)), m: m})
			}
		}
	}
	return out
}

// at returns the path of a field of the pod spec.
func (p podTemplate) at(keys ...string) []string { return appendPath(p.path, keys...) }

// name is the container's name.
func (c container) name() string {
	s, _ := c.m["name"].(string)
	return s
}

// kind is "initContainers", "containers" or "ephemeralContainers".
func (c container) kind() string {
	if len(c.path) < 2 {
		return ""
	}
	return c.path[len(c.path)-2]
}

// at returns the path of a field of the container.
func (c container) at(keys ...string) []string { return appendPath(c.path, keys...) }

// anchor is where a finding about what a container lacks is reported: its
// securityContext when it has one, else its name.
func (c container) anchor() (path []string, atKey bool) {
	if _, ok := c.m["securityContext"]; ok {
		return c.at("securityContext"), true
	}
	if _, ok := c.m["name"]; ok {
		return c.at("name"), false
	}
	return c.path, false
}

// securityContext is the container's securityContext (nil when unset).
func (c container) securityContext() map[string]any {
	sc, _ := c.m["securityContext"].(map[string]any)
	return sc
}

// dig follows keys through nested maps; nil when one is missing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// digMap is dig for a map.
func digMap(v any, keys ...string) map[string]any {
	m, _ := dig(v, keys...).(map[string]any)
	return m
}

// digString is dig for a string ("" when not one).
func digString(v any, keys ...string) string {
	s, _ := dig(v, keys...).(string)
	return s
}

// isTrue reports whether v is the boolean true.
func isTrue(v any) bool {
	b, ok := v.(bool)
	return ok && b
}

// isFalse reports whether v is the boolean false.
func isFalse(v any) bool {
	b, ok := v.(bool)
	return ok && !b
}

// toInt reads a whole number written as a number; ok is false for
// anything else.
func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case uint64:
		return int64(x), true
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true
		}
	}
	return 0, false
}

// templateContainers lists the containers of a pod template; none when
// the object holds no template of a kind known to hold one.
func templateContainers(p podTemplate, ok bool) []container {
	if !ok {
		return nil
	}
	return p.containers()
}
