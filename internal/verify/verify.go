// Package verify is the engine of verify-manifests: it reads every YAML file
// of a config repo once, builds every kustomization in memory, validates
// each resource against its schema and the policies, and returns findings
// pinned to the source file, line and column. It never prints.
package verify

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sync"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/render"
)

// Options says what to verify and how.
type Options struct {
	// Path is the file or directory of fsys to verify ("." when empty).
	Path string
	// Environments are directories of fsys, each a rendered environment
	// (a kustomization) or a directory of plain manifests, compared pairwise
	// for environment-drift.
	Environments []string
	// KubernetesVersion ("1.37") is the version the deprecated-api and
	// removed-api rules judge against; empty turns them off. The schemas
	// are chosen by the caller when it makes Schemas.
	KubernetesVersion string
	// CRDs are files or directories of fsys holding
	// CustomResourceDefinitions to validate custom resources against.
	CRDs []string
	// Rules says which rules are on; the zero value means DefaultRules.
	Rules RuleSet
	// Schemas validates resources; nil skips schema validation (and
	// no-schema) altogether.
	Schemas Validator
	// Workers bounds the parallelism; 0 means twice GOMAXPROCS.
	Workers int
	// PodSecurity is the Pod Security Standard level ("privileged",
	// "baseline", "restricted") of the namespaces the repository does not
	// label, judged as warnings; "" means baseline.
	PodSecurity string
	// APIVersions are group/versions (or group/version/kinds) the cluster
	// serves beyond the built-in ones and the repository's CRDs, for
	// .Capabilities.APIVersions of the charts rendered: the api-versions
	// input.
	APIVersions []string
	// Fetcher brings remote charts; nil fetches nothing (each remote
	// chart is a notice naming it).
	Fetcher chartref.Fetcher
	// Repository is the repository verified, OWNER/NAME or a Git URL: a
	// Flux GitRepository or an Argo CD source naming it renders its
	// charts from the tree.
	Repository string
	// Shard, when it is one of several, checks only that share of the
	// tree's render units (render.Tree.Partition) and the files it owns;
	// Merge puts the shares' results together.
	Shard render.Shard
}

// Result is what a run found.
type Result struct {
	// Findings, sorted by file, line, column and rule.
	Findings []finding.Finding
	// Files is the number of YAML and JSON files read, Resources the
	// number of resources validated (a resource rendered in two
	// environments counts twice).
	Files, Resources int
	// Checked lists the files read under Path, in name order: every one
	// is a test case of a JUnit report, with findings or without.
	Checked []string
	// Errors, Warnings and Notices count Findings by severity.
	Errors, Warnings, Notices int
	// Environments holds per-environment counts: one per kustomization
	// built and per environment directory given.
	Environments []Environment
	// Suppressed are the findings an annotation of their object silenced
	// (finding.Finding.Suppression says which, and why), sorted; they are
	// not in Findings nor counted there.
	Suppressed []finding.Finding
	// NotManifests are the files left out as another tool's
	// configuration, not Kubernetes manifests.
	NotManifests []NotManifest
	// Shard is the share of the tree checked (zero for all of it), and
	// Share what that share holds.
	Shard render.Shard
	Share *render.ShareStats
	// Plan, for a share, is a digest of the tree's partition and of the
	// options: the shares of one tree checked alike have the same plan.
	Plan string
	// Tally is what the findings and counts came from, for Merge.
	Tally *Tally
}

// Environment is the tally of one rendered environment.
type Environment struct {
	Name                      string
	Resources                 int
	Errors, Warnings, Notices int
}

// Count returns how many findings are at or above severity s.
func (r *Result) Count(s finding.Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity >= s {
			n++
		}
	}
	return n
}

// run is the state of one Run.
type run struct {
	ctx   context.Context
	fsys  fs.FS
	opts  Options
	rules RuleSet
	// tree is the walk of Path and the crds input, rendered with Flux's
	// post-build substitution.
	tree *render.Tree

	// crdsFirst is set once every CustomResourceDefinition was added
	// before anything was checked (preloadCRDs).
	crdsFirst bool
	types     sync.Map        // apiVersion and kind → *typeName (typeOf)
	summed    map[string]bool // scopes whose rendered resources keep a summary (sharedGroups)
	strs      sync.Map        // namespace → the run's copy (intern)
	// relations collects what the rules across objects need (related.go).
	relations *relations
}

// Run verifies the manifests under opts.Path in fsys and returns what it
// found. Findings are data; the error is for when the tool itself could not
// do its job (the path does not exist, the context was cancelled).
//
// Run returns as soon as ctx is done, with its error. A kustomize build
// cannot be interrupted (kustomize takes no context, and its time grows
// with the square of a build's resources: minutes for a few thousand), so
// one under way is left to end on its own, still reading fsys: the caller
// must not close fsys then. The binary is exiting anyway (SIGTERM).
func Run(ctx context.Context, fsys fs.FS, opts Options) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := runAll(ctx, fsys, opts)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// runAll is the work of Run, stage after stage, each passing plain values
// to the next: the walk of the tree, the CustomResourceDefinitions when
// builds will need them, the kustomize builds (each checked as it is
// rendered and let go), the files, the CRD re-check, the rules across
// resources, and the tallies.
func runAll(ctx context.Context, fsys fs.FS, opts Options) (*Result, error) {
	r := newRun(ctx, fsys, opts)
	tree, err := render.Walk(ctx, fsys, render.Options{Path: r.opts.Path, Extra: r.opts.CRDs, Substitute: true,
		Fetcher: r.opts.Fetcher, KubernetesVersion: r.opts.KubernetesVersion, APIVersions: r.opts.APIVersions, Repository: r.opts.Repository,
		Shard: r.opts.Shard, Environments: r.opts.Environments})
	if err != nil {
		if ee := (*render.ExtraError)(nil); errors.As(err, &ee) {
			return nil, fmt.Errorf("crds: %w", err)
		}
		return nil, err
	}
	r.tree = tree
	sharded := r.opts.Shard.Sharded()
	findings := fromProblems(r.owned(tree.Skipped), "")
	if (len(tree.Kustomizations) > 0 || len(tree.ChartUnits(".")) > 0 || sharded) && r.opts.Schemas != nil {
		// A build's or a chart's resources are checked as they are
		// rendered, before the files are read: the CRDs that define their
		// kinds must be known first. A share reads every file's CRDs, as
		// it checks only its own files.
		fs, err := r.preloadCRDs()
		if err != nil {
			return nil, err
		}
		findings = append(findings, r.ownedFindings(fs)...)
	}
	if sharded {
		r.relations.fromTree(tree)
	}
	builds := r.renderAll()
	consumed := map[string]bool{}
	for _, b := range builds {
		for _, f := range b.read {
			consumed[f] = true
		}
		findings = append(findings, b.findings...)
	}
	files, err := r.checkFiles(consumed)
	if err != nil {
		return nil, err
	}
	if !r.crdsFirst {
		fs, err := r.recheckCRDKinds(consumed, files)
		if err != nil {
			return nil, err
		}
		findings = append(findings, fs...)
	}
	var sums []*summary
	unsummed := map[string]int{}
	for _, b := range builds {
		sums = append(sums, b.sums...)
		unsummed[b.env] += b.unsummed
	}
	templates := map[string]bool{}
	var checked []string
	tools := make([]string, len(files))
	for i, fr := range files {
		tools[i] = fr.tool
		if !fr.unread && !fr.elsewhere && tree.Under(tree.All[i]) {
			checked = append(checked, tree.All[i])
		}
		findings = append(findings, fr.findings...)
		sums = append(sums, fr.sums...)
		// A chart's templates a unit rendered were not skipped.
		templates[tree.All[i]] = fr.template && !consumed[tree.All[i]]
	}
	findings = append(findings, fromProblems(tree.SkippedTemplates(tree.Files, templates), "")...)
	loc := r.newSummaryLocator()
	r.scopeDuplicates(sums)
	findings = append(findings, duplicates(sums, loc)...)
	envInput := !sharded || tree.Partition().EnvironmentsShard() == r.opts.Shard.Index
	if r.rules.Enabled(RuleEnvironmentDrift) && envInput {
		// An environment that does not build is reported once, by its
		// build: drift would add that each of the other's resources is
		// missing from it.
		broken := map[string]bool{}
		for _, b := range builds {
			broken[b.env] = broken[b.env] || b.failed
		}
		findings = append(findings, drift(opts.Environments, sums, loc, broken)...)
	}
	var envs []string
	for _, b := range builds {
		envs = append(envs, b.env)
	}
	if envInput {
		for _, e := range opts.Environments {
			envs = append(envs, path.Clean(e))
		}
	}
	findings = r.relatedFindings(findings)
	t := r.tally(findings, sums, unsummed, envs)
	t.Checked, t.NotManifests = checked, notManifests(tree.All, tools)
	t.Suppressed = uniqueSuppressed(t.Suppressed)
	res := t.result()
	if sharded {
		st := tree.Partition().Stats(r.opts.Shard.Index)
		res.Shard, res.Share, res.Plan = r.opts.Shard, &st, r.plan(tree.Partition().Digest)
	}
	return res, ctx.Err()
}

// owned keeps the problems at files the run's share checks: all of them
// when the tree is not shared out.
func (r *run) owned(ps []render.Problem) []render.Problem {
	out := ps[:0:0]
	for _, p := range ps {
		if r.tree.OwnsFile(p.File) {
			out = append(out, p)
		}
	}
	return out
}

// ownedFindings keeps the findings at files the run's share checks.
func (r *run) ownedFindings(fs []finding.Finding) []finding.Finding {
	out := fs[:0:0]
	for _, f := range fs {
		if r.tree.OwnsFile(f.File) {
			out = append(out, f)
		}
	}
	return out
}

func newRun(ctx context.Context, fsys fs.FS, opts Options) *run {
	if opts.Path == "" {
		opts.Path = "."
	}
	opts.Path = path.Clean(opts.Path)
	if opts.Workers <= 0 {
		// Twice the cores: a worker waiting on a file read leaves its core
		// to another (about 4% less wall time on the 10,000-resource corpus).
		opts.Workers = 2 * runtime.GOMAXPROCS(0)
	}
	r := &run{ctx: ctx, fsys: fsys, opts: opts, rules: opts.Rules, relations: newRelations()}
	if r.rules.on == nil {
		r.rules = DefaultRules()
	}
	return r
}
