package helmrelease

import (
	"encoding/base64"
	"fmt"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/strvals"
)

// Layer is one source of a release's values, as it contributes to them.
type Layer struct {
	// Ref is the valuesFrom entry, nil for spec.values.
	Ref *ValuesRef
	// Values are what the layer sets: the YAML of the entry, a targetPath
	// entry's value at its path, spec.values.
	Values map[string]any
}

// What names the layer in messages: `valuesFrom[1] (ConfigMap
// "app-values", key "values.yaml")`, `spec.values`.
func (l Layer) What() string {
	if l.Ref == nil {
		return "spec.values"
	}
	return l.Ref.What()
}

// What names the entry in messages.
func (r ValuesRef) What() string {
	s := fmt.Sprintf("valuesFrom[%d] (%s %q, key %q", r.Index, r.Kind, r.Name, r.ValuesKey)
	if r.TargetPath != "" {
		s += fmt.Sprintf(" at %s", r.TargetPath)
	}
	return s + ")"
}

// Unresolved is a valuesFrom entry whose values are not known here: the
// repository does not hold the object, or holds it encrypted. The
// release is rendered without it.
type Unresolved struct {
	Ref    ValuesRef
	Reason string
}

// ValuesError is a valuesFrom entry helm-controller fails the release on:
// a key the object does not have, values that are not YAML, a targetPath
// Helm cannot parse.
type ValuesError struct {
	Ref     ValuesRef
	Message string
}

func (e *ValuesError) Error() string { return e.Message }

// Values composes the values of r as helm-controller does
// (ChartValuesFromReferences in fluxcd/pkg/chartutil): the valuesFrom
// entries in order, each merged over the ones before, then spec.values
// over all of them. An entry with a targetPath first merges spec.values
// into what is composed so far and then sets its path in it, as Helm's
// --set does: where spec.values shares a map with what is composed, the
// path's value survives the final merge of spec.values, so it wins there.
// The same code path is taken here, so the outcome is the controller's in
// every case.
//
// The layers are in the order they apply, for attributing a value to
// the entry it came from (Attribute). A non-optional entry whose object
// the repository does not hold is in unresolved, and so is one that is
// encrypted; the error is a *ValuesError.
func Values(r *Release, objs Objects) (values map[string]any, layers []Layer, unresolved []Unresolved, err error) {
	inline := deepCopy(r.Values)
	result := map[string]any{}
	for i := range r.ValuesFrom {
		ref := r.ValuesFrom[i]
		data, why, err := valuesData(ref, r.Namespace, objs)
		switch {
		case err != nil:
			if ref.Optional {
				continue
			}
			return nil, nil, unresolved, err
		case why != "":
			if !ref.Optional {
				unresolved = append(unresolved, Unresolved{Ref: ref, Reason: why})
			}
			continue
		}
		if ref.TargetPath != "" {
			result = loader.MergeMaps(result, inline)
			if err := replacePath(result, ref, data); err != nil {
				return nil, nil, unresolved, &ValuesError{Ref: ref, Message: fmt.Sprintf("%s: targetPath: %v", ref.What(), err)}
			}
			one := map[string]any{}
			_ = replacePath(one, ref, data)
			layers = append(layers, Layer{Ref: &r.ValuesFrom[i], Values: one})
			continue
		}
		vals, err := common.ReadValues([]byte(data))
		if err != nil {
			return nil, nil, unresolved, &ValuesError{Ref: ref, Message: fmt.Sprintf("%s is not YAML: %v", ref.What(), err)}
		}
		result = loader.MergeMaps(result, vals)
		layers = append(layers, Layer{Ref: &r.ValuesFrom[i], Values: vals})
	}
	if r.Values != nil {
		layers = append(layers, Layer{Values: r.Values})
	}
	return loader.MergeMaps(result, inline), layers, unresolved, nil
}

// valuesData returns the text under a valuesFrom entry's key, or why it is
// unknown here; the error is for an object that lacks the key.
func valuesData(ref ValuesRef, namespace string, objs Objects) (data, unknown string, err error) {
	obj := objs.Find(ref.Kind, namespace, ref.Name)
	if obj == nil {
		return "", fmt.Sprintf("the repository holds no %s %q", ref.Kind, ref.Name), nil
	}
	if _, ok := obj["sops"]; ok {
		return "", fmt.Sprintf("%s %q is encrypted with SOPS", ref.Kind, ref.Name), nil
	}
	d, _ := obj["data"].(map[string]any)
	if ref.Kind == "Secret" {
		if sd, ok := obj["stringData"].(map[string]any); ok {
			if v, ok := sd[ref.ValuesKey]; ok {
				return scalarString(v), "", nil
			}
		}
		if v, ok := d[ref.ValuesKey]; ok {
			b, err := base64.StdEncoding.DecodeString(scalarString(v))
			if err != nil {
				return "", "", &ValuesError{Ref: ref, Message: fmt.Sprintf("%s: the Secret's data is not base64: %v", ref.What(), err)}
			}
			return string(b), "", nil
		}
	} else if v, ok := d[ref.ValuesKey]; ok {
		return scalarString(v), "", nil
	}
	return "", "", &ValuesError{Ref: ref, Message: fmt.Sprintf("%s: %s %q has no key %q, and the entry is not optional: helm-controller fails the release", ref.What(), ref.Kind, ref.Name, ref.ValuesKey)}
}

// replacePath is ReplacePathValue (and ReplacePathLiteralValue) of
// fluxcd/pkg/chartutil: Helm's --set parser, a quoted value taken as a
// string.
func replacePath(values map[string]any, ref ValuesRef, value string) error {
	if ref.Literal {
		esc := strings.NewReplacer(`\`, `\\`, `,`, `\,`, `[`, `\[`, `]`, `\]`, `{`, `\{`, `}`, `\}`)
		return strvals.ParseIntoString(ref.TargetPath+"="+esc.Replace(value), values)
	}
	single := strings.HasPrefix(value, "'") && strings.HasSuffix(value, "'")
	double := strings.HasPrefix(value, `"`) && strings.HasSuffix(value, `"`)
	if single || double {
		return strvals.ParseIntoString(ref.TargetPath+"="+strings.Trim(value, `'"`), values)
	}
	return strvals.ParseInto(ref.TargetPath+"="+value, values)
}

// scalarString is a data value as the cluster holds it: a string.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// deepCopy copies the maps and lists of v: composing values writes into
// them, as helm-controller does into its own copy.
func deepCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return copyValue(m).(map[string]any)
}

func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = copyValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}
