package manifest

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
)

// A mark is a comment that names the image a scalar holds, in a field the
// other rules do not know (an environment variable, a custom resource's
// version). Two conventions are read, by one mechanism:
//
//	image: ghcr.io/acme/app:v1.2.0 # {"$imagepolicy": "flux-system:app"}
//	tag: v1.2.0 # {"$imagepolicy": "flux-system:app:tag"}
//
// Flux's image-automation setter, on the value's line, whose policy the
// input policies maps to a repository (optionally :tag, :name, :digest);
// and Renovate's regex-manager comment, on the line directly above the
// key (or the item of a list):
//
//	# renovate: datasource=docker depName=ghcr.io/siderolabs/kubelet
//	KUBERNETES_VERSION: v1.34.1
//
// whose value is the whole reference when it parses as one of that image,
// and else its tag (or tag@digest).

// mark is what a comment says a scalar holds.
type mark struct {
	im imageref.Image
	// field is "" for a whole reference, or "tag", "digest", "name".
	field string
	kind  string
}

var (
	setterRE   = regexp.MustCompile(`\{\s*"\$imagepolicy"\s*:\s*"([^"]+)"\s*\}`)
	renovateRE = regexp.MustCompile(`^#\s*renovate:\s*(.*)$`)
)

// markOf reads the mark of the value v of key k (nil for an item of a
// list): a setter comment on v or k, else a Renovate comment on the line
// above k (or v).
func (w *walker) markOf(k, v *yaml.Node) (mark, bool) {
	if len(w.m.policies) > 0 {
		comment := v.LineComment
		if comment == "" && k != nil {
			comment = k.LineComment
		}
		if sm := setterRE.FindStringSubmatch(comment); sm != nil {
			parts := strings.Split(sm[1], ":")
			if len(parts) < 2 {
				return mark{}, false
			}
			im, ok := w.m.policies[parts[0]+":"+parts[1]]
			if !ok {
				return mark{}, false
			}
			mk := mark{im: im, kind: KindFluxSetter}
			if len(parts) > 2 {
				mk.field = parts[2]
			}
			return mk, true
		}
	}
	head := v.HeadComment
	if k != nil {
		head = k.HeadComment
	}
	if head == "" {
		return mark{}, false
	}
	// Only the comment's last line is directly above the key: yaml.v3
	// makes a comment followed by a blank line a foot comment instead.
	lines := strings.Split(strings.TrimRight(head, "\n"), "\n")
	rm := renovateRE.FindStringSubmatch(strings.TrimSpace(lines[len(lines)-1]))
	if rm == nil {
		return mark{}, false
	}
	name, ok := renovateImage(rm[1])
	if !ok {
		return mark{}, false
	}
	repo, err := imageref.Normalize(name)
	if err != nil {
		return mark{}, false
	}
	im, ok := w.m.image(repo, "", "")
	if !ok {
		return mark{}, false
	}
	return mark{im: im, kind: KindRenovate}, true
}

// renovateImage reads the image a Renovate comment names: its fields are
// key=value pairs; the datasource must be docker, the image is packageName
// (else depName), and a registryUrl's host goes in front of a name that
// has no registry of its own.
func renovateImage(fields string) (string, bool) {
	kv := map[string]string{}
	for _, f := range strings.Fields(fields) {
		if k, v, ok := strings.Cut(f, "="); ok {
			kv[k] = strings.Trim(v, `"'`)
		}
	}
	if kv["datasource"] != "docker" {
		return "", false
	}
	name := kv["packageName"]
	if name == "" {
		name = kv["depName"]
	}
	if name == "" {
		return "", false
	}
	if reg := kv["registryUrl"]; reg != "" {
		host := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(reg, "https://"), "http://"), "/")
		if first, _, ok := strings.Cut(name, "/"); !ok || !strings.ContainsAny(first, ".:") && first != "localhost" {
			name = host + "/" + name
		}
	}
	return name, true
}

// marked bumps the value v of key k (nil for an item of a list) when a
// mark names an image of the run. A scalar another rule already handles
// (a container's image under a setter comment) is left to it.
func (w *walker) marked(k, v, via *yaml.Node) {
	if w.m.any && len(w.m.policies) == 0 && v.HeadComment == "" && (k == nil || k.HeadComment == "") {
		return // Find: no setter is mapped, and no Renovate comment is here
	}
	mk, ok := w.markOf(k, v)
	if !ok {
		return
	}
	v, via = w.resolve(v, via)
	if v.Kind != yaml.ScalarNode || w.claimed[v] {
		return
	}
	w.claimed[v] = true
	im := mk.im
	field := mk.field
	if mk.kind == KindRenovate {
		if f, err := imageref.ParseFound(v.Value); err != nil || f.Repository != im.Repository {
			field = "tag"
		}
	}
	if placeholder(v.Value) {
		w.note(im.Repository, v.Line, fmt.Sprintf("%q, marked as %s by a comment, is a template placeholder, which whatever renders this file fills in; left as it is", v.Value, im.Repository))
		return
	}
	w.match(v, via)
	w.found[im.Repository] = true
	c := Change{Kind: mk.kind, Image: im.Repository, Line: v.Line, column: v.Column, Old: v.Value}
	if w.m.any {
		// Find: what the place holds, as it holds it.
		c.New = v.Value
		w.admit(&c, "", "")
		return
	}
	switch field {
	case "":
		found, err := imageref.ParseFound(v.Value)
		if err != nil || found.Repository != im.Repository {
			given, _ := imageref.ParseFound(im.Text)
			found = given
		}
		c.New = found.With(im)
		if w.set(v, c.New, c, found.Tag, im.Tag, v, firstOf(w.unpins(found.Digest, im), w.dropsTag(found.Tag, found.Digest, im))) {
			w.droppedTag(c, found.Tag, found.Digest, im)
		}
	case "tag":
		if im.Tag == "" {
			return
		}
		// A tag field may hold tag@digest, Renovate's way of pinning:
		// it keeps its form.
		tag, dig := splitTag(v.Value)
		c.New = im.Tag
		if dig != "" && im.Digest != "" {
			c.New = im.Tag + "@" + im.Digest
		}
		w.set(v, c.New, c, tag, im.Tag, v, w.unpins(dig, im))
	case "digest":
		if im.Digest == "" {
			return
		}
		c.New = im.Digest
		w.set(v, c.New, c, "", "", v, "")
	case "name":
		c.New = v.Value
		w.set(v, c.New, c, "", "", v, "")
	}
}
