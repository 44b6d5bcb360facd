package localgit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// Top returns the repository read from the top of its work tree: Tree
// and Archive then see every file, whatever directory Open was given.
func (r *Repo) Top() *Repo {
	t := *r
	t.prefix = ""
	return &t
}

// Dir returns the top of the work tree.
func (r *Repo) Dir() string { return r.dir }

// Branch returns the branch HEAD is on, or "" when HEAD is detached (as
// CI systems check out a commit).
func (r *Repo) Branch(ctx context.Context) (string, error) {
	out, err := r.output(ctx, "symbolic-ref", "--quiet", "--short", "HEAD")
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return "", nil
	}
	return strings.TrimSpace(out), err
}

// Change is a file one commit changes against another.
type Change struct {
	Path string
	// Status is added, removed, modified, renamed, copied or changed (its
	// type, as a file becoming a link).
	Status string
	// Previous is the path before a rename or copy.
	Previous string
}

// Changes lists the files that differ from commit (or tree) from to
// commit to, renames found; from "" means the empty tree, for a first
// commit.
func (r *Repo) Changes(ctx context.Context, from, to string) ([]Change, error) {
	for _, id := range []string{from, to} {
		if id != "" && !objectID.MatchString(id) {
			return nil, fmt.Errorf("%q is not an object name", id)
		}
	}
	args := []string{"diff-tree", "-r", "-z", "-M", "--no-commit-id", "--name-status"}
	if from == "" {
		args = append(args, "--root", to)
	} else {
		args = append(args, from, to)
	}
	out, err := r.output(ctx, args...)
	if err != nil {
		return nil, err
	}
	fields := strings.Split(strings.TrimSuffix(out, "\x00"), "\x00")
	var cs []Change
	for i := 0; i < len(fields); {
		st := fields[i]
		if st == "" {
			break
		}
		var c Change
		switch st[0] {
		case 'A':
			c.Status = "added"
		case 'D':
			c.Status = "removed"
		case 'M':
			c.Status = "modified"
		case 'T':
			c.Status = "changed"
		case 'R', 'C':
			c.Status = "renamed"
			if st[0] == 'C' {
				c.Status = "copied"
			}
			if i+2 >= len(fields) {
				return nil, fmt.Errorf("git diff-tree: a %s without its paths", c.Status)
			}
			c.Previous, c.Path = fields[i+1], fields[i+2]
			cs = append(cs, c)
			i += 3
			continue
		default:
			return nil, fmt.Errorf("git diff-tree: unknown status %q", st)
		}
		if i+1 >= len(fields) {
			return nil, fmt.Errorf("git diff-tree: status %q without a path", st)
		}
		c.Path = fields[i+1]
		cs = append(cs, c)
		i += 2
	}
	return cs, nil
}

// RevList returns the commits head has and base lacks (base "" : all of
// head's history), oldest first; both are full SHAs.
func (r *Repo) RevList(ctx context.Context, base, head string) ([]string, error) {
	args := []string{"rev-list", "--reverse", "--topo-order", head}
	if base != "" {
		args = append(args, "--not", base)
	}
	for _, id := range []string{base, head} {
		if id != "" && !objectID.MatchString(id) {
			return nil, fmt.Errorf("%q is not an object name", id)
		}
	}
	out, err := r.output(ctx, args...)
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}

// FirstParents returns rev's first-parent line, rev first, at most n
// commits (full SHAs).
func (r *Repo) FirstParents(ctx context.Context, rev string, n int) ([]string, error) {
	if !objectID.MatchString(rev) {
		return nil, fmt.Errorf("%q is not an object name", rev)
	}
	out, err := r.output(ctx, "rev-list", "--first-parent", "--max-count="+strconv.Itoa(max(n, 1)), rev)
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}

// MergeBase returns the best common ancestor of two commits, or "" when
// they have none.
func (r *Repo) MergeBase(ctx context.Context, a, b string) (string, error) {
	for _, id := range []string{a, b} {
		if !objectID.MatchString(id) {
			return "", fmt.Errorf("%q is not an object name", id)
		}
	}
	out, err := r.output(ctx, "merge-base", a, b)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return "", nil
	}
	return strings.TrimSpace(out), err
}

// LastChange returns the newest commit of rev's first-parent line that
// changed dir (a slash path from the top, taken literally, not as a
// pattern): on a branch that merges pull requests, the merge that
// brought the change. It reports false when no commit did.
func (r *Repo) LastChange(ctx context.Context, rev, dir string) (string, bool, error) {
	if !objectID.MatchString(rev) {
		return "", false, fmt.Errorf("%q is not an object name", rev)
	}
	out, err := r.literal(ctx, "log", "-1", "--first-parent", "--format=%H", rev, "--", dir)
	if err != nil {
		return "", false, err
	}
	sha := strings.TrimSpace(out)
	return sha, sha != "", nil
}

// literal runs git with pathspecs taken literally, so that a directory
// named "*" or ":(glob)x" means itself.
func (r *Repo) literal(ctx context.Context, args ...string) (string, error) {
	cmd := r.command(ctx, args...)
	cmd.Env = append(cmd.Env, "GIT_LITERAL_PATHSPECS=1")
	var stdout strings.Builder
	var stderr boundedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", args[0], err, stderr.text())
	}
	return stdout.String(), nil
}

// Lines are lines Start to End (1-based, inclusive) of a file, and the
// commit that last wrote them.
type Lines struct {
	Start, End int
	Commit     string
}

// Blame returns, for the file at path in commit rev, which commit last
// wrote each run of lines. A path holding a control character is not
// asked of git (its porcelain output could not be read back whole): it
// has no lines.
func (r *Repo) Blame(ctx context.Context, rev, path string) ([]Lines, error) {
	if !objectID.MatchString(rev) {
		return nil, fmt.Errorf("%q is not an object name", rev)
	}
	if strings.ContainsFunc(path, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return nil, nil
	}
	out, err := r.output(ctx, "blame", "--porcelain", rev, "--", path)
	if err != nil {
		return nil, err
	}
	var ls []Lines
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "\t") {
			continue // the line's text
		}
		f := strings.Fields(line)
		if len(f) < 3 || !objectID.MatchString(f[0]) {
			continue // a header of the commit: author, summary, filename...
		}
		final, err := strconv.Atoi(f[2])
		if err != nil {
			continue
		}
		n := 1
		if len(f) == 4 {
			if n, err = strconv.Atoi(f[3]); err != nil {
				continue
			}
		}
		if k := len(ls) - 1; k >= 0 && ls[k].Commit == f[0] && ls[k].End+1 == final {
			ls[k].End = final
			continue
		}
		if len(f) == 4 {
			ls = append(ls, Lines{Start: final, End: final + n - 1, Commit: f[0]})
		} else {
			ls = append(ls, Lines{Start: final, End: final, Commit: f[0]})
		}
	}
	return ls, sc.Err()
}

// ErrMergeTreeUnsupported says the git on PATH is older than 2.38, which
// brought `git merge-tree --write-tree`.
var ErrMergeTreeUnsupported = errors.New("git merge-tree --write-tree needs git 2.38 or later")

// MergeTree merges commit theirs into ours without touching the work
// tree or the index, as merging a pull request would, and returns the
// tree of the result; conflicts lists the files that conflict (then tree
// is git's tree with conflict markers, not to be used).
func (r *Repo) MergeTree(ctx context.Context, ours, theirs string) (tree string, conflicts []string, err error) {
	for _, id := range []string{ours, theirs} {
		if !objectID.MatchString(id) {
			return "", nil, fmt.Errorf("%q is not an object name", id)
		}
	}
	cmd := r.command(ctx, "merge-tree", "--write-tree", "-z", "--name-only", "--no-messages", ours, theirs)
	var stdout strings.Builder
	var stderr boundedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var ee *exec.ExitError
	switch {
	case runErr == nil:
	case errors.As(runErr, &ee) && ee.ExitCode() == 1:
	case errors.As(runErr, &ee) && strings.Contains(stderr.text(), "usage:"):
		return "", nil, ErrMergeTreeUnsupported
	default:
		return "", nil, fmt.Errorf("git merge-tree: %w: %s", runErr, stderr.text())
	}
	fields := strings.Split(stdout.String(), "\x00")
	if !objectID.MatchString(fields[0]) {
		return "", nil, fmt.Errorf("git merge-tree: unexpected answer %q", stdout.String())
	}
	if runErr != nil {
		seen := map[string]bool{}
		for _, f := range fields[1:] {
			if f == "" {
				break
			}
			if !seen[f] {
				seen[f] = true
				conflicts = append(conflicts, f)
			}
		}
	}
	return fields[0], conflicts, nil
}
