package manifest

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
)

// Helm values keep an image as a map of its parts. The convention of most
// charts, and what Renovate's helm-values manager reads, is
//
//	image: {registry: ghcr.io, repository: acme/app, tag: 1.2.3, digest: ""}
//
// under the key image or under any other key (redis:, sidecar:), with
// registry and digest optional; some charts spell the repository image:
// or name: beside a tag: ({image: acme/app, tag: 1.2.3}). A map is taken
// for an image only when its repository, joined with its registry and
// normalised, is an image being bumped, so unrelated maps are never
// touched.

// imageMap is the fields of one Helm-style image map.
type imageMap struct {
	m, via       *yaml.Node
	repoK, repoV *yaml.Node // repository:, or image: or name: beside a tag:
	regV         *yaml.Node
	tagK, tagV   *yaml.Node
	tagVia       *yaml.Node
	digV, digVia *yaml.Node
}

// imageMapOf reads m as an image map. Under the key image a repository
// alone will do (the chart's default tag applies); under any other key,
// or as an item of a list, the map must also hold a tag or a digest.
func (w *walker) imageMapOf(m, via *yaml.Node, underImage bool) (imageMap, bool) {
	if m.Kind != yaml.MappingNode {
		return imageMap{}, false
	}
	im := imageMap{m: m, via: via}
	im.tagK, im.tagV, im.tagVia = w.lookup(m, "tag", via)
	_, im.digV, im.digVia = w.lookup(m, "digest", via)
	im.repoK, im.repoV, _ = w.lookup(m, "repository", via)
	if im.repoV == nil && im.tagV != nil {
		for _, key := range []string{"image", "name"} {
			if k, v, _ := w.lookup(m, key, via); v != nil && v.Kind == yaml.ScalarNode {
				if _, err := imageref.Normalize(v.Value); err == nil {
					im.repoK, im.repoV = k, v
					break
				}
			}
		}
	}
	if im.repoV == nil || im.repoV.Kind != yaml.ScalarNode {
		return imageMap{}, false
	}
	if !underImage && im.tagV == nil && im.digV == nil {
		return imageMap{}, false
	}
	_, im.regV, _ = w.lookup(m, "registry", via)
	return im, true
}

// valuesMapping applies the rules of Helm values to the entries of m: an
// image: string, and the image maps among its values.
func (w *walker) valuesMapping(m, via *yaml.Node) {
	w.imageEntries(m, via, KindHelmValues)
}

// imageEntries applies the rules of image fields to the entries of m, as
// kind: an image: string, and the image maps among its values. In Helm
// values an image map under the key image needs no tag (the chart's
// default applies, and one may be inserted); anywhere else (a custom
// resource) a map is an image only with a tag or a digest of its own, and
// nothing is inserted.
func (w *walker) imageEntries(m, via *yaml.Node, kind string) {
	values := kind == KindHelmValues
	// self: m is itself an image map spelled {image: repo, tag: t}; read
	// only for an image: string, which most mappings do not hold.
	self := func() bool {
		im, ok := w.imageMapOf(m, via, false)
		return ok && im.repoK.Value != "repository"
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Kind != yaml.ScalarNode {
			continue
		}
		v, vvia := w.resolve(m.Content[i+1], via)
		if !values && w.claimed[v] {
			continue
		}
		switch v.Kind {
		case yaml.ScalarNode:
			if k.Value == "image" && (values || w.versioned(v.Value)) && !self() {
				w.imageString(v, vvia, kind)
			}
		case yaml.MappingNode:
			if im, ok := w.imageMapOf(v, vvia, values && k.Value == "image"); ok {
				w.helmImage(im, kind)
			}
		}
	}
}

// versioned reports whether a value of an image: field outside Helm values
// and pod templates is worth reading: anything, when bumping (a reference
// that does not parse is noted where it names an image), but only a
// reference that carries a version, when listing (Find), so that an
// image: key that names no version is not taken for one.
func (w *walker) versioned(v string) bool {
	if !w.m.any {
		return true
	}
	f, err := imageref.ParseFound(v)
	return err == nil && (f.Tag != "" || f.Digest != "")
}

// viaNode is a node with the alias it was reached through.
type viaNode struct {
	n, via *yaml.Node
}

// anyFields is the rule for any field: once the rules that know where
// images live have run, every mapping of a Kubernetes object (a document
// with an apiVersion and a kind) outside values files is read for image:
// fields and image maps they did not handle (an EnvoyProxy's
// container.image, an operator's spec.image). Other YAML (a CI
// configuration, a compose file) is not read this way.
func (w *walker) anyFields() {
	for _, f := range w.fields {
		if len(w.errs) > 0 || w.tooComplex != nil {
			return
		}
		if !w.claimed[f.n] {
			w.imageEntries(f.n, f.via, KindField)
		}
	}
}

// valuesSequence applies the rules of Helm values to the items of a list:
// an item may be an image map (extraImages: [{repository, tag}]).
func (w *walker) valuesSequence(seq, via *yaml.Node) {
	for _, item := range seq.Content {
		v, vvia := w.resolve(item, via)
		if im, ok := w.imageMapOf(v, vvia, false); ok {
			w.helmImage(im, KindHelmValues)
		}
	}
}

// helmCharts applies the values rules to the valuesInline of each entry
// of a kustomization's helmCharts, and the chart rules to its version.
func (w *walker) helmCharts(root, via *yaml.Node) {
	_, seq, svia := w.lookup(root, "helmCharts", via)
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return
	}
	for _, item := range seq.Content {
		entry, evia := w.resolve(item, svia)
		if _, v, vvia := w.lookup(entry, "valuesInline", evia); v != nil {
			w.values(v, vvia, 0)
		}
		w.kustomizeChart(entry, evia)
	}
}

// repoName joins a registry and a repository as a chart does.
func repoName(registry, repository *yaml.Node) string {
	name := repository.Value
	if registry != nil && registry.Kind == yaml.ScalarNode && registry.Value != "" {
		name = strings.TrimSuffix(registry.Value, "/") + "/" + name
	}
	return name
}

// versionPlan is what a bump writes into a tag and a digest field, and
// whether it may.
type versionPlan struct {
	tag, digest string // the new values of the fields
	// insertTag: there was no tag field; the new tag pins the chart's
	// default.
	insertTag bool
	// refusal, when set, says why the place is left as it is.
	refusal string
}

// planVersion decides the new values of a tag field (holding tag or
// tag@digest) and a digest field (hasDigest: the field exists) for im.
// It never asks for a digest field that is not there: a key the chart's
// templates may not read would change nothing that deploys. Where there
// is none, a digest goes into the tag as tag@digest, which
// {{ .repository }}:{{ .tag }} renders as a pinned reference; a digest
// alone has nowhere to go, and the place is refused.
func (w *walker) planVersion(im imageref.Image, tag string, hasTag bool, digest string, hasDigest bool, where string) versionPlan {
	_, tagDigest := splitTag(tag)
	p := versionPlan{tag: tag, digest: digest}
	switch {
	case hasDigest && !(digest == "" && tagDigest != ""):
		// A digest field; an empty one beside a tag@digest is not the
		// convention the values follow, and stays empty.
		if im.Tag != "" {
			p.tag = im.Tag
			if tagDigest != "" && im.Digest != "" {
				p.tag = im.Tag + "@" + im.Digest // the tag keeps its form
			}
		}
		p.digest = im.Digest
		if im.Digest == "" {
			p.refusal = w.unpins(firstOf(digest, tagDigest), im)
		}
	case im.Tag != "" && im.Digest != "":
		p.tag = im.Tag + "@" + im.Digest
	case im.Tag != "":
		p.tag = im.Tag
		p.refusal = w.unpins(tagDigest, im)
	case im.Digest != "":
		p.digest = im.Digest // what was wanted, for the refusal
		p.refusal = fmt.Sprintf("%s, so the digest of %s has nowhere to go (a key the chart may not read would change nothing that deploys): give the image as tag@digest (%s:<tag>@%s) to write the tag as <tag>@<digest>, or add a digest field that the chart's templates read",
			where, im.Repository, im.Repository, shortDigest(im.Digest))
	}
	if !hasTag && im.Tag != "" && p.refusal == "" {
		p.insertTag = true
	}
	if !hasTag && im.Tag == "" {
		p.tag = ""
	}
	return p
}

// firstOf returns the first of its arguments that is not empty.
func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// helmImage bumps one image map.
func (w *walker) helmImage(f imageMap, kind string) {
	w.claimed[f.m] = true
	tag, digest := scalarValue(f.tagV), scalarValue(f.digV)
	repo, err := imageref.Normalize(repoName(f.regV, f.repoV))
	if err != nil {
		return
	}
	if placeholder(tag) || placeholder(digest) {
		if _, ok := w.m.image(repo, "", ""); ok && !w.m.any {
			at := f.tagV
			if !placeholder(tag) {
				at = f.digV
			}
			w.note(repo, at.Line, fmt.Sprintf("the version of %s is a template placeholder (%q), which whatever renders this file fills in; left as it is", repo, at.Value))
		}
		return
	}
	tagPart, tagDigest := splitTag(tag)
	im, ok := w.m.image(repo, tagPart, firstOf(digest, tagDigest))
	if !ok {
		return
	}
	w.match(f.m, f.via)
	w.found[im.Repository] = true
	p := w.planVersion(im, tag, f.tagV != nil, digest, f.digV != nil, "the image map has no digest field")
	c := Change{Kind: kind, Image: im.Repository, Line: f.repoV.Line, column: f.m.Column,
		Old: versionText(tag, digest), New: versionText(p.tag, p.digest), PinsDefault: p.insertTag}
	if f.tagV != nil {
		c.Line = f.tagV.Line
	}
	if !w.admit(&c, tagPart, im.Tag, f.repoK, f.repoV, f.tagK, f.tagV, f.digV) {
		return
	}
	if p.refusal != "" {
		w.refuse(c, p.refusal)
		return
	}
	switch {
	case f.tagV != nil && p.tag != tag:
		w.add(&edit{op: opReplace, node: f.tagV, value: p.tag}, f.m, f.tagVia)
	case p.insertTag:
		w.add(&edit{op: opInsert, node: f.repoK, val: f.repoV, mapping: f.m, key: "tag", value: p.tag}, f.m, f.via)
	}
	if f.digV != nil && p.digest != digest {
		w.add(&edit{op: opReplace, node: f.digV, value: p.digest}, f.m, f.digVia)
	}
	w.changes = append(w.changes, c)
}

var digestRE = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$`)

// splitTag splits a tag field that holds tag@digest, Renovate's way of
// pinning a digest in charts that read no digest field, into its parts.
func splitTag(v string) (tag, digest string) {
	if t, d, ok := strings.Cut(v, "@"); ok && digestRE.MatchString(d) {
		return t, d
	}
	return v, ""
}

// unpins returns why replacing a place pinned by oldDigest with im would
// drop the pin, or "" when it would not (or AllowUnpin permits it).
func (w *walker) unpins(oldDigest string, im imageref.Image) string {
	if oldDigest == "" || im.Digest != "" || w.m.opts.AllowUnpin || w.m.any {
		return ""
	}
	return fmt.Sprintf("%s is pinned here by digest (%s), and %q carries none, so the pin would be dropped: give the new version as tag@digest (%s:%s@sha256:…), or set allow-unpin to drop the pin",
		im.Repository, shortDigest(oldDigest), im.Text, im.Repository, im.Tag)
}

// dropsTag returns why replacing a place written tag@digest with im, which
// carries a digest alone, is refused: the tag, which says what the digest
// is, would be lost without a word. It returns "" when no tag would be
// dropped, or when AllowTagDrop permits it (droppedTag then warns).
func (w *walker) dropsTag(oldTag, oldDigest string, im imageref.Image) string {
	if oldTag == "" || oldDigest == "" || im.Tag != "" || im.Digest == "" || w.m.opts.AllowTagDrop || w.m.any {
		return ""
	}
	return fmt.Sprintf("%s is written here as tag@digest (%s@%s), and %q carries a digest alone, so the tag would be dropped: give the new version as tag@digest (%s:<tag>@%s), or set allow-tag-drop to drop the tag",
		im.Repository, oldTag, shortDigest(oldDigest), im.Text, im.Repository, shortDigest(im.Digest))
}

// droppedTag warns, for the change c that is made, when it drops the tag
// of a place written tag@digest (as AllowTagDrop permits).
func (w *walker) droppedTag(c Change, oldTag, oldDigest string, im imageref.Image) {
	if oldTag == "" || oldDigest == "" || im.Tag != "" || im.Digest == "" || w.m.any {
		return
	}
	w.warn(c.Line, fmt.Sprintf("%s: the tag %q is dropped, as allow-tag-drop permits: the reference is now pinned by the digest %s alone", im.Repository, oldTag, shortDigest(im.Digest)))
}

// shortDigest cuts a digest for a message: the algorithm and 12 hex digits.
func shortDigest(d string) string {
	if alg, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return alg + ":" + hex[:12] + "…"
	}
	return d
}

// refuse records that the place of c is left as it is, and why.
func (w *walker) refuse(c Change, why string) {
	w.refused = append(w.refused, Refusal{File: w.path, Line: c.Line, Kind: c.Kind, Image: c.Image, Chart: c.Chart, Old: c.Old, Wanted: c.New, Message: why})
}

// placeholder reports whether a value is a template that a tool fills in
// (Helm, an ApplicationSet's generators, Flux's post-build variables),
// not a version.
func placeholder(v string) bool {
	return strings.Contains(v, "{{") || strings.Contains(v, "${")
}
