package manifest

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
)

// An Argo CD application source keeps Helm values in three places:
// helm.valuesObject (a map), helm.values (a YAML document in a string) and
// helm.parameters, the list of name/value pairs that Argo CD Image Updater
// writes (into the Application, or into .argocd-source-<app>.yaml beside
// it):
//
//	parameters:
//	  - {name: image.repository, value: ghcr.io/acme/web}
//	  - {name: image.tag, value: "1.2.3"}

// argoSpec applies the rules to the spec of an Application (or an
// ApplicationSet's template): its source and each of its sources.
func (w *walker) argoSpec(spec, via *yaml.Node) {
	if _, src, sv := w.lookup(spec, "source", via); src != nil {
		w.argoSource(src, sv)
		w.argoChart(src, sv)
	}
	if _, srcs, sv := w.lookup(spec, "sources", via); srcs != nil && srcs.Kind == yaml.SequenceNode {
		for _, item := range srcs.Content {
			src, v := w.resolve(item, sv)
			w.argoSource(src, v)
			w.argoChart(src, v)
		}
	}
}

// argoSource applies the rules to one application source, or to the root
// of an override file, which has the same helm: section.
func (w *walker) argoSource(src, via *yaml.Node) {
	_, helm, hvia := w.lookup(src, "helm", via)
	if helm == nil || helm.Kind != yaml.MappingNode {
		return
	}
	if _, v, vv := w.lookup(helm, "valuesObject", hvia); v != nil {
		w.values(v, vv, 0)
	}
	if _, v, vv := w.lookup(helm, "values", hvia); v != nil {
		switch v.Kind {
		case yaml.ScalarNode:
			w.valuesString(v, vv)
		case yaml.MappingNode:
			w.values(v, vv, 0)
		}
	}
	if _, v, vv := w.lookup(helm, "parameters", hvia); v != nil && v.Kind == yaml.SequenceNode {
		w.argoParameters(v, vv)
	}
}

// param is one entry of helm.parameters.
type param struct {
	entry, via    *yaml.Node
	name          *yaml.Node
	value, valVia *yaml.Node // nil when the entry has no value
}

// repoSuffixes are the names a parameter that holds a repository ends
// with: charts' image.repository, and Image Updater's default image.name.
var repoSuffixes = []string{".repository", ".name"}

// argoParameters bumps the tag (and digest) parameters beside a
// repository parameter that names an image: <prefix>.repository and
// <prefix>.tag, <prefix>.digest, with <prefix>.registry joined in front
// of the repository where it is set.
func (w *walker) argoParameters(seq, via *yaml.Node) {
	byName := map[string]param{}
	var params []param
	for _, item := range seq.Content {
		e, ev := w.resolve(item, via)
		_, name, _ := w.lookup(e, "name", ev)
		if name == nil || name.Kind != yaml.ScalarNode {
			continue
		}
		p := param{entry: e, via: ev, name: name}
		if _, v, vv := w.lookup(e, "value", ev); v != nil && v.Kind == yaml.ScalarNode {
			p.value, p.valVia = v, vv
		}
		byName[name.Value] = p // as with helm --set, the last one wins
		params = append(params, p)
	}
	hasRepo := map[string]bool{}
	for _, p := range params {
		for _, suffix := range repoSuffixes {
			if prefix, ok := strings.CutSuffix(p.name.Value, suffix); ok && prefix != "" && p.value != nil {
				hasRepo[prefix] = true
				w.argoImage(prefix, p, byName)
			}
		}
	}
	if w.m.any {
		return
	}
	for _, p := range params {
		if prefix, ok := strings.CutSuffix(p.name.Value, ".tag"); ok && !hasRepo[prefix] {
			w.note("", p.name.Line, fmt.Sprintf("parameter %q sets a tag, but no parameter %q beside it names the image (the chart's values hold the repository: bump it there)", p.name.Value, prefix+".repository"))
		}
	}
}

// argoImage bumps the version parameters of one repository parameter.
func (w *walker) argoImage(prefix string, repoP param, byName map[string]param) {
	reg := byName[prefix+".registry"]
	repo, err := imageref.Normalize(repoName(reg.value, repoP.value))
	if err != nil {
		return
	}
	tagP, digP := byName[prefix+".tag"], byName[prefix+".digest"]
	tag, digest := scalarValue(tagP.value), scalarValue(digP.value)
	if placeholder(tag) || placeholder(digest) {
		if _, ok := w.m.image(repo, "", ""); ok && !w.m.any {
			at := tagP
			if !placeholder(tag) {
				at = digP
			}
			w.note(repo, at.value.Line, fmt.Sprintf("parameter %q of %s is a template placeholder (%q), which whatever renders this file fills in (an ApplicationSet's generators); left as it is", at.name.Value, repo, at.value.Value))
		}
		return
	}
	tagPart, tagDigest := splitTag(tag)
	im, ok := w.m.image(repo, tagPart, firstOf(digest, tagDigest))
	if !ok {
		return
	}
	w.match(repoP.entry, repoP.via)
	w.found[im.Repository] = true
	noDigest := fmt.Sprintf("no parameter %q sits beside %q", prefix+".digest", repoP.name.Value)
	p := w.planVersion(im, tag, tagP.value != nil, digest, digP.value != nil, noDigest)
	c := Change{Kind: KindArgoParameter, Image: im.Repository, Line: repoP.name.Line, column: repoP.entry.Column,
		Old: versionText(tag, digest), New: versionText(p.tag, p.digest)}
	if tagP.value != nil {
		c.Line = tagP.value.Line
	}
	if !w.admit(&c, tagPart, im.Tag, repoP.name, repoP.value, tagP.name, tagP.value, digP.name, digP.value) {
		return
	}
	if p.refusal == "" && p.insertTag {
		p.refusal = fmt.Sprintf("no parameter %q sits beside %q, so the chart's values set the tag; add the parameter, or bump the values", prefix+".tag", repoP.name.Value)
	}
	if p.refusal != "" {
		w.refuse(c, p.refusal)
		return
	}
	if tagP.value != nil && p.tag != tag {
		w.add(&edit{op: opReplace, node: tagP.value, value: p.tag}, repoP.entry, tagP.valVia)
	}
	if digP.value != nil && p.digest != digest {
		w.add(&edit{op: opReplace, node: digP.value, value: p.digest}, repoP.entry, digP.valVia)
	}
	w.changes = append(w.changes, c)
}
