package promotion

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
)

// promoteImages is the Images mode: the versions under From, chosen, set
// under To by the manifest engine.
func promoteImages(ctx context.Context, fsys fs.FS, opts Options, res *Result) error {
	from, ws, err := findRefs(ctx, fsys, opts.From)
	if err != nil {
		return err
	}
	res.Warnings = append(res.Warnings, ws...)
	if len(from) == 0 {
		return &InputError{Input: "from", Msg: fmt.Sprintf("%q holds no image reference to promote (pod templates, kustomization images, Helm values, Flux setters, panda.yaml); use promotion: files to copy it as it is", opts.From)}
	}
	to, ws, err := findRefs(ctx, fsys, opts.To)
	if err != nil {
		return err
	}
	res.Warnings = append(res.Warnings, ws...)
	inTo := map[string]bool{}
	for _, r := range to {
		inTo[r.Image] = true
	}

	chosen := chooseImages(from, inTo, opts, res)
	if len(chosen) == 0 {
		return nil
	}
	var images []imageref.Image
	for _, repo := range sortedKeys(chosen) {
		images = append(images, chosen[repo].image)
	}
	br, err := manifest.Bump(ctx, fsys, []string{opts.To}, manifest.Options{Images: images, AllowDowngrade: true, AllowVariantChange: true, AllowTagDrop: true, IgnoreHolds: opts.IgnoreHolds})
	if err != nil {
		var nf *manifest.NotFoundError
		if errors.As(err, &nf) {
			// Find saw it; Bump did not: a file it reads differently.
			return fmt.Errorf("promoting %s: %w", nf.Image, err)
		}
		return err
	}
	for _, w := range br.Warnings {
		res.Warnings = append(res.Warnings, w.String())
	}
	// A place pinned by digest that the promoted version (without one)
	// would unpin is left as it is; say so rather than leave it unseen.
	for _, f := range br.Refused {
		res.Warnings = append(res.Warnings, "left as it is: "+f.String())
	}
	res.Held, res.AllHeld = br.Held, br.AllHeld()
	for _, f := range br.Files {
		res.Files = append(res.Files, File{Path: f.Path, Content: f.New})
	}
	moved := map[string]*Promotion{}
	var order []string
	for _, c := range br.Changes {
		p, ok := moved[c.Image]
		if !ok {
			ch := chosen[c.Image]
			p = &Promotion{Image: c.Image, ToVersion: ch.version, Source: ch.source}
			moved[c.Image] = p
			order = append(order, c.Image)
		}
		old := Version(manifest.Change{Image: c.Image, Old: c.Old})
		if !strings.Contains(", "+p.FromVersion+", ", ", "+old+", ") {
			if p.FromVersion != "" {
				p.FromVersion += ", "
			}
			p.FromVersion += old
		}
		if len(p.Files) == 0 || p.Files[len(p.Files)-1] != c.File {
			p.Files = append(p.Files, c.File)
		}
	}
	sort.Strings(order)
	for _, im := range order {
		res.Promoted = append(res.Promoted, *moved[im])
	}
	return nil
}

// choice is an image that moves: the engine's input, the version as the
// source holds it, and where.
type choice struct {
	image   imageref.Image
	version string
	source  Location
}

// chooseImages picks the images of From that move, by repository: one
// version each, chosen by the Images and ExcludeImages patterns,
// referenced under To. The others are recorded as skipped.
func chooseImages(from []ref, inTo map[string]bool, opts Options, res *Result) map[string]choice {
	versions := map[string]map[string]Location{}
	byKustomize := map[string]map[string]Location{}
	for _, r := range from {
		add := func(m map[string]map[string]Location) {
			if m[r.Image] == nil {
				m[r.Image] = map[string]Location{}
			}
			if _, ok := m[r.Image][r.version]; !ok {
				m[r.Image][r.version] = Location{File: r.File, Line: r.Line}
			}
		}
		add(versions)
		if r.Kind == manifest.KindKustomization {
			add(byKustomize)
		}
	}
	for repo, vs := range versions {
		// A kustomization's images: entry is what the environment runs,
		// whatever tag the manifests it patches carry.
		if len(vs) > 1 && len(byKustomize[repo]) == 1 {
			versions[repo] = byKustomize[repo]
		}
	}
	out := map[string]choice{}
	for _, repo := range sortedKeys(versions) {
		vs := versions[repo]
		skip := func(version, reason string) {
			res.Skipped = append(res.Skipped, Skipped{Image: repo, Version: version, Reason: reason})
		}
		if len(vs) > 1 {
			var list []string
			for _, v := range sortedKeys(vs) {
				list = append(list, fmt.Sprintf("%s (%s:%d)", v, vs[v].File, vs[v].Line))
			}
			skip("", fmt.Sprintf("%s holds several versions of it: %s; promote one version", opts.From, strings.Join(list, ", ")))
			continue
		}
		version := sortedKeys(vs)[0]
		switch {
		case len(opts.Images) > 0 && !matchImage(opts.Images, repo):
			skip(version, "not named by images")
			continue
		case matchImage(opts.ExcludeImages, repo):
			skip(version, "excluded by exclude-images")
			continue
		case !inTo[repo]:
			skip(version, fmt.Sprintf("not referenced under %s", opts.To))
			continue
		}
		im, err := imageAt(repo, version)
		if err != nil {
			skip(version, fmt.Sprintf("%s holds it without a version", opts.From))
			continue
		}
		out[repo] = choice{image: im, version: version, source: vs[version]}
	}
	return out
}
