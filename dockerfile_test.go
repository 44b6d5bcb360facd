package main

import (
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/imagetest"
)

// binaryPath is where the image keeps the binary, and its entrypoint.
const binaryPath = "/usr/local/bin/gitops-actions"

// image reads the image's facts from the Dockerfile: the one place that
// says what the image holds, which user it runs as and how the binary is
// built. The runner-contract test lays out exactly this.
func image(t *testing.T) *imagetest.Image {
	t.Helper()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	im, err := imagetest.Parse(b)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	return im
}

// TestDockerfile holds the image to what a container action needs: root,
// because the runner's files belong to the runner's user; the static,
// stripped binary stamped with its version; CA certificates for the API;
// a writable /tmp; and nothing else (no shell, no git).
func TestDockerfile(t *testing.T) {
	im := image(t)
	if im.Base != "scratch" {
		t.Errorf("the final stage is FROM %s, want scratch: the image holds only what the Dockerfile puts in it", im.Base)
	}
	if im.User != "" && im.User != "root" && im.User != "0" && im.User != "0:0" {
		t.Errorf("the final stage runs as USER %s: GitHub runs container actions with the workspace and $GITHUB_OUTPUT owned by the runner's user, which only root may write (see TestRunnerContract/nonroot)", im.User)
	}
	if !slices.Equal(im.Entrypoint, []string{binaryPath}) {
		t.Errorf("ENTRYPOINT %q, want [%q]", im.Entrypoint, binaryPath)
	}
	if want := []string{"/tmp", "/etc/ssl/certs/ca-certificates.crt", binaryPath}; !slices.Equal(im.Paths(), want) {
		t.Errorf("the image holds %q, want %q", im.Paths(), want)
	}
	for _, d := range im.Dirs {
		if d.Path == "/tmp" && d.Mode != fs.ModeDir|fs.ModeSticky|0o777 {
			t.Errorf("/tmp has mode %v, want drwxrwxrwt (1777)", d.Mode)
		}
	}
	b := im.Build
	if v, _ := b.Getenv("CGO_ENABLED"); v != "0" {
		t.Errorf("the build sets CGO_ENABLED=%q, want 0: the image has no C library", v)
	}
	if !b.HasFlag("-trimpath") {
		t.Error("the build has no -trimpath")
	}
	flags := strings.Fields(b.LDFlags())
	for _, want := range []string{"-s", "-w", "main.version=${VERSION}"} {
		if !slices.Contains(flags, want) {
			t.Errorf("-ldflags %q lacks %q", b.LDFlags(), want)
		}
	}
}

// TestDockerfileReproducible: the image is a function of the commit. Every
// base image is pinned by digest, never by a tag that moves (scratch is no
// image), and no frontend image is pulled by a # syntax line; VERSION has
// no default, so a build without the argument reports the file VERSION
// rather than a made-up one.
func TestDockerfileReproducible(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	from := regexp.MustCompile(`(?m)^FROM\s+(?:--\S+\s+)*(\S+)`)
	pinned := regexp.MustCompile(`^[a-z0-9./_-]+(:[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$`)
	bases := from.FindAllStringSubmatch(string(b), -1)
	if len(bases) < 2 {
		t.Fatalf("the Dockerfile has %d FROM lines, want a build stage and a final stage", len(bases))
	}
	for _, m := range bases {
		if m[1] != "scratch" && !pinned.MatchString(m[1]) {
			t.Errorf("FROM %s is not pinned by digest (NAME:TAG@sha256:...)", m[1])
		}
	}
	if regexp.MustCompile(`(?mi)^#\s*syntax\s*=`).Match(b) {
		t.Error("the Dockerfile names a frontend image (# syntax=...), which a build pulls by a tag that moves")
	}
	if regexp.MustCompile(`(?m)^ARG VERSION=`).Match(b) {
		t.Error("ARG VERSION has a default: a build without the argument would not report the file VERSION")
	}
}
