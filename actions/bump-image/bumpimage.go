// Package bumpimage is the bump-image action: it turns the action's inputs
// into a call of the manifest engine, on the working tree (local mode) or on
// a snapshot of a repository read through the GitHub API (remote mode, when
// token or app-id is set), and the engine's result into files, a diff, a
// commit and a pull request, outputs and a step summary.
package bumpimage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/aymanbagabas/go-udiff"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/version"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// spec is the contract of bump-image: its flags, action.yml and README table.
var spec = cli.Spec{
	Name:        "bump-image",
	Description: "Bump image tags or digests, and Helm chart versions, in a GitOps config repo with byte-minimal edits: pod templates, kustomization images, Helm values (image maps under any key, HelmRelease and kustomize helmCharts inline values), Argo CD Helm parameters and values, image fields of any Kubernetes object, Flux setters and Renovate comments, panda.yaml; and the chart versions of Flux HelmReleases, HelmCharts and OCIRepositories, Argo CD sources, Chart.yaml dependencies and kustomize helmCharts.",
	Inputs: append([]cli.Input{
		{Name: "images", Kind: cli.List, Description: "Image references carrying the new version, separated by newlines or commas: ghcr.io/acme/app:v2.1.0, ghcr.io/acme/app@sha256:... or ghcr.io/acme/app:v2.1.0@sha256:.... images or charts (or both) is required."},
		{Name: "charts", Kind: cli.List, Description: "Helm charts carrying the new version, separated by newlines or commas: NAME@VERSION (wherever the chart comes from), REPOSITORY/NAME@VERSION (a repository URL, or a repository's name: a Flux HelmRepository's, a Chart.yaml alias) or oci://REGISTRY/PATH/NAME@VERSION, e.g. podinfo@6.6.0 or oci://ghcr.io/stefanprodan/charts/podinfo@6.6.0."},
		{Name: "path", Default: ".", Kind: cli.Lines, Description: "Files or directories to search, relative to the working directory (in remote mode: to the repository root), one per line. Paths outside it are refused."},
		{Name: "constraint", Description: "A semver constraint every new tag must satisfy, e.g. '>=2.0.0 <3'. A tag that is not semver or does not satisfy it fails with exit code 2."},
		{Name: "allow-downgrade", Default: "false", Kind: cli.Bool, Description: "Allow a version to move to a lower one (ordered as tag-order says; chart versions as semver)."},
		{Name: "tag-order", Default: "auto", Description: "How image tags are ordered for the downgrade guard, after Flux's ImagePolicy: auto (semantic, loose numeric with any number of parts, calendar versions, with their pre-release, variant and build counter; a tag that is none of these is set with a warning), semver, numerical, alphabetical, or none (no order, no guard)."},
		{Name: "tag-pattern", Description: "A regular expression every new tag must match (else exit code 2), with a group named version whose text is what tag-order orders, e.g. ^main-(?P<version>\\d{14})-[0-9a-f]{7}$ for main-<UTC timestamp>-<short SHA> tags."},
		{Name: "allow-variant-change", Default: "false", Kind: cli.Bool, Description: "Allow a tag to move to another variant (24.12.0-alpine to 24.12.0, -bookworm to -alpine). Without it that fails the run (exit code 1): a variant is what the image is built on, not a version."},
		{Name: "allow-tag-drop", Default: "false", Kind: cli.Bool, Description: "Allow a digest alone (image@sha256:...) to replace a reference written tag@digest, dropping the tag, with a warning. Without it such a place is left as it is with a warning, and the run fails when that leaves an image changed nowhere; give the version as tag@digest to keep the tag."},
		{Name: "allow-unpin", Default: "false", Kind: cli.Bool, Description: "Allow a new version without a digest to replace a reference pinned by digest (image@sha256:..., a digest field, a tag written tag@digest), dropping the pin. Without it such a place is left as it is with a warning, and the run fails when that leaves an image changed nowhere; give the version as tag@digest to keep the pin."},
		{Name: "dry-run", Default: "false", Kind: cli.Bool, Description: "Write nothing; print a unified diff (git style) of what would change."},
		{Name: "policies", Kind: cli.List, Description: "Flux image policies to honour in setter comments, as NAMESPACE:NAME=IMAGE, e.g. flux-system:app=ghcr.io/acme/app. A scalar marked # {\"$imagepolicy\": \"flux-system:app\"} (or :tag, :name, :digest) is then bumped with that image."},
		{Name: "force", Default: "false", Kind: cli.Bool, Description: "Bump references held by a hold comment (# gitops-actions: hold (reason), which a rollback writes) too. Without it a held reference is left as it is, with a notice; the run fails only when every reference of an image is held."},
	}, remoteSpec...),
	Outputs: append([]cli.Output{
		{Name: "changed", Description: "true when any file changed (or would change, with dry-run), else false."},
		{Name: "files", Description: "The changed files, one path per line."},
		{Name: "changes", Description: "JSON array of the changed references: objects with file, line, kind, image (or chart, for a chart's version), old and new, and pins_default: true where no tag was set (the chart's default applied) and one is now."},
		{Name: "held", Description: "JSON array of the references a hold comment kept from changing: objects with file, line, image (or chart), version, wanted and reason."},
		{Name: "refused", Description: "JSON array of the places left as they are because the change would drop a digest pin or a tag, set a digest the values have no field for, or set a chart's tag beside a digest: objects with file, line, kind, image (or chart), old, wanted and message."},
	}, remoteOutputs...),
}

// Command is the bump-image subcommand.
var Command = NewCommand(Deps{})

// inputs are bump-image's inputs, parsed and checked.
type inputs struct {
	Images         []imageref.Image
	Charts         []chartref.Chart
	Paths          []string
	Constraint     *semver.Constraints
	ConstraintText string
	// Versions orders tags for the downgrade guard (tag-order,
	// tag-pattern).
	Versions           version.Policy
	AllowDowngrade     bool
	AllowVariantChange bool
	AllowTagDrop       bool
	AllowUnpin         bool
	DryRun             bool
	// Force bumps held references too.
	Force bool
	// Policies maps a Flux image policy "namespace:name" to a repository.
	Policies map[string]string
}

// readInputs parses and checks the inputs; every error is a usage error
// that quotes the offending text.
func readInputs(v cli.Values) (inputs, error) {
	var in inputs
	seen := map[string]string{}
	for _, s := range v.List("images") {
		im, err := imageref.Parse(s)
		if err != nil {
			return in, cli.Usagef("input \"images\": %w", err)
		}
		if prev, ok := seen[im.Repository]; ok && prev != im.Text {
			return in, cli.Usagef("input \"images\": %q and %q name the same repository; give one version per image", prev, im.Text)
		}
		seen[im.Repository] = im.Text
		in.Images = append(in.Images, im)
	}
	charts := map[string]string{}
	for _, s := range v.List("charts") {
		c, err := chartref.Parse(s)
		if err != nil {
			return in, cli.Usagef("input \"charts\": %w", err)
		}
		if prev, ok := charts[c.Name]; ok {
			return in, cli.Usagef("input \"charts\": %q and %q name the same chart; give one version per chart", prev, c.Text)
		}
		charts[c.Name] = c.Text
		in.Charts = append(in.Charts, c)
	}
	if len(in.Images) == 0 && len(in.Charts) == 0 {
		return in, cli.Usagef("inputs \"images\" and \"charts\" are empty: give at least one image reference with a tag or digest (e.g. images: ghcr.io/acme/app:v2.1.0), or a chart with its version (e.g. charts: podinfo@6.6.0)")
	}
	var err error
	if in.Versions, err = version.NewPolicy(v.String("tag-order"), v.String("tag-pattern")); err != nil {
		input := "tag-pattern"
		if _, oerr := version.ParseOrder(v.String("tag-order")); oerr != nil {
			input = "tag-order"
		}
		return in, cli.Usagef("input %q: %w", input, err)
	}
	for _, im := range in.Images {
		if im.Tag == "" {
			continue
		}
		if err := in.Versions.Check(im.Tag); err != nil {
			return in, cli.Usagef("input \"images\": the tag of %q: %w", im.Text, err)
		}
	}
	in.Paths = v.Lines("path")
	if len(in.Paths) == 0 {
		in.Paths = []string{"."}
	}
	if c := v.String("constraint"); c != "" {
		cs, err := semver.NewConstraint(c)
		if err != nil {
			return in, cli.Usagef("input \"constraint\": %q does not parse: %v", c, err)
		}
		in.Constraint, in.ConstraintText = cs, c
		if err := manifest.CheckConstraint(in.Images, cs, c); err != nil {
			return in, cli.UsageError(err)
		}
	}
	if in.AllowDowngrade, err = v.Bool("allow-downgrade"); err != nil {
		return in, err
	}
	if in.AllowVariantChange, err = v.Bool("allow-variant-change"); err != nil {
		return in, err
	}
	if in.AllowTagDrop, err = v.Bool("allow-tag-drop"); err != nil {
		return in, err
	}
	if in.AllowUnpin, err = v.Bool("allow-unpin"); err != nil {
		return in, err
	}
	if in.DryRun, err = v.Bool("dry-run"); err != nil {
		return in, err
	}
	if in.Force, err = v.Bool("force"); err != nil {
		return in, err
	}
	for _, p := range v.List("policies") {
		policy, image, ok := strings.Cut(p, "=")
		ns, name, ok2 := strings.Cut(strings.TrimSpace(policy), ":")
		if !ok || !ok2 || ns == "" || name == "" || strings.Contains(name, ":") {
			return in, cli.Usagef("input \"policies\": %q is not NAMESPACE:NAME=IMAGE (e.g. flux-system:app=ghcr.io/acme/app)", p)
		}
		repo, err := imageref.Normalize(image)
		if err != nil {
			return in, cli.Usagef("input \"policies\": %q: %v", p, err)
		}
		if in.Policies == nil {
			in.Policies = map[string]string{}
		}
		in.Policies[ns+":"+name] = repo
	}
	return in, nil
}

// Options turns the inputs into the engine's options.
func (in inputs) Options() manifest.Options {
	return manifest.Options{Images: in.Images, Charts: in.Charts, Policies: in.Policies, Constraint: in.Constraint, Versions: in.Versions,
		AllowDowngrade: in.AllowDowngrade, AllowVariantChange: in.AllowVariantChange, AllowTagDrop: in.AllowTagDrop, AllowUnpin: in.AllowUnpin, IgnoreHolds: in.Force}
}

func run(ctx context.Context, r *cli.Run, d Deps) error {
	in, err := readInputs(r.Inputs)
	if err != nil {
		return err
	}
	rin, remote, err := readRemoteInputs(r.Inputs, r.Getenv)
	if err != nil {
		return err
	}
	// A run that could not report what it did must not do it.
	if err := r.CheckOutputs(); err != nil {
		return fmt.Errorf("%w; nothing was changed", err)
	}
	if remote {
		return runRemote(ctx, r, in, rin, d)
	}
	return runLocal(ctx, r, in)
}

// lockWait bounds how long a run waits for another that holds the tree.
const lockWait = 10 * time.Minute

// runLocal bumps the working tree: it reads it as hostile input (no link
// followed out of it, no special file opened), and writes every changed
// file or none, holding the tree's lock from the first read to the last
// write so that two runs never undo each other's change unseen.
func runLocal(ctx context.Context, r *cli.Run, in inputs) (err error) {
	tree, err := workspace.Open(r.Dir, manifest.DefaultMaxFileSize)
	if err != nil {
		return err
	}
	defer tree.Close()
	roots, err := tree.Paths("path", in.Paths)
	if err != nil {
		return inputError(err)
	}
	var lock *workspace.Lock
	if !in.DryRun {
		if lock, err = lockTree(ctx, r, tree); err != nil {
			return err
		}
		defer func() {
			if rerr := lock.Release(); err == nil {
				err = rerr
			}
		}()
	}
	res, err := manifest.Bump(ctx, tree, roots, in.Options())
	if res != nil {
		for _, w := range res.Warnings {
			r.Warning(w.File, w.Line, w.Message)
		}
	}
	if err != nil {
		return engineError(err)
	}
	if !in.DryRun {
		if err := lock.Replace(replacements(res.Files)); err != nil {
			return err
		}
	}
	if err := printResult(r, res, in.DryRun); err != nil {
		return err
	}
	return unmovedError(res)
}

// printResult prints the diff (dry run), one log line per change, and records
// the outputs and the summary. File names and tags come from the
// repository: they reach the log only through cli.Run's escaping.
func printResult(r *cli.Run, res *manifest.Result, dryRun bool) error {
	if dryRun {
		if err := r.Verbatim(func(w io.Writer) error {
			_, err := io.WriteString(w, diff(res.Files))
			return err
		}); err != nil {
			return err
		}
	}
	for _, c := range res.Changes {
		old := c.Old
		if c.PinsDefault {
			old = "(the chart's default)"
		}
		r.Logf("%s:%d: %s → %s (%s)", c.File, c.Line, old, c.New, c.Kind)
		if c.PinsDefault {
			r.NoticeAt(c.File, c.Line, pinNotice(c))
		}
	}
	for _, f := range res.Refused {
		r.Warning(f.File, f.Line, "left as it is: "+f.Message)
	}
	for _, h := range res.Held {
		r.NoticeAt(h.File, h.Line, holdNotice(h))
	}
	setOutputs(r, res)
	r.Summary(summaryTable(res, dryRun))
	return nil
}

// holdNotice says why a reference was left as it is, and how to release
// it.
func holdNotice(h manifest.Hold) string {
	why := "a hold comment"
	if h.Reason != "" {
		why += " (" + h.Reason + ")"
	}
	return fmt.Sprintf("%s stays at %s, held by %s; not set to %s. Remove the comment to release it, or set force.", h.What(), h.Version, why, h.Wanted)
}

// heldError fails the job when holds kept every reference of an image
// from moving, so that a pipeline that asked for it notices, saying which
// holds (a rollback's reason names it) and how to lift them; holds that
// left some reference to move are notices only.
func heldError(res *manifest.Result) error {
	all := res.AllHeld()
	if len(all) == 0 {
		return nil
	}
	var by []string
	for _, im := range all {
		by = append(by, im+" by "+manifest.HeldBy(res.Held, im))
	}
	return cli.Failedf("every reference of %s is held by a hold comment, so nothing of it changed: held %s. A rollback holds what it restores until a pull request removes the comments (# %s); set force to bump held references anyway", strings.Join(all, ", "), strings.Join(by, "; "), manifest.HoldMarker)
}

// pinNotice says that a tag was set where the chart's default applied:
// the downgrade guard had no old tag to compare with.
func pinNotice(c manifest.Change) string {
	return fmt.Sprintf("%s had no tag here, so the chart's default applied; it is now pinned to %s, which the downgrade guard cannot compare with that default: check that it is not older", c.Image, c.New)
}

// refusedError fails the job when every place of an image that would
// move was refused (a digest pin, a digest with no field), so that a
// pipeline that asked for it notices; refusals beside a change are
// warnings only.
func refusedError(res *manifest.Result) error {
	all := res.AllRefused()
	if len(all) == 0 {
		return nil
	}
	var msgs []string
	for _, f := range res.Refused {
		if slices.Contains(all, f.What()) {
			msgs = append(msgs, f.String())
		}
	}
	return cli.Failedf("nothing of %s changed: every place that references it was left as it is: %s", strings.Join(all, ", "), strings.Join(msgs, "; "))
}

// unmovedError fails the job when holds or refusals kept every reference
// of an image from moving (heldError, refusedError), saying both when both
// did.
func unmovedError(res *manifest.Result) error {
	held, refused := heldError(res), refusedError(res)
	switch {
	case held == nil:
		return refused
	case refused == nil:
		return held
	}
	return cli.Failedf("%v; and %v", held, refused)
}

// lockTree takes the tree's write lock, saying so when it has to wait for
// another run; a run that waits longer than lockWait fails.
func lockTree(ctx context.Context, r *cli.Run, tree *workspace.Tree) (*workspace.Lock, error) {
	wctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	lock, err := tree.Lock(wctx, func(f string) {
		r.Logf("waiting for another run of gitops-actions to finish with this tree (it holds %q)", f)
	})
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return nil, cli.Failedf("%w: another run of gitops-actions has held it for %v; nothing was changed", err, lockWait)
	}
	if err != nil {
		return nil, err
	}
	if !lock.Held() {
		r.Warning("", 0, "the file system of the working directory has no file locks: a run of gitops-actions at the same time could undo this one's change")
	}
	return lock, nil
}

// replacements turns the engine's edits into the files to replace.
func replacements(files []manifest.FileEdit) []workspace.Replacement {
	out := make([]workspace.Replacement, len(files))
	for i, f := range files {
		out[i] = workspace.Replacement{Path: f.Path, Old: f.Old, New: f.New, Mode: f.Mode}
	}
	return out
}

// inputError marks a path the tree refuses as bad input (exit 2).
func inputError(err error) error {
	var ie *workspace.InputError
	if errors.As(err, &ie) {
		return cli.UsageError(err)
	}
	return err
}

// engineError maps the engine's errors to exit codes: a file name no
// output can carry is bad input (2); an image found nowhere, a refused
// downgrade or variant change, an unsafe edit or a file that mentions the
// image but cannot be read fail the job (1); anything else is internal
// (3).
func engineError(err error) error {
	var ne *manifest.NameError
	var nf *manifest.NotFoundError
	var dg *manifest.DowngradeError
	var ve *manifest.VariantError
	var ee *manifest.EditError
	var ue *manifest.UnreadableError
	switch {
	case errors.As(err, &ne):
		return cli.UsageError(err)
	case errors.As(err, &nf), errors.As(err, &dg), errors.As(err, &ve), errors.As(err, &ee), errors.As(err, &ue):
		return cli.FailedError(err)
	}
	return err
}

// setOutputs records changed, files, changes, held and refused.
func setOutputs(r *cli.Run, res *manifest.Result) {
	r.SetOutput("changed", fmt.Sprint(res.Changed()))
	var files []string
	for _, f := range res.Files {
		files = append(files, f.Path)
	}
	r.SetOutput("files", strings.Join(files, "\n"))
	changes := res.Changes
	if changes == nil {
		changes = []manifest.Change{}
	}
	js, _ := json.Marshal(changes)
	r.SetOutput("changes", string(js))
	held := res.Held
	if held == nil {
		held = []manifest.Hold{}
	}
	js, _ = json.Marshal(held)
	r.SetOutput("held", string(js))
	refused := res.Refused
	if refused == nil {
		refused = []manifest.Refusal{}
	}
	js, _ = json.Marshal(refused)
	r.SetOutput("refused", string(js))
}

// diff renders the edits as a git-style unified diff.
func diff(files []manifest.FileEdit) string {
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "diff --git a/%s b/%s\n", f.Path, f.Path)
		b.WriteString(udiff.Unified("a/"+f.Path, "b/"+f.Path, string(f.Old), string(f.New)))
	}
	return b.String()
}
