// Package imageref parses container image references the way Docker does,
// and rewrites a reference found in a file to a new version while keeping
// the spelling the file used.
package imageref

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"
)

// Image is an image reference that carries a version: the input of a bump.
type Image struct {
	// Text is the reference as the user gave it.
	Text string
	// Repository is the normalised repository, as Docker would pull it:
	// "nginx" is "docker.io/library/nginx".
	Repository string
	// Path is the repository without its registry ("library/nginx",
	// "acme/app"): the bytes every spelling of the image contains.
	Path   string
	Tag    string
	Digest string
}

// Version renders the version part as it follows a name: ":tag", "@digest"
// or ":tag@digest".
func (im Image) Version() string {
	var b strings.Builder
	if im.Tag != "" {
		b.WriteString(":" + im.Tag)
	}
	if im.Digest != "" {
		b.WriteString("@" + im.Digest)
	}
	return b.String()
}

// Short renders the version for messages and titles: the tag, else the digest.
func (im Image) Short() string {
	if im.Tag != "" {
		return im.Tag
	}
	return im.Digest
}

// Parse parses a reference that must carry a tag, a digest or both.
func Parse(s string) (Image, error) {
	text := strings.TrimSpace(s)
	if text == "" {
		return Image{}, fmt.Errorf("empty image reference")
	}
	named, err := reference.ParseNormalizedNamed(text)
	if err != nil {
		return Image{}, fmt.Errorf("invalid image reference %q: %w", text, err)
	}
	im := Image{Text: text, Repository: named.Name(), Path: reference.Path(named)}
	if t, ok := named.(reference.Tagged); ok {
		im.Tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		im.Digest = d.Digest().String()
	}
	if im.Tag == "" && im.Digest == "" {
		return Image{}, fmt.Errorf("image reference %q has neither a tag nor a digest: say which version to bump to, e.g. %q", text, text+":v1.2.3")
	}
	return im, nil
}

// Normalize returns the normalised repository of a name without version
// ("nginx" → "docker.io/library/nginx"), or an error.
func Normalize(name string) (string, error) {
	named, err := reference.ParseNormalizedNamed(strings.TrimSpace(name))
	if err != nil {
		return "", fmt.Errorf("invalid image name %q: %w", name, err)
	}
	if _, ok := named.(reference.NamedTagged); ok {
		return "", fmt.Errorf("image name %q carries a tag", name)
	}
	if _, ok := named.(reference.Digested); ok {
		return "", fmt.Errorf("image name %q carries a digest", name)
	}
	return named.Name(), nil
}

// Found is a reference as it stands in a file, split so that its name can be
// written back in the file's own spelling.
type Found struct {
	// Name is the name part exactly as written ("nginx", "ghcr.io/acme/app").
	Name string
	// Repository is Name normalised.
	Repository string
	Tag        string
	Digest     string
}

// ParseFound parses a reference found in a file. It may lack a version.
func ParseFound(s string) (Found, error) {
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return Found{}, err
	}
	f := Found{Repository: named.Name()}
	if t, ok := named.(reference.Tagged); ok {
		f.Tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		f.Digest = d.Digest().String()
	}
	// The name part is what precedes the version, in the file's spelling.
	name := s
	if i := strings.Index(name, "@"); i >= 0 {
		name = name[:i]
	}
	if f.Tag != "" {
		name = strings.TrimSuffix(name, ":"+f.Tag)
	}
	f.Name = name
	return f, nil
}

// With returns the reference the file should hold after bumping to im: the
// file's own name spelling followed by im's version. A new tag drops an old
// digest and a new digest drops an old tag, as `kustomize edit set image`
// does, so that what is written is exactly what was asked for.
func (f Found) With(im Image) string { return f.Name + im.Version() }

// String renders the found reference as it stands.
func (f Found) String() string {
	s := f.Name
	if f.Tag != "" {
		s += ":" + f.Tag
	}
	if f.Digest != "" {
		s += "@" + f.Digest
	}
	return s
}

// Split cuts an image reference as written into its name, tag and digest
// without judging it: "localhost:5000/app:v1@sha256:abc" is
// "localhost:5000/app", "v1" and "sha256:abc"; what is not there is "".
// A rendered manifest may hold any string as an image, and the policies
// and positions that read it must not fail on one Docker would refuse.
func Split(image string) (name, tag, digest string) {
	name = image
	if i := strings.Index(name, "@"); i >= 0 {
		name, digest = name[:i], name[i+1:]
	}
	slash := strings.LastIndex(name, "/")
	if i := strings.LastIndex(name, ":"); i > slash {
		name, tag = name[:i], name[i+1:]
	}
	return name, tag, digest
}
