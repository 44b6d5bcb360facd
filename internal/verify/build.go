package verify

import (
	"runtime"
	"sync"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/gcpolicy"
	"github.com/gitops-actions/gitops-actions/internal/render"
)

// rendered is what a kustomize build leaves once its resources are
// checked and let go: its findings, the summaries the rules across
// resources need, and the files it read.
type rendered struct {
	unit *render.Unit
	// env is the environment its resources count in: the environments
	// input directory holding it, else its own directory.
	env      string
	read     []string // every file of fsys the build read
	findings []finding.Finding
	sums     []*summary
	// unsummed counts the resources checked without a summary: those of
	// an environment no rule across resources looks at.
	unsummed int
	failed   bool // the kustomization did not build
}

// renderAll renders the kustomizations of the tree on the workers
// (render.Tree.RenderAll), each resource checked as it is rendered and
// let go: memory holds the builds in flight, not the repository.
func (r *run) renderAll() []*rendered {
	dirs := r.tree.Kustomizations
	r.summed = r.sharedGroups(dirs, r.tree.Files)
	if len(dirs) > 0 {
		// Builds allocate much and hold little: the binary's collector may
		// wait longer between cycles (a no-op elsewhere).
		gcpolicy.Raise()
	}
	var mu sync.Mutex
	checked := map[*render.Unit]*rendered{}
	outs := r.tree.RenderAll(r.buildWorkers(), func(u *render.Unit) func(*render.Object) {
		env := r.buildEnv(u.Dir)
		rd := &rendered{unit: u, env: env}
		mu.Lock()
		checked[u] = rd
		mu.Unlock()
		keep := r.summed == nil || r.summed[env] || r.drifts(env)
		return func(o *render.Object) {
			if o.Origin.Helm != nil && isCRD(o.Object) {
				// A chart's CRDs give its custom resources their schema,
				// before they are checked.
				rd.findings = append(rd.findings, r.addRenderedCRD(o)...)
				if o.SchemaOnly {
					return
				}
			}
			fs, sum := r.check(&resource{o: *o, env: env, group: env, noSummary: !keep})
			rd.findings = append(rd.findings, fs...)
			if sum != nil {
				rd.sums = append(rd.sums, sum)
			} else {
				rd.unsummed++
			}
		}
	})
	out := make([]*rendered, 0, len(outs))
	for _, o := range outs {
		rd := checked[o.Unit]
		rd.read, rd.failed = o.Read, o.Err != nil
		// The build's own problems come first, as they were met before
		// any of its resources was checked.
		rd.findings = append(fromProblems(o.Problems, rd.env), rd.findings...)
		out = append(out, rd)
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
		if !render.IsKustomizationFile(n) {
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

// buildWorkers is how many builds run at once: one per core. A build
// reads files the walk has just read, from the page cache, and spends its
// time computing; each one more in flight only adds its node trees to what
// the collector marks at every cycle.
func (r *run) buildWorkers() int {
	return max(1, min(r.opts.Workers, runtime.GOMAXPROCS(0)))
}
