package render

import (
	"context"
	"path"
	"testing"
	"testing/fstest"
)

func TestFluxValue(t *testing.T) {
	k := &fluxKustomization{namespace: "flux-system", name: "apps", postBuild: true,
		vars:   map[string]string{"N": "3", "ON": "true", "NAME": "web", "EMPTY": ""},
		secret: map[string]bool{}, opaque: map[string]bool{"SEALED": true}}
	tests := []struct {
		in         string
		want       any
		unresolved bool
	}{
		{in: "${N}", want: float64(3)},
		{in: "${ON}", want: true},
		{in: "app-${NAME}", want: "app-web"},
		{in: "${NAME^^}", want: "WEB"},
		{in: "${EMPTY:=fallback}", want: "fallback"},
		{in: "${UNSET:-x}-${NAME}", want: "x-web"},
		{in: "$${NAME}", want: "${NAME}"},
		{in: "a: ${NAME}", want: "a: web"}, // quoted when serialised: stays a string
		{in: "${UNSET}", want: "${UNSET}", unresolved: true},
		{in: "${UNSET:=${ALSO_UNSET}}", want: "${UNSET:=${ALSO_UNSET}}", unresolved: true},
		{in: "${SEALED}", want: "${SEALED}"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			o := &Substitution{k: k, subst: map[string]string{}}
			got, _ := o.value(tc.in, []string{"v"})
			if got != tc.want {
				t.Errorf("value(%q) = %#v, want %#v", tc.in, got, tc.want)
			}
			unresolved := false
			for _, is := range o.Issues {
				if is.Kind == VariableUnset {
					unresolved = true
				}
			}
			if unresolved != tc.unresolved {
				t.Errorf("value(%q): unresolved notice %v, want %v", tc.in, unresolved, tc.unresolved)
			}
		})
	}
}

// TestFluxComponentIncludes: what a Flux Kustomization's spec.components
// add is rendered by it, paths relative to its spec.path, a variable its
// own outer Kustomization sets resolved, and what a Component's own
// kustomization names in turn; a path with a variable nobody sets is
// left out.
func TestFluxComponentIncludes(t *testing.T) {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	fsys := fstest.MapFS{
		"clusters/home/flux.yaml":                f("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\nspec:\n  path: ./clusters/home\n  postBuild:\n    substitute:\n      TIER: gold\n"),
		"clusters/home/apps.yaml":                f("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\nspec:\n  path: ./apps\n  components:\n    - ../components/${TIER}\n    - ../components/${NOBODY}\n    - ../components/backup\n"),
		"apps/kustomization.yaml":                f("resources: []\n"),
		"components/gold/kustomization.yaml":     f("kind: Component\nresources:\n  - quota.yaml\n"),
		"components/gold/quota.yaml":             f("kind: ResourceQuota\n"),
		"components/backup/kustomization.yaml":   f("kind: Component\ncomponents:\n  - ../schedule\n"),
		"components/schedule/kustomization.yaml": f("kind: Component\nresources:\n  - job/cron.yaml\n"),
		"components/schedule/job/cron.yaml":      f("kind: CronJob\n"),
		"components/silver/kustomization.yaml":   f("kind: Component\n"),
		"components/silver/quota.yaml":           f("kind: ResourceQuota\n"),
	}
	tree, err := Walk(context.Background(), fsys, Options{Substitute: true})
	if err != nil {
		t.Fatal(err)
	}
	ks := tree.fluxKustomizations()
	for _, tc := range []struct {
		file string
		want string // the Kustomization that renders it; "" for none
	}{
		{file: "components/gold/quota.yaml", want: "apps"},
		{file: "components/schedule/job/cron.yaml", want: "apps"},
		{file: "components/silver/quota.yaml", want: ""},
	} {
		got := ""
		if k := nearestFlux(ks, path.Dir(tc.file), tc.file, nil); k != nil {
			got = k.name
		}
		if got != tc.want {
			t.Errorf("%s is rendered by %q, want %q", tc.file, got, tc.want)
		}
	}
}
