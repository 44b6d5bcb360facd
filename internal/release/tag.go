package release

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// recentTags is how many tags, newest commit first, are read with their
// commits to learn whether a merge is tagged already.
const recentTags = 100

// Tag tags one merge and publishes its release, in six requests when
// nothing races it: the commit with its files; every tag of the format;
// one GraphQL lookup of the approvers, the changed YAML files before and
// after, and the latest tags with their commits; the tag object; its ref;
// the release.
//
// Creating the ref is the lock. A name another commit holds is skipped for
// the next one (-1, -2, ... after a time; the next version); a tag of the
// format found on the merge's own commit is the merge's tag (created
// false), so a re-run, or two runs for one merge, tag it once. Tags are
// never moved or deleted. A release that exists for the tag is left as it
// is; one that cannot be published is a *ReleaseError, and the tag stays.
func Tag(ctx context.Context, gh GitHub, m Merge, opts Options) (*Result, error) {
	c := m.commit
	if c == nil {
		var err error
		if c, err = gh.Commit(ctx, m.SHA); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, &UnknownCommitError{Ref: m.SHA, Err: err}
			}
			return nil, err
		}
	}
	if m.Time.IsZero() {
		m.Time = c.CommittedAt
	}
	r := &Result{SHA: c.SHA, Pull: m.Pull, Files: c.Files}
	if opts.Format.Semver() {
		var labels []string
		title, body := subject(c.Message), c.Message
		if m.Pull != nil {
			labels, title, body = m.Pull.Labels, m.Pull.Title, m.Pull.Body
		}
		r.Bump, r.BumpReason = BumpFor(labels, title, body, opts.DefaultBump)
		if r.Bump == BumpNone {
			r.Skipped = fmt.Sprintf("%s: no release, so %s is not tagged", r.BumpReason, short(c.SHA))
			return r, nil
		}
	}
	tags, err := gh.Tags(ctx, opts.Format.ListPrefix())
	if err != nil {
		return nil, err
	}
	names := sortedNames(tags)
	// The lookup comes after the list: every tag listed is then among the
	// recent tags it peels, unless more than recentTags are newer.
	l := Lookup{Blobs: blobsFor(c), RecentTags: recentTags}
	if m.Pull != nil {
		l.Pull = m.Pull.Number
	}
	facts, err := gh.Lookup(ctx, l)
	if err != nil && len(l.Blobs) > 0 {
		// The files are what can make the lookup fail for good (an answer
		// too large): tag without the image changes rather than not at all.
		l.Blobs = nil
		if facts, err = gh.Lookup(ctx, l); err == nil {
			r.Warnings = append(r.Warnings, fmt.Sprintf("the changed files of %s could not be read, so the image changes are not shown", short(c.SHA)))
		}
	}
	if err != nil {
		return nil, err
	}
	r.Approvers = facts.Approvers
	if facts.PullError != "" && m.Pull != nil {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the reviews of pull request #%d could not be read, so no approver is named (give the token pull-requests: read): %s", m.Pull.Number, facts.PullError))
	}
	changes, warnings, err := imageChanges(ctx, c, facts.Blobs, opts)
	if err != nil {
		return nil, err
	}
	r.Changes, r.Warnings = changes, append(r.Warnings, warnings...)
	if !c.Complete {
		r.Warnings = append(r.Warnings, fmt.Sprintf("commit %s changes more files than GitHub lists; image changes in the others are not shown", short(c.SHA)))
	}
	if err := claim(ctx, gh, r, m, c, opts.Format, names, facts.RecentTags); err != nil {
		return r, err
	}
	r.Previous = opts.Format.previous(names, r.Tag)
	if opts.Format.Semver() {
		r.Version = strings.TrimPrefix(r.Tag, opts.Format.prefix)
	}
	if opts.CreateRelease {
		if err := publish(ctx, gh, r, c, opts); err != nil {
			return r, err
		}
	}
	return r, nil
}

// claim finds the merge's tag or makes it, and records it in r.
func claim(ctx context.Context, gh GitHub, r *Result, m Merge, c *Commit, f Format, names []string, recent []PeeledTag) error {
	known := map[string]string{}
	for _, t := range recent {
		if t.Commit == c.SHA && f.owns(t.Name, m.Time) {
			r.Tag = t.Name
			return nil
		}
		known[t.Name] = t.Commit
	}
	listed := map[string]bool{}
	for _, n := range names {
		listed[n] = true
	}
	message := tagMessage(m, c, r.Approvers, r.Changes)
	candidates := f.candidates(m.Time, names, r.Bump)
	for _, name := range candidates {
		if _, ok := known[name]; ok {
			// Held by another commit (this one's would have matched
			// above): the recent tags are read after the list, so this is
			// what GitHub holds.
			r.Taken = append(r.Taken, name)
			continue
		}
		if listed[name] {
			commit, ok, err := gh.Peel(ctx, name)
			if err != nil {
				return err
			}
			if ok && commit == c.SHA {
				r.Tag = name
				return nil
			}
			if ok {
				r.Taken = append(r.Taken, name)
				continue
			}
		}
		err := gh.CreateTag(ctx, name, message, c.SHA)
		var exists *TagExistsError
		switch {
		case err == nil:
			r.Tag, r.Created = name, true
			return nil
		case errors.As(err, &exists) && exists.Commit == c.SHA:
			// Another run for this merge got there first.
			r.Tag = name
			return nil
		case errors.As(err, &exists):
			r.Taken = append(r.Taken, name)
		case errors.Is(err, ErrNotFound):
			return &UnknownCommitError{Ref: c.SHA, Err: err}
		default:
			return err
		}
	}
	return fmt.Errorf("tagging %s: the %d names from %q to %q are all held by other commits", short(c.SHA), len(candidates), candidates[0], candidates[len(candidates)-1])
}

// publish makes sure the tag has its release.
func publish(ctx context.Context, gh GitHub, r *Result, c *Commit, opts Options) error {
	if !r.Created {
		// The tag was there: so may its release be, even a draft.
		rel, err := gh.FindRelease(ctx, r.Tag, opts.Draft)
		if err != nil {
			return &ReleaseError{Tag: r.Tag, Err: err}
		}
		if rel != nil {
			r.Release = rel
			return nil
		}
	}
	rel, created, err := gh.CreateRelease(ctx, NewRelease{
		Tag: r.Tag, Name: r.Tag, Body: releaseNotes(r, c, opts), Draft: opts.Draft, Prerelease: opts.Prerelease,
	})
	if err != nil {
		return &ReleaseError{Tag: r.Tag, Err: err}
	}
	r.Release, r.ReleaseCreated = rel, created
	return nil
}
