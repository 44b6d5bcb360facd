package verifymanifests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/localgit/localgittest"
)

// localEnv is a laptop's environment: git on PATH, no token.
func localEnv(home string) map[string]string {
	return map[string]string{"PATH": os.Getenv("PATH"), "HOME": home, "GIT_CONFIG_NOSYSTEM": "1"}
}

// TestDiffLocalGit: without a token, diff-base is any revision git
// understands, read from the repository the working directory is in with
// git archive: a committed change against HEAD~1, the working tree's own
// changes against HEAD, and a config repository that is a directory of a
// larger one.
func TestDiffLocalGit(t *testing.T) {
	tests := []struct {
		name    string
		sub     string // the config repository's directory in the git repository
		base    string
		commit  bool // the head's change is committed; else left in the work tree
		changed string
	}{
		{name: "HEAD~1", base: "HEAD~1", commit: true, changed: "1"},
		{name: "a tag", base: "v1", commit: true, changed: "1"},
		{name: "the work tree against HEAD", base: "HEAD", changed: "1"},
		{name: "the work tree against itself", base: "HEAD", commit: true, changed: "0"},
		{name: "a directory of a larger repository", sub: "deploy/config", base: "HEAD~1", commit: true, changed: "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			repo := t.TempDir()
			dir := filepath.Join(repo, filepath.FromSlash(tc.sub))
			localgittest.Init(t, repo)
			under := func(files map[string]string) map[string]string {
				out := map[string]string{}
				for p, c := range files {
					out[filepath.ToSlash(filepath.Join(tc.sub, p))] = c
				}
				return out
			}
			localgittest.Commit(t, repo, under(configFiles("v1.0.0", "v1.0.0")), "base")
			localgittest.Git(t, repo, "tag", "v1")
			if tc.commit {
				localgittest.Commit(t, repo, under(configFiles("v1.1.0", "v1.0.0")), "head")
			} else {
				clitest.Write(t, repo, under(configFiles("v1.1.0", "v1.0.0")))
			}
			got, outs := clitest.RunOutputs(t, Command, dir, localEnv(repo), "--path", "environments", "--environments", "environments/staging,environments/production",
				"--diff-base", tc.base, "--diff-file", "diff.txt")
			if got.Code != cli.ExitOK {
				t.Fatalf("exit %d\n%s\n%s", got.Code, got.Stdout, got.Stderr)
			}
			for name, want := range map[string]string{"diff-changed": tc.changed, "diff-added": "0", "diff-removed": "0"} {
				if outs[name] != want {
					t.Errorf("output %s = %q, want %q", name, outs[name], want)
				}
			}
			b, err := os.ReadFile(filepath.Join(dir, "diff.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if has := strings.Contains(string(b), "ghcr.io/acme/web:v1.0.0") && strings.Contains(string(b), "ghcr.io/acme/web:v1.1.0"); has != (tc.changed == "1") {
				t.Errorf("diff-file shows the image's change: %v, want %v:\n%s", has, tc.changed == "1", b)
			}
		})
	}
}

// TestDiffLocalGitBadInput: what a local run without a token is told when
// the base cannot be read with git.
func TestDiffLocalGitBadInput(t *testing.T) {
	repo := t.TempDir()
	localgittest.Init(t, repo)
	localgittest.Commit(t, repo, configFiles("v1.0.0", "v1.0.0"), "base")
	outside := t.TempDir()
	noGit := localEnv(repo)
	noGit["PATH"] = t.TempDir()
	notRepo := localEnv(outside)
	notRepo["GIT_CEILING_DIRECTORIES"] = filepath.Dir(outside)
	tests := []struct {
		name    string
		dir     string
		env     map[string]string
		base    string
		wantErr string
	}{
		{name: "no git on PATH", dir: repo, env: noGit, base: "HEAD", wantErr: `input "diff-base": without token, the base "HEAD" is read from the local git repository with the git command, and there is no git on PATH: install git, or set token`},
		{name: "not a git work tree", dir: outside, env: notRepo, base: "HEAD", wantErr: `input "diff-base": without token, the base "HEAD" is read from the local git repository, and the working directory is not in one`},
		{name: "an unknown revision", dir: repo, env: localEnv(repo), base: "HEAD~3", wantErr: `input "diff-base": git knows no commit "HEAD~3" in this repository`},
		{name: "an option", dir: repo, env: localEnv(repo), base: "--output=x", wantErr: `input "diff-base": "--output=x" is not a revision`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := clitest.Run(t, Command, tc.dir, tc.env, "--diff-base", tc.base)
			if got.Code != cli.ExitUsage || !strings.Contains(got.Stderr, tc.wantErr) {
				t.Errorf("exit %d, want 2 and an error saying %q:\n%s\n%s", got.Code, tc.wantErr, got.Stdout, got.Stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(repo, "x")); err == nil {
		t.Error("git wrote the file an option named")
	}
}
