package helm

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	chart "helm.sh/helm/v4/pkg/chart/v2"

	"github.com/gitops-actions/gitops-actions/internal/kubeschema"
)

// A chart's values.schema.json is checked as helm checks it (the chart's
// against all its values, each dependency's against the values under its
// name), with the library helm uses, but offline: a $ref to a URL is
// resolved from the chart's own files when one of them is that document
// (a chart often points at its own schema as published), else that part
// is skipped and said so. An unreachable schema is never a false error.

// validateValues checks the values against the schemas of the chart and
// its dependencies.
func validateValues(ch *chart.Chart, vals map[string]any, prov provenance) []Problem {
	var out []Problem
	var walk func(c *chart.Chart, v map[string]any, at []string)
	walk = func(c *chart.Chart, v map[string]any, at []string) {
		if len(c.Schema) > 0 {
			out = append(out, validateOne(c, v, at, prov)...)
		}
		for _, d := range c.Dependencies() {
			raw, ok := v[d.Name()]
			if !ok || raw == nil {
				continue
			}
			sub, ok := raw.(map[string]any)
			if !ok {
				pos, _ := prov.value(append(slices.Clip(at), d.Name()))
				out = append(out, Problem{Kind: ValuesInvalid, Pos: pos, Message: fmt.Sprintf("values of dependency %s must be a mapping, not %T", d.Name(), raw)})
				continue
			}
			walk(d, sub, append(slices.Clip(at), d.Name()))
		}
	}
	walk(ch, vals, nil)
	return out
}

// validateOne checks values (at path at of the whole) against one chart's
// schema.
func validateOne(c *chart.Chart, vals map[string]any, at []string, prov provenance) []Problem {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(c.Schema))
	if err != nil {
		return []Problem{{Kind: Offline, Message: fmt.Sprintf("the values.schema.json of chart %s is not JSON, so values are not checked against it: %v", c.Name(), err)}}
	}
	ld := &chartLoader{chart: c.Root()}
	comp := jsonschema.NewCompiler()
	comp.UseLoader(ld)
	const self = "file:///values.schema.json"
	if err := comp.AddResource(self, doc); err != nil {
		return []Problem{{Kind: Offline, Message: fmt.Sprintf("the values.schema.json of chart %s is not used: %v", c.Name(), err)}}
	}
	sch, err := comp.Compile(self)
	var out []Problem
	for _, u := range ld.skipped {
		out = append(out, Problem{Kind: Offline, Message: fmt.Sprintf("the values.schema.json of chart %s refers to %s, which is not fetched (verification is offline) and is not among the chart's files: that part of the schema is not checked", c.Name(), u)})
	}
	if err != nil {
		return append(out, Problem{Kind: Offline, Message: fmt.Sprintf("the values.schema.json of chart %s is not used: %s", c.Name(), cleanError(err.Error()))})
	}
	inst, err := jsonValue(vals)
	if err != nil {
		return out
	}
	vs, err := kubeschema.Check(sch, inst)
	if err != nil {
		return append(out, Problem{Kind: Offline, Message: fmt.Sprintf("the values of chart %s could not be checked against its values.schema.json: %v", c.Name(), err)})
	}
	for _, v := range vs {
		full := append(slices.Clip(at), v.Path...)
		var pos Position
		var ok bool
		switch v.Reason {
		case "unknown-field":
			pos, ok = prov.key(full)
		case "required":
			pos, _, ok = prov.nearest(full)
		default:
			pos, ok = prov.value(full)
		}
		if !ok {
			pos, _, _ = prov.nearest(full)
		}
		where := strings.Join(full, ".")
		if where == "" {
			where = "(top)"
		}
		out = append(out, Problem{Kind: ValuesInvalid, Pos: pos, Message: fmt.Sprintf("values of chart %s at %s: %s (values.schema.json)", c.Name(), where, v.Message)})
	}
	return out
}

// jsonValue turns values into what a JSON decoder gives, as the schema
// library expects.
func jsonValue(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			c, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			c, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case int:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case float32:
		return float64(v), nil
	}
	return v, nil
}

// chartLoader serves a schema's references from the files of the chart
// and its dependencies; a URL none of them holds is skipped.
type chartLoader struct {
	chart   *chart.Chart
	skipped []string
}

func (l *chartLoader) Load(u string) (any, error) {
	if data := l.find(u); data != nil {
		return jsonschema.UnmarshalJSON(bytes.NewReader(data))
	}
	if !slices.Contains(l.skipped, u) {
		l.skipped = append(l.skipped, u)
	}
	return map[string]any{}, nil
}

// find returns the file of the chart tree whose path ends the most path
// elements of the URL's, values.schema.json files included; nil when no
// single file is the best match.
func (l *chartLoader) find(u string) []byte {
	pu, err := url.Parse(u)
	if err != nil || pu.Path == "" {
		return nil
	}
	want := strings.Split(strings.Trim(path.Clean(pu.Path), "/"), "/")
	best, bestN, ties := []byte(nil), 0, 0
	var walk func(c *chart.Chart, prefix string)
	walk = func(c *chart.Chart, prefix string) {
		consider := func(name string, data []byte) {
			have := strings.Split(path.Join(prefix, name), "/")
			n := 0
			for n < len(have) && n < len(want) && have[len(have)-1-n] == want[len(want)-1-n] {
				n++
			}
			switch {
			case n == 0:
			case n > bestN:
				best, bestN, ties = data, n, 1
			case n == bestN && !bytes.Equal(data, best):
				ties++
			}
		}
		if len(c.Schema) > 0 {
			consider("values.schema.json", c.Schema)
		}
		for _, f := range c.Files {
			if strings.HasSuffix(f.Name, ".json") {
				consider(f.Name, f.Data)
			}
		}
		for _, d := range c.Dependencies() {
			walk(d, path.Join(prefix, "charts", d.Name()))
		}
	}
	walk(l.chart, "")
	if ties != 1 {
		return nil
	}
	return best
}
