package githubtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// SourcePackage names where GitHub's OpenAPI description comes from; the
// version is read from the description's own info.version, which
// @octokit/openapi sets to the package version.
const SourcePackage = "@octokit/openapi"

// Subset extracts from GitHub's OpenAPI description (api.github.com.json of
// @octokit/openapi) the operations listed by Operations, with every component
// they reference, and returns it as indented JSON with sorted keys so that
// the same input always gives the same bytes. Response and request examples
// are dropped to keep the subset small; schemas are copied unchanged. The
// source package, its version and the SHA-256 of the input are recorded
// under info.x-source. It fails when an operation is missing from the
// description or a reference cannot be resolved.
func Subset(description []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(description))
	dec.UseNumber()
	var src map[string]any
	if err := dec.Decode(&src); err != nil {
		return nil, fmt.Errorf("decoding openapi description: %w", err)
	}
	paths, _ := src["paths"].(map[string]any)
	components, _ := src["components"].(map[string]any)
	info, _ := src["info"].(map[string]any)
	if paths == nil || info == nil {
		return nil, fmt.Errorf("decoding openapi description: no paths or info")
	}
	sum := sha256.Sum256(description)
	outPaths := map[string]any{}
	outComponents := map[string]any{}
	var queue []string
	seen := map[string]bool{}
	collect := func(v any) { queue = append(queue, refsIn(v)...) }

	for _, op := range Operations() {
		item, _ := paths[op.Path].(map[string]any)
		opv, _ := item[strings.ToLower(op.Method)].(map[string]any)
		if opv == nil {
			return nil, fmt.Errorf("operation %s %q not in the description", op.Method, op.Path)
		}
		outItem, _ := outPaths[op.Path].(map[string]any)
		if outItem == nil {
			outItem = map[string]any{}
			if ps, ok := item["parameters"]; ok {
				outItem["parameters"] = ps
			}
			outPaths[op.Path] = outItem
		}
		opv = dropOperationExamples(opv)
		outItem[strings.ToLower(op.Method)] = opv
		collect(outItem)
	}
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		if seen[ref] {
			continue
		}
		seen[ref] = true
		parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
		if !strings.HasPrefix(ref, "#/components/") || len(parts) != 2 {
			return nil, fmt.Errorf("unsupported reference %q", ref)
		}
		kind, _ := components[parts[0]].(map[string]any)
		v, ok := kind[parts[1]]
		if !ok {
			return nil, fmt.Errorf("unresolved reference %q", ref)
		}
		if parts[0] == "responses" || parts[0] == "requestBodies" {
			v = dropContentExamples(v)
		}
		outKind, _ := outComponents[parts[0]].(map[string]any)
		if outKind == nil {
			outKind = map[string]any{}
			outComponents[parts[0]] = outKind
		}
		outKind[parts[1]] = v
		collect(v)
	}

	out := map[string]any{
		"openapi": src["openapi"],
		"info": map[string]any{
			"title":   "Subset of " + fmt.Sprint(info["title"]) + " used by internal/forge/githubtest",
			"version": info["version"],
			"license": info["license"],
			"x-source": map[string]any{
				"package": SourcePackage,
				"version": info["version"],
				"file":    "api.github.com.json",
				"sha256":  hex.EncodeToString(sum[:]),
				"command": "go run ./internal/forge/githubtest/gen",
			},
		},
		"servers":    src["servers"],
		"paths":      outPaths,
		"components": outComponents,
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return nil, fmt.Errorf("encoding subset: %w", err)
	}
	return append(b, '\n'), nil
}

// refsIn returns every "$ref" string below v, sorted for a stable walk.
func refsIn(v any) []string {
	var refs []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				refs = append(refs, r)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	sort.Strings(refs)
	return refs
}

// dropOperationExamples returns a copy of an operation without the examples
// of its request body and responses (they make up most of the description).
func dropOperationExamples(op map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range op {
		out[k] = v
	}
	if rb, ok := out["requestBody"]; ok {
		out["requestBody"] = dropContentExamples(rb)
	}
	if rs, ok := out["responses"].(map[string]any); ok {
		nrs := map[string]any{}
		for code, r := range rs {
			nrs[code] = dropContentExamples(r)
		}
		out["responses"] = nrs
	}
	return out
}

// dropContentExamples copies a request body or response object without the
// "examples" of its media types.
func dropContentExamples(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	content, ok := m["content"].(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, x := range m {
		out[k] = x
	}
	nc := map[string]any{}
	for mime, mt := range content {
		mtm, ok := mt.(map[string]any)
		if !ok {
			nc[mime] = mt
			continue
		}
		c := map[string]any{}
		for k, x := range mtm {
			if k != "examples" {
				c[k] = x
			}
		}
		nc[mime] = c
	}
	out["content"] = nc
	return out
}
