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
	}
	return res
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

// TestLocalBranches: with to-branch checked out, the working tree gets
// what merging from-branch gives, to-branch's own commits kept (they are
// the drift); a merge that conflicts writes nothing.
func TestLocalBranches(t *testing.T) {
	setup := func(t *testing.T) (*checkout, string) {
		c := newCheckout(t)
		c.git("checkout", "-q", "-b", "develop")
		develop := c.commit(start.Add(time.Hour), "Bump app to v2.1.0 on develop", map[string]string{"environments/production/app.yaml": deployment("app", "ghcr.io/acme/app:v2.1.0")})
		c.git("checkout", "-q", "main")
		c.commit(start.Add(2*time.Hour), "Hotfix on main", map[string]string{"README.md": "# config, hotfixed\n"})
		return c, develop
	}
	args := []string{"--from-branch", "develop", "--to-branch", "main"}

	t.Run("merged into the working tree", func(t *testing.T) {
		c, _ := setup(t)
		r := c.run(args...)
		r.wantCode(t, 0)
		if got := c.read("environments/production/app.yaml"); got != deployment("app", "ghcr.io/acme/app:v2.1.0") {
			t.Errorf("production/app.yaml:\n%s", got)
		}
		if got := c.read("README.md"); got != "# config, hotfixed\n" {
			t.Errorf("main's hotfix is lost: %q", got)
		}
		r.wantOutputs(t, map[string]string{"drift": "1", "tag": "v20260501140000", "promoted": `[{"image":"ghcr.io/acme/app","from-version":"v1.9.0","to-version":"v2.1.0"}]`})
		if !strings.Contains(r.Stderr, "Promotes branch `develop` into `main`: 1 commit(s).") {
			t.Errorf("the report:\n%s", r.Stderr)
		}
	})
	t.Run("only origin's branch", func(t *testing.T) {
		c, develop := setup(t)
		c.git("update-ref", "refs/remotes/origin/develop", develop)
		c.git("branch", "-D", "develop")
		r := c.run(append(args, "--dry-run")...)
		r.wantCode(t, 0)
		if !strings.Contains(r.Own, "+          image: ghcr.io/acme/app:v2.1.0\n") {
			t.Errorf("the diff:\n%s", r.Own)
		}
	})
	t.Run("a conflict", func(t *testing.T) {
		c, _ := setup(t)
		c.commit(start.Add(3*time.Hour), "Pin production", map[string]string{"environments/production/app.yaml": deployment("app", "ghcr.io/acme/app:v1.9.1")})
		r := c.run(args...)
		r.wantCode(t, 1)
		if !strings.Contains(r.Stderr, "merging develop into main conflicts in environments/production/app.yaml") {
			t.Errorf("the error:\n%s", r.Stderr)
		}
		if status := c.git("status", "--porcelain"); status != "" {
			t.Errorf("the working tree changed: %s", status)
		}
	})
	t.Run("to-branch not checked out", func(t *testing.T) {
		c, _ := setup(t)
		c.git("checkout", "-q", "develop")
		r := c.run(args...)
		r.wantCode(t, 2)
		if !strings.Contains(r.Stderr, `input "to-branch": the checkout is at`) || !strings.Contains(r.Stderr, "check out main") {
			t.Errorf("the error:\n%s", r.Stderr)
		}
	})
	t.Run("no such branch", func(t *testing.T) {
		c, _ := setup(t)
		r := c.run("--from-branch", "qa", "--to-branch", "main")
		r.wantCode(t, 2)
		if !strings.Contains(r.Stderr, `input "from-branch": the checkout has no branch "qa", nor origin/qa`) {
			t.Errorf("the error:\n%s", r.Stderr)
		}
	})
}

// hold is the comment a rollback puts on a line it restores.
func hold(reason string) string { return " # gitops-actions: hold (" + reason + ")" }

// TestLocalRollback: rollback (a tag, a SHA, last) reverts a change in
// the working tree, rollback-to returns to a tag, each restored reference
// held; a change made again since is a conflict that writes nothing.
func TestLocalRollback(t *testing.T) {
	prod := func(version string) map[string]string {
		return map[string]string{"environments/production/app.yaml": deployment("app", "ghcr.io/acme/app:"+version)}
	}
	restored := func(reason string) string {
		return strings.Replace(deployment("app", "ghcr.io/acme/app:v1.9.0"), "app:v1.9.0\n", "app:v1.9.0"+hold(reason)+"\n", 1)
	}
	// history: the initial commit (tagged before), the promotion to v2.0.0
	// (tagged promoted when tag is set), then a change elsewhere.
	history := func(t *testing.T, tag bool) (*checkout, string) {
		c := newCheckout(t)
		c.git("tag", "-a", "-m", "before", "before")
		sha := c.commit(start.Add(time.Hour), "Promote app to v2.0.0", prod("v2.0.0"))
		if tag {
			c.git("tag", "-a", "-m", "promoted", "promoted")
		}
		c.commit(start.Add(2*time.Hour), "Docs", map[string]string{"README.md": "# config, documented\n"})
		return c, sha
	}
	for _, tc := range []struct {
		name   string
		tag    bool
		args   func(sha string) []string
		reason string
	}{
		{name: "a tag", tag: true, args: func(string) []string { return []string{"--rollback", "promoted"} }, reason: "rollback of promoted"},
		{name: "a SHA", args: func(sha string) []string { return []string{"--rollback", sha[:8]} }},
		{name: "a SHA with a tag", tag: true, args: func(sha string) []string { return []string{"--rollback", sha} }, reason: "rollback of promoted"},
		{name: "last", args: func(string) []string { return []string{"--rollback", "last"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, sha := history(t, tc.tag)
			reason := tc.reason
			if reason == "" {
				reason = "rollback of " + sha[:7]
			}
			r := c.run(append([]string{"--to", "environments/production"}, tc.args(sha)...)...)
			r.wantCode(t, 0)
			if got, want := c.read("environments/production/app.yaml"), restored(reason); got != want {
				t.Errorf("production/app.yaml:\n%s\nwant\n%s", got, want)
			}
			r.wantOutputs(t, map[string]string{"tag": "", "promoted": `[{"image":"ghcr.io/acme/app","from-version":"v2.0.0","to-version":"v1.9.0"}]`, "drift": "0"})
			if !strings.Contains(r.Stderr, "notice: environments/production/app.yaml:10: ghcr.io/acme/app goes back to v1.9.0, held ("+reason+")") {
				t.Errorf("no notice of the hold:\n%s", r.Stderr)
			}
			if tags := c.git("tag", "--list"); strings.Contains(tags, "v2026") {
				t.Errorf("a rollback tagged: %s", tags)
			}
		})
	}
	t.Run("last of a merged branch", func(t *testing.T) {
		c := newCheckout(t)
		c.git("checkout", "-q", "-b", "promote")
		c.commit(start.Add(time.Hour), "Promote app to v2.0.0", prod("v2.0.0"))
		c.commit(start.Add(2*time.Hour), "Add a config map", map[string]string{"environments/production/cm.yaml": "kind: ConfigMap\n"})
		c.git("checkout", "-q", "main")
		c.t.Setenv("GIT_COMMITTER_DATE", start.Add(3*time.Hour).Format(time.RFC3339))
		c.git("merge", "-q", "--no-ff", "-m", "Merge promote", "promote")
		merge := c.git("rev-parse", "HEAD")
		r := c.run("--to", "environments/production", "--rollback", "last")
		r.wantCode(t, 0)
		if got, want := c.read("environments/production/app.yaml"), restored("rollback of "+merge[:7]); got != want {
			t.Errorf("production/app.yaml:\n%s\nwant\n%s", got, want)
		}
		if _, err := os.Lstat(filepath.Join(c.dir, "environments/production/cm.yaml")); !os.IsNotExist(err) {
			t.Errorf("the merge's other file is left: %v", err)
		}
	})
	t.Run("rollback-to a tag", func(t *testing.T) {
		c, _ := history(t, false)
		c.commit(start.Add(3*time.Hour), "Add a config map", map[string]string{"environments/production/cm.yaml": "kind: ConfigMap\n"})
		r := c.run("--to", "environments/production", "--rollback-to", "before")
		r.wantCode(t, 0)
		if got, want := c.read("environments/production/app.yaml"), restored("rollback to before"); got != want {
			t.Errorf("production/app.yaml:\n%s\nwant\n%s", got, want)
		}
		if _, err := os.Lstat(filepath.Join(c.dir, "environments/production/cm.yaml")); !os.IsNotExist(err) {
			t.Errorf("a file added since the tag is left: %v", err)
		}
		if !strings.Contains(r.Stderr, "Rolls back `environments/production`: back to before") {
			t.Errorf("the report:\n%s", r.Stderr)
		}
	})
	t.Run("a conflict", func(t *testing.T) {
		c, sha := history(t, false)
		c.commit(start.Add(3*time.Hour), "Promote app to v2.0.1", prod("v2.0.1"))
		r := c.run("--to", "environments/production", "--rollback", sha)
		r.wantCode(t, 1)
		if !strings.Contains(r.Stderr, "cannot roll back: environments/production/app.yaml changed again after the change") {
			t.Errorf("the error:\n%s", r.Stderr)
		}
		if status := c.git("status", "--porcelain"); status != "" {
			t.Errorf("the working tree changed: %s", status)
		}
	})
	for _, tc := range []struct {
		name, args, want string
	}{
		{"a pull request number", "--rollback #12", `input "rollback": "#12" is a pull request number, and git knows no pull request`},
		{"an unknown tag", "--rollback nope", `input "rollback": "nope" is no tag or commit of the repository`},
		{"an unknown tag to go back to", "--rollback-to nope", `input "rollback-to": tag "nope" does not exist in the repository`},
		{"the first commit", "--rollback before", `is the repository's first commit`},
		{"a name that is neither", "--rollback HEAD-is-no-tag", `"HEAD-is-no-tag" is no tag or commit`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := history(t, false)
			r := c.run(append([]string{"--to", "environments/production"}, strings.Fields(tc.args)...)...)
			r.wantCode(t, 2)
			if !strings.Contains(r.Stderr, tc.want) {
				t.Errorf("the error lacks %q:\n%s", tc.want, r.Stderr)
			}
		})
	}
}

// TestLocalDryRun: dry-run prints the tag, the notes and the diff, and
// changes nothing; standard output is the diff alone, which git apply
// takes and which is what the run without dry-run writes.
func TestLocalDryRun(t *testing.T) {
	c := newCheckout(t)
	c.commit(start.Add(time.Hour), "Bump app to v2.1.0", stagingAt("v2.1.0"))
	r := c.run(append(promoteArgs, "--dry-run")...)
	r.wantCode(t, 0)
	wantDiff := `diff --git a/environments/production/app.yaml b/environments/production/app.yaml
--- a/environments/production/app.yaml
+++ b/environments/production/app.yaml
@@ -7,4 +7,4 @@
     spec:
       containers:
         - name: app
-          image: ghcr.io/acme/app:v1.9.0
+          image: ghcr.io/acme/app:v2.1.0
`
	if r.Own != wantDiff {
		t.Errorf("standard output:\n%s\nwant exactly the diff:\n%s", r.Own, wantDiff)
	}
	for _, want := range []string{
		`dry run: the annotated tag "v20260501130000" would be made on`,
		"    Images:\n",
		`the release notes of "v20260501130000"`,
		"dry run: 1 file(s) would be written in the working tree (the diff is on standard output)",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("the log lacks %q:\n%s", want, r.Stderr)
		}
	}
	r.wantOutputs(t, map[string]string{"tag": "v20260501130000", "created": "true"})
	if tags := c.git("tag", "--list"); tags != "" {
		t.Errorf("a dry run made tags: %s", tags)
	}
	if status := c.git("status", "--porcelain", "--ignored"); status != "" {
		t.Errorf("a dry run changed the working tree: %s", status)
	}

	patch := filepath.Join(t.TempDir(), "promotion.patch")
	if err := os.WriteFile(patch, []byte(r.Own), 0o644); err != nil {
		t.Fatal(err)
	}
	c.git("apply", patch)
	applied := c.read("environments/production/app.yaml")
	c.git("checkout", "--", ".")
	c.run(promoteArgs...).wantCode(t, 0)
	if written := c.read("environments/production/app.yaml"); written != applied {
		t.Errorf("the run writes:\n%s\nthe dry run's diff gives:\n%s", written, applied)
	}

	withToken := c.run("--dry-run", "--token", "ghp_x", "--repository", "acme/config")
	withToken.wantCode(t, 2)
	if !strings.Contains(withToken.Stderr, `input "dry-run" previews a run on a git checkout`) {
		t.Errorf("dry-run with a token:\n%s", withToken.Stderr)
	}
}

// TestLocalNeedsGit: without git on PATH, or outside a checkout, the run
// says what to do (exit 2) and does nothing.
func TestLocalNeedsGit(t *testing.T) {
	c := newCheckout(t)
	c.env = map[string]string{"PATH": t.TempDir()}
	r := c.run(promoteArgs...)
	r.wantCode(t, 2)
	if !strings.Contains(r.Stderr, "there is no git on PATH: install git") || !strings.Contains(r.Stderr, "or give token") {
		t.Errorf("no git:\n%s", r.Stderr)
	}
	outside := &checkout{t: t, dir: t.TempDir(), home: t.TempDir(), now: c.now}
	outside.env = map[string]string{"GIT_CEILING_DIRECTORIES": filepath.Dir(outside.dir)}
	r = outside.run(promoteArgs...)
	r.wantCode(t, 2)
	if !strings.Contains(r.Stderr, "is not in one") || !strings.Contains(r.Stderr, "run it in a clone of the config repository") {
		t.Errorf("no checkout:\n%s", r.Stderr)
	}
	if status := c.git("status", "--porcelain"); status != "" {
		t.Errorf("the checkout changed: %s", status)
	}
}

// TestLocalKeepsUncommittedWork: a file the promotion writes that holds
// an edit nobody committed, or an untracked file where it creates one,
// stops the write whole (exit 1), naming them.
func TestLocalKeepsUncommittedWork(t *testing.T) {
	c := newCheckout(t)
	c.commit(start.Add(time.Hour), "Layout", map[string]string{"environments/staging/new.yaml": "new: 1\n"})
	mine := deployment("app", "ghcr.io/acme/app:v1.9.0") + "# mine\n"
	for name, content := range map[string]string{
		"environments/production/app.yaml": mine,
		"environments/production/new.yaml": "untracked\n",
	} {
		if err := os.WriteFile(filepath.Join(c.dir, filepath.FromSlash(name)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := c.run(append(promoteArgs, "--promotion", "files")...)
	r.wantCode(t, 1)
	if !strings.Contains(r.Stderr, "environments/production/app.yaml, environments/production/new.yaml (edits not committed, or files in the way): commit or stash them") {
		t.Errorf("the error:\n%s", r.Stderr)
	}
	if c.read("environments/production/app.yaml") != mine || c.read("environments/production/new.yaml") != "untracked\n" {
		t.Error("uncommitted work was overwritten")
	}
	if _, err := os.Lstat(filepath.Join(c.dir, "environments/production/kustomization.yaml")); !os.IsNotExist(err) {
		t.Errorf("a file was written: %v", err)
	}
}

// TestLocalGates: windows, freezes and min-soak are judged on the
// checkout, from the clock and git's dates; a gate that holds leaves the
// working tree as it is (exit 0, gated). require-statuses and deployments
// need GitHub: exit 2, saying so.
func TestLocalGates(t *testing.T) {
	saturday, monday := start.Add(24*time.Hour), start.Add(70*time.Hour) // 2026-05-02 12:00, 2026-05-04 10:00 UTC
	freeze := map[string]string{".gitops-actions/freezes.yaml": "freezes:\n  - start: 2026-05-04\n    end: 2026-05-05\n    reason: release week\n    environments: [production]\n"}
	for _, tc := range []struct {
		name  string
		now   time.Time
		files map[string]string
		args  []string
		// gated is the gate-reason's start when a gate holds, "" when the
		// promotion is written.
		gated string
		log   string
	}{
		{name: "outside every window", now: saturday, args: []string{"--windows", "Mon-Fri 09:00-17:00 UTC"}, gated: "windows: outside every window"},
		{name: "inside a window", now: monday, args: []string{"--windows", "Mon-Fri 09:00-17:00 UTC"}},
		{name: "forced, with a reason", now: saturday, args: []string{"--windows", "Mon-Fri 09:00-17:00 UTC", "--force", "--force-reason", "hotfix"}, log: "warning: force overrode the gates (hotfix)"},
		{name: "not soaked yet", now: start.Add(2 * time.Hour), args: []string{"--min-soak", "2h"}, gated: "min-soak: in environments/staging for 1h of 2h, since "},
		{name: "soaked", now: start.Add(3 * time.Hour), args: []string{"--min-soak", "2h"}},
		{name: "the repository's freeze", now: monday, files: freeze, gated: "freezes: frozen: release week"},
		{name: "a freeze of another environment", now: monday, files: freeze, args: []string{"--to", "environments/production-eu"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCheckout(t)
			if tc.files != nil {
				c.commit(start.Add(30*time.Minute), "Freeze", tc.files)
			}
			c.commit(start.Add(time.Hour), "Bump app to v2.1.0", stagingAt("v2.1.0"))
			args := append([]string(nil), promoteArgs...)
			if len(tc.args) > 1 && tc.args[0] == "--to" {
				c.commit(start.Add(time.Hour), "Another production", map[string]string{"environments/production-eu/app.yaml": deployment("app", "ghcr.io/acme/app:v1.9.0")})
				args = []string{"--from", "environments/staging"}
			}
			c.now = tc.now
			r := c.run(append(args, tc.args...)...)
			r.wantCode(t, 0)
			if !strings.Contains(r.Stderr, tc.log) {
				t.Errorf("the log lacks %q:\n%s", tc.log, r.Stderr)
			}
			status := c.git("status", "--porcelain")
			if tc.gated == "" {
				r.wantOutputs(t, map[string]string{"gated": "false", "gate-reason": ""})
				if status == "" {
					t.Errorf("nothing written:\n%s", r.Stderr)
				}
				return
			}
			r.wantOutputs(t, map[string]string{"gated": "true", "promotion-pull-request-operation": "none", "tag": "v20260501130000"})
			if !strings.HasPrefix(r.Outputs["gate-reason"], tc.gated) {
				t.Errorf("gate-reason %q, want it to start with %q", r.Outputs["gate-reason"], tc.gated)
			}
			if status != "" || !strings.Contains(r.Stderr, "is gated, the working tree is left as it is") {
				t.Errorf("a gated run wrote %q:\n%s", status, r.Stderr)
			}
		})
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"require-statuses", []string{"--require-statuses", "smoke-tests"}, `input "require-statuses" needs the statuses and check runs GitHub holds`},
		{"deployments", []string{"--deployments"}, `input "deployments" records GitHub Deployments, which need GitHub`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCheckout(t)
			r := c.run(append(promoteArgs, tc.args...)...)
			r.wantCode(t, 2)
			if !strings.Contains(r.Stderr, tc.want) {
				t.Errorf("the error lacks %q:\n%s", tc.want, r.Stderr)
			}
			if tags := c.git("tag", "--list"); tags != "" {
				t.Errorf("tagged before refusing: %s", tags)
			}
		})
	}
	t.Run("pull request inputs", func(t *testing.T) {
		c := newCheckout(t)
		r := c.run(append(promoteArgs, "--labels", "promotion", "--draft", "--release-draft")...)
		r.wantCode(t, 0)
		if !strings.Contains(r.Stderr, "notice: labels, draft, release-draft shape(s) pull requests and releases on GitHub; a run on a checkout makes none, so it is ignored") {
			t.Errorf("no notice of the ignored inputs:\n%s", r.Stderr)
		}
	})
}

// TestLocalHostileTree: names with line breaks are promoted and quoted in
// the diff as git quotes them; a working tree whose target directory is a
// link out of it is never written through; .git is never a target.
func TestLocalHostileTree(t *testing.T) {
	t.Run("a name with a line break", func(t *testing.T) {
		c := newCheckout(t)
		c.commit(start.Add(time.Hour), "Odd names", map[string]string{"environments/staging/we\nird \"one\".yaml": "a: 1\n"})
		r := c.run(append(promoteArgs, "--promotion", "files", "--dry-run")...)
		r.wantCode(t, 0)
		if !strings.Contains(r.Own, "diff --git \"a/environments/production/we\\nird \\\"one\\\".yaml\" \"b/environments/production/we\\nird \\\"one\\\".yaml\"\nnew file mode 100644\n--- /dev/null\n+++ \"b/environments/production/we\\nird \\\"one\\\".yaml\"\n") {
			t.Errorf("the diff:\n%s", r.Own)
		}
		patch := filepath.Join(t.TempDir(), "p.patch")
		if err := os.WriteFile(patch, []byte(r.Own), 0o644); err != nil {
			t.Fatal(err)
		}
		c.git("apply", "--check", patch)
		c.run(append(promoteArgs, "--promotion", "files")...).wantCode(t, 0)
		if got := c.read("environments/production/we\nird \"one\".yaml"); got != "a: 1\n" {
			t.Errorf("the odd file: %q", got)
		}
	})
	t.Run("a link out of the tree in the target's place", func(t *testing.T) {
		c := newCheckout(t)
		c.commit(start.Add(time.Hour), "Bump app to v2.1.0", stagingAt("v2.1.0"))
		outside := t.TempDir()
		if err := os.WriteFile(filepath.Join(outside, "app.yaml"), []byte(localBase["environments/production/app.yaml"]), 0o644); err != nil {
			t.Fatal(err)
		}
		prod := filepath.Join(c.dir, "environments", "production")
		if err := os.RemoveAll(prod); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(outside, prod); err != nil {
			t.Fatal(err)
		}
		r := c.run(promoteArgs...)
		r.wantCode(t, 1)
		if !strings.Contains(r.Stderr, "a directory on its way is a symbolic link or a file") {
			t.Errorf("the error:\n%s", r.Stderr)
		}
		if data, _ := os.ReadFile(filepath.Join(outside, "app.yaml")); string(data) != localBase["environments/production/app.yaml"] {
			t.Errorf("the file outside the tree was written:\n%s", data)
		}
	})
	t.Run("git's directory", func(t *testing.T) {
		c := newCheckout(t)
		r := c.run("--from", "environments/staging", "--to", ".git/hooks", "--promotion", "files")
		r.wantCode(t, 2)
		if !strings.Contains(r.Stderr, `input "to": ".git/hooks" is git's own directory`) {
			t.Errorf("the error:\n%s", r.Stderr)
		}
	})
}

// TestLocalPushEvent: a job on GitHub's runner that checked the
// repository out and runs without a token answers its push event as a
// run through GitHub does: each commit of before..after on the
// first-parent line gets its tag, oldest first.
func TestLocalPushEvent(t *testing.T) {
	c := newCheckout(t)
	before := c.git("rev-parse", "HEAD")
	one := c.commit(start.Add(time.Hour), "Bump app to v2.1.0", stagingAt("v2.1.0"))
	two := c.commit(start.Add(2*time.Hour), "Bump app to v2.2.0", stagingAt("v2.2.0"))
	event := filepath.Join(t.TempDir(), "event.json")
	payload := `{"ref":"refs/heads/main","before":"` + before + `","after":"` + two + `","repository":{"full_name":"acme/config","default_branch":"main"}}`
	if err := os.WriteFile(event, []byte(payload), 0o644); err != nil {
		t.Fatal(err)
	}
	c.env = map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": event, "GITHUB_REPOSITORY": "acme/config"}
	r := c.run("--base", "main")
	r.wantCode(t, 0)
	r.wantOutputs(t, map[string]string{"tag": "v20260501140000", "tags": `[{"tag":"v20260501130000","sha":"` + one + `","pull-request-number":"","created":true,"release-url":""},{"tag":"v20260501140000","sha":"` + two + `","pull-request-number":"","created":true,"release-url":""}]`})
	if got := c.git("rev-parse", "v20260501130000^{commit}"); got != one {
		t.Errorf("v20260501130000 is on %s, want %s", got, one)
	}
	if !strings.Contains(r.Stdout, "::warning::no token or app-id: this run works on the job's checkout") {
		t.Errorf("a job without a token is not warned that nothing reaches GitHub:\n%s", r.Stdout)
	}
}
