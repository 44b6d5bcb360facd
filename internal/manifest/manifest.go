// Package manifest finds image references in a tree of YAML files and bumps
// them with byte-minimal edits: only the bytes of a changed scalar change, and
// every edit is verified by parsing the result again.
package manifest

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/version"
)

// Kinds of places an image reference is found in.
const (
	KindContainer     = "container"        // containers, initContainers, ephemeralContainers of a pod template
	KindKustomization = "kustomization"    // an images: entry of a kustomization (or a Flux Kustomization)
	KindHelmValues    = "helm-values"      // an image map or image: string of Helm values (a values file, inline values)
	KindArgoParameter = "argocd-parameter" // a Helm parameter of an Argo CD application source
	KindFluxSetter    = "flux-setter"      // a scalar marked {"$imagepolicy": ...}
	KindRenovate      = "renovate"         // a scalar under # renovate: datasource=docker depName=...
	KindField         = "image-field"      // an image: string or image map in any other object (a custom resource)
	KindPanda         = "panda"            // the image: of a panda.yaml
)

// Kinds of places a chart version is found in.
const (
	KindHelmRelease   = "helmrelease"         // spec.chart.spec.version of a Flux HelmRelease
	KindHelmChart     = "helmchart"           // spec.version of a Flux HelmChart
	KindOCIRepository = "ocirepository"       // spec.ref.tag (or an exact spec.ref.semver) of a Flux OCIRepository
	KindArgoChart     = "argocd-chart"        // targetRevision of an Argo CD application source with a chart
	KindDependency    = "chart-dependency"    // dependencies[].version of a Chart.yaml
	KindKustomizeHelm = "kustomize-helmchart" // helmCharts[].version of a kustomization
)

// Options says what to bump.
type Options struct {
	// Images are the new versions; each matches the references to its
	// repository.
	Images []imageref.Image
	// Charts are the new chart versions; each matches the places that
	// name its chart (and its repository, when given).
	Charts []chartref.Chart
	// Policies maps a Flux image policy "namespace:name" to the normalised
	// repository it tracks, so that setter comments are honoured.
	Policies map[string]string
	// Constraint, when set, must be satisfied by every new tag (checked by
	// CheckConstraint, before any file is read).
	Constraint *semver.Constraints
	// Versions says how tags are read and ordered for the downgrade guard
	// (the zero value orders as version.Auto); chart versions are always
	// ordered as semver.
	Versions version.Policy
	// AllowDowngrade lets a version move to a lower one; the guard then
	// says nothing of versions it cannot order either.
	AllowDowngrade bool
	// AllowVariantChange lets a tag move to another variant (24.12.0-alpine
	// to 24.12.0); without it that is a *VariantError.
	AllowVariantChange bool
	// AllowTagDrop lets a digest alone replace a reference written
	// tag@digest, dropping the tag, with a warning; without it that place
	// is refused (Result.Refused).
	AllowTagDrop bool
	// AllowUnpin lets a new version without a digest replace a reference
	// pinned by digest; without it that place is refused (Result.Refused).
	AllowUnpin bool
	// MaxFileSize skips larger files with a warning; 0 means 5 MiB.
	MaxFileSize int64
	// IgnoreHolds bumps references held by a hold comment too (see
	// hold.go).
	IgnoreHolds bool
}

// DefaultMaxFileSize is the size above which a file is skipped.
const DefaultMaxFileSize = 5 << 20

// Change is one edited reference.
type Change struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Kind string `json:"kind"`
	// Image is the normalised repository of the image; empty for a chart.
	Image string `json:"image,omitempty"`
	// Chart is the chart's name; empty for an image.
	Chart string `json:"chart,omitempty"`
	Old   string `json:"old"`
	New   string `json:"new"`
	// PinsDefault says that no tag was set here, so the chart's default
	// applied, and the new tag now pins it: the downgrade guard cannot
	// judge that move.
	PinsDefault bool `json:"pins_default,omitempty"`
	// column tells apart changes on one line (flow style), for dedupe.
	column int
}

// What names what the change bumps: the image's repository, or "chart
// NAME".
func (c Change) What() string { return what(c.Image, c.Chart) }

func what(image, chart string) string {
	if chart != "" {
		return chartref.Key(chart)
	}
	return image
}

// Refusal is a place that references an image but is left as it is,
// because the change asked for would lose what the place holds (a digest
// pin) or could not take effect there (a digest with no field to go in).
type Refusal struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Kind  string `json:"kind"`
	Image string `json:"image,omitempty"`
	Chart string `json:"chart,omitempty"`
	Old   string `json:"old"`
	// Wanted is the version the run would have written.
	Wanted string `json:"wanted"`
	// Message says why, and what to do instead.
	Message string `json:"message"`
}

// What names what the refused place holds: the image's repository, or
// "chart NAME".
func (r Refusal) What() string { return what(r.Image, r.Chart) }

func (r Refusal) String() string {
	return fmt.Sprintf("%s:%d: %s", r.File, r.Line, r.Message)
}

// Warning is a problem that did not stop the run: a file skipped or not
// understood.
type Warning struct {
	File    string
	Line    int
	Message string
}

func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Message)
	}
	return fmt.Sprintf("%s: %s", w.File, w.Message)
}

// FileEdit is the old and new content of one changed file.
type FileEdit struct {
	Path     string
	Old, New []byte
	// Mode is the file's mode as read, for writing it back.
	Mode fs.FileMode
}

// Result is what a bump found and would write.
type Result struct {
	// Changes lists every edited reference, by file and line.
	Changes []Change
	// Files holds the new content of every changed file, by path.
	Files []FileEdit
	// Current lists references that already hold the new version.
	Current []Change
	// Warnings lists files skipped or not understood.
	Warnings []Warning
	// Held lists references a hold comment kept from changing.
	Held []Hold
	// Refused lists the places left as they are because the change would
	// drop a digest pin or set a digest the values have no field for.
	Refused []Refusal
	// Sources lists the files holding the Flux HelmRepositories read to
	// match charts given with their repository's URL (none otherwise):
	// what the places found depend on besides their own files.
	Sources []string
	// Scanned counts the files read; Parsed those that passed the screen.
	Scanned, Parsed int
}

// Changed reports whether any file changes.
func (r *Result) Changed() bool { return len(r.Files) > 0 }

// AllRefused lists the images that were refused somewhere and neither
// changed nor found at their new version anywhere: a run that asked for
// them did nothing for them, and should fail.
func (r *Result) AllRefused() []string {
	var images []string
	for _, f := range r.Refused {
		images = append(images, f.What())
	}
	return r.unmoved(images)
}

// unmoved lists, sorted and once each, the images of images that neither
// changed anywhere nor were found at their new version anywhere.
func (r *Result) unmoved(images []string) []string {
	moved := map[string]bool{}
	for _, c := range r.Changes {
		moved[c.What()] = true
	}
	for _, c := range r.Current {
		moved[c.What()] = true
	}
	var out []string
	for _, img := range images {
		if !moved[img] {
			moved[img] = true // once
			out = append(out, img)
		}
	}
	sort.Strings(out)
	return out
}

// NotFoundError says an image (or a chart) is referenced nowhere under the
// paths searched.
type NotFoundError struct {
	// Image is the image's repository, or for a chart its name.
	Image string
	// Chart says Image names a chart.
	Chart bool
	Paths []string
	// Unparsed lists files that mention the image but were skipped: not
	// YAML, not UTF-8, too complex to walk.
	Unparsed []Warning
	// Looked lists the files that were read and mention the image's
	// repository, each with why nothing there was edited: a template
	// placeholder, a tag parameter without its repository, a Helm
	// template, a mention outside any place the engine edits.
	Looked []Warning
	// Similar lists the images the tree does reference whose names are
	// closest to Image: what a typo most likely meant.
	Similar []Similar
}

func (e *NotFoundError) Error() string {
	what := "image"
	if e.Chart {
		what = "chart"
	}
	msg := fmt.Sprintf("no reference to %s %q under %s", what, e.Image, strings.Join(e.Paths, ", "))
	if len(e.Unparsed) > 0 {
		var ws []string
		for _, w := range e.Unparsed {
			ws = append(ws, w.String())
		}
		msg += " (it is mentioned in files that were skipped: " + strings.Join(ws, "; ") + ")"
	}
	if len(e.Similar) > 0 {
		var names []string
		for _, s := range e.Similar {
			var at []string
			for _, p := range s.Places {
				at = append(at, fmt.Sprintf("%s:%d", p.File, p.Line))
			}
			if s.More > 0 {
				at = append(at, fmt.Sprintf("and %d more", s.More))
			}
			names = append(names, fmt.Sprintf("%s (referenced at %s)", s.Image, strings.Join(at, ", ")))
		}
		msg += "; did you mean " + strings.Join(names, ", or ") + "?"
	}
	if len(e.Looked) > 0 {
		var ws []string
		for _, w := range e.Looked {
			ws = append(ws, w.String())
		}
		msg += "; where it looked: " + strings.Join(ws, "; ")
	}
	return msg
}

// UnreadableError says a file that mentions an image of the run could not
// be read (not valid YAML, not UTF-8, too complex to walk): its places
// cannot be bumped, and bumping the others would leave it behind, so the
// run writes nothing.
type UnreadableError struct {
	File string
	Line int
	// Mentions are the images it mentions, as messages name them.
	Mentions []string
	// Reason says why it could not be read, with the parser's detail.
	Reason string
}

func (e *UnreadableError) Error() string {
	at := e.File
	if e.Line > 0 {
		at = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return fmt.Sprintf("%s: mentions %s but %s; nothing was written, as a bump that left this file behind would be half done: fix the file, or leave it out of path", at, strings.Join(e.Mentions, " and "), e.Reason)
}

// NameError says a file that references an image has a name with a
// control character in it (a newline, an escape): no output, message or
// diff can carry the name safely, so the run refuses it as bad input.
type NameError struct {
	Path string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("%q references an image, but its name holds a control character that no output can carry; rename it", e.Path)
}

// DowngradeError says a version would move to a lower one.
type DowngradeError struct {
	File     string
	Line     int
	Image    string
	Old, New string
}

func (e *DowngradeError) Error() string {
	return fmt.Sprintf("%s:%d: refusing to downgrade %s from %q to %q (set allow-downgrade to permit it)", e.File, e.Line, e.Image, e.Old, e.New)
}

// VariantError says a tag would move to another variant: what the image
// is built on or for (24.12.0-alpine to 24.12.0), which changes what runs
// as surely as a major version does.
type VariantError struct {
	File                   string
	Line                   int
	Image                  string
	Old, New               string
	OldVariant, NewVariant string
}

func (e *VariantError) Error() string {
	return fmt.Sprintf("%s:%d: refusing to change the variant of %s from %s (%q) to %s (%q): a variant is what the image is built on, not a version (set allow-variant-change to permit it)",
		e.File, e.Line, e.Image, variantName(e.OldVariant), e.Old, variantName(e.NewVariant), e.New)
}

func variantName(v string) string {
	if v == "" {
		return "no variant"
	}
	return fmt.Sprintf("%q", v)
}

// EditError says a file could not be edited safely; the file is left as it
// was and the run fails.
type EditError struct {
	File string
	Line int
	Err  error
}

func (e *EditError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *EditError) Unwrap() error { return e.Err }

// Subject is one image or chart of a run, as the run's results name it:
// the image's repository, or "chart NAME" (Change.What).
func (o *Options) subjects() []string {
	var out []string
	for _, im := range o.Images {
		out = append(out, im.Repository)
	}
	for _, c := range o.Charts {
		out = append(out, c.Key())
	}
	return out
}

// CheckConstraint checks every new tag against the constraint; text is the
// constraint as the user wrote it, for the message.
func CheckConstraint(images []imageref.Image, c *semver.Constraints, text string) error {
	if c == nil {
		return nil
	}
	for _, im := range images {
		if im.Tag == "" {
			return fmt.Errorf("image %q has no tag to check against constraint %q", im.Text, text)
		}
		v, err := semver.NewVersion(im.Tag)
		if err != nil {
			return fmt.Errorf("tag %q of %q is not a semantic version, so it cannot satisfy constraint %q", im.Tag, im.Repository, text)
		}
		if ok, errs := c.Validate(v); !ok {
			reason := ""
			if len(errs) > 0 {
				reason = ": " + errs[0].Error()
			}
			return fmt.Errorf("tag %q of %q does not satisfy constraint %q%s", im.Tag, im.Repository, text, reason)
		}
	}
	return nil
}

func sortChanges(cs []Change) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].File != cs[j].File {
			return cs[i].File < cs[j].File
		}
		return cs[i].Line < cs[j].Line
	})
}
