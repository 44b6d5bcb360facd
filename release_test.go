package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// workflowStep is what these tests read of a workflow's step.
type workflowStep struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// TestReleaseWorkflow reads release.yml: the image is pushed (and
// attested, and its SBOM written) before the commit of the action files
// that name its digest; that commit is tagged, the release created with
// the SBOM, and only then the major tag moved. The release makes its own
// tag, so no tag push starts it.
func TestReleaseWorkflow(t *testing.T) {
	b, err := os.ReadFile(".github/workflows/release.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On   map[string]any `yaml:"on"`
		Env  map[string]string
		Jobs map[string]struct {
			Permissions map[string]string `yaml:"permissions"`
			Steps       []workflowStep    `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	if _, ok := wf.On["push"]; ok {
		t.Error("release.yml runs on push: the release makes its tag itself, after the image")
	}
	if wf.Env["IMAGE"] != imageRepository {
		t.Errorf("release.yml pushes %q, want %q (what the action files name)", wf.Env["IMAGE"], imageRepository)
	}
	job, ok := wf.Jobs["release"]
	if !ok || len(wf.Jobs) != 1 {
		t.Fatalf("release.yml has jobs %v, want one, release: the order below is within one job", keys(wf.Jobs))
	}
	for perm, want := range map[string]string{"contents": "write", "packages": "write", "id-token": "write", "attestations": "write"} {
		if job.Permissions[perm] != want {
			t.Errorf("the release job's permission %s is %q, want %q", perm, job.Permissions[perm], want)
		}
	}

	// Each stage is the first step that does it.
	find := func(what string, is func(workflowStep) bool) int {
		t.Helper()
		for i, s := range job.Steps {
			if is(s) {
				return i
			}
		}
		t.Fatalf("release.yml has no step that %s", what)
		return -1
	}
	uses := func(action string) func(workflowStep) bool {
		return func(s workflowStep) bool { return strings.HasPrefix(s.Uses, action+"@") }
	}
	runs := func(cmd string) func(workflowStep) bool {
		return func(s workflowStep) bool { return strings.Contains(s.Run, cmd) }
	}
	push := find("builds and pushes the image", func(s workflowStep) bool {
		return uses("docker/build-push-action")(s) && (strings.Contains(s.With["outputs"], "type=registry") || s.With["push"] == "true")
	})
	image := job.Steps[push]
	digest := "${{ steps." + image.ID + ".outputs.digest }}"
	if image.ID == "" {
		t.Fatal("the step that pushes the image has no id: nothing can name its digest")
	}
	if !strings.Contains(image.With["tags"], "${{ env.IMAGE }}:v${{ steps.version.outputs.version }}") {
		t.Errorf("the image is not tagged vVERSION: %q", image.With["tags"])
	}
	if image.Env["SOURCE_DATE_EPOCH"] == "" || !strings.Contains(image.With["outputs"], "rewrite-timestamp=true") {
		t.Error("the image build sets no SOURCE_DATE_EPOCH, or does not clamp the files' times to it (rewrite-timestamp=true): it is not reproducible")
	}
	attest := find("attests the build provenance", uses("actions/attest-build-provenance"))
	if a := job.Steps[attest]; a.With["subject-digest"] != digest || a.With["push-to-registry"] != "true" {
		t.Errorf("the attestation is of %q with push-to-registry %q, want %q and true", a.With["subject-digest"], a.With["push-to-registry"], digest)
	}
	sbom := find("writes the SBOM", uses("anchore/sbom-action"))
	if !strings.Contains(job.Steps[sbom].With["image"], digest) {
		t.Errorf("the SBOM is of %q, not of the pushed digest", job.Steps[sbom].With["image"])
	}
	commit := find("commits the action files", runs("git commit"))
	if c := job.Steps[commit]; c.Env[releaseDigestEnv] != digest || !strings.Contains(c.Run, "-run TestActionFiles -update") {
		t.Errorf("the release commit's action files are not rendered with %s=%s: env %v, run %q", releaseDigestEnv, digest, c.Env, c.Run)
	}
	tag := find("tags the release commit", runs(`git tag -a "v$VERSION"`))
	release := find("creates the GitHub release", runs("gh release create"))
	if r := job.Steps[release].Run; !strings.Contains(r, "--verify-tag") || !strings.Contains(r, ".spdx.json") {
		t.Errorf("the release is created without --verify-tag or without the SBOM: %q", r)
	}
	major := find("moves the major tag", runs(`git tag --force "$MAJOR"`))

	order := []struct {
		before, after int
		why           string
	}{
		{push, attest, "the provenance is of the pushed image"},
		{push, sbom, "the SBOM is of the pushed image"},
		{push, commit, "the release commit names the digest of an image that exists"},
		{attest, commit, "nothing names the image before it is attested"},
		{commit, tag, "the tag is on the commit that names the digest"},
		{tag, release, "the release is of that tag"},
		{sbom, release, "the release carries the SBOM"},
		{release, major, "the major tag moves once the release exists"},
	}
	for _, o := range order {
		if o.before >= o.after {
			t.Errorf("step %d (%s) comes before step %d (%s): %s", o.after, job.Steps[o.after].Name, o.before, job.Steps[o.before].Name, o.why)
		}
	}
}

// TestREADMEAttestationCommand: the README shows the command a user runs
// to check a release's provenance, and it names what release.yml attests:
// the image it pushes, at a release of VERSION's major, and the repository
// the image says it is built from (the one GitHub stores the attestation
// with).
func TestREADMEAttestationCommand(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	dockerfile, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	source := regexp.MustCompile(`org\.opencontainers\.image\.source="https://github\.com/([^/"]+/[^/"]+)"`).FindSubmatch(dockerfile)
	if source == nil {
		t.Fatal("the Dockerfile has no org.opencontainers.image.source label naming the GitHub repository")
	}
	major := "v" + strings.SplitN(releaseVersion(t), ".", 2)[0]
	command := regexp.MustCompile(`(?m)^gh attestation verify oci://` + regexp.QuoteMeta(imageRepository) + `:(v[0-9]+)\.[0-9]+\.[0-9]+ --repo (\S+)$`)
	m := command.FindSubmatch(readme)
	if m == nil {
		t.Fatalf("the README shows no command gh attestation verify oci://%s:vX.Y.Z --repo OWNER/NAME", imageRepository)
	}
	if string(m[1]) != major {
		t.Errorf("the README's gh attestation verify names a %s release, want %s (VERSION)", m[1], major)
	}
	if string(m[2]) != string(source[1]) {
		t.Errorf("the README's gh attestation verify checks --repo %s, but the image is built from %s", m[2], source[1])
	}
}

// pinned is a third-party action pinned to a full commit SHA, its version
// in a comment beside it: uses: owner/repo[/path]@<40 hex> # v1.2.3.
var pinned = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40} # v[0-9]+(\.[0-9]+){0,2}$`)

// TestActionsPinned: every third-party action in the workflows and the
// examples is pinned to a full commit SHA (a tag can be moved to other
// code; a SHA cannot), with the version in a comment for people and
// Dependabot. This suite's own actions are named by their major tag in the
// examples, which is what users copy (TestReleaseVersion).
func TestActionsPinned(t *testing.T) {
	files, _ := filepath.Glob(".github/workflows/*.yml")
	examples, _ := filepath.Glob("examples/workflows/*.yml")
	usesLine := regexp.MustCompile(`^\s*(?:-\s+)?uses:\s*(.*)$`)
	seen := 0
	for _, p := range append(files, examples...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			m := usesLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			ref := strings.TrimSpace(m[1])
			if strings.HasPrefix(ref, "./") || strings.HasPrefix(ref, "docker://") || strings.HasPrefix(ref, "gitops-actions/gitops-actions/") {
				continue
			}
			seen++
			if !pinned.MatchString(ref) {
				t.Errorf("%s:%d: uses: %s is not pinned as owner/repo@<full commit SHA> # vX.Y.Z", p, i+1, ref)
			}
		}
	}
	if seen == 0 {
		t.Error("no third-party action found in the workflows")
	}
}

// TestDependabot: Dependabot keeps the pinned actions (of the workflows and
// the examples), the Go modules (the project's and the pinned tools') and
// the Dockerfile's base image current.
func TestDependabot(t *testing.T) {
	b, err := os.ReadFile(".github/dependabot.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version int `yaml:"version"`
		Updates []struct {
			Ecosystem   string   `yaml:"package-ecosystem"`
			Directory   string   `yaml:"directory"`
			Directories []string `yaml:"directories"`
		} `yaml:"updates"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, u := range cfg.Updates {
		for _, d := range append(u.Directories, u.Directory) {
			if d != "" {
				got[u.Ecosystem+" "+d] = true
			}
		}
	}
	for _, want := range []string{"github-actions /.github/workflows", "github-actions /examples/workflows", "gomod /", "gomod /.ci/tools", "docker /"} {
		if !got[want] {
			t.Errorf("dependabot.yml does not update %s", want)
		}
	}
	if cfg.Version != 2 {
		t.Errorf("dependabot.yml version %d, want 2", cfg.Version)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestCIRebuildsTheImage reads ci.yml: its image job builds the image
// twice as the release does (SOURCE_DATE_EPOCH, every time clamped to it),
// the second time with no cache, and fails unless both builds have one
// digest: the Dockerfile's claim of a reproducible build is checked on
// every change, not only stated.
func TestCIRebuildsTheImage(t *testing.T) {
	b, err := os.ReadFile(".github/workflows/ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []workflowStep `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	var builds []workflowStep
	var compare workflowStep
	for _, s := range wf.Jobs["image"].Steps {
		if strings.HasPrefix(s.Uses, "docker/build-push-action@") {
			builds = append(builds, s)
		}
		if len(builds) == 2 && s.Run != "" {
			compare = s
		}
	}
	if len(builds) != 2 {
		t.Fatalf("ci.yml's image job builds the image %d times, want 2", len(builds))
	}
	for i, s := range builds {
		if s.ID == "" || s.Env["SOURCE_DATE_EPOCH"] == "" || !strings.Contains(s.With["outputs"], "rewrite-timestamp=true") || s.With["push"] == "true" {
			t.Errorf("build %d is not the release's reproducible build, unpushed, with an id: %+v", i+1, s)
		}
		if s.With["platforms"] != "linux/amd64,linux/arm64" {
			t.Errorf("build %d is for %q, not the release's platforms", i+1, s.With["platforms"])
		}
	}
	if builds[0].Env["SOURCE_DATE_EPOCH"] != builds[1].Env["SOURCE_DATE_EPOCH"] || builds[1].With["no-cache"] != "true" {
		t.Errorf("the second build is not a build from scratch at the same time: %+v", builds[1])
	}
	digest := func(s workflowStep) string { return "${{ steps." + s.ID + ".outputs.digest }}" }
	var first, second string
	for k, v := range compare.Env {
		switch v {
		case digest(builds[0]):
			first = k
		case digest(builds[1]):
			second = k
		}
	}
	if first == "" || second == "" || !strings.Contains(compare.Run, `test "$`+first+`" = "$`+second+`"`) || !strings.Contains(compare.Run, `test -n "$`+first+`"`) {
		t.Errorf("no step after the builds fails unless their digests are one: %+v", compare)
	}
}
