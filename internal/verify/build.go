package verify

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v4"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/openapi"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/gcpolicy"
)

// rendered is what a kustomize build leaves once its resources are
// checked and let go: its findings, the summaries the rules across
// resources need, and the files it read.
type rendered struct {
	dir, kfile string
	// env is the environment its resources count in: the environments
	// input directory holding it, else its own directory.
	env      string
	read     []string // every file of fsys the build read
	findings []finding.Finding
	sums     []*summary
	// unsummed counts the resources checked without a summary: those of
	// an environment no rule across resources looks at.
	unsummed int
	failed   bool
	// failedIn is the kustomization a failed build's error is pinned in.
	failedIn string
}

// renderAll renders the kustomizations in dirs on the workers, each
// checked as it is rendered and let go: memory holds the builds in flight,
// not the repository.
//
// A kustomization another one includes (a base, an inner part of an
// environment) is not built on its own: its resources are checked in each
// build that renders them. One that only failing builds include is built
// on its own after all, so that its resources are checked all the same,
// unless the error is its own.
func (r *run) renderAll(dirs []string, names []string) []*rendered {
	r.summed = r.sharedGroups(dirs, names)
	inner := r.included(dirs)
	tried := map[string]bool{}
	covered := map[string]bool{} // directories a successful build rendered
	var out []*rendered
	var todo []string
	for _, d := range dirs {
		if !inner[d] {
			todo = append(todo, d)
		}
	}
	if len(todo) > 0 {
		// Builds allocate much and hold little: the binary's collector may
		// wait longer between cycles (a no-op elsewhere).
		gcpolicy.Raise()
	}
	for len(todo) > 0 {
		bs := make([]*rendered, len(todo))
		_ = parallel(r.ctx, r.buildWorkers(), len(todo), func(i int) error {
			bs[i] = r.render(todo[i])
			return nil
		})
		for i, b := range bs {
			tried[todo[i]] = true
			if b == nil {
				continue
			}
			out = append(out, b)
			if !b.failed {
				for _, f := range b.read {
					if isKustomizationFile(f) {
						covered[path.Dir(f)] = true
					}
				}
			} else if b.failedIn != b.kfile {
				// The error is in an inner kustomization, reported there
				// already: built on its own, it would fail the same way.
				covered[path.Dir(b.failedIn)] = true
			}
		}
		todo = nil
		for _, d := range dirs {
			if !tried[d] && !covered[d] {
				todo = append(todo, d)
			}
		}
		if r.ctx.Err() != nil {
			break
		}
	}
	return out
}

// sharedGroups returns the scopes of duplicate-resource that a build's
// resources may share with other resources: an environment two builds
// render into, or the scope of a YAML file that may turn out not to be a
// kustomization's (every file but kustomization files). A build of
// another scope is the only source of its resources, and kustomize
// refuses two resources of one name in a build: nothing of them is kept
// for duplicate-resource (environment-drift keeps what it compares).
func (r *run) sharedGroups(dirs, names []string) map[string]bool {
	out := map[string]bool{}
	builds := map[string]int{}
	for _, d := range dirs {
		builds[r.buildEnv(d)]++
	}
	for env, n := range builds {
		if n > 1 {
			out[env] = true
		}
	}
	for _, n := range names {
		if !isKustomizationFile(n) {
			out[r.groupOf(n)] = true
		}
	}
	return out
}

// buildEnv is the environment a build of dir counts in: the environments
// input directory holding it, else its own directory.
func (r *run) buildEnv(dir string) string {
	if env := r.envOf(dir); env != "" {
		return env
	}
	return dir
}

// included returns the directories of dirs that another kustomization of
// dirs names in its resources, bases or components.
func (r *run) included(dirs []string) map[string]bool {
	set := map[string]bool{}
	for _, d := range dirs {
		set[d] = true
	}
	inner := map[string]bool{}
	for _, d := range dirs {
		kfile := kustomizationIn(r, d)
		if kfile == "" {
			continue
		}
		data, err := fs.ReadFile(r.fsys, kfile)
		if err != nil {
			continue
		}
		var k struct {
			Resources, Bases, Components []string
		}
		if yaml.Unmarshal(data, &k) != nil {
			continue
		}
		for _, e := range slices.Concat(k.Resources, k.Bases, k.Components) {
			if p := path.Clean(path.Join(d, e)); set[p] && p != d {
				inner[p] = true
			}
		}
	}
	return inner
}

// build is the state of one kustomization while it renders and its
// resources are checked: the files parsed for positions, the origin of
// each document, the patches. It is let go with the build.
type build struct {
	r                *run
	dir, kfile, env  string
	read             []string
	findings         []finding.Finding
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
}

// newBuild prepares the build of the kustomization in dir; nil when there
// is none to build on its own: no kustomization, one with a syntax error
// (reported with its file), a Component (it only means something inside a
// kustomization that uses it) or another kind.
func (r *run) newBuild(dir string) *build {
	kfile := kustomizationIn(r, dir)
	if kfile == "" {
		return nil
	}
	env := r.buildEnv(dir)
	b := &build{r: r, dir: dir, kfile: kfile, env: env, files: map[string]*parsedFile{}, reported: map[string]bool{}}
	pf := b.file(kfile)
	if len(pf.docs) == 0 || pf.docs[0].obj == nil || hasSyntaxError(pf.findings) {
		return nil
	}
	if a, k, _, _ := meta(pf.docs[0].obj); k == "Component" || (a != "" && !strings.HasPrefix(a, "kustomize.config.k8s.io/")) {
		return nil
	}
	return b
}

// render builds the kustomization in dir and checks every resource it
// renders.
func (r *run) render(dir string) *rendered {
	b := r.newBuild(dir)
	if b == nil {
		return nil
	}
	kfile, env := b.kfile, b.env
	pf := b.file(kfile)
	out := &rendered{dir: dir, kfile: kfile, env: env}
	m, err := b.kustomize(true)
	if err != nil {
		// Origins are marked on lines of their own, which moves every
		// line kustomize's message may quote: build again unmarked, so
		// that it quotes the files as written (and, should the markers be
		// what broke it, so that it builds).
		m, err = b.kustomize(false)
	}
	out.read = b.read
	if err != nil {
		// Patches of a kustomization that does not build are partial
		// objects: never validate them as resources of their own.
		out.read = append(out.read, r.patchFiles(kfile, pf.docs[0].obj)...)
		msg := cleanKustomizeError(err.Error())
		file, line, col := b.buildErrorPos(msg)
		out.findings = append(b.findings, finding.Finding{File: file, Line: line, Column: col, Severity: ruleSeverity(RuleKustomizeBuild), Rule: RuleKustomizeBuild,
			Message: "kustomize build failed: " + msg, Environment: env})
		out.failed, out.failedIn = true, file
		return out
	}
	out.findings = b.findings
	for _, res := range m.Resources() {
		if r.ctx.Err() != nil {
			break
		}
		obj, src := b.object(res.YNode())
		if obj == nil {
			continue
		}
		file := kfile
		if src != nil {
			file = src.file
		}
		keep := r.summed == nil || r.summed[env] || r.drifts(env)
		fs, sum := r.check(&resource{obj: obj, env: env, group: env, file: file, dir: dir, pos: b.renderedPos(obj, src), src: src, noSummary: !keep})
		out.findings = append(out.findings, fs...)
		if sum != nil {
			out.sums = append(out.sums, sum)
		} else {
			out.unsummed++
		}
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
	kfs := newKustFS(b.r.fsys, b.rewrite, markFn)
	if _, ok := b.r.fsys.(resolver); ok {
		kfs.real = b.r.resolve
	}
	defer hushKustomize()()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(kfs, "/"+b.dir)
	b.read = kfs.files()
	return m, err
}

// file returns a file the build read, parsed once per build.
func (b *build) file(name string) *parsedFile {
	b.mu.Lock()
	defer b.mu.Unlock()
	if pf, ok := b.files[name]; ok {
		return pf
	}
	var pf *parsedFile
	data, err := fs.ReadFile(b.r.fsys, name)
	if err != nil {
		pf = &parsedFile{path: name, unread: true}
	} else {
		pf = b.r.parseData(name, data)
	}
	b.files[name] = pf
	return pf
}

// report adds a finding about a kustomization file once per build.
func (b *build) report(name, key string, f finding.Finding) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.reported[name+"\x00"+key] {
		b.reported[name+"\x00"+key] = true
		b.findings = append(b.findings, f)
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
			b.report(name, "deprecated\x00"+d.field, finding.Finding{File: name, Line: key.Line, Column: key.Column, Severity: ruleSeverity(RuleKustomizeDeprecated), Rule: RuleKustomizeDeprecated,
				Message: fmt.Sprintf("%q is deprecated since kustomize v5: use %q (kustomize edit fix rewrites it)", d.field, d.use), Environment: b.env})
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
			if e.Kind != yaml.ScalarNode || !b.r.isRemote(dir, e.Value) {
				kept = append(kept, e)
				continue
			}
			changed = true
			line, col := entryPos(b.file(name), field, e.Value)
			b.report(name, e.Value, finding.Finding{File: name, Line: line, Column: col, Severity: ruleSeverity(RuleKustomizeRemote), Rule: RuleKustomizeRemote,
				Message: fmt.Sprintf("remote %s %q is not fetched (verification is offline); its resources are not validated", strings.TrimSuffix(field, "s"), e.Value), Environment: b.env})
		}
		seq.Content = kept
	}
	if _, charts := mapGet(root, "helmCharts"); charts != nil && len(charts.Content) > 0 {
		// Inflating a chart needs helm and usually the network: the
		// rest of the kustomization is built without it.
		changed = true
		root.Content = deleteKeys(root.Content, "helmCharts", "helmGlobals")
		line, col := 1, 1
		if pf := b.file(name); len(pf.docs) > 0 && pf.docs[0].root != nil {
			if key, _ := mapGet(pf.docs[0].root, "helmCharts"); key != nil {
				line, col = key.Line, key.Column
			}
		}
		b.report(name, "helmCharts", finding.Finding{File: name, Line: line, Column: col, Severity: ruleSeverity(RuleHelmTemplate), Rule: RuleHelmTemplate,
			Message: fmt.Sprintf("%d helmCharts not inflated (that needs helm and the network); their resources are not validated", len(charts.Content)), Environment: b.env})
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
			set[p], set[b.r.real(p)] = true, true
		}
	}
	scalars := func(n *yaml.Node, f func(string)) {
		if n = deref(n); n != nil && n.Kind == yaml.SequenceNode {
			for _, c := range n.Content {
				if c = deref(c); c.Kind == yaml.ScalarNode {
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
		if seq = deref(seq); seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for _, item := range seq.Content {
			if item = deref(item); item.Kind != yaml.MappingNode {
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
// origin out of it.
func (b *build) object(n *yaml3Node) (map[string]any, *source) {
	budget := maxNodes
	v, err := toValue3(n, &budget)
	obj, _ := v.(map[string]any)
	if err != nil || obj == nil {
		return nil, nil
	}
	mark, ok := obj[originKey].(string)
	if !ok {
		return obj, nil
	}
	delete(obj, originKey)
	num, line, _ := strings.Cut(mark, ":")
	i, err1 := strconv.Atoi(num)
	l, err2 := strconv.Atoi(line)
	if err1 != nil || err2 != nil || i < 0 || i >= len(b.marked) {
		return obj, nil
	}
	real, ok := b.markedReal[i]
	if !ok {
		real = b.r.real(b.marked[i])
		b.markedReal[i] = real
	}
	return obj, &source{file: real, line: l}
}

// kustomizationIn returns the kustomization file of dir, or "".
func kustomizationIn(r *run, dir string) string {
	for _, n := range kustomizationNames {
		p := path.Join(dir, n)
		if info, err := fsStat(r, p); err == nil && !info.IsDir() {
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

// buildWorkers is how many builds run at once: one per core. A build
// reads files the walk has just read, from the page cache, and spends its
// time computing; each one more in flight only adds its node trees to what
// the collector marks at every cycle.
func (r *run) buildWorkers() int {
	return max(1, min(r.opts.Workers, runtime.GOMAXPROCS(0)))
}
