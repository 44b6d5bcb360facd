package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
)

// imageRepository is where .github/workflows/release.yml pushes the image
// and where every action.yml pulls it from.
const imageRepository = "ghcr.io/gitops-actions/gitops-actions"

// rootSpec is the root action: the same binary with a command input.
func rootSpec() cli.Spec {
	var specs []cli.Spec
	for _, c := range actionCommands() {
		specs = append(specs, c.Spec)
	}
	return cli.Union("gitops-actions", "GitOps promotion in one suite: bump image tags in a config repo, verify its manifests, promote and roll back releases.", specs)
}

// actionCommands are the commands that are actions: all but version.
func actionCommands() []cli.Command {
	var out []cli.Command
	for _, c := range commands() {
		if c.Spec.Name != "version" {
			out = append(out, c)
		}
	}
	return out
}

// releaseVersion reads VERSION, the version of the release this commit is
// (or is to become, in a release pull request): X.Y.Z.
func releaseVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("VERSION")
	if err != nil {
		t.Fatal(err)
	}
	v := strings.TrimSuffix(string(b), "\n")
	if !regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`).MatchString(v) {
		t.Fatalf("VERSION holds %q, want X.Y.Z and a line break", b)
	}
	return v
}

// releaseDigestEnv, set by the release workflow to the digest of the image
// it has just pushed, makes TestActionFiles -update write action files that
// run that image: the release commit.
const releaseDigestEnv = "GITOPS_ACTIONS_RELEASE_DIGEST"

// releaseImage is runs.image on a release commit: the image release.yml
// pushed, by its tag and its digest, so that what a pinned @vX.Y.Z or
// @<sha> runs can never change (a registry's tag can move, a digest
// cannot).
var releaseImage = regexp.MustCompile(`^docker://` + regexp.QuoteMeta(imageRepository) + `:v([0-9]+\.[0-9]+\.[0-9]+)@(sha256:[0-9a-f]{64})$`)

// actionImage is runs.image of the action in dir ("." or an action's
// directory). A release commit (made only by release.yml) runs the image
// the release pushed, by tag and digest. Every other commit, main
// included, has no image of its own: its action files name the Dockerfile,
// and the runner builds that commit's image (reproducibly: the base image
// is pinned by digest) — a user who pins an unreleased commit runs that
// commit's code.
func actionImage(t *testing.T, dir string) string {
	t.Helper()
	version := releaseVersion(t)
	if digest := os.Getenv(releaseDigestEnv); digest != "" {
		image := "docker://" + imageRepository + ":v" + version + "@" + digest
		if !releaseImage.MatchString(image) {
			t.Fatalf("%s=%q is not a digest (sha256: and 64 hex digits)", releaseDigestEnv, digest)
		}
		return image
	}
	if m := releaseImage.FindStringSubmatch(committedImage(t, ".")); m != nil && m[1] == version {
		return m[0]
	}
	return dockerfileImage(dir)
}

// dockerfileImage is runs.image of an unreleased commit's action in dir:
// the Dockerfile at the repository's root.
func dockerfileImage(dir string) string {
	if dir == "." {
		return "Dockerfile"
	}
	return "../Dockerfile"
}

// committedImage reads runs.image of dir/action.yml.
func committedImage(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "action.yml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Runs struct {
			Image string `yaml:"image"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return a.Runs.Image
}

// TestActionFiles renders every action.yml and the README's input tables
// from the specs, and fails when the committed files differ (go test ./...
// -run TestActionFiles -update rewrites them). Each action has one
// action.yml, in a top-level directory of its name: the path users write,
// gitops-actions/gitops-actions/bump-image@v1. The root action runs any
// command.
func TestActionFiles(t *testing.T) {
	for _, c := range actionCommands() {
		clitest.CheckContract(t, clitest.Contract{Spec: &c.Spec, Dir: c.Spec.Name, Image: actionImage(t, c.Spec.Name), Args: []string{c.Spec.Name}, README: c.Spec.Name + "/README.md"})
	}
	root := rootSpec()
	var specs []cli.Spec
	for _, c := range actionCommands() {
		specs = append(specs, c.Spec)
	}
	clitest.CheckContract(t, clitest.Contract{Spec: &root, Dir: ".", Image: actionImage(t, "."), Args: []string{"${{ inputs.command }}"}, README: "README.md", Table: cli.IndexTable(specs)})
}

// TestOneActionFilePerAction keeps the layout of github/codeql-action: each
// action's directory holds its action.yml and its reference (README.md)
// and nothing else, and no other
// action.yml exists to drift from the generated ones.
func TestOneActionFilePerAction(t *testing.T) {
	want := []string{"action.yml"}
	for _, c := range actionCommands() {
		want = append(want, c.Spec.Name+"/action.yml")
		entries, err := os.ReadDir(c.Spec.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Name() != "action.yml" && e.Name() != "README.md" {
				t.Errorf("%s/ holds %s: an action's directory holds only its action.yml and README.md (the code lives in actions/%s/)", c.Spec.Name, e.Name(), c.Spec.Name)
			}
		}
	}
	var got []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.Name() == "action.yml" || d.Name() == "action.yaml" {
			got = append(got, filepath.ToSlash(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("action files %q, want %q", got, want)
	}
}

// TestReleaseVersion fails when the action files and the release
// disagree. Every action.yml names the same image: the Dockerfile on an
// unreleased commit, or, on a release commit, one image of VERSION by one
// digest (never a tag alone, which a registry can move, never two). Every
// uses: in the documentation and the examples pins the major version of
// VERSION. TestReleaseWorkflow checks how release.yml makes the release
// commit.
func TestReleaseVersion(t *testing.T) {
	version := releaseVersion(t)
	unreleased, digests := 0, map[string]bool{}
	for _, dir := range []string{".", "bump-image", "verify-manifests", "promote"} {
		image := committedImage(t, dir)
		m := releaseImage.FindStringSubmatch(image)
		switch {
		case image == dockerfileImage(dir):
			unreleased++
		case m == nil:
			t.Errorf("%s/action.yml runs %q: want %q (an unreleased commit) or docker://%s:v%s@sha256:<digest> (a release commit)", dir, image, dockerfileImage(dir), imageRepository, version)
		case m[1] != version:
			t.Errorf("%s/action.yml runs %q, but VERSION is %s", dir, image, version)
		default:
			digests[m[2]] = true
		}
	}
	if unreleased > 0 && len(digests) > 0 {
		t.Errorf("some action files build the Dockerfile and others run a released image: all do the one or the other")
	}
	if len(digests) > 1 {
		t.Errorf("the action files name %d digests, want one", len(digests))
	}

	major := "v" + strings.SplitN(version, ".", 2)[0]
	uses := regexp.MustCompile(`gitops-actions/gitops-actions(/[A-Za-z0-9_./-]+)?@([A-Za-z0-9._-]+)`)
	docs, _ := filepath.Glob("examples/workflows/*.yml")
	var mds []string
	for _, c := range actionCommands() {
		mds = append(mds, c.Spec.Name+"/README.md")
	}
	docs = append(append(docs, mds...), "README.md")
	seen := 0
	for _, p := range docs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range uses.FindAllStringSubmatch(string(b), -1) {
			seen++
			if m[2] != major {
				t.Errorf("%s: %s pins %s, want %s (VERSION is %s)", p, m[0], m[2], major, version)
			}
			if sub := strings.TrimPrefix(m[1], "/"); sub != "" && !slices.ContainsFunc(actionCommands(), func(c cli.Command) bool { return c.Spec.Name == sub }) {
				t.Errorf("%s: %s names no action (want one of the top-level action directories)", p, m[0])
			}
		}
	}
	if seen == 0 {
		t.Error("no uses: gitops-actions/gitops-actions... found in the README and the examples")
	}
}

// readmeCommands returns the lines of the commands block the README starts
// with.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	first, rest, _ := strings.Cut(string(readme), "\n")
	if !strings.HasPrefix(first, "# ") || !strings.HasPrefix(strings.TrimLeft(rest, "\n"), "```sh\n") {
		t.Fatalf("the README does not start with its title and the commands block")
	}
	block := strings.TrimPrefix(strings.TrimLeft(rest, "\n"), "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	return strings.Split(strings.TrimSpace(block), "\n")
}

// TestREADMECommands keeps the README's promise: it starts with the two
// commands, and CI (.ci/run) runs exactly them.
func TestREADMECommands(t *testing.T) {
	commands := readmeCommands(t)
	if len(commands) != 2 || commands[1] != "go test ./..." {
		t.Fatalf("the README's commands are %q, want the main job and go test ./...", commands)
	}
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range commands {
		found := false
		for _, l := range strings.Split(string(ci), "\n") {
			if l == c || strings.HasPrefix(l, c+" >") {
				found = true
			}
		}
		if !found {
			t.Errorf(".ci/run does not run the README's command %q", c)
		}
	}
}
