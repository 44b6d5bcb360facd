package diffpreview

import (
	"strings"
	"testing"
)

func TestLinePaths(t *testing.T) {
	text := `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  annotations:
    kubernetes.io/change-cause: x
  name: app
spec:
  values:
    controllers:
      main:
        containers:
          - image: a
            securityContext:
              capabilities:
                drop:
                  - ALL
          - image: b
        replicas: 2
    script: |
      a: b
      - c
    list:
    - one
    - two
`
	want := []string{
		"apiVersion", "kind", "metadata", "metadata.annotations", "metadata.annotations[kubernetes.io/change-cause]", "metadata.name",
		"spec", "spec.values", "spec.values.controllers", "spec.values.controllers.main", "spec.values.controllers.main.containers",
		"spec.values.controllers.main.containers[0].image", "spec.values.controllers.main.containers[0].securityContext",
		"spec.values.controllers.main.containers[0].securityContext.capabilities",
		"spec.values.controllers.main.containers[0].securityContext.capabilities.drop",
		"spec.values.controllers.main.containers[0].securityContext.capabilities.drop[0]",
		"spec.values.controllers.main.containers[1].image",
		"spec.values.controllers.main.replicas",
		"spec.values.script", "spec.values.script", "spec.values.script",
		"spec.values.list", "spec.values.list[0]", "spec.values.list[1]",
	}
	got := linePaths(text)
	if len(got) != len(want) {
		t.Fatalf("%d paths for %d lines", len(got), len(want))
	}
	for i, p := range got {
		if formatPath(p) != want[i] {
			t.Errorf("line %d: path %q, want %q", i+1, formatPath(p), want[i])
		}
	}
}

// TestHunkPath: the header of a hunk says which controller changed,
// though its context shows another's.
func TestHunkPath(t *testing.T) {
	base := "spec:\n  values:\n    controllers:\n      main:\n        replicas: 2\n        securityContext:\n          drop:\n            - ALL\n      worker:\n        replicas: 1\n"
	head := strings.Replace(base, "replicas: 2", "replicas: 3", 1)
	d := diffText(base, head)
	if !strings.Contains(d, " @@ spec.values.controllers.main.replicas\n") {
		t.Errorf("the hunk header has no path:\n%s", d)
	}
	both := strings.Replace(head, "replicas: 1", "replicas: 4", 1)
	if d := diffText(base, both); !strings.Contains(d, " @@ spec.values.controllers\n") {
		t.Errorf("a hunk of two changes is not at their common path:\n%s", d)
	}
}
