package localgit

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Tag is a tag of the repository.
type Tag struct {
	Name string
	// Object is what the tag's ref points to (a tag object for an
	// annotated tag); Commit the commit it leads to, "" when it leads to
	// no commit (a tag of a tree or a blob).
	Object, Commit string
	// Date is the tagger's time of an annotated tag, the commit's time
	// of a lightweight one.
	Date time.Time
}

// Tags lists every tag, the newest first (by Date, then name).
func (r *Repo) Tags(ctx context.Context) ([]Tag, error) {
	out, err := r.output(ctx, "for-each-ref", "--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)%00%(creatordate:unix)", "refs/tags/")
	if err != nil {
		return nil, err
	}
	var tags []Tag
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "\x00")
		if len(f) != 6 {
			continue
		}
		name, ok := strings.CutPrefix(f[0], "refs/tags/")
		if !ok {
			continue
		}
		t := Tag{Name: name, Object: f[2]}
		switch {
		case f[1] == "commit":
			t.Commit = f[2]
		case f[3] == "commit":
			t.Commit = f[4]
		case f[1] == "tag":
			// A tag of a tag: git peels it whole.
			if sha, err := r.Resolve(ctx, f[0]); err == nil {
				t.Commit = sha
			}
		}
		if secs, err := strconv.ParseInt(f[5], 10, 64); err == nil {
			t.Date = time.Unix(secs, 0).UTC()
		}
		tags = append(tags, t)
	}
	sort.SliceStable(tags, func(i, j int) bool {
		if !tags[i].Date.Equal(tags[j].Date) {
			return tags[i].Date.After(tags[j].Date)
		}
		return tags[i].Name > tags[j].Name
	})
	return tags, nil
}

// PeelTag returns the commit tag name leads to, and whether it exists. A
// name that is not a valid tag name is an error.
func (r *Repo) PeelTag(ctx context.Context, name string) (string, bool, error) {
	if err := r.checkTagName(ctx, name); err != nil {
		return "", false, err
	}
	sha, err := r.Resolve(ctx, "refs/tags/"+name)
	if errors.Is(err, ErrUnknownRevision) {
		return "", false, nil
	}
	return sha, err == nil, err
}

// ErrNoIdentity says git has no name or e-mail address to sign a tag
// with.
var ErrNoIdentity = errors.New("git knows no identity to make the tag as")

// TagExistsError says a tag of that name exists already, on Commit.
type TagExistsError struct {
	Tag, Commit string
}

func (e *TagExistsError) Error() string {
	return fmt.Sprintf("tag %q exists already (on %s)", e.Tag, e.Commit)
}

// CreateTag makes the annotated tag name on commit sha with message, as
// it is (no line dropped, no comment stripped), tagged by git's identity
// (user.name and user.email, or GIT_COMMITTER_NAME and
// GIT_COMMITTER_EMAIL). The ref is created only if it does not exist: a
// tag that exists, whoever made it, is a *TagExistsError, and is never
// moved.
func (r *Repo) CreateTag(ctx context.Context, name, message, sha string) error {
	if err := r.checkTagName(ctx, name); err != nil {
		return err
	}
	if !objectID.MatchString(sha) {
		return fmt.Errorf("%q is not an object name", sha)
	}
	cmd := r.command(ctx, "tag", "--annotate", "--cleanup=verbatim", "--file=-", name, sha)
	cmd.Stdin = strings.NewReader(message)
	var stderr boundedBuffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if commit, ok, perr := r.PeelTag(ctx, name); perr == nil && ok {
		return &TagExistsError{Tag: name, Commit: commit}
	}
	msg := stderr.text()
	if strings.Contains(msg, "tell me who you are") || strings.Contains(msg, "empty ident") || strings.Contains(msg, "unable to auto-detect email") {
		return fmt.Errorf("%w: %s", ErrNoIdentity, firstLine(msg))
	}
	return fmt.Errorf("git tag %s: %w: %s", name, err, msg)
}

// checkTagName refuses a name git would read as an option or as more than
// a tag, then asks git whether refs/tags/name is a valid ref.
func (r *Repo) checkTagName(ctx context.Context, name string) error {
	if name == "" || strings.HasPrefix(name, "-") || strings.ContainsFunc(name, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return fmt.Errorf("%q is not a tag name", name)
	}
	cmd := r.command(ctx, "check-ref-format", "refs/tags/"+name)
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%q is not a tag name", name)
		}
		return err
	}
	return nil
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "***") {
			return l
		}
	}
	return s
}
