package render

import "testing"

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
