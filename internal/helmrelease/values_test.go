package helmrelease

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// objects is the repository's objects of a test, by kind and name.
type objects []map[string]any

func (o objects) Find(kind, namespace, name string) map[string]any {
	for _, obj := range o {
		md, _ := obj["metadata"].(map[string]any)
		ns, _ := md["namespace"].(string)
		if obj["kind"] == kind && md["name"] == name && (ns == "" || namespace == "" || ns == namespace) {
			return obj
		}
	}
	return nil
}

// parse reads YAML documents into plain values, integers as int64 as the
// render package gives them.
func parse(t *testing.T, text string) []map[string]any {
	t.Helper()
	var out []map[string]any
	dec := yaml.NewDecoder(strings.NewReader(text))
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			break
		}
		out = append(out, toInt64(m).(map[string]any))
	}
	return out
}

func toInt64(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = toInt64(e)
		}
	case []any:
		for i, e := range x {
			x[i] = toInt64(e)
		}
	case int:
		return int64(x)
	}
	return v
}

func configMap(name string, data map[string]string) map[string]any {
	d := map[string]any{}
	for k, v := range data {
		d[k] = v
	}
	return map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": name, "namespace": "apps"}, "data": d}
}

func secret(name string, data map[string]string) map[string]any {
	d := map[string]any{}
	for k, v := range data {
		d[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	return map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": name, "namespace": "apps"}, "data": d}
}

func release(t *testing.T, valuesFrom, values string) *Release {
	t.Helper()
	text := `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: app, namespace: apps}
spec:
  chart: {spec: {chart: app, sourceRef: {kind: HelmRepository, name: repo}}}
`
	if valuesFrom != "" {
		text += "  valuesFrom:\n" + indent(valuesFrom, "    ")
	}
	if values != "" {
		text += "  values:\n" + indent(values, "    ")
	}
	r, issues := Read(parse(t, text)[0])
	if len(issues) > 0 || r == nil {
		t.Fatalf("Read: %v", issues)
	}
	return r
}

func indent(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = by + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestValues holds the cases of helm-controller's own tests of
// ChartValuesFromReferences (fluxcd/pkg/chartutil values_test.go), with
// their expected values, and the cases of this repository's reading.
func TestValues(t *testing.T) {
	tests := []struct {
		name       string
		objs       objects
		valuesFrom string
		values     string
		want       string // YAML
		wantLayers []string
		unresolved []string
		wantErr    string
	}{
		{
			name: "merges in order, inline last",
			objs: objects{
				configMap("values", map[string]string{"values.yaml": "flat: value\nnested:\n  configuration: value\n"}),
				secret("values", map[string]string{"values.yaml": "flat:\n  nested: value\nnested: value\n"}),
			},
			valuesFrom: "- {kind: ConfigMap, name: values}\n- {kind: Secret, name: values}\n",
			values:     "other: values\n",
			want:       "flat: {nested: value}\nnested: value\nother: values\n",
			wantLayers: []string{`valuesFrom[0] (ConfigMap "values", key "values.yaml")`, `valuesFrom[1] (Secret "values", key "values.yaml")`, "spec.values"},
		},
		{
			name:       "target path",
			objs:       objects{secret("values", map[string]string{"single": "value"})},
			valuesFrom: "- {kind: Secret, name: values, valuesKey: single, targetPath: merge.at.specific.path}\n",
			want:       "merge: {at: {specific: {path: value}}}\n",
			wantLayers: []string{`valuesFrom[0] (Secret "values", key "single" at merge.at.specific.path)`},
		},
		{
			// The targetPath entry writes into the list spec.values shares
			// with what is composed: it survives the final merge.
			name: "target path precedence over all",
			objs: objects{
				configMap("values", map[string]string{"values.yaml": "flat: value\nnested:\n  configuration:\n  - one\n  - two\n  - three\n"}),
				secret("values", map[string]string{"key": "value"}),
			},
			valuesFrom: "- {kind: Secret, name: values, valuesKey: key, targetPath: 'nested.configuration[0]'}\n- {kind: ConfigMap, name: values}\n",
			values:     "nested:\n  configuration: [list, item, option]\n",
			want:       "flat: value\nnested: {configuration: [value, item, option]}\n",
		},
		{
			name: "target path for string type array item",
			objs: objects{
				configMap("values", map[string]string{"values.yaml": "flat: value\nnested:\n  configuration: [list, item, option]\n"}),
				secret("values", map[string]string{"values.yaml": "foo"}),
			},
			valuesFrom: "- {kind: ConfigMap, name: values}\n- {kind: Secret, name: values, targetPath: 'nested.configuration[1]'}\n",
			values:     "other: values\n",
			want:       "flat: value\nnested: {configuration: [list, foo, option]}\nother: values\n",
		},
		{
			// A map composed before the targetPath entry is a new map, not
			// spec.values' own: spec.values wins at the path.
			name: "target path under a map composed before loses to spec.values",
			objs: objects{
				configMap("base", map[string]string{"values.yaml": "image: {repository: app}\n"}),
				configMap("tag", map[string]string{"tag": "1.2.3"}),
			},
			valuesFrom: "- {kind: ConfigMap, name: base}\n- {kind: ConfigMap, name: tag, valuesKey: tag, targetPath: image.tag}\n",
			values:     "image: {tag: latest}\n",
			want:       "image: {repository: app, tag: latest}\n",
		},
		{
			name:       "target path under a map only spec.values holds wins over it",
			objs:       objects{configMap("tag", map[string]string{"tag": "1.2.3"})},
			valuesFrom: "- {kind: ConfigMap, name: tag, valuesKey: tag, targetPath: image.tag}\n",
			values:     "image: {tag: latest}\n",
			want:       "image: {tag: 1.2.3}\n",
		},
		{
			name:       "quoted target path value stays a string",
			objs:       objects{configMap("v", map[string]string{"n": `"123"`, "m": "123"})},
			valuesFrom: "- {kind: ConfigMap, name: v, valuesKey: n, targetPath: a}\n- {kind: ConfigMap, name: v, valuesKey: m, targetPath: b}\n",
			want:       "a: \"123\"\nb: 123\n",
		},
		{
			name:       "literal target path keeps commas",
			objs:       objects{configMap("v", map[string]string{"brokers": "a:9092,b:9092"})},
			valuesFrom: "- {kind: ConfigMap, name: v, valuesKey: brokers, targetPath: kafka.brokers, literal: true}\n",
			want:       "kafka: {brokers: 'a:9092,b:9092'}\n",
		},
		{
			name:       "optional missing object is left out",
			valuesFrom: "- {kind: Secret, name: missing, optional: true}\n",
			values:     "a: 1\n",
			want:       "a: 1\n",
		},
		{
			name:       "optional missing key is left out",
			objs:       objects{configMap("v", map[string]string{"other": "x: 1"})},
			valuesFrom: "- {kind: ConfigMap, name: v, optional: true}\n",
			want:       "{}\n",
		},
		{
			name:       "object not in the repository is unresolved, not an error",
			valuesFrom: "- {kind: Secret, name: missing}\n",
			values:     "a: 1\n",
			want:       "a: 1\n",
			unresolved: []string{`the repository holds no Secret "missing"`},
		},
		{
			name:       "encrypted secret is unresolved",
			objs:       objects{{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "s"}, "sops": map[string]any{"mac": "x"}, "data": map[string]any{"values.yaml": "ENC[...]"}}},
			valuesFrom: "- {kind: Secret, name: s}\n",
			want:       "{}\n",
			unresolved: []string{`Secret "s" is encrypted with SOPS`},
		},
		{
			name:       "missing key fails",
			objs:       objects{configMap("v", map[string]string{"other": "x: 1"})},
			valuesFrom: "- {kind: ConfigMap, name: v}\n",
			wantErr:    `valuesFrom[0] (ConfigMap "v", key "values.yaml"): ConfigMap "v" has no key "values.yaml", and the entry is not optional: helm-controller fails the release`,
		},
		{
			name:       "values that are not YAML fail",
			objs:       objects{configMap("v", map[string]string{"values.yaml": "a: [b"})},
			valuesFrom: "- {kind: ConfigMap, name: v}\n",
			wantErr:    `valuesFrom[0] (ConfigMap "v", key "values.yaml") is not YAML`,
		},
		{
			name:       "secret stringData is read",
			objs:       objects{{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "s"}, "stringData": map[string]any{"values.yaml": "password: x\n"}}},
			valuesFrom: "- {kind: Secret, name: s}\n",
			want:       "password: x\n",
		},
		{
			name:   "numbers are JSON numbers, as in the cluster",
			values: "replicas: 3\nsize: 1000000\n",
			want:   "replicas: 3.0\nsize: 1000000.0\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := release(t, tc.valuesFrom, tc.values)
			got, layers, unresolved, err := Values(r, tc.objs)
			if tc.wantErr != "" {
				var ve *ValuesError
				if err == nil || !errors.As(err, &ve) || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want a *ValuesError starting %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			if err := yaml.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normalize(got), normalize(want)) {
				t.Errorf("values = %#v, want %#v", got, want)
			}
			if tc.wantLayers != nil {
				var names []string
				for _, l := range layers {
					names = append(names, l.What())
				}
				if !reflect.DeepEqual(names, tc.wantLayers) {
					t.Errorf("layers = %q, want %q", names, tc.wantLayers)
				}
			}
			var reasons []string
			for _, u := range unresolved {
				reasons = append(reasons, u.Reason)
			}
			if !reflect.DeepEqual(reasons, tc.unresolved) {
				t.Errorf("unresolved = %q, want %q", reasons, tc.unresolved)
			}
		})
	}
}

// normalize turns every number into a float64 and every string that
// strvals typed into what YAML would, so that expected values can be
// written as YAML.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case int:
		return float64(x)
	case int64:
		return float64(x)
	}
	return v
}

// TestValuesDoNotWriteTheRelease checks that composing leaves the
// release's own values as they were, although helm-controller's algorithm
// writes into them.
func TestValuesDoNotWriteTheRelease(t *testing.T) {
	r := release(t, "- {kind: ConfigMap, name: tag, valuesKey: tag, targetPath: image.tag}\n", "image: {tag: latest}\n")
	if _, _, _, err := Values(r, objects{configMap("tag", map[string]string{"tag": "1.2.3"})}); err != nil {
		t.Fatal(err)
	}
	if got := r.Values["image"].(map[string]any)["tag"]; got != "latest" {
		t.Errorf("spec.values image.tag = %v after Values, want latest", got)
	}
}
