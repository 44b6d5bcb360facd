// Package promotion computes what promotes one environment of a config
// repository to the next, and what rolls one back: the image versions (or
// the files) a target directory takes from a source directory, the
// references hold comments keep, what else tells the two environments
// apart (the drift), the commits a rollback restores, and the text of the
// pull request that carries each. It works on snapshots of the repository
// given as fs.FS, asks GitHub for history through the interface it
// declares, and prints nothing.
package promotion

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/memfs"
)

// Mode says what a directory promotion carries.
type Mode string

// Modes of a directory promotion.
const (
	// Images sets the images of the target to the source's versions.
	Images Mode = "images"
	// Files makes the target a copy of the source.
	Files Mode = "files"
)

// Options say what to promote.
type Options struct {
	// From and To are the source and target directories: slash-separated,
	// relative to the repository root, neither inside the other.
	From, To string
	Mode     Mode
	// Images are globs of the repositories that move (all when empty);
	// ExcludeImages those that never do. A pattern without a glob
	// character names a repository as a user writes it ("nginx").
	Images, ExcludeImages []string
	// ExcludePaths are globs, relative to From and To, of the files the
	// Files mode leaves as they are (a pattern naming a directory covers
	// what is in it).
	ExcludePaths []string
	// IgnoreHolds moves references held by a hold comment too.
	IgnoreHolds bool
}

// Promotion is one image a promotion moves: its version under To before
// (FromVersion) and after (ToVersion, the version under From).
type Promotion struct {
	Image       string `json:"image"`
	FromVersion string `json:"from-version"`
	ToVersion   string `json:"to-version"`
	// Source is where From holds the version (file and line), for the
	// provenance; Files are the files of To that change.
	Source Location `json:"-"`
	Files  []string `json:"-"`
	// Origin is what brought the version into From, once known (see
	// Origins).
	Origin *Origin `json:"-"`
}

// Location is a line of a file.
type Location struct {
	File string
	Line int
}

// Skipped is an image of the source that does not move, and why.
type Skipped struct {
	Image, Version, Reason string
}

// File is one file of the commit: its new content, or its removal.
type File struct {
	Path    string
	Content []byte
	Delete  bool
}

// Result is what a directory promotion would change.
type Result struct {
	From, To string
	// Promoted lists the images that move, by image.
	Promoted []Promotion
	// Files are the files to commit; none means To holds the promotion
	// already.
	Files []File
	// Held lists the references (Images mode) or the lines of files
	// (Files mode) that hold comments keep as they are.
	Held []manifest.Hold
	// AllHeld names the images nothing moved of because every reference
	// that would have moved is held.
	AllHeld []string
	// Skipped lists the images of From that do not move, and why.
	Skipped []Skipped
	// Drift is what else differs between From and To once promoted.
	Drift Drift
	// Warnings are problems that did not stop the promotion.
	Warnings []string
}

// InputError is a problem with the inputs that shows only once the
// repository is read: a directory that does not exist, a source without
// image references. Input names the input.
type InputError struct {
	Input, Msg string
}

func (e *InputError) Error() string { return fmt.Sprintf("input %q: %s", e.Input, e.Msg) }

// Directories computes the promotion of opts.From to opts.To in the
// repository snapshot fsys: with Images, every image referenced under From
// (chosen by Images and ExcludeImages) is set under To to From's version
// by the manifest engine, byte-minimally, held references left alone;
// with Files, To becomes a copy of From but for ExcludePaths and files
// holding a hold comment. The drift is computed on the result.
func Directories(ctx context.Context, fsys fs.FS, opts Options) (*Result, error) {
	for _, in := range []struct{ name, dir string }{{"from", opts.From}, {"to", opts.To}} {
		if info, err := fs.Stat(fsys, in.dir); err != nil || !info.IsDir() {
			return nil, &InputError{Input: in.name, Msg: fmt.Sprintf("%q is not a directory of the repository", in.dir)}
		}
	}
	res := &Result{From: opts.From, To: opts.To}
	var err error
	switch opts.Mode {
	case Files:
		err = promoteFiles(ctx, fsys, opts, res)
	default:
		err = promoteImages(ctx, fsys, opts, res)
	}
	if err != nil {
		return nil, err
	}
	after, err := overlay(fsys, res.Files)
	if err != nil {
		return nil, err
	}
	res.Drift = drift(ctx, after, opts.From, opts.To)
	return res, nil
}

// ref is what Find says a reference holds, as a version.
type ref struct {
	manifest.Change
	version string
}

// findRefs lists the image references under root with their versions,
// and the files that could not be read.
func findRefs(ctx context.Context, fsys fs.FS, root string) ([]ref, []string, error) {
	cs, ws, err := manifest.Find(ctx, fsys, []string{root})
	if err != nil {
		return nil, nil, err
	}
	var out []ref
	for _, c := range cs {
		out = append(out, ref{Change: c, version: Version(c)})
	}
	var warnings []string
	for _, w := range ws {
		warnings = append(warnings, w.String())
	}
	return out, warnings, nil
}

// Version renders what a found reference holds as tag, tag@digest or
// @digest: the finder gives the whole reference for a container image or a
// setter, and tag and digest for a kustomization or values entry.
func Version(c manifest.Change) string { return imageref.VersionOf(c.Image, c.Old) }

// imageAt turns a repository and a version into the manifest engine's
// input; a version with neither tag nor digest is an error.
func imageAt(repo, version string) (imageref.Image, error) {
	if version == "" {
		return imageref.Image{}, errors.New("no version")
	}
	sep := ":"
	if strings.HasPrefix(version, "@") {
		sep = ""
	}
	return imageref.Parse(repo + sep + version)
}

// matchImage reports whether repo matches one of patterns: a glob over the
// normalised repository (ghcr.io/acme/*), or a name as a user writes it
// (nginx, acme/app), normalised first.
func matchImage(patterns []string, repo string) bool {
	for _, p := range patterns {
		if !strings.ContainsAny(p, "*?[") {
			if n, err := imageref.Normalize(p); err == nil && n == repo {
				return true
			}
			continue
		}
		short := strings.TrimPrefix(strings.TrimPrefix(repo, "docker.io/"), "library/")
		for _, name := range []string{repo, strings.TrimPrefix(repo, "docker.io/"), short} {
			if ok, _ := path.Match(p, name); ok {
				return true
			}
		}
	}
	return false
}

// CheckPatterns checks globs (of images or paths) before anything is read.
func CheckPatterns(patterns []string) error {
	for _, p := range patterns {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("%q is not a valid glob: %w", p, err)
		}
	}
	return nil
}

// overlay is the snapshot with files applied: what the repository holds
// once the promotion is merged.
func overlay(fsys fs.FS, files []File) (fs.FS, error) {
	m := map[string]*memfs.File{}
	if src, ok := fsys.(*memfs.FS); ok {
		for k, v := range src.All() {
			m[k] = v
		}
	} else {
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			mode := fs.FileMode(0o644)
			if info, err := d.Info(); err == nil && info.Mode()&0o111 != 0 {
				mode = 0o755
			}
			m[p] = &memfs.File{Data: data, Mode: mode}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		if f.Delete {
			delete(m, f.Path)
			continue
		}
		mode := fs.FileMode(0o644)
		if prev, ok := m[f.Path]; ok {
			mode = prev.Mode
		}
		m[f.Path] = &memfs.File{Data: f.Content, Mode: mode}
	}
	return memfs.New(m), nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
