package render

import (
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/types"
)

func TestCleanKustomizeError(t *testing.T) {
	got := cleanKustomizeError(`accumulating resources from '/a/b.yaml': stat /a/b.yaml: no such file; [/x y] a / b`)
	want := `accumulating resources from 'a/b.yaml': stat a/b.yaml: no such file; [x y] a / b`
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestDeprecatedKustomizeFieldsMatchKustomize keeps the kustomize-deprecated
// rule's list equal to the fields kustomize itself warns about.
func TestDeprecatedKustomizeFieldsMatchKustomize(t *testing.T) {
	values := map[string]string{
		"bases": "[a]", "commonLabels": "{a: b}", "imageTags": "[{name: a}]",
		"patchesJson6902": "[{path: p.yaml}]", "patchesStrategicMerge": "[p.yaml]",
		"vars": "[{name: V, objref: {kind: Service, name: s, apiVersion: v1}}]",
	}
	for _, d := range deprecatedKustomizeFields {
		v, ok := values[d.field]
		if !ok {
			t.Fatalf("no test value for %q", d.field)
		}
		var k types.Kustomization
		if err := k.Unmarshal([]byte(d.field + ": " + v + "\n")); err != nil {
			t.Fatalf("%s: %v", d.field, err)
		}
		msgs := *k.CheckDeprecatedFields()
		if len(msgs) != 1 || !strings.Contains(msgs[0], "'"+d.field+"'") || !strings.Contains(msgs[0], "'"+d.use+"'") {
			t.Errorf("kustomize on %s: %q; want one warning naming %q and %q", d.field, msgs, d.field, d.use)
		}
	}
	// Every field kustomize knows as deprecated is in the list: fill every
	// field of its Kustomization type and count the warnings.
	var k types.Kustomization
	rv := reflect.ValueOf(&k).Elem()
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		switch f.Kind() {
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		case reflect.Map:
			f.Set(reflect.MakeMap(f.Type()))
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		}
	}
	if got := len(*k.CheckDeprecatedFields()); got != len(deprecatedKustomizeFields) {
		t.Errorf("kustomize warns about %d fields of a full Kustomization, the rule knows %d: %q", got, len(deprecatedKustomizeFields), *k.CheckDeprecatedFields())
	}
}
