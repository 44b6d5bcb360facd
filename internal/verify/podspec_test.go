package verify

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	k8syaml "sigs.k8s.io/yaml"
)

// TestEveryWorkloadKindIsJudged: the pod template of every kind known to
// hold one (Kubernetes' workloads, an Argo Rollout, a CronJob's job
// template, KEDA's ScaledJob ...) is judged by the Pod Security Standard,
// and the finding points at the field in that template; a custom resource
// whose template is an overlay is not.
func TestEveryWorkloadKindIsJudged(t *testing.T) {
	versions := map[string]string{"": "v1", "apps": "v1", "batch": "v1", "argoproj.io": "v1alpha1",
		"apps.kruise.io": "v1alpha1", "apps.openshift.io": "v1", "keda.sh": "v1alpha1", "serving.knative.dev": "v1"}
	pod := map[string]any{
		"hostNetwork": true,
		"containers":  []any{map[string]any{"name": "app", "image": "ghcr.io/acme/app:1.0.0"}},
	}
	only := RuleSet{on: map[string]bool{RulePodSecurity: true}, sev: map[string]finding.Severity{}}
	// The workloads users write most, which must never drop out.
	template := []string{"spec", "template"}
	for gk, want := range map[string][]string{"/Pod": nil, "/ReplicationController": template, "apps/Deployment": template,
		"apps/StatefulSet": template, "apps/DaemonSet": template, "apps/ReplicaSet": template, "batch/Job": template,
		"batch/CronJob": {"spec", "jobTemplate", "spec", "template"}, "argoproj.io/Rollout": template} {
		if at, ok := podTemplateKinds[gk]; !ok || !slices.Equal(at.path, want) {
			t.Errorf("%s: its pod template (at %v) is not judged", gk, want)
		}
	}
	var kinds []string
	for gk := range podTemplateKinds {
		kinds = append(kinds, gk)
	}
	slices.Sort(kinds)
	// A Grafana resource's deployment is merged onto the operator's own:
	// it holds a template, but not one known to be a full pod.
	kinds = append(kinds, "grafana.integreatly.org/Grafana")
	versions["grafana.integreatly.org"] = "v1beta1"
	for _, gk := range kinds {
		t.Run(gk, func(t *testing.T) {
			group, kind, _ := strings.Cut(gk, "/")
			version, ok := versions[group]
			if !ok {
				t.Fatalf("no apiVersion for group %q: add it to the test", group)
			}
			apiVersion := version
			if group != "" {
				apiVersion = group + "/" + version
			}
			obj := map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": "w", "namespace": "apps"}}
			at, known := podTemplateKinds[gk]
			path := at.path
			if !known {
				path = []string{"spec", "deployment"}
			}
			if path == nil {
				obj["spec"] = pod
			} else {
				m := obj
				for _, key := range path {
					next, _ := m[key].(map[string]any)
					if next == nil {
						next = map[string]any{}
						m[key] = next
					}
					m = next
				}
				m["metadata"] = map[string]any{"labels": map[string]any{"app": "w"}}
				m["spec"] = pod
			}
			data, err := k8syaml.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "w.yaml"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			line := 1 + slices.IndexFunc(strings.Split(string(data), "\n"), func(l string) bool { return strings.Contains(l, "hostNetwork:") })
			res := runDir(t, dir, Options{KubernetesVersion: "1.37", Rules: only})
			var got []string
			for _, f := range res.Findings {
				if f.Rule == RulePodSecurity && f.Line == line && strings.Contains(f.Message, "hostNetwork") {
					got = append(got, f.String())
				}
			}
			if known && len(got) != 1 {
				t.Errorf("want one pod-security finding for hostNetwork at line %d, got %d; all findings: %v\n%s", line, len(got), res.Findings, data)
			}
			if !known && len(res.Findings) != 0 {
				t.Errorf("a custom resource's overlay judged as a pod: %v", res.Findings)
			}
		})
	}
}
