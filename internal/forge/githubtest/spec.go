package githubtest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// subsetJSON is GitHub's OpenAPI description reduced to the operations the
// fake serves; regenerate it with `go run ./internal/forge/githubtest/gen`.
//
//go:embed testdata/openapi-subset.json
var subsetJSON []byte

// spec validates requests and responses against the embedded subset.
type spec struct {
	doc *openapi3.T
}

var (
	loadOnce   sync.Once
	loadedSpec *spec
	loadErr    error
)

// loadSpec parses the embedded subset once per test binary.
func loadSpec() (*spec, error) {
	loadOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(subsetJSON)
		if err != nil {
			loadErr = fmt.Errorf("loading embedded openapi subset: %w", err)
			return
		}
		loadedSpec = &spec{doc: doc}
	})
	return loadedSpec, loadErr
}

func (sp *spec) route(rt *route) (*routers.Route, error) {
	item := sp.doc.Paths.Value(rt.Template)
	if item == nil {
		return nil, fmt.Errorf("path %q not in the openapi subset (regenerate it)", rt.Template)
	}
	op := item.GetOperation(rt.Method)
	if op == nil {
		return nil, fmt.Errorf("operation %s %q not in the openapi subset (regenerate it)", rt.Method, rt.Template)
	}
	return &routers.Route{Spec: sp.doc, Path: rt.Template, PathItem: item, Method: rt.Method, Operation: op}, nil
}

func filterOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		MultiError:         true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
	}
}

func (sp *spec) requestInput(r *http.Request, rt *route, params map[string]string, body []byte) (*openapi3filter.RequestValidationInput, error) {
	route, err := sp.route(rt)
	if err != nil {
		return nil, err
	}
	req := r.Clone(r.Context())
	req.Body = io.NopCloser(bytes.NewReader(body))
	return &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options:    filterOptions(),
	}, nil
}

// validateRequest checks a request's parameters and body against its
// operation.
func (sp *spec) validateRequest(r *http.Request, rt *route, params map[string]string, body []byte) error {
	in, err := sp.requestInput(r, rt, params, body)
	if err != nil {
		return err
	}
	return openapi3filter.ValidateRequest(context.Background(), in)
}

// validateResponse checks a response's status, headers and body against its
// operation. Statuses the operation does not document are accepted, as
// GitHub answers them for every operation (401, 403, 5xx).
func (sp *spec) validateResponse(r *http.Request, rt *route, params map[string]string, resp response) error {
	in, err := sp.requestInput(r, rt, params, nil)
	if err != nil {
		return err
	}
	opts := filterOptions()
	if ct := resp.header.Get("Content-Type"); strings.HasPrefix(ct, "application/vnd.github.raw") {
		// GitHub's custom media types (Accept: application/vnd.github.raw)
		// are not in the description; only the status is checked.
		opts.ExcludeResponseBody = true
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.status,
		Header:                 resp.header,
		Options:                opts,
	}
	out.SetBodyBytes(resp.body)
	return openapi3filter.ValidateResponse(context.Background(), out)
}

// responseSchema returns the JSON schema of a response, if the operation
// documents one for the status.
func (sp *spec) responseSchema(rt *route, status int) *openapi3.Schema {
	route, err := sp.route(rt)
	if err != nil {
		return nil
	}
	ref := route.Operation.Responses.Status(status)
	if ref == nil || ref.Value == nil {
		return nil
	}
	mt := ref.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// complete fills in the required fields a JSON response lacks with the zero
// value of their schema (null where the schema is nullable), so handlers
// only build the fields the fake models. Fields the handlers set are kept and
// validated as they are.
func (sp *spec) complete(rt *route, status int, header http.Header, body []byte) []byte {
	if len(body) == 0 || !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
		return body
	}
	sch := sp.responseSchema(rt, status)
	if sch == nil {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return body
	}
	v = fill(sch, v, 0)
	b, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return b
}

// fill adds missing required properties below v.
func fill(sch *openapi3.Schema, v any, depth int) any {
	if sch == nil || depth > 40 {
		return v
	}
	for _, sub := range sch.AllOf {
		if sub.Value != nil {
			v = fill(sub.Value, v, depth+1)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		for _, name := range sch.Required {
			if _, ok := x[name]; ok {
				continue
			}
			if p := sch.Properties[name]; p != nil && p.Value != nil {
				x[name] = zero(p.Value, depth+1)
			}
		}
		for name, val := range x {
			if p := sch.Properties[name]; p != nil && p.Value != nil {
				x[name] = fill(p.Value, val, depth+1)
			}
		}
		// Where a value must be one of several object shapes, complete it as
		// the first one whose properties it already uses.
		for _, alts := range [][]*openapi3.SchemaRef{sch.AnyOf, sch.OneOf} {
			if len(alts) > 0 {
				if alt := pickAlternative(alts, x); alt != nil {
					return fill(alt, x, depth+1)
				}
			}
		}
		return x
	case []any:
		if sch.Items != nil && sch.Items.Value != nil {
			for i := range x {
				x[i] = fill(sch.Items.Value, x[i], depth+1)
			}
		}
		return x
	}
	return v
}

func pickAlternative(alts []*openapi3.SchemaRef, x map[string]any) *openapi3.Schema {
	for _, a := range alts {
		if a.Value == nil || !a.Value.Type.Is("object") {
			continue
		}
		uses := false
		for name := range x {
			if _, ok := a.Value.Properties[name]; ok {
				uses = true
				break
			}
		}
		if uses {
			return a.Value
		}
	}
	return nil
}

// zero is the value the fake sends for a required field it does not model.
func zero(sch *openapi3.Schema, depth int) any {
	if sch.Nullable {
		return nil
	}
	if len(sch.Enum) > 0 {
		return sch.Enum[0]
	}
	if len(sch.AllOf) > 0 {
		var v any
		for _, sub := range sch.AllOf {
			if sub.Value != nil {
				if v == nil {
					v = zero(sub.Value, depth+1)
				} else {
					v = fill(sub.Value, v, depth+1)
				}
			}
		}
		return v
	}
	for _, alts := range [][]*openapi3.SchemaRef{sch.AnyOf, sch.OneOf} {
		for _, a := range alts {
			if a.Value != nil && a.Value.Nullable {
				return nil
			}
		}
		if len(alts) > 0 && alts[0].Value != nil {
			return zero(alts[0].Value, depth+1)
		}
	}
	switch {
	case sch.Type.Is("object"):
		return fill(sch, map[string]any{}, depth+1)
	case sch.Type.Is("array"):
		return []any{}
	case sch.Type.Is("string"):
		switch sch.Format {
		case "date-time":
			return "1970-01-01T00:00:00Z"
		case "date":
			return "1970-01-01"
		}
		return ""
	case sch.Type.Is("integer"), sch.Type.Is("number"):
		return json.Number(strconv.Itoa(0))
	case sch.Type.Is("boolean"):
		return false
	case sch.Type.Is("null"):
		return nil
	}
	return nil
}
