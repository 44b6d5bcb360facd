// Package diffpreview shows what a change to a config repository does to
// each environment it renders: every environment is rendered at the base
// and at the head with the renderer verify uses, and compared resource by
// resource (added, removed, changed, with a unified diff of the rendered
// YAML). Only the builds and files the change can reach are rendered
// (changes.go). A Secret's values never leave it. It reads two trees and
// prints nothing; Markdown and WriteText turn a Preview into bytes.
package diffpreview

import (
	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/render"
)

// Options says what to compare.
type Options struct {
	// Environments are directories of both trees, each an environment, as
	// verify's environments input. Empty discovers them as verify does:
	// each kustomization that no other one includes, and each directory of
	// plain manifests that no build reads.
	Environments []string
	// Ignore are field paths (metadata.annotations.checksum/*,
	// spec.template.metadata.annotations[kubectl.kubernetes.io/restartedAt])
	// left out of the comparison, on top of DefaultIgnore.
	Ignore []string
	// MaxFileSize is the size in bytes above which a file is not read (0:
	// the tree's own limit).
	MaxFileSize int64
	// KubernetesVersion and APIVersions are the cluster Helm charts
	// render for, as verify's (kubernetes-version, api-versions).
	KubernetesVersion string
	APIVersions       []string
	// Repository is the repository compared, OWNER/NAME or a Git URL
	// (render.Options.Repository): a release naming it renders its chart
	// from each side's tree.
	Repository string
	// Fetcher brings remote charts; nil fetches none (a side whose chart
	// is not fetched says so, never "no change").
	Fetcher chartref.Fetcher
	// Shard, when it is one of several, compares only the environments
	// of that share of the head's render.Tree.Partition, as verify checks
	// them: the shares' previews together are the whole preview.
	Shard render.Shard

	// renderAll renders every build and file on both sides, reached by
	// the change or not: tests compare it with the shortcut.
	renderAll bool
}

// Preview is what a change does to each environment.
type Preview struct {
	// Environments are sorted by name; one that renders on neither side is
	// still listed, with its errors.
	Environments []Environment `json:"environments"`
}

// Environment is what a change does to one environment.
type Environment struct {
	Name string `json:"name"`
	// BaseError and HeadError say why a side did not render ("" when it
	// did). A side that did not render is not compared.
	BaseError string `json:"baseError,omitempty"`
	HeadError string `json:"headError,omitempty"`
	// Added, Removed and Changed are the resources of the head only, of
	// the base only, and of both that differ, each sorted by ID.
	Added   []Resource `json:"added,omitempty"`
	Removed []Resource `json:"removed,omitempty"`
	Changed []Resource `json:"changed,omitempty"`
	// Notes say what of a side that rendered was not compared: a release
	// whose chart could not be fetched or does not render on one side
	// (its objects are then left out of both).
	Notes []string `json:"notes,omitempty"`
}

// Resource is one resource added, removed or changed.
type Resource struct {
	// ID names the resource: apiVersion, kind, namespace/name
	// ("apps/v1 Deployment prod/web").
	ID string `json:"id"`
	// Diff is a unified diff of its rendered YAML, keys sorted (for an
	// added or removed resource, every line added or removed). A Secret's
	// values are never in it.
	Diff string `json:"diff"`
}

// Counts returns how many resources were added, removed and changed, over
// every environment.
func (p *Preview) Counts() (added, removed, changed int) {
	for _, e := range p.Environments {
		added += len(e.Added)
		removed += len(e.Removed)
		changed += len(e.Changed)
	}
	return added, removed, changed
}
