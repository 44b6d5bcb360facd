package verify

import (
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/kubeschema"
	"github.com/gitops-actions/gitops-actions/internal/render"
)

// Violation is one way an object breaks its schema: where (JSON pointer
// tokens into the object), why (a short machine reason) and a message.
type Violation struct {
	Path    []string
	Reason  string
	Message string
}

// Validator judges objects against schemas. The kubeschema package provides
// the real one (see KubeSchemas); tests may use a fake. Validate must be
// safe to call from several goroutines once every CRD is added.
type Validator interface {
	// AddCRD adds the schemas of a CustomResourceDefinition object.
	AddCRD(crd map[string]any) error
	// Validate returns the object's violations and whether a schema for
	// its apiVersion and kind was found at all.
	Validate(obj map[string]any) (violations []Violation, found bool, err error)
}

// isUnknownField reports whether a violation is about a field the schema
// does not allow, so that it is pinned to the field's key.
func isUnknownField(v Violation) bool {
	r := strings.ToLower(v.Reason)
	return strings.Contains(r, "unknown") || strings.Contains(r, "additional")
}

// isCRD reports whether obj is a CustomResourceDefinition.
func isCRD(obj map[string]any) bool {
	a, k, _, _ := render.Meta(obj)
	return k == "CustomResourceDefinition" && strings.HasPrefix(a, "apiextensions.k8s.io/")
}

// isKustomizeConfig reports whether obj configures kustomize rather than
// the cluster (a Kustomization, a Component, a generator or transformer
// configuration) or is marked local-only, so it is not validated as a
// resource.
func isKustomizeConfig(obj map[string]any) bool {
	a, _, _, _ := render.Meta(obj)
	if strings.HasPrefix(a, "kustomize.config.k8s.io/") || a == "builtin" {
		return true
	}
	return annotation(obj, "config.kubernetes.io/local-config") == "true"
}

func annotation(obj map[string]any, key string) string {
	md, _ := obj["metadata"].(map[string]any)
	an, _ := md["annotations"].(map[string]any)
	s, _ := an[key].(string)
	return s
}

// withoutSOPS returns a SOPS-encrypted object without its sops metadata,
// and whether it was one: the encrypted values themselves stay, and
// violations on them are dropped by isEncrypted.
func withoutSOPS(obj map[string]any) (map[string]any, bool) {
	if _, ok := obj["sops"]; !ok {
		return obj, false
	}
	c := make(map[string]any, len(obj))
	for k, v := range obj {
		if k != "sops" {
			c[k] = v
		}
	}
	return c, true
}

// isEncrypted reports whether the value at path is a SOPS ciphertext
// ("ENC[AES256_GCM,...]"), whose type the schema cannot judge.
func isEncrypted(obj map[string]any, path []string) bool {
	var v any = obj
	for _, t := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[t]
		case []any:
			i := 0
			for _, c := range t {
				if c < '0' || c > '9' {
					return false
				}
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return false
			}
			v = x[i]
		default:
			return false
		}
	}
	s, ok := v.(string)
	return ok && strings.HasPrefix(s, "ENC[")
}

// KubeSchemas adapts the embedded schemas of kubeschema to Validator.
func KubeSchemas(v *kubeschema.Validator) Validator { return kubeValidator{v} }

type kubeValidator struct{ v *kubeschema.Validator }

func (k kubeValidator) AddCRD(crd map[string]any) error { return k.v.AddCRD(crd) }

func (k kubeValidator) Validate(obj map[string]any) ([]Violation, bool, error) {
	vs, found, err := k.v.Validate(obj)
	out := make([]Violation, len(vs))
	for i, v := range vs {
		out[i] = Violation{Path: v.Path, Reason: v.Reason, Message: v.Message}
	}
	return out, found, err
}
