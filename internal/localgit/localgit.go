// Package localgit reads a git repository on this machine through the git
// command: what a run outside GitHub (a laptop, GitLab CI, Jenkins) has in
// place of the GitHub API, a checkout and git. Every revision git
// understands works (HEAD~1, origin/main, a tag, a SHA), and files come out
// through `git archive`, read as hostile as an archive from the API is
// (package archive).
package localgit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/archive"
	"github.com/gitops-actions/gitops-actions/internal/memfs"
)

// ErrNoGit says no git command is on PATH.
var ErrNoGit = errors.New("no git command on PATH")

// ErrNotWorkTree says the directory is not in a git work tree.
var ErrNotWorkTree = errors.New("not in a git work tree")

// ErrUnknownRevision says git knows no commit by that name.
var ErrUnknownRevision = errors.New("no commit of that name in the repository")

// Repo is the work tree a directory is in, and the git command that reads
// it.
type Repo struct {
	git string
	// dir is where git runs: the directory given to Open, then the top of
	// its work tree.
	dir string
	// prefix is dir's path in the work tree, slash-separated, "" at its
	// top: archives are of that subtree.
	prefix string
	env    []string
}

// passed are the variables of the caller's environment git sees: where it
// finds its configuration and the repository, and the identity a tag is
// made as; nothing else.
var passed = []string{"HOME", "XDG_CONFIG_HOME", "GIT_DIR", "GIT_WORK_TREE", "GIT_CEILING_DIRECTORIES", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM",
	"GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "EMAIL"}

// Open finds git on the PATH getenv gives and the work tree dir is in. It
// fails with ErrNoGit or ErrNotWorkTree (with git's own words).
func Open(ctx context.Context, dir string, getenv func(string) string) (*Repo, error) {
	git, err := lookPath("git", getenv("PATH"))
	if err != nil {
		return nil, err
	}
	r := &Repo{git: git, dir: dir, env: []string{"PATH=" + getenv("PATH"), "LC_ALL=C", "GIT_TERMINAL_PROMPT=0"}}
	for _, k := range passed {
		if v := getenv(k); v != "" {
			r.env = append(r.env, k+"="+v)
		}
	}
	out, err := r.output(ctx, "rev-parse", "--is-inside-work-tree", "--show-toplevel", "--show-prefix")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotWorkTree, err)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) < 2 || lines[0] != "true" {
		return nil, fmt.Errorf("%w: git rev-parse says %q", ErrNotWorkTree, out)
	}
	// From here on git runs at the top of the work tree: git archive
	// refuses a working directory it does not track.
	r.dir = lines[1]
	if len(lines) > 2 {
		r.prefix = strings.TrimSuffix(lines[2], "/")
	}
	return r, nil
}

// lookPath finds an executable file name in the directories of path.
func lookPath(name, path string) (string, error) {
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name)
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", ErrNoGit
}

// Resolve returns the commit SHA rev names: anything `git rev-parse`
// takes (HEAD~1, a branch, a tag, a short SHA). A name that starts with
// "-" or holds a control character is refused before git sees it (it
// would read as an option); one git does not know is ErrUnknownRevision.
func (r *Repo) Resolve(ctx context.Context, rev string) (string, error) {
	if rev == "" || strings.HasPrefix(rev, "-") || strings.ContainsFunc(rev, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return "", fmt.Errorf("%q is not a revision", rev)
	}
	out, err := r.output(ctx, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 {
			return "", fmt.Errorf("%q: %w", rev, ErrUnknownRevision)
		}
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// Archive reads the files of the directory Open was given as they are at
// commit sha (from Resolve), through `git archive`: links, submodules and
// files over opts' limits are left out and listed, as package archive
// does. A directory that did not exist at sha is an empty tree.
func (r *Repo) Archive(ctx context.Context, sha string, opts archive.Options) (*archive.Result, error) {
	treeish := sha
	if r.prefix != "" {
		treeish = sha + ":" + r.prefix
		// Nothing there, or a file there then: the directory's base is
		// empty. ("sha:path^{tree}" would read as a path named so.)
		if kind, err := r.output(ctx, "cat-file", "-t", treeish); err != nil || strings.TrimSpace(kind) != "tree" {
			return &archive.Result{FS: memfs.New(nil)}, nil
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := r.command(ctx, "archive", "--format=tar", treeish)
	var stderr boundedBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("running %s archive: %w", r.git, err)
	}
	res, readErr := archive.ReadTar(stdout, opts)
	if readErr != nil {
		cancel() // git may still be writing: it need not finish
	}
	io.Copy(io.Discard, stdout)
	waitErr := cmd.Wait()
	switch {
	case readErr != nil:
		return nil, fmt.Errorf("reading git archive %s: %w", treeish, readErr)
	case waitErr != nil:
		return nil, fmt.Errorf("git archive %s: %w: %s", treeish, waitErr, stderr.text())
	}
	return res, nil
}

// output runs git with args in the directory and returns its standard
// output; a failure carries what git said on standard error.
func (r *Repo) output(ctx context.Context, args ...string) (string, error) {
	cmd := r.command(ctx, args...)
	var stdout bytes.Buffer
	var stderr boundedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := stderr.text(); msg != "" {
			return "", fmt.Errorf("git %s: %w: %s", args[0], err, msg)
		}
		return "", fmt.Errorf("git %s: %w", args[0], err)
	}
	return stdout.String(), nil
}

func (r *Repo) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, r.git, args...)
	cmd.Dir = r.dir
	cmd.Env = r.env
	return cmd
}

// boundedBuffer keeps the first 4 KiB written to it: enough of git's
// message, never all of a runaway one.
type boundedBuffer struct{ b []byte }

func (w *boundedBuffer) Write(p []byte) (int, error) {
	if room := 4096 - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (w *boundedBuffer) text() string { return strings.TrimSpace(string(w.b)) }
