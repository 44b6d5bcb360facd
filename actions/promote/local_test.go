package promote_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/actions/promote"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/localgit/localgittest"
)

// checkout is a config repository made with the git command in a
// temporary directory, which promote runs on without a token.
type checkout struct {
	t   *testing.T
	dir string
	// home is git's HOME: no user configuration; the tagger's identity
	// comes from the environment.
	home string
	// now is the run's clock.
	now time.Time
	// env adds to (or, empty, removes from) the run's environment.
	env map[string]string
}

// localBase are the files of a new checkout: staging runs
// ghcr.io/acme/app v2.0.0 through a kustomization, production v1.9.0.
var localBase = map[string]string{
	"README.md":                               "# config\n",
	"environments/staging/app.yaml":           deployment("app", "ghcr.io/acme/app:v2.0.0"),
	"environments/staging/kustomization.yaml": "resources:\n  - app.yaml\n",
	"environments/production/app.yaml":        deployment("app", "ghcr.io/acme/app:v1.9.0"),
}

// newCheckout makes the repository with one commit of localBase, made at
// start.
func newCheckout(t *testing.T) *checkout {
	t.Helper()
	c := &checkout{t: t, dir: filepath.Join(t.TempDir(), "config"), home: t.TempDir(), now: start.Add(24 * time.Hour)}
	localgittest.Init(t, c.dir)
	c.commit(start, "Initial config", localBase)
	return c
}

// commit commits files (a nil content removes the file) with message,
// authored a day before when and committed at when: the committer time
// is what names a tag.
func (c *checkout) commit(when time.Time, message string, files map[string]string) string {
	c.t.Helper()
	c.t.Setenv("GIT_AUTHOR_DATE", when.Add(-24*time.Hour).Format(time.RFC3339))
	c.t.Setenv("GIT_COMMITTER_DATE", when.Format(time.RFC3339))
	for name, content := range files {
		if content == "\x00remove" {
			if err := os.Remove(filepath.Join(c.dir, filepath.FromSlash(name))); err != nil {
				c.t.Fatal(err)
			}
			delete(files, name)
		}
	}
	return localgittest.Commit(c.t, c.dir, files, message)
}

// git runs git in the checkout.
func (c *checkout) git(args ...string) string {
	c.t.Helper()
	return localgittest.Git(c.t, c.dir, args...)
}

// read returns a file of the working tree.
func (c *checkout) read(name string) string {
	c.t.Helper()
	data, err := os.ReadFile(filepath.Join(c.dir, filepath.FromSlash(name)))
	if err != nil {
		c.t.Fatal(err)
	}
	return string(data)
}

// localResult is what a run on the checkout left: its exit code, its
// standard output (the command's own text: the diff of a dry run), its
// log and its outputs.
type localResult struct {
	clitest.Result
	Own     string
	Outputs map[string]string
}

// run runs promote on the checkout as a person would in a terminal:
// outside Actions, without token, with args as flags.
func (c *checkout) run(args ...string) localResult {
	c.t.Helper()
	outputs := filepath.Join(c.t.TempDir(), "outputs")
	env := map[string]string{
		"PATH":                os.Getenv("PATH"),
		"HOME":                c.home,
		"GIT_CONFIG_NOSYSTEM": "1",
		"GIT_COMMITTER_NAME":  "Rel Bot",
		"GIT_COMMITTER_EMAIL": "rel@example.com",
		"GITHUB_OUTPUT":       outputs,
	}
	for k, v := range c.env {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	if err := os.WriteFile(outputs, nil, 0o644); err != nil {
		c.t.Fatal(err)
	}
	now := c.now
	cmd := promote.NewCommand(promote.Deps{Now: func() time.Time { return now }})
	r := clitest.Run(c.t, cmd, c.dir, env, args...)
	res := localResult{Result: r, Own: r.Stdout, Outputs: map[string]string{}}
	if raw, _ := os.ReadFile(outputs); len(raw) > 0 {
		res.Outputs = clitest.ParseOutputs(c.t, string(raw))
	} else {
		res.Own, res.Outputs = listedOutputs(c.t, r.Stdout)
	}
	return res
}

// listedOutputs reads the outputs a runtime that lists them on standard
// output after the command's own text (name=value, name<<EOF ... EOF)
// printed, from the first, gated, which every run sets first; it returns
// the text before them.
func listedOutputs(t *testing.T, stdout string) (string, map[string]string) {
	t.Helper()
	i := strings.LastIndex("\n"+stdout, "\ngated=")
	if i < 0 {
		return stdout, map[string]string{}
	}
	own, list := stdout[:i], stdout[i:]
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(list, "\n"), "\n")
	for j := 0; j < len(lines); j++ {
		if name, delim, ok := strings.Cut(lines[j], "<<"); ok {
			var val []string
			for j++; j < len(lines) && lines[j] != delim; j++ {
				val = append(val, lines[j])
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		name, val, ok := strings.Cut(lines[j], "=")
		if !ok {
			t.Fatalf("standard output holds %q after the outputs:\n%s", lines[j], stdout)
		}
		out[name] = val
	}
	return own, out
}

func (r localResult) wantCode(t *testing.T, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.Code, code, r.Stdout, r.Stderr)
	}
}

func (r localResult) wantOutputs(t *testing.T, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := r.Outputs[k]; got != v {
			t.Errorf("output %s = %q, want %q", k, got, v)
		}
	}
}

// stagingAt is staging's app.yaml at version.
func stagingAt(version string) map[string]string {
	return map[string]string{"environments/staging/app.yaml": deployment("app", "ghcr.io/acme/app:"+version)}
}

// tagObject is what git shows of an annotated tag: its headers and
// message.
func (c *checkout) tagObject(name string) string {
	c.t.Helper()
	if kind := c.git("cat-file", "-t", "refs/tags/"+name); kind != "tag" {
		c.t.Fatalf("tag %s is a %s, not an annotated tag", name, kind)
	}
	return c.git("cat-file", "-p", "refs/tags/"+name)
}

// TestLocalTag: without a token the run makes the annotated tag a run
// through GitHub makes, on HEAD (or sha), named after the committer time
// (not the author's), exactly once; a commit in the same second takes the
// next name.
func TestLocalTag(t *testing.T) {
	c := newCheckout(t)
	first := c.git("rev-parse", "HEAD")
	head := c.commit(start.Add(time.Hour), "Bump app to v2.1.0", stagingAt("v2.1.0"))

	r := c.run()
	r.wantCode(t, 0)
	r.wantOutputs(t, map[string]string{"tag": "v20260501130000", "created": "true", "sha": head, "previous-tag": "", "pull-request-number": ""})
	obj := c.tagObject("v20260501130000")
	wantMsg := "Bump app to v2.1.0\n\nCommit: " + head + "\nAuthor: test\nCommitted-At: 2026-05-01T13:00:00Z\nPull-Request: none\n\nImages:\n- staging: ghcr.io/acme/app v2.0.0 -> v2.1.0 (environments/staging/app.yaml:10)"
	if !strings.Contains(obj, "object "+head+"\n") || !strings.Contains(obj, "tagger Rel Bot <rel@example.com>") || !strings.HasSuffix(obj, "\n\n"+wantMsg) {
		t.Errorf("tag object:\n%s\nwant the message:\n%s", obj, wantMsg)
	}
	if !strings.Contains(r.Stderr, `made the annotated tag "v20260501130000" on `+head[:7]) || !strings.Contains(r.Stderr, "    Committed-At: 2026-05-01T13:00:00Z") {
		t.Errorf("the log does not show the tag and its message:\n%s", r.Stderr)
	}

	again := c.run()
	again.wantCode(t, 0)
	again.wantOutputs(t, map[string]string{"tag": "v20260501130000", "created": "false"})
	if tags := c.git("tag", "--list"); tags != "v20260501130000" {
		t.Errorf("tags after a re-run: %q", tags)
	}
	if !strings.Contains(again.Stderr, `is tagged "v20260501130000" already`) {
		t.Errorf("the re-run does not say it found its tag:\n%s", again.Stderr)
	}

	older := c.run("--sha", first[:10])
	older.wantCode(t, 0)
	older.wantOutputs(t, map[string]string{"tag": "v20260501120000", "created": "true", "sha": first})

	next := c.commit(start.Add(time.Hour), "Another change in the same second", map[string]string{"README.md": "# config, again\n"})
	same := c.run()
	same.wantCode(t, 0)
	same.wantOutputs(t, map[string]string{"tag": "v20260501130000-1", "created": "true", "sha": next, "previous-tag": "v20260501130000"})
	if !strings.Contains(same.Stderr, `tag "v20260501130000" is held by another commit`) {
		t.Errorf("the log does not say why the name was skipped:\n%s", same.Stderr)
	}

	bad := c.run("--sha", strings.Repeat("ab", 20))
	bad.wantCode(t, 2)
	if !strings.Contains(bad.Stderr, `input "sha": commit "`+strings.Repeat("ab", 20)+`" does not exist in the repository`) {
		t.Errorf("an unknown sha:\n%s", bad.Stderr)
	}
}

// TestLocalSemver: the next version after the highest tag, by the
// Conventional Commits subject, else default-bump; none tags nothing.
func TestLocalSemver(t *testing.T) {
	c := newCheckout(t)
	c.git("tag", "v1.2.3")
	c.git("tag", "v1.4.0-rc.1") // a pre-release does not count
	for i, tc := range []struct {
		subject string
		args    []string
		tag     string
		prev    string
	}{
		{subject: "feat: the worker", tag: "v1.3.0", prev: "v1.2.3"},
		{subject: "fix(app)!: drop the old port", tag: "v2.0.0", prev: "v1.3.0"},
		{subject: "chore: tidy", tag: "v2.0.1", prev: "v2.0.0"},
		{subject: "Update the README", tag: "v2.1.0", prev: "v2.0.1", args: []string{"--default-bump", "minor"}},
		{subject: "Update the README again", args: []string{"--default-bump", "none"}},
	} {
		c.commit(start.Add(time.Duration(i+1)*time.Hour), tc.subject, map[string]string{"README.md": tc.subject + "\n"})
		r := c.run(append([]string{"--tag-format", "semver"}, tc.args...)...)
		r.wantCode(t, 0)
		want := map[string]string{"tag": tc.tag, "previous-tag": tc.prev, "version": strings.TrimPrefix(tc.tag, "v"), "created": "true"}
		if tc.tag == "" {
			want = map[string]string{"tag": "", "created": "false"}
			if !strings.Contains(r.Stderr, "notice: default-bump: no release") {
				t.Errorf("%s: no notice of why nothing is tagged:\n%s", tc.subject, r.Stderr)
			}
		}
		r.wantOutputs(t, want)
		if tc.tag != "" && !strings.Contains(c.tagObject(tc.tag), "\n\n"+tc.subject+"\n") {
			t.Errorf("%s: tag %s has another message:\n%s", tc.subject, tc.tag, c.tagObject(tc.tag))
		}
	}
}

// TestLocalReleaseNotes: create-release prints the notes a release would
// have; nothing is published anywhere.
func TestLocalReleaseNotes(t *testing.T) {
	c := newCheckout(t)
	head := c.commit(start.Add(time.Hour), "Bump app to v2.1.0", stagingAt("v2.1.0"))
	c.env = map[string]string{"GITHUB_REPOSITORY": "acme/config", "GITHUB_SERVER_URL": "https://github.example.com"}
	r := c.run()
	r.wantCode(t, 0)
	for _, want := range []string{
		`the release notes of "v20260501130000" (a run on a checkout prints them and publishes no release):`,
		"    ## Bump app to v2.1.0",
		"    - **Pushed without a pull request** by test",
		"    - **Commit:** [`" + head[:7] + "`](https://github.example.com/acme/config/commit/" + head + ")",
		"    | `staging` | `ghcr.io/acme/app` | `v2.0.0` | `v2.1.0` | `environments/staging/app.yaml:10` |",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("the notes lack %q:\n%s", want, r.Stderr)
		}
	}
	r.wantOutputs(t, map[string]string{"release-url": "", "release-id": ""})

	c.commit(start.Add(2*time.Hour), "Bump app to v2.2.0", stagingAt("v2.2.0"))
	quiet := c.run("--create-release=false")
	quiet.wantCode(t, 0)
	quiet.wantOutputs(t, map[string]string{"tag": "v20260501140000"})
	if strings.Contains(quiet.Stderr, "release notes") {
		t.Errorf("notes printed with create-release false:\n%s", quiet.Stderr)
	}
}

// promoteArgs promote staging to production.
var promoteArgs = []string{"--from", "environments/staging", "--to", "environments/production"}

// TestLocalDirectories: the promotion of images edits the working tree
// byte-minimally, after the tag, with the drift report a pull request
// would carry; a re-run writes nothing.
func TestLocalDirectories(t *testing.T) {
	c := newCheckout(t)
	c.commit(start.Add(30*time.Minute), "Production's own config map", map[string]string{"environments/production/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: prod-only\ndata:\n  a: \"1\"\n"})
	c.commit(start.Add(time.Hour), "Bump app to v2.1.0", stagingAt("v2.1.0"))

	r := c.run(promoteArgs...)
	r.wantCode(t, 0)
	if got, want := c.read("environments/production/app.yaml"), deployment("app", "ghcr.io/acme/app:v2.1.0"); got != want {
		t.Errorf("production/app.yaml:\n%s\nwant\n%s", got, want)
	}
	if status := c.git("status", "--porcelain"); status != "M environments/production/app.yaml" {
		t.Errorf("git status: %q, want production/app.yaml changed alone", status)
	}
	r.wantOutputs(t, map[string]string{
		"tag": "v20260501130000", "created": "true", "gated": "false", "drift": "1", "held": "[]",
		"promoted":                         `[{"image":"ghcr.io/acme/app","from-version":"v1.9.0","to-version":"v2.1.0"}]`,
		"promotion-pull-request-operation": "none",
	})
	tagged, written := strings.Index(r.Stderr, "made the annotated tag"), strings.Index(r.Stderr, "1 file(s) written in the working tree")
	if tagged < 0 || written < tagged {
		t.Errorf("the tag is not made before the promotion is written:\n%s", r.Stderr)
	}
	for _, want := range []string{"    ### Drift", "prod-only", "| `ghcr.io/acme/app` | `v1.9.0` | `v2.1.0` | `environments/production/app.yaml` |"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("the report lacks %q:\n%s", want, r.Stderr)
		}
	}
	if r.Own != "" {
		t.Errorf("standard output holds more than the run's own text (none without dry-run):\n%s", r.Own)
	}

	again := c.run(promoteArgs...)
	again.wantCode(t, 0)
	again.wantOutputs(t, map[string]string{"created": "false", "promoted": `[{"image":"ghcr.io/acme/app","from-version":"v1.9.0","to-version":"v2.1.0"}]`})
	if !strings.Contains(again.Stderr, "nothing to write: the working tree holds it already") {
		t.Errorf("the re-run:\n%s", again.Stderr)
	}
	if status := c.git("status", "--porcelain"); status != "M environments/production/app.yaml" {
		t.Errorf("git status after the re-run: %q", status)
	}
}

// TestLocalFiles: promotion: files makes production a copy of staging in
// the working tree: files added, changed and removed, but for
// exclude-paths and a file that holds a hold comment.
func TestLocalFiles(t *testing.T) {
	c := newCheckout(t)
	held := "data: 1 # gitops-actions: hold (rollback of v1)\n"
	c.commit(start.Add(time.Hour), "Layout", map[string]string{
		"environments/staging/new.yaml":           "new: 1\n",
		"environments/staging/secrets/db.yaml":    "password: staging\n",
		"environments/staging/held.yaml":          "data: 2\n",
		"environments/staging/tools/run.sh":       "#!/bin/sh\n",
		"environments/production/old/gone.yaml":   "old: 1\n",
		"environments/production/secrets/db.yaml": "password: production\n",
		"environments/production/held.yaml":       held,
	})
	r := c.run(append(promoteArgs, "--promotion", "files", "--exclude-paths", "secrets")...)
	r.wantCode(t, 0)
	for name, want := range map[string]string{
		"environments/production/app.yaml":           localBase["environments/staging/app.yaml"],
		"environments/production/kustomization.yaml": localBase["environments/staging/kustomization.yaml"],
		"environments/production/new.yaml":           "new: 1\n",
		"environments/production/tools/run.sh":       "#!/bin/sh\n",
		"environments/production/secrets/db.yaml":    "password: production\n",
		"environments/production/held.yaml":          held,
	} {
		if got := c.read(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if _, err := os.Lstat(filepath.Join(c.dir, "environments/production/old")); !os.IsNotExist(err) {
		t.Errorf("production/old/gone.yaml, or its directory, is left: %v", err)
	}
	if !strings.Contains(r.Stderr, "environments/production/held.yaml") {
		t.Errorf("the held file is not reported:\n%s", r.Stderr)
	}
	c.git("add", "-A")
	if status := c.git("status", "--porcelain"); status != strings.Join([]string{
		"M  environments/production/app.yaml",
		"A  environments/production/kustomization.yaml",
		"A  environments/production/new.yaml",
		"D  environments/production/old/gone.yaml",
		"A  environments/production/tools/run.sh",
	}, "\n") {
		t.Errorf("git status:\n%s", status)
	}
}
