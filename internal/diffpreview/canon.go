package diffpreview

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/resourcediff"
)

// A Secret's values are masked the moment its object leaves the renderer,
// before anything else reads it: each value becomes a keyed digest (HMAC
// with a key drawn for the run), so that two values can be told equal or
// not, and no digest is ever shown: the diff says only that a key was
// added, removed or changed. The digest text starts with hiddenPrefix.
const hiddenPrefix = "gitops-actions:hidden:"

// masker masks Secrets with one run's key.
type masker struct{ key []byte }

func newMasker() (*masker, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("drawing a key to mask Secrets: %w", err)
	}
	return &masker{key: key}, nil
}

func (m *masker) digest(v any) string {
	var data []byte
	if s, ok := v.(string); ok {
		data = []byte("s" + s)
	} else {
		j, err := json.Marshal(v)
		if err != nil {
			j = []byte(fmt.Sprint(v))
		}
		data = append([]byte("j"), j...)
	}
	h := hmac.New(sha256.New, m.key)
	h.Write(data)
	return hiddenPrefix + hex.EncodeToString(h.Sum(nil))
}

// isSecret reports whether an object is a Secret, in any group: hiding
// the values of another group's Secret costs nothing.
func isSecret(obj map[string]any) bool {
	k, _ := obj["kind"].(string)
	return k == "Secret"
}

// mask replaces the values of a Secret with digests: data and stringData
// (each value of a map, else the whole field), and the annotation kubectl
// keeps the whole last-applied object in.
func (m *masker) mask(obj map[string]any) {
	if !isSecret(obj) {
		return
	}
	for _, field := range []string{"data", "stringData"} {
		v, ok := obj[field]
		if !ok {
			continue
		}
		if mv, ok := v.(map[string]any); ok {
			for k, x := range mv {
				mv[k] = m.digest(x)
			}
			continue
		}
		obj[field] = m.digest(v)
	}
	if md, ok := obj["metadata"].(map[string]any); ok {
		if ann, ok := md["annotations"].(map[string]any); ok {
			for k, v := range ann {
				if strings.HasSuffix(k, "last-applied-configuration") {
					ann[k] = m.digest(v)
				}
			}
		}
	}
}

// entry is one rendered resource of one side, reduced to what a diff
// needs: its ID and its YAML, keys sorted, ignored fields out and a
// Secret's values masked.
type entry struct {
	id     resourcediff.ID
	label  string // apiVersion kind namespace/name, and the release that rendered it
	text   string
	secret bool
	// release names the release whose chart rendered it ("HelmRelease
	// apps/web"); "" for an object of the repository's own.
	release string
}

// canonical turns an object into an entry: masked first, then the ignored
// fields taken out, then written as YAML with its keys sorted.
func (c *comparer) canonical(obj map[string]any) (entry, error) {
	c.masker.mask(obj)
	for _, fp := range c.ignore {
		fp.remove(obj)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(obj); err != nil {
		return entry{}, fmt.Errorf("writing %s as YAML: %w", label(obj), err)
	}
	enc.Close()
	return entry{id: resourcediff.IDOf(obj), label: label(obj), text: buf.String(), secret: isSecret(obj)}, nil
}

// label names a resource for a reader: apiVersion, kind and
// namespace/name.
func label(obj map[string]any) string {
	a, _ := obj["apiVersion"].(string)
	k, _ := obj["kind"].(string)
	md, _ := obj["metadata"].(map[string]any)
	ns, _ := md["namespace"].(string)
	name, _ := md["name"].(string)
	if ns != "" {
		name = ns + "/" + name
	}
	return a + " " + k + " " + name
}

// showSecret turns the masked YAML of a Secret into what a reader sees:
// every value "(hidden)", and a value whose digest differs from the other
// side's "(hidden, changed)" on the head side, so that the diff marks the
// key changed and shows nothing of either value.
func showSecret(text, other string, head bool) string {
	var obj, oth map[string]any
	if yaml.Unmarshal([]byte(text), &obj) != nil || obj == nil {
		return "(a Secret; its values are hidden)\n"
	}
	_ = yaml.Unmarshal([]byte(other), &oth)
	show := func(v, o any, has bool) any {
		s, _ := v.(string)
		if !strings.HasPrefix(s, hiddenPrefix) {
			return v
		}
		if head && has && v != o {
			return "(hidden, changed)"
		}
		return "(hidden)"
	}
	for _, field := range []string{"data", "stringData"} {
		om, _ := oth[field].(map[string]any)
		switch v := obj[field].(type) {
		case map[string]any:
			for k, x := range v {
				o, has := om[k]
				v[k] = show(x, o, has)
			}
		case nil:
		default:
			o, has := oth[field]
			obj[field] = show(v, o, has)
		}
	}
	if md, ok := obj["metadata"].(map[string]any); ok {
		if ann, ok := md["annotations"].(map[string]any); ok {
			omd, _ := oth["metadata"].(map[string]any)
			oann, _ := omd["annotations"].(map[string]any)
			for k, v := range ann {
				o, has := oann[k]
				ann[k] = show(v, o, has)
			}
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if enc.Encode(obj) != nil {
		return "(a Secret; its values are hidden)\n"
	}
	enc.Close()
	out := buf.String()
	if strings.Contains(out, hiddenPrefix) {
		// Never a digest, wherever a hostile Secret managed to put one.
		return "(a Secret; its values are hidden)\n"
	}
	return out
}
