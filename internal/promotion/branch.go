package promotion

import (
	"context"

	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/release"
)

// Commit is a commit one branch has and the other lacks.
type Commit struct {
	SHA, Subject string
}

// BranchInput is what a branch promotion reads: the two branches' heads,
// the commits each has that the other lacks, the files that differ and
// their text at both heads (see release.BlobsFor).
type BranchInput struct {
	From, To       string
	FromSHA, ToSHA string
	// Ahead are the commits From has and To lacks; Behind those To has and
	// From lacks.
	Ahead, Behind []Commit
	Files         []release.File
	Blobs         []release.Blob
}

// Branches is what a pull request from one branch into another carries.
type Branches struct {
	From, To      string
	Ahead, Behind []Commit
	// Promoted lists the images whose version merging changes, with the
	// place From holds the new version.
	Promoted []Promotion
	// Held lists hold comments in the files the pull request changes on
	// To: merging it overrides them.
	Held     []manifest.Hold
	Warnings []string
}

// CompareBranches describes a branch promotion: the image references of
// the changed YAML files at both heads, diffed with the release notes'
// finder, and the hold comments merging would override.
func CompareBranches(ctx context.Context, in BranchInput) (*Branches, error) {
	b := &Branches{From: in.From, To: in.To, Ahead: in.Ahead, Behind: in.Behind}
	pseudo := &release.Commit{SHA: in.FromSHA, Parents: []string{in.ToSHA}, Files: in.Files}
	changes, warnings, err := release.ImageChanges(ctx, pseudo, in.Blobs, release.Options{Base: in.To})
	if err != nil {
		return nil, err
	}
	b.Warnings = warnings
	for _, c := range changes {
		if c.New == "" {
			continue // a reference removed: the drift of the files, not an image that moves
		}
		p := Promotion{Image: c.Image, FromVersion: c.Old, ToVersion: c.New, Source: Location{File: c.File, Line: c.Line}, Files: []string{c.File}}
		b.Promoted = append(b.Promoted, p)
	}
	for _, bl := range in.Blobs {
		if bl.Rev == in.ToSHA && bl.Found && !bl.Binary {
			b.Held = append(b.Held, manifest.Holds(bl.Path, []byte(bl.Text))...)
		}
	}
	return b, nil
}
