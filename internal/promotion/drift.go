package promotion

import (
	"context"
	"io/fs"

	"github.com/gitops-actions/gitops-actions/internal/render"
	"github.com/gitops-actions/gitops-actions/internal/resourcediff"
)

// Drift is what tells two environments apart once a promotion is merged:
// what the promotion does not carry, for a reviewer to see.
type Drift struct {
	// From and To are the environments compared.
	From, To string
	// Resources compares them rendered (kustomize where the directory is
	// a kustomization, the plain manifests otherwise), resources paired
	// by group, kind and name whatever their namespace.
	Resources resourcediff.Diff
	// OnlyInTo lists the images To references and From does not: the
	// promotion leaves them alone.
	OnlyInTo []Reference
	// Errors say why the environments could not be rendered; their
	// resources are then not compared.
	Errors []string
}

// Reference is an image reference at a place.
type Reference struct {
	Image, Version string
	Location
}

// Count is the number of differences: resources on one side only, fields
// that differ, images only in To.
func (d Drift) Count() int { return d.Resources.Count() + len(d.OnlyInTo) }

// drift compares From and To in after, the repository once the promotion
// is merged.
func drift(ctx context.Context, after fs.FS, from, to string) Drift {
	d := Drift{From: from, To: to}
	a, errA := render.Environment(ctx, after, from)
	b, errB := render.Environment(ctx, after, to)
	for _, err := range []error{errA, errB} {
		if err != nil {
			d.Errors = append(d.Errors, err.Error())
		}
	}
	if errA == nil && errB == nil {
		d.Resources = resourcediff.Compare(a, b, resourcediff.Options{IgnoreNamespace: true})
	}
	fromRefs, _, err := findRefs(ctx, after, from)
	if err != nil {
		d.Errors = append(d.Errors, err.Error())
		return d
	}
	toRefs, _, err := findRefs(ctx, after, to)
	if err != nil {
		d.Errors = append(d.Errors, err.Error())
		return d
	}
	inFrom := map[string]bool{}
	for _, r := range fromRefs {
		inFrom[r.Image] = true
	}
	seen := map[string]bool{}
	for _, r := range toRefs {
		if !inFrom[r.Image] && !seen[r.Image] {
			seen[r.Image] = true
			d.OnlyInTo = append(d.OnlyInTo, Reference{Image: r.Image, Version: r.version, Location: Location{File: r.File, Line: r.Line}})
		}
	}
	return d
}
