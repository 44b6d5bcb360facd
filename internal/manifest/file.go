package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/version"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// matcher knows the images and charts of one run and screens files for
// them.
type matcher struct {
	opts     *Options
	byRepo   map[string]imageref.Image
	policies map[string]imageref.Image // "ns:name" → the image of its repository
	// screens holds, per image and then per chart of the run, the bytes
	// every spelling contains; keys what results name it by (an image's
	// repository, "chart NAME").
	screens [][]byte
	keys    []string
	// sources are the Flux HelmRepositories of the tree, for charts given
	// with their repository's URL (see sources.go).
	sources *sources
	// any makes every reference match its own version: Find uses it to
	// list references without changing them.
	any bool
}

// image returns the image a reference to repo should be bumped to; tag and
// digest are the reference's own, which Find keeps.
func (m *matcher) image(repo, tag, digest string) (imageref.Image, bool) {
	if m.any {
		return imageref.Image{Text: repo, Repository: repo, Tag: tag, Digest: digest}, true
	}
	im, ok := m.byRepo[repo]
	return im, ok
}

const setterMarker = "$imagepolicy"

func newMatcher(opts *Options) *matcher {
	m := &matcher{opts: opts, byRepo: map[string]imageref.Image{}, policies: map[string]imageref.Image{}}
	for _, im := range opts.Images {
		m.byRepo[im.Repository] = im
		screen := im.Path
		if rest, ok := strings.CutPrefix(im.Repository, "docker.io/library/"); ok {
			screen = rest // "nginx:1.25" spells neither docker.io nor library
		}
		m.screens = append(m.screens, []byte(screen))
		m.keys = append(m.keys, im.Repository)
	}
	for _, c := range opts.Charts {
		m.screens = append(m.screens, []byte(c.Name))
		m.keys = append(m.keys, c.Key())
	}
	for policy, repo := range opts.Policies {
		if im, ok := m.byRepo[repo]; ok {
			m.policies[policy] = im
		}
	}
	return m
}

// screen reports which images the bytes may mention (by index), and whether
// they carry a setter marker worth parsing for.
func (m *matcher) screen(data []byte) (hits []int, setter bool) {
	if m.any {
		return nil, true
	}
	for i, s := range m.screens {
		if bytes.Contains(data, s) {
			hits = append(hits, i)
		}
	}
	setter = len(m.policies) > 0 && bytes.Contains(data, []byte(setterMarker))
	return hits, setter
}

type fileKind int

const (
	plainFile fileKind = iota
	kustomizationFile
	valuesFile
	pandaFile
	argoSourceFile
	chartFile
)

func kindOf(p string) fileKind {
	base := path.Base(p)
	switch {
	case base == "kustomization.yaml" || base == "kustomization.yml" || base == "Kustomization":
		return kustomizationFile
	case base == "panda.yaml" || base == "panda.yml":
		return pandaFile
	case base == "Chart.yaml":
		return chartFile
	case strings.HasPrefix(base, "values") && (strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml")):
		return valuesFile
	case strings.HasPrefix(base, ".argocd-source") && (strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml")):
		// Argo CD's per-application overrides (.argocd-source-<app>.yaml),
		// which Argo CD Image Updater writes: a source's helm: section.
		return argoSourceFile
	}
	return plainFile
}

type editOp int

const (
	opReplace editOp = iota
	opInsert
	opDelete
	// opBlock replaces a literal block scalar's text by value, with ops,
	// byte operations inside the block's text computed by its own walk
	// (values inside a string, see inner.go).
	opBlock
)

// edit is one change to make to the bytes of a file.
type edit struct {
	op editOp
	// replace: the scalar; insert: the sibling key after whose pair the new
	// pair goes; delete: the key of the pair to remove.
	node *yaml.Node
	// insert, delete: the value of that pair.
	val *yaml.Node
	// insert, delete: the mapping holding the pair.
	mapping *yaml.Node
	key     string // insert
	value   string // replace, insert, block
	ops     []op   // block: the operations on the block's text (value before them)
}

// pairEdit tells apart the insertions and deletions of key-value pairs.
type pairEdit struct {
	op            editOp
	node, mapping *yaml.Node
	key           string
}

// fileResult is what processing one file gave.
type fileResult struct {
	path     string
	scanned  bool
	parsed   bool
	found    map[string]bool // repositories referenced
	unparsed map[string]Warning
	changes  []Change
	current  []Change
	refused  []Refusal
	warnings []Warning
	held     []Hold
	looked   map[string][]Warning // repository → why a mention of it was not edited
	edit     *FileEdit
	err      error
}

// walker visits the nodes of one file, following aliases within a budget,
// and applies the rules.
type walker struct {
	m       *matcher
	path    string
	kind    fileKind
	budget  int
	visits  map[*yaml.Node][]*yaml.Node // node → the alias each use came through (nil: its own place)
	matched map[*yaml.Node][]*yaml.Node
	edits   []*edit
	byNode  map[*yaml.Node]*edit
	pairs   map[pairEdit]bool // the insertions and deletions recorded
	owners  map[*edit]*yaml.Node
	found   map[string]bool
	changes []Change
	current []Change
	holds   []Hold
	refused []Refusal
	notes   []note // why places that mention an image were not edited
	// warnings are problems of places that did not stop the walk.
	warnings []Warning
	// claimed holds the nodes a rule has looked at as an image (a scalar,
	// an image map), so that the rule for any field leaves them alone.
	claimed map[*yaml.Node]bool
	// fields are the mappings of the Kubernetes objects of a file that is
	// not a values file, for the rule for any field, which runs once the
	// others are done; inObject says the walk is inside such an object.
	fields   []viaNode
	inObject bool
	nesting  int // how many values strings hold this walk's documents
	errs     []error
	// tooComplex is errAliasBudget or errTooDeep, at line, when the walk
	// gave up on the file.
	tooComplex error
	line       int
}

// maxDepth bounds how deep the walk follows nested collections and
// aliases: yaml.v3 parses up to 10,000 levels of nesting, and each level
// may come through an alias.
const maxDepth = 10000

// Reasons a file is too complex to walk; it is then skipped with a
// warning, like a file that is not YAML.
var (
	errAliasBudget = errors.New("holds so many aliases that expanding them would take too long (an alias bomb?)")
	errTooDeep     = fmt.Errorf("nests collections more than %d levels deep", maxDepth)
)

func (w *walker) spend() bool {
	w.budget--
	return w.budget >= 0
}

// resolve follows an alias; via is the alias a use came through.
func (w *walker) resolve(n, via *yaml.Node) (*yaml.Node, *yaml.Node) {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias, n
	}
	return n, via
}

// lookup finds key in a mapping, explicit keys first, then merge keys (<<).
func (w *walker) lookup(m *yaml.Node, key string, via *yaml.Node) (k, v, vvia *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
			v, vvia := w.resolve(m.Content[i+1], via)
			return m.Content[i], v, vvia
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "<<" || !w.spend() {
			continue
		}
		merged, mvia := w.resolve(m.Content[i+1], via)
		var sources []*yaml.Node
		var vias []*yaml.Node
		if merged.Kind == yaml.SequenceNode {
			for _, c := range merged.Content {
				s, svia := w.resolve(c, mvia)
				sources, vias = append(sources, s), append(vias, svia)
			}
		} else {
			sources, vias = append(sources, merged), append(vias, mvia)
		}
		for j, s := range sources {
			if k, v, vv := w.lookup(s, key, vias[j]); v != nil {
				return k, v, vv
			}
		}
	}
	return nil, nil, nil
}

func (w *walker) walk(n, via *yaml.Node, depth int) {
	if n == nil || len(w.errs) > 0 || w.tooComplex != nil {
		return
	}
	switch {
	case depth > maxDepth:
		w.tooComplex, w.line = errTooDeep, n.Line
		return
	case !w.spend():
		w.tooComplex, w.line = errAliasBudget, n.Line
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		outer := w.inObject
		w.inObject = len(n.Content) == 1 && w.isObject(n.Content[0], via)
		for _, c := range n.Content {
			w.walk(c, via, depth+1)
		}
		w.inObject = outer
		if len(n.Content) == 1 {
			w.document(n.Content[0], via)
		}
	case yaml.AliasNode:
		if n.Alias != nil {
			w.walk(n.Alias, n, depth+1)
		}
	case yaml.MappingNode:
		w.visits[n] = append(w.visits[n], via)
		w.mapping(n, via)
		for i := 0; i+1 < len(n.Content); i += 2 {
			w.marked(n.Content[i], n.Content[i+1], via)
			w.walk(n.Content[i+1], via, depth+1)
		}
	case yaml.SequenceNode:
		w.visits[n] = append(w.visits[n], via)
		if w.kind == valuesFile {
			w.valuesSequence(n, via)
		}
		for _, c := range n.Content {
			w.marked(nil, c, via)
			w.walk(c, via, depth+1)
		}
	case yaml.ScalarNode:
		w.visits[n] = append(w.visits[n], via)
	}
}

// document applies the rules that look at a whole document's root.
func (w *walker) document(root, via *yaml.Node) {
	root, via = w.resolve(root, via)
	if root.Kind != yaml.MappingNode {
		return
	}
	switch w.kind {
	case kustomizationFile:
		w.kustomizeImages(root, via)
		w.helmCharts(root, via)
	case pandaFile:
		if _, v, vvia := w.lookup(root, "image", via); v != nil {
			w.imageValue(v, vvia, KindPanda)
		}
	case argoSourceFile:
		w.argoSource(root, via)
	case chartFile:
		w.chartDependencies(root, via)
	}
	_, av, _ := w.lookup(root, "apiVersion", via)
	_, kv, _ := w.lookup(root, "kind", via)
	if av == nil || kv == nil {
		return
	}
	_, spec, svia := w.lookup(root, "spec", via)
	if spec == nil {
		return
	}
	switch group, _, _ := strings.Cut(av.Value, "/"); {
	case group == "kustomize.toolkit.fluxcd.io" && kv.Value == "Kustomization":
		// A Flux Kustomization carries the same images: list under spec.
		w.kustomizeImages(spec, svia)
	case group == "helm.toolkit.fluxcd.io" && kv.Value == "HelmRelease":
		// Inline values are a values file.
		if _, values, vvia := w.lookup(spec, "values", svia); values != nil {
			w.values(values, vvia, 0)
		}
		if _, chart, cvia := w.lookup(spec, "chart", svia); chart != nil {
			_, cspec, csvia := w.lookup(chart, "spec", cvia)
			w.fluxChartSpec(cspec, csvia, KindHelmRelease, "the HelmRelease", w.metadataNamespace(root, via))
		}
	case group == "source.toolkit.fluxcd.io" && kv.Value == "HelmChart":
		w.fluxChartSpec(spec, svia, KindHelmChart, "the HelmChart", w.metadataNamespace(root, via))
	case group == "source.toolkit.fluxcd.io" && kv.Value == "OCIRepository":
		w.ociRepository(spec, svia)
	case group == "argoproj.io" && kv.Value == "Application":
		w.argoSpec(spec, svia)
	case group == "argoproj.io" && kv.Value == "ApplicationSet":
		// The template is an Application's; where its values are
		// placeholders the generators fill, they are left alone.
		if _, tmpl, tvia := w.lookup(spec, "template", svia); tmpl != nil {
			if _, tspec, tsvia := w.lookup(tmpl, "spec", tvia); tspec != nil {
				w.argoSpec(tspec, tsvia)
			}
		}
	}
}

// values applies the rules of Helm values to every mapping and sequence
// under n (inline values of a HelmRelease, an Argo CD application source,
// a kustomize helmCharts entry).
func (w *walker) values(n, via *yaml.Node, depth int) {
	n, via = w.resolve(n, via)
	if depth > 1000 || !w.spend() {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		w.valuesMapping(n, via)
		for i := 1; i < len(n.Content); i += 2 {
			w.values(n.Content[i], via, depth+1)
		}
	case yaml.SequenceNode:
		w.valuesSequence(n, via)
		for _, c := range n.Content {
			w.values(c, via, depth+1)
		}
	}
}

// mapping applies the rules that look at any mapping.
func (w *walker) mapping(m, via *yaml.Node) {
	for _, key := range []string{"containers", "initContainers", "ephemeralContainers"} {
		_, seq, svia := w.lookup(m, key, via)
		if seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for _, item := range seq.Content {
			c, cvia := w.resolve(item, svia)
			if _, img, ivia := w.lookup(c, "image", cvia); img != nil && img.Kind == yaml.ScalarNode {
				w.imageString(img, ivia, KindContainer)
			}
		}
	}
	if w.kind == valuesFile {
		w.valuesMapping(m, via)
	} else if w.inObject {
		w.fields = append(w.fields, viaNode{m, via})
	}
}

// isObject reports whether a document's root is a Kubernetes object: a
// mapping with an apiVersion and a kind.
func (w *walker) isObject(root, via *yaml.Node) bool {
	root, via = w.resolve(root, via)
	_, av, _ := w.lookup(root, "apiVersion", via)
	_, kv, _ := w.lookup(root, "kind", via)
	return av != nil && kv != nil && av.Kind == yaml.ScalarNode && kv.Kind == yaml.ScalarNode
}

// imageValue handles an image: that is either a string or a Helm-style map.
func (w *walker) imageValue(v, via *yaml.Node, kind string) {
	switch v.Kind {
	case yaml.ScalarNode:
		w.imageString(v, via, kind)
	case yaml.MappingNode:
		if im, ok := w.imageMapOf(v, via, true); ok {
			w.helmImage(im, kind)
		}
	}
}

func (w *walker) match(n, via *yaml.Node) {
	w.matched[n] = append(w.matched[n], via)
}

// imageString handles a scalar holding a whole reference.
func (w *walker) imageString(n, via *yaml.Node, kind string) {
	w.claimed[n] = true
	found, err := imageref.ParseFound(n.Value)
	if err != nil {
		// A template or a variable, not a reference: if it names an
		// image, say so should that image be found nowhere else.
		if placeholder(n.Value) {
			w.noteMentions(n.Value, n.Line, fmt.Sprintf("%q holds a template placeholder, which whatever renders this file fills in; left as it is", n.Value))
		}
		return
	}
	im, ok := w.m.image(found.Repository, found.Tag, found.Digest)
	if !ok {
		return
	}
	w.match(n, via)
	w.found[im.Repository] = true
	c := Change{Kind: kind, Image: im.Repository, Line: n.Line, column: n.Column, Old: n.Value, New: found.With(im)}
	if w.set(n, found.With(im), c, found.Tag, im.Tag, n, firstOf(w.unpins(found.Digest, im), w.dropsTag(found.Tag, found.Digest, im))) {
		w.droppedTag(c, found.Tag, found.Digest, im)
	}
}

// set records the replacement of scalar n and its change, after the
// downgrade check; a non-empty refusal refuses the place instead. It
// reports whether the change is to be made.
func (w *walker) set(n *yaml.Node, value string, c Change, oldTag, newTag string, owner *yaml.Node, refusal string) bool {
	if !w.admit(&c, oldTag, newTag, n) {
		return false
	}
	if refusal != "" {
		w.refuse(c, refusal)
		return false
	}
	if n != nil && n.Value != value {
		w.add(&edit{op: opReplace, node: n, value: value}, owner, nil)
	}
	w.changes = append(w.changes, c)
	return true
}

// admit files c under the walker's path and says whether its edits should
// be made: a reference already at the new version is recorded as current,
// one held by a comment on one of the nodes at as held, and a refused
// downgrade as an error; none is edited.
func (w *walker) admit(c *Change, oldTag, newTag string, at ...*yaml.Node) bool {
	c.File = w.path
	if c.Old == c.New {
		w.current = append(w.current, *c)
		return false
	}
	if w.held(c, at) {
		return false
	}
	if err := w.checkOrder(*c, oldTag, newTag); err != nil {
		w.errs = append(w.errs, err)
		return false
	}
	return true
}

// checkOrder is the downgrade guard: it compares the old tag with the new
// under the run's policy. A move to a lower version is a
// *DowngradeError, to another variant a *VariantError (unless allowed);
// versions the policy cannot order are replaced, with a warning that says
// so (not when a downgrade is allowed anyway: nothing would be guarded).
func (w *walker) checkOrder(c Change, oldTag, newTag string) error {
	opts := w.m.opts
	if w.m.any || oldTag == "" || newTag == "" || oldTag == newTag {
		return nil
	}
	policy := opts.Versions
	if c.Chart != "" {
		policy = chartVersions
	}
	cmp := policy.Compare(oldTag, newTag)
	if cmp.VariantChanged && !opts.AllowVariantChange {
		return &VariantError{File: w.path, Line: c.Line, Image: c.What(), Old: oldTag, New: newTag, OldVariant: cmp.OldVariant, NewVariant: cmp.NewVariant}
	}
	if opts.AllowDowngrade {
		return nil
	}
	switch {
	case cmp.Relation == version.Older:
		return &DowngradeError{File: w.path, Line: c.Line, Image: c.What(), Old: oldTag, New: newTag}
	case cmp.Relation == version.Unordered && c.Chart != "":
		w.warn(c.Line, fmt.Sprintf("%s: cannot tell whether %q is newer than %q (%s), so it is set without the downgrade guard", c.What(), newTag, oldTag, cmp.Reason))
	case cmp.Relation == version.Unordered:
		w.warn(c.Line, fmt.Sprintf("%s: cannot tell whether %q is newer than %q (%s), so it is set without the downgrade guard: give tag-pattern to order tags that carry a version (e.g. main-<UTC timestamp>-<sha> with ^main-(?P<version>\\d{14})-[0-9a-f]{7}$), or tag-order: none to say that no order is meant",
			c.What(), newTag, oldTag, cmp.Reason))
	}
	return nil
}

// chartVersions orders chart versions: Helm requires them to be semantic
// versions.
var chartVersions = version.Policy{Order: version.Semver}

// warn records a warning at line of the walker's file, once.
func (w *walker) warn(line int, msg string) {
	wr := Warning{File: w.path, Line: line, Message: msg}
	for _, prev := range w.warnings {
		if prev == wr {
			return // the same place reached through an alias
		}
	}
	w.warnings = append(w.warnings, wr)
}

// add records an edit; two rules reaching the same scalar must agree.
func (w *walker) add(e *edit, owner, via *yaml.Node) {
	if e.op == opReplace && e.node != owner {
		w.match(e.node, via)
	}
	if e.op == opReplace || e.op == opBlock {
		if prev, ok := w.byNode[e.node]; ok {
			if prev.value != e.value {
				w.errs = append(w.errs, &EditError{File: w.path, Line: e.node.Line, Err: fmt.Errorf("two rules want different values here: %q and %q", prev.value, e.value)})
			}
			return
		}
		w.byNode[e.node] = e
	} else {
		k := pairEdit{e.op, e.node, e.mapping, e.key}
		if w.pairs[k] {
			return // the same entry reached through an alias
		}
		w.pairs[k] = true
	}
	w.edits = append(w.edits, e)
	w.owners[e] = owner
}

// versionText renders tag and digest as one string for a change record.
func versionText(tag, digest string) string {
	switch {
	case tag != "" && digest != "":
		return tag + "@" + digest
	case tag != "":
		return tag
	}
	return digest
}

func scalarValue(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// kustomizeImages handles the images: list of a kustomization with
// kustomize's semantics: a new tag clears an old digest, a new digest clears
// an old tag, both set both; newName is kept.
func (w *walker) kustomizeImages(root, via *yaml.Node) {
	_, seq, svia := w.lookup(root, "images", via)
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return
	}
	for _, item := range seq.Content {
		entry, evia := w.resolve(item, svia)
		if entry.Kind != yaml.MappingNode {
			continue
		}
		nameK, nameV, _ := w.lookup(entry, "name", evia)
		newNameK, newNameV, _ := w.lookup(entry, "newName", evia)
		_, tagV0, _ := w.lookup(entry, "newTag", evia)
		_, digV0, _ := w.lookup(entry, "digest", evia)
		var im imageref.Image
		ok := false
		for _, n := range []*yaml.Node{newNameV, nameV} {
			if n == nil || n.Kind != yaml.ScalarNode {
				continue
			}
			if repo, err := imageref.Normalize(n.Value); err == nil {
				if im, ok = w.m.image(repo, scalarValue(tagV0), scalarValue(digV0)); ok {
					break
				}
			}
		}
		if !ok {
			continue
		}
		w.match(entry, evia)
		w.found[im.Repository] = true
		tagK, tagV, tagVia := w.lookup(entry, "newTag", evia)
		digK, digV, digVia := w.lookup(entry, "digest", evia)
		c := Change{Kind: KindKustomization, Image: im.Repository, Line: nameK.Line, column: entry.Column,
			Old: versionText(scalarValue(tagV), scalarValue(digV)), New: versionText(im.Tag, im.Digest)}
		if tagV != nil {
			c.Line = tagV.Line
		} else if digV != nil {
			c.Line = digV.Line
		}
		if !w.admit(&c, scalarValue(tagV), im.Tag, nameK, nameV, newNameK, newNameV, tagK, tagV, digK, digV) {
			continue
		}
		if refusal := firstOf(w.unpins(scalarValue(digV), im), w.dropsTag(scalarValue(tagV), scalarValue(digV), im)); refusal != "" {
			w.refuse(c, refusal)
			continue
		}
		w.droppedTag(c, scalarValue(tagV), scalarValue(digV), im)
		after, afterV := nameK, nameV
		if newNameK != nil {
			after, afterV = newNameK, newNameV
		}
		switch {
		case im.Tag != "" && tagV != nil:
			w.add(&edit{op: opReplace, node: tagV, value: im.Tag}, entry, tagVia)
			after, afterV = tagK, tagV
		case im.Tag != "":
			w.add(&edit{op: opInsert, node: after, val: afterV, mapping: entry, key: "newTag", value: im.Tag}, entry, evia)
		case tagV != nil:
			w.add(&edit{op: opDelete, node: tagK, val: tagV, mapping: entry}, entry, evia)
		}
		switch {
		case im.Digest != "" && digV != nil:
			w.add(&edit{op: opReplace, node: digV, value: im.Digest}, entry, digVia)
		case im.Digest != "":
			w.add(&edit{op: opInsert, node: after, val: afterV, mapping: entry, key: "digest", value: im.Digest}, entry, evia)
		case digV != nil:
			w.add(&edit{op: opDelete, node: digK, val: digV, mapping: entry}, entry, evia)
		}
		w.changes = append(w.changes, c)
	}
}

// checkAnchors refuses an edit whose node is also used, through an alias or
// at its anchor, in a place that is not an image reference.
func (w *walker) checkAnchors() {
	for _, e := range w.edits {
		owner := w.owners[e]
		nodes := []*yaml.Node{owner}
		if e.node != nil && (e.op == opReplace || e.op == opBlock) && e.node != owner {
			nodes = append(nodes, e.node)
		}
		for _, n := range nodes {
			left := append([]*yaml.Node(nil), w.matched[n]...)
			useLine := func(via *yaml.Node) int {
				if via != nil {
					return via.Line
				}
				return n.Line
			}
			for _, via := range w.visits[n] {
				if i := indexOf(left, via); i >= 0 {
					left = append(left[:i], left[i+1:]...)
					continue
				}
				matchedAt := n.Line
				if len(w.matched[n]) > 0 {
					matchedAt = useLine(w.matched[n][0])
				}
				w.errs = append(w.errs, &EditError{File: w.path, Line: n.Line,
					Err: fmt.Errorf("refusing to edit a value shared through an anchor: it is used as an image at line %d but also at line %d, which is not an image reference, and editing it would change both; bump it by hand or stop sharing it", matchedAt, useLine(via))})
				return
			}
		}
	}
}

func indexOf(s []*yaml.Node, n *yaml.Node) int {
	for i, x := range s {
		if x == n {
			return i
		}
	}
	return -1
}

var yaml12 = regexp.MustCompile(`(?m)^%YAML 1\.2\b`)

// parseAll parses every document of data. yaml.v3 refuses a %YAML 1.2
// directive although it resolves values much as YAML 1.2 does; the parse
// reads a copy where the directive says 1.1 (same length, so positions hold).
func parseAll(data []byte) ([]*yaml.Node, error) {
	if bytes.Contains(data, []byte("%YAML 1.2")) {
		data = yaml12.ReplaceAll(data, []byte("%YAML 1.1"))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, &n)
	}
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError returns the line where data stops being YAML, and the parser's
// message without its own line. yaml.v3 names the line where the enclosing
// block began, which can be far above the mistake; the first line whose
// prefix no longer parses is found by bisection instead.
func syntaxError(data []byte, err error) (int, error) {
	msg := yamlLineRE.ReplaceAllString(err.Error(), "yaml: ")
	lines := bytes.SplitAfter(data, []byte("\n"))
	bad := func(n int) bool {
		_, err := parseAll(bytes.Join(lines[:n], nil))
		return err != nil
	}
	if !bad(len(lines)) {
		return 0, errors.New(msg)
	}
	lo, hi := 0, len(lines) // prefix of lo lines parses, of hi lines does not
	if bad(lo) {
		return 1, errors.New(msg)
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if bad(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, errors.New(msg)
}

func countNodes(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	c := 1
	for _, x := range n.Content {
		c += countNodes(x)
	}
	return c
}

// processFile finds and edits the references in one file's bytes, in
// stages: the encoding, a byte screen for the images, the parse, the walk
// that applies the rules, the edits and their verification. A file it
// cannot read as YAML is skipped with a warning, and the run goes on,
// unless it mentions an image of the run (see skip).
func (m *matcher) processFile(p string, raw []byte) fileResult {
	r := fileResult{path: p, scanned: true}
	if looksUTF16(raw) {
		// The screen cannot see an image in UTF-16 bytes: look for it in
		// the text, to say why the file is not read.
		text := utf16Text(raw)
		hits, setter := m.screen(text)
		if len(hits) > 0 || setter {
			return m.named(m.skip(r, text, hits, 0, "is UTF-16, not UTF-8", "; save it as UTF-8"))
		}
		return r
	}
	hits, setter := m.screen(raw)
	if len(hits) == 0 && !setter {
		return r
	}
	r.parsed = true
	src := newSource(raw)
	if line := invalidUTF8Line(src.data); line > 0 {
		return m.named(m.skip(r, src.data, hits, line, fmt.Sprintf("is not UTF-8 (line %d holds a byte that is not)", line), "; save it as UTF-8"))
	}
	docs, err := parseAll(src.data)
	if err != nil {
		line, err := syntaxError(src.data, err)
		return m.named(m.skip(r, src.data, hits, line, "is not valid YAML", fmt.Sprintf(": %v", err)))
	}
	w := m.walkFile(p, docs)
	if w.tooComplex != nil {
		return m.named(m.skip(r, src.data, hits, w.line, w.tooComplex.Error(), ""))
	}
	r.found, r.changes, r.current = w.found, dedupe(w.changes), dedupe(w.current)
	r.held = w.holds
	r.refused = dedupeRefusals(w.refused)
	r.warnings = append(r.warnings, w.warnings...)
	r.looked = w.looked(src.data, hits)
	if len(w.errs) > 0 {
		r.err = errors.Join(w.errs...)
		return m.named(r)
	}
	if len(w.edits) == 0 {
		return m.named(r)
	}
	out, err := apply(src, w.edits)
	if err == nil {
		err = verify(docs, out, w.edits)
	}
	if err != nil {
		r.err = &EditError{File: p, Err: fmt.Errorf("cannot edit safely, file left untouched: %w", err)}
		return m.named(r)
	}
	r.edit = &FileEdit{Path: p, Old: raw, New: src.bytes(out)}
	return m.named(r)
}

// skip records that a file was not read as YAML: why it was not, and then
// (after "so it was not modified") tail, a detail or a hint. A file that
// mentions an image of the run by its own name (data is its text) fails
// the run with an *UnreadableError, so that nothing is written: a bump
// that leaves one of the image's places behind is worse than none. A Helm
// chart's templates, which are not YAML until rendered and take their
// versions from the values, and a file that mentions no image of the run
// (or only other images whose names hold its bytes) get a warning; each
// image such a file mentions gets one, so that a "not found" error can say
// where the image was seen. Find gets a warning for every file it could
// not read.
func (m *matcher) skip(r fileResult, data []byte, hits []int, line int, why, tail string) fileResult {
	r.unparsed = map[string]Warning{}
	if m.any {
		r.warnings = append(r.warnings, Warning{File: r.path, Line: line, Message: why + ", so its images are not known" + tail})
		return r
	}
	var blocking []string
	mentioned := false
	for _, i := range hits {
		repo := m.keys[i]
		ms, ok := m.mentionsImage(data, i)
		if !ok {
			continue
		}
		mentioned = true
		mt, own := ms[0], false
		for _, x := range ms {
			if m.own(i, x) {
				mt, own = x, true
				break
			}
		}
		w := Warning{File: r.path, Line: line, Message: fmt.Sprintf("mentions %s but %s, so it was not modified%s", m.spelled(i, mt), why, tail)}
		r.unparsed[repo] = w
		if own && !inChartTemplates(r.path) {
			blocking = append(blocking, m.spelled(i, mt))
			continue
		}
		r.warnings = append(r.warnings, w)
	}
	if !mentioned {
		r.warnings = append(r.warnings, Warning{File: r.path, Line: line, Message: why + ", so it was not modified" + tail})
	}
	if len(blocking) > 0 {
		r.err = &UnreadableError{File: r.path, Line: line, Mentions: blocking, Reason: why + tail}
	}
	return r
}

// named refuses a file that references an image when its name holds a
// control character: the name would go into outputs, messages and the
// diff, where a newline forges a line of its own.
func (m *matcher) named(r fileResult) fileResult {
	if !workspace.HasControl(r.path) {
		return r
	}
	if len(r.found) == 0 && len(r.unparsed) == 0 && r.edit == nil {
		r.looked = nil // a mere mention: say nothing of the file
		return r
	}
	return fileResult{path: r.path, scanned: r.scanned, parsed: r.parsed, err: &NameError{Path: r.path}}
}

// walkFile applies the rules to the parsed documents of the file at p and
// returns the walker holding the edits they want (or the errors that
// forbid any).
func (m *matcher) walkFile(p string, docs []*yaml.Node) *walker {
	w := m.newWalker(p, kindOf(p), docs)
	for _, d := range docs {
		w.walk(d, nil, 0)
	}
	w.anyFields()
	if len(w.errs) == 0 {
		w.checkAnchors()
	}
	return w
}

// newWalker returns a walker for docs, read from the file at p as kind,
// with a budget of visits in proportion to their nodes.
func (m *matcher) newWalker(p string, kind fileKind, docs []*yaml.Node) *walker {
	nodes := 0
	for _, d := range docs {
		nodes += countNodes(d)
	}
	return &walker{m: m, path: p, kind: kind, budget: 4*nodes + 100000,
		visits: map[*yaml.Node][]*yaml.Node{}, matched: map[*yaml.Node][]*yaml.Node{},
		byNode: map[*yaml.Node]*edit{}, pairs: map[pairEdit]bool{}, owners: map[*edit]*yaml.Node{}, found: map[string]bool{},
		claimed: map[*yaml.Node]bool{}}
}

// dedupe drops the repeats of a change reached again through an alias.
func dedupe(cs []Change) []Change {
	seen := map[Change]bool{}
	out := cs[:0]
	for _, c := range cs {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// dedupeRefusals drops the repeats of a refusal reached again through an
// alias, or by two rules (a setter on a container's image).
func dedupeRefusals(fs []Refusal) []Refusal {
	seen := map[Refusal]bool{}
	out := fs[:0]
	for _, f := range fs {
		k := f
		k.Kind = ""
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}
