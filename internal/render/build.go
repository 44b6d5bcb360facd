package render

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/openapi"
)

// build is the state of one kustomization while it renders and its
// objects are handed over: the files parsed for positions, the origin of
// each document, the patches. It is let go with the build.
type build struct {
	t                *Tree
	unit             *Unit
	dir, kfile       string
	read             []string
	problems         []Problem
	mu               sync.Mutex
	files            map[string]*parsedFile // parsed on demand, for positions
	reported         map[string]bool
	marked           []string        // files whose documents carry an origin, by number
	markedReal       map[int]string  // their paths with links resolved
	resourceFiles    map[string]bool // files kustomizations list as resources
	notResourceFiles map[string]bool // files they list as patches or generator sources
	patches          []*patchSrc
	patchesDone      bool
	// exclusive is set while the build holds kustomizeMu for writing;
	// needsExclusive when a kustomization it read has an openapi field.
	exclusive, needsExclusive bool
	// inflated holds the helmCharts entries rendered, by kustomization
	// file and index (nil for one that rendered nothing); helmRuns them
	// in the order of their numbers; helmRead the chart and values files
	// they read; kfs the file system of the build under way.
	inflated map[string]*inflation
	helmRuns []*inflation
	helmRead []string
	kfs      *kustFS
}

// newBuild prepares the build of the kustomization unit u; nil when there
// is none to build on its own: no kustomization, one with a syntax error
// (reported with its file), a Component (it only means something inside a
// kustomization that uses it) or another kind.
func (t *Tree) newBuild(u *Unit) *build {
	kfile := kustomizationIn(t, u.Dir)
	if kfile == "" {
		return nil
	}
	b := &build{t: t, unit: u, dir: u.Dir, kfile: kfile, files: map[string]*parsedFile{}, reported: map[string]bool{}, inflated: map[string]*inflation{}}
	pf := b.file(kfile)
	if len(pf.docs) == 0 || pf.docs[0].Obj == nil || hasSyntaxError(pf.problems) {
		return nil
	}
	if a, k, _, _ := Meta(pf.docs[0].Obj); k == "Component" || (a != "" && !strings.HasPrefix(a, "kustomize.config.k8s.io/")) {
		return nil
	}
	return b
}

// notBuilt says why the kustomization in dir is never built on its own:
// a Component, or a file of another kind; "" for one that is (one with a
// syntax error is, and fails).
func (t *Tree) notBuilt(dir string) string {
	kfile := kustomizationIn(t, dir)
	if kfile == "" {
		return "no kustomization"
	}
	pf := t.file(kfile)
	if len(pf.docs) == 0 || pf.docs[0].Obj == nil {
		return ""
	}
	if a, k, _, _ := Meta(pf.docs[0].Obj); k == "Component" {
		return "a Component"
	} else if a != "" && !strings.HasPrefix(a, "kustomize.config.k8s.io/") {
		return fmt.Sprintf("a %s %s, not a Kustomization", a, k)
	}
	return ""
}

// render builds the kustomization and hands every object it renders to
// visit, with its origin.
func (b *build) render(visit func(*Object)) *Output {
	t, kfile := b.t, b.kfile
	// A release found among the objects keeps its origin, and with it the
	// build, until it renders after every unit: what only the build
	// needed, and the files it parsed for positions (parsed again should a
	// release's position need them), are let go with the build.
	defer b.letGo()
	pf := b.file(kfile)
	out := &Output{Unit: b.unit}
	m, err := b.kustomize(true)
	if err != nil {
		// Origins are marked on lines of their own, which moves every
		// line kustomize's message may quote: build again unmarked, so
		// that it quotes the files as written (and, should the markers be
		// what broke it, so that it builds).
		m, err = b.kustomize(false)
	}
	out.Read = b.read
	if err != nil {
		// Patches of a kustomization that does not build are partial
		// objects: never validate them as resources of their own.
		out.Read = append(out.Read, t.patchFiles(kfile, pf.docs[0].Obj)...)
		msg := cleanKustomizeError(err.Error())
		file, line, col := b.buildErrorPos(msg)
		out.Problems = append(b.problems, Problem{File: file, Line: line, Column: col, Kind: BuildFailed, Message: "kustomize build failed: " + msg})
		out.Err, out.FailedIn = fmt.Errorf("rendering %q: kustomize build failed: %s", b.dir, msg), file
		return out
	}
	out.Problems = b.problems
	for _, inf := range b.inflations() {
		// A chart's CRDs first, so that its custom resources have a
		// schema whether or not the entry installs them.
		for _, m := range inf.res.CRDs {
			docs, _ := ParseYAML(inf.ref.File, []byte(m.Content))
			for _, d := range docs {
				if d.Obj != nil && isResource(d.Obj) {
					visit(&Object{Object: d.Obj, SchemaOnly: true, Origin: Origin{Unit: b.unit, File: inf.ref.File,
						Helm: &HelmOrigin{Release: inf.release, Chart: inf.res.Chart, Version: inf.res.Version, Template: chartRel(m.Template)}}})
				}
			}
		}
	}
	for _, res := range m.Resources() {
		if t.ctx.Err() != nil {
			break
		}
		obj, src, hm := b.object(res.YNode())
		if obj == nil {
			continue
		}
		if hm != nil {
			// Flux substitutes what a kustomization renders, helm's
			// output included.
			o := &Object{Object: obj, Origin: b.helmOrigin(obj, hm)}
			t.substitute(o, b.dir)
			visit(o)
			continue
		}
		file := kfile
		if src != nil {
			file = src.File
		}
		o := &Object{Object: obj, Origin: Origin{Unit: b.unit, File: file, Source: src, locate: b.renderedPos(obj, src)}}
		t.substitute(o, b.dir)
		visit(o)
	}
	return out
}

// kustomize keeps its OpenAPI schema in process-wide variables of kyaml's
// openapi package (the kustomize command runs one build per process): the
// first build parses the built-in schema while others read it, and a
// kustomization with an openapi field replaces it for every build after.
// kustomizeMu lets builds run in parallel only over the built-in schema,
// parsed once before any of them (openAPIReady): a build that meets an
// openapi field stops, and runs again alone, the built-in schema restored
// after it.
var (
	kustomizeMu  sync.RWMutex
	openAPIReady sync.Once
)

// errNeedsExclusive stops a build that met an openapi field while it ran
// beside others.
var errNeedsExclusive = errors.New("a kustomization sets openapi: built again on its own")

// kustomize runs the build in memory, origins marked or not.
func (b *build) kustomize(mark bool) (resmap.ResMap, error) {
	openAPIReady.Do(func() { openapi.Schema() })
	kustomizeMu.RLock()
	b.needsExclusive = false
	m, err := b.kustomizeShared(mark)
	kustomizeMu.RUnlock()
	if !b.needsExclusive {
		return m, err
	}
	kustomizeMu.Lock()
	defer kustomizeMu.Unlock()
	b.exclusive = true
	defer func() { b.exclusive = false }()
	m, err = b.kustomizeShared(mark)
	openapi.ResetOpenAPI()
	openapi.Schema() // parsed again here, not by the next builds at once
	return m, err
}

// kustomizeShared runs the build in memory, origins marked or not.
func (b *build) kustomizeShared(mark bool) (resmap.ResMap, error) {
	b.marked, b.markedReal, b.resourceFiles, b.notResourceFiles = nil, map[int]string{}, map[string]bool{}, map[string]bool{}
	var markFn func(string, []byte) []byte
	if mark {
		markFn = b.mark
	}
	kfs := newKustFS(b.t.fsys, b.rewrite, markFn)
	if _, ok := b.t.fsys.(resolver); ok {
		kfs.real = b.t.resolve
	}
	b.kfs = kfs
	defer hushKustomize()()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(kfs, "/"+b.dir)
	b.read = kfs.files()
	b.mu.Lock()
	for _, f := range b.helmRead {
		if !slices.Contains(b.read, f) {
			b.read = append(b.read, f)
		}
	}
	b.mu.Unlock()
	return m, err
}

// letGo drops what the build held for rendering: its file system and
// the files parsed so far.
func (b *build) letGo() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.kfs = nil
	b.files = map[string]*parsedFile{}
}

// file returns a file the build read, parsed once per build.
func (b *build) file(name string) *parsedFile {
	b.mu.Lock()
	defer b.mu.Unlock()
	if pf, ok := b.files[name]; ok {
		return pf
	}
	var pf *parsedFile
	data, err := fs.ReadFile(b.t.fsys, name)
	if err != nil {
		pf = &parsedFile{path: name, unread: true}
	} else {
		pf = b.t.parse(name, data)
	}
	b.files[name] = pf
	return pf
}

// report adds a problem of a kustomization file once per build.
func (b *build) report(name, key string, p Problem) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.reported[name+"\x00"+key] {
		b.reported[name+"\x00"+key] = true
		b.problems = append(b.problems, p)
	}
}

// rewrite edits a kustomization as kustomize reads it: remote entries
// and helmCharts come out (reported). It edits the node tree, so every
// other value reaches kustomize exactly as written (newTag: 1.20 stays
// 1.20). On the way it notes which files the kustomization lists as
// resources, whose documents mark then marks with their origin.
func (b *build) rewrite(name string, data []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return data, nil // kustomize reports it
	}
	root := doc.Content[0]
	if key, _ := mapGet(root, "openapi"); key != nil && !b.exclusive {
		b.needsExclusive = true
		return nil, errNeedsExclusive
	}
	dir := path.Dir(name)
	for _, d := range deprecatedKustomizeFields {
		if key, _ := mapGet(root, d.field); key != nil {
			b.report(name, "deprecated\x00"+d.field, Problem{File: name, Line: key.Line, Column: key.Column, Kind: DeprecatedField,
				Message: fmt.Sprintf("%q is deprecated since kustomize v5: use %q (kustomize edit fix rewrites it)", d.field, d.use)})
		}
	}
	b.noteFiles(dir, root)
	changed := false
	for _, field := range []string{"resources", "bases", "components"} {
		_, seq := mapGet(root, field)
		if seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		kept := seq.Content[:0:0]
		for _, e := range seq.Content {
			if e.Kind != yaml.ScalarNode || !b.t.isRemote(dir, e.Value) {
				kept = append(kept, e)
				continue
			}
			changed = true
			line, col := entryPos(b.file(name), field, e.Value)
			b.report(name, e.Value, Problem{File: name, Line: line, Column: col, Kind: RemoteSkipped,
				Message: fmt.Sprintf("remote %s %q is not fetched (verification is offline); its resources are not validated", strings.TrimSuffix(field, "s"), e.Value)})
		}
		seq.Content = kept
	}
	if _, charts := mapGet(root, "helmCharts"); charts != nil && len(charts.Content) > 0 {
		// Each chart is rendered in process and its output becomes a
		// resource file of this kustomization, which exists only for the
		// build: the rest of the kustomization applies to it.
		changed = true
		var files []string
		for _, e := range parseHelmCharts(name, root) {
			if inf, ok := b.inflate(e); ok {
				b.kfs.addVirtual(inf.file, inf.text)
				files = append(files, path.Base(inf.file))
			}
		}
		root.Content = deleteKeys(root.Content, "helmCharts", "helmGlobals")
		if len(files) > 0 {
			_, res := mapGet(root, "resources")
			if res == nil {
				res = &yaml.Node{Kind: yaml.SequenceNode}
				root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "resources"}, res)
			}
			for _, f := range files {
				res.Content = append(res.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: f})
			}
		}
	}
	if !changed {
		return data, nil
	}
	return yaml.Marshal(&doc)
}

// noteFiles records the files a kustomization in dir lists as resources,
// and those it reads as patches or generator sources, which must reach
// kustomize unmarked.
func (b *build) noteFiles(dir string, root *yaml.Node) {
	b.mu.Lock()
	defer b.mu.Unlock()
	add := func(set map[string]bool, entry string) {
		if entry != "" && !strings.ContainsAny(entry, "\n:") {
			// kustomize reads a file through a link by its real path.
			p := path.Clean(path.Join(dir, entry))
			set[p], set[b.t.real(p)] = true, true
		}
	}
	scalars := func(n *yaml.Node, f func(string)) {
		if n = Deref(n); n != nil && n.Kind == yaml.SequenceNode {
			for _, c := range n.Content {
				if c = Deref(c); c.Kind == yaml.ScalarNode {
					f(c.Value)
				}
			}
		}
	}
	for _, field := range []string{"resources", "bases"} {
		_, seq := mapGet(root, field)
		scalars(seq, func(e string) { add(b.resourceFiles, e) })
	}
	_, psm := mapGet(root, "patchesStrategicMerge")
	scalars(psm, func(e string) { add(b.notResourceFiles, e) })
	for _, field := range []string{"patches", "patchesJson6902", "configMapGenerator", "secretGenerator"} {
		_, seq := mapGet(root, field)
		if seq = Deref(seq); seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for _, item := range seq.Content {
			if item = Deref(item); item.Kind != yaml.MappingNode {
				continue
			}
			if _, p := mapGet(item, "path"); p != nil && p.Kind == yaml.ScalarNode {
				add(b.notResourceFiles, p.Value)
			}
			for _, list := range []string{"files", "envs"} {
				_, seq := mapGet(item, list)
				scalars(seq, func(e string) {
					_, file, ok := strings.Cut(e, "=")
					if !ok {
						file = e
					}
					add(b.notResourceFiles, file)
				})
			}
			if _, e := mapGet(item, "env"); e != nil && e.Kind == yaml.ScalarNode {
				add(b.notResourceFiles, e.Value)
			}
		}
	}
}

// mark gives the documents of a file a kustomization lists as resources
// their origin (markOrigins), so that each rendered object names the
// document it came from.
func (b *build) mark(name string, data []byte) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.resourceFiles[name] || b.notResourceFiles[name] {
		return data
	}
	out, ok := markOrigins(data, len(b.marked))
	if ok {
		b.marked = append(b.marked, name)
	}
	return out
}

// object turns a rendered resource into a plain value and takes its
// origin out of it: the document it was written in, or the helmCharts
// entry that rendered it.
func (b *build) object(n *yaml.Node) (map[string]any, *Source, *helmMark) {
	budget := maxNodes
	v, err := toValue(n, &budget)
	obj, _ := v.(map[string]any)
	if err != nil || obj == nil {
		return nil, nil, nil
	}
	if hm := b.takeHelmMark(obj); hm != nil {
		return obj, nil, hm
	}
	mark, ok := obj[originKey].(string)
	if !ok {
		return obj, nil, nil
	}
	delete(obj, originKey)
	num, line, _ := strings.Cut(mark, ":")
	i, err1 := strconv.Atoi(num)
	l, err2 := strconv.Atoi(line)
	if err1 != nil || err2 != nil || i < 0 || i >= len(b.marked) {
		return obj, nil, nil
	}
	real, ok := b.markedReal[i]
	if !ok {
		real = b.t.real(b.marked[i])
		b.markedReal[i] = real
	}
	return obj, &Source{File: real, Line: l}, nil
}

// kustomizationIn returns the kustomization file of dir, or "".
func kustomizationIn(t *Tree, dir string) string {
	for _, n := range kustomizationNames {
		p := path.Join(dir, n)
		if info, err := t.stat(p); err == nil && !info.IsDir() {
			return p
		}
	}
	return ""
}

// deprecatedKustomizeFields are the fields kustomize warns about on its
// standard error (types.Kustomization.CheckDeprecatedFields), with what to
// use instead; a test keeps the list equal to kustomize's.
var deprecatedKustomizeFields = []struct{ field, use string }{
	{"bases", "resources"},
	{"commonLabels", "labels"},
	{"imageTags", "images"},
	{"patchesJson6902", "patches"},
	{"patchesStrategicMerge", "patches"},
	{"vars", "replacements"},
}
