// Package render turns a config repository into the objects a cluster
// receives, each with its origin. It walks a tree once (Walk), finds the
// units that render (Units: a kustomization built in memory, a file of
// plain manifests), renders each on workers (RenderAll, Render), and
// hands every object, as it is rendered, to the caller with the way back
// to the file, line and column it was written on (Origin.Position).
// verify-manifests checks what it hands over; the diff preview and
// promotion compare it.
//
// Nothing is fetched (remote bases and helmCharts are left out and
// reported), nothing is printed, and the only state beyond a Tree is
// what kustomize forces on its callers (kustomizeMu, hushKustomize).
package render

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"slices"
	"sync"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
)

// Options says what to walk and how objects are rendered.
type Options struct {
	// Path is the file or directory of the tree to walk ("." when empty).
	Path string
	// Extra are more files or directories of the tree whose YAML files
	// are listed in Tree.All (CustomResourceDefinitions kept apart from
	// the manifests); no unit renders from them.
	Extra []string
	// Substitute applies Flux's post-build substitution to every object
	// rendered, as the Flux Kustomization of the repository that applies
	// it would (Object.Flux says what it did). Without it objects are as
	// the repository writes them.
	Substitute bool
	// Fetcher brings the remote charts a chart unit needs (a helmCharts
	// entry with a repo, a remote dependency); nil fetches nothing, and
	// each remote chart is a ChartSkipped problem naming it.
	Fetcher chartref.Fetcher
	// KubernetesVersion is the cluster version charts render for
	// (.Capabilities.KubeVersion, and the built-in APIs of
	// .Capabilities.APIVersions); "" means the newest kubeschema embeds.
	KubernetesVersion string
	// APIVersions are more group/versions (or group/version/kinds) the
	// cluster serves, on top of the built-in ones and the repository's
	// CRDs: the api-versions input.
	APIVersions []string
	// Repository is the repository the tree is a checkout of, OWNER/NAME
	// or a Git URL: a Flux GitRepository or an Argo CD source whose URL
	// names it renders from the tree. The GitRepository the repository's
	// own Flux Kustomization syncs from counts too.
	Repository string
	// Shard, when it is one of several, restricts RenderAll to the
	// units of that share of the tree's Partition (and the releases they
	// hold); OwnsFile and ReadElsewhere say what of the files is the
	// share's to check.
	Shard Shard
	// Environments are directories compared with each other (verify's
	// environments input): a partition keeps every unit under them in
	// one share.
	Environments []string
}

// Tree is one walk of a file tree: the names of its YAML files and
// kustomizations, not their contents. Its methods may be called from
// several goroutines.
type Tree struct {
	// Files are the YAML and JSON files under Path, in the order of the
	// walk (a directory's entries in name order, each directory's files
	// and directories in turn); hidden directories are left out, and so
	// is anything that is not a regular file (Skipped says which and why).
	Files []string
	// All are Files and those under Extra, in name order, once each.
	All []string
	// Kustomizations are the directories under Path holding a
	// kustomization file, in the order of the walk (a directory before
	// the directories under it).
	Kustomizations []string
	// Skipped are the entries the walk did not read, as FileSkipped
	// problems at their paths.
	Skipped []Problem

	ctx    context.Context
	fsys   fs.FS
	opts   Options
	under  map[string]bool // Files, as a set
	extra  map[string]bool // the files under Extra
	charts map[string]bool // directories holding a Chart.yaml

	flux     fluxState    // the repository's Flux Kustomizations, read on first need
	helm     helmState    // the Capabilities and chart references, read on first need
	rels     releaseState // the releases found, and what they refer to
	includes includeState // what each kustomization includes, read on first need
	reals    sync.Map     // path → its Real answer (resolve)

	part        partState // the partition into shares, made on first need
	kdirsOnce   sync.Once
	kdirs       map[string]bool // Kustomizations, as a set
	writtenOnce sync.Once
	written     *written // what the files say of releases and applied directories
}

// ExtraError is the error of Walk when an Extra path cannot be walked.
type ExtraError struct {
	Path string
	Err  error
}

func (e *ExtraError) Error() string { return e.Err.Error() }
func (e *ExtraError) Unwrap() error { return e.Err }

// Walk walks Path and Extra in fsys. The error is for a root that cannot
// be described or walked (an *ExtraError for an Extra one); an entry that
// will not be read is a problem in Skipped. ctx bounds every later call
// on the tree.
func Walk(ctx context.Context, fsys fs.FS, opts Options) (*Tree, error) {
	if opts.Path == "" {
		opts.Path = "."
	}
	opts.Path = path.Clean(opts.Path)
	t := &Tree{ctx: ctx, fsys: fsys, opts: opts, under: map[string]bool{}, extra: map[string]bool{}}
	names, kustDirs, skipped, err := t.walk(opts.Path)
	if err != nil {
		return nil, err
	}
	t.Files, t.Kustomizations, t.Skipped = names, kustDirs, skipped
	var extra []string
	for _, p := range opts.Extra {
		ns, _, sk, err := t.walk(path.Clean(p))
		if err != nil {
			return nil, &ExtraError{Path: p, Err: err}
		}
		extra = append(extra, ns...)
		t.Skipped = append(t.Skipped, sk...)
	}
	for _, n := range names {
		t.under[n] = true
	}
	for _, n := range extra {
		t.extra[n] = true
	}
	t.All = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(names), extra...))))
	t.charts = map[string]bool{}
	for _, n := range t.All {
		if path.Base(n) == "Chart.yaml" {
			t.charts[path.Dir(n)] = true
		}
	}
	return t, nil
}

// Under reports whether name is one of Files.
func (t *Tree) Under(name string) bool { return t.under[name] }

// Extra reports whether name is a file under an Extra path.
func (t *Tree) Extra(name string) bool { return t.extra[name] }

// Problem is something about the tree's files that rendering met and
// the caller may report: a file that does not parse or was not read, a
// kustomization that does not build, what was left out. It is data with
// a position, never a Go error.
type Problem struct {
	File         string
	Line, Column int
	Kind         ProblemKind
	Message      string
}

// ProblemKind says what a Problem is about.
type ProblemKind string

const (
	// SyntaxError is a YAML document that does not parse, or that expands
	// to too many nodes through aliases.
	SyntaxError ProblemKind = "syntax-error"
	// DuplicateKey is a mapping that holds a key twice.
	DuplicateKey ProblemKind = "duplicate-key"
	// TemplateSkipped is what is YAML only once a template engine renders
	// it: a Helm chart's templates, a file holding {{ }}, the helmCharts
	// of a kustomization.
	TemplateSkipped ProblemKind = "template-skipped"
	// FileSkipped is an entry the walk or a read refused: a link, a FIFO,
	// a device, a file over the size limit, one that cannot be read.
	FileSkipped ProblemKind = "file-skipped"
	// BuildFailed is a kustomization that does not build, pinned to the
	// entry that failed when the error names one.
	BuildFailed ProblemKind = "build-failed"
	// RemoteSkipped is a remote base or component, which is not fetched.
	RemoteSkipped ProblemKind = "remote-skipped"
	// DeprecatedField is a field of a kustomization that kustomize v5
	// deprecated.
	DeprecatedField ProblemKind = "deprecated-field"
	// SubstitutionFailed is a value on which Flux's post-build
	// substitution fails, or a variable name Flux refuses.
	SubstitutionFailed ProblemKind = "substitution-failed"
	// ReleaseSkipped is a Flux HelmRelease, an Argo CD Application or
	// ApplicationSet, or one of its sources, that is not rendered: its
	// chart's source is not in the repository or is another repository,
	// a generator needs the cluster.
	ReleaseSkipped ProblemKind = "release-skipped"
	// ReleaseIncomplete is a release rendered without some of its values,
	// unknown here: a valuesFrom object the repository does not hold, a
	// value file of another repository, a variable not defined.
	ReleaseIncomplete ProblemKind = "release-incomplete"
	// VariableUnset is a ${VAR} the Flux Kustomization that applies the
	// object does not define in the repository: the value is unknown.
	VariableUnset ProblemKind = "variable-unset"
	// HelmRenderFailed is a chart that does not render: required, fail,
	// a template error, a loop stopped, a chart that cannot be loaded.
	HelmRenderFailed ProblemKind = "helm-render-failed"
	// HelmValuesInvalid is a value a chart's values.schema.json refuses.
	HelmValuesInvalid ProblemKind = "helm-values-invalid"
	// HelmOffline is what an offline render cannot know: a chart's
	// lookup answered nothing, a remote $ref of its values.schema.json
	// was skipped.
	HelmOffline ProblemKind = "helm-offline"
	// ChartSkipped is a remote chart not fetched because fetching is off.
	ChartSkipped ProblemKind = "chart-skipped"
	// ChartUnavailable is a remote chart that could not be fetched
	// (unreachable, not found, unauthorized, refused).
	ChartUnavailable ProblemKind = "chart-unavailable"
)

// Issue is a problem with a value of an object, before it has a position:
// the path in the object it is about (JSON pointer tokens), and whether it
// is pinned to the key of the last step rather than its value.
type Issue struct {
	Kind    ProblemKind
	Path    []string
	AtKey   bool
	Message string
}

// stat describes a file of the tree.
func (t *Tree) stat(name string) (fs.FileInfo, error) { return fs.Stat(t.fsys, name) }

// errNoResolver is resolve's answer on a file system without links.
var errNoResolver = errors.New("the file system does not resolve links")

// resolver is a file system that resolves symbolic links itself, never
// out of its root: workspace.Tree.
type resolver interface {
	Real(name string) (string, error)
}

// real resolves the links of a path of the tree, where the file system
// can (kustomize names a resource by the entry that named it, which may be
// a link inside its root): positions then name the file that holds the
// text. Anything unresolved stays as it is.
func (t *Tree) real(name string) string {
	if p, err := t.resolve(name); err == nil {
		return p
	}
	return name
}

// resolve is the file system's Real, remembered for the tree: every build
// of an overlay asks again for its base's directories and files, and each
// answer costs a system call per path component.
func (t *Tree) resolve(name string) (string, error) {
	rs, ok := t.fsys.(resolver)
	if !ok {
		return "", errNoResolver
	}
	type answer struct {
		p   string
		err error
	}
	if a, ok := t.reals.Load(name); ok {
		return a.(answer).p, a.(answer).err
	}
	p, err := rs.Real(name)
	t.reals.Store(name, answer{p, err})
	return p, err
}
