package release

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// recentTags is how many tags, newest commit first, are read with their
// commits to learn whether a merge is tagged already.
const recentTags = 100

// Tagged is what Tag did: each merge's result, oldest first (the merges
// it caught up, then the event's), and what it found before the event's
// merges.
type Tagged struct {
	Results []*Result
	CatchUp CatchUp
}

// Tag tags the merges an event brought to base, oldest first, and
// publishes their releases. Before the first, it tags the merges on
// base's first-parent line that landed since the newest tag of the format
// and that no run tagged (their runs were cancelled, or failed), oldest
// first, so that a cancelled run's merges are tagged by the next run and
// semantic versions follow the order of the merges (see catchUp).
//
// Tagging one merge and publishing its release takes six requests when
// nothing races it: the commit with its files; every tag of the format
// (listed once a run); one GraphQL lookup of the approvers, the changed
// YAML files before and after, the latest tags with their commits (and,
// for the event's first merge, base's history before it; for a merge
// planned without its pull request, that pull request); the tag object;
// its ref; the release. A push of one commit costs the same: the compare
// that found the commit gave its files.
//
// Creating the ref is the lock. A name another commit holds is skipped for
// the next one (-1, -2, ... after a time; the next version); a tag of the
// format found on the merge's own commit is the merge's tag (created
// false), so a re-run, or two runs for one merge, tag it once. Tags are
// never moved or deleted. A release that exists for the tag is left as it
// is; one that cannot be published is a *ReleaseError, and the tag stays.
// On an error, Tagged holds what was done before it.
func Tag(ctx context.Context, gh GitHub, merges []Merge, opts Options) (*Tagged, error) {
	out := &Tagged{}
	if len(merges) == 0 {
		return out, nil
	}
	s := &tagging{opts: opts, known: map[string]string{}}
	first, err := s.read(ctx, gh, merges[0], true)
	if err != nil {
		return out, err
	}
	missed, err := s.catchUp(ctx, gh, first, &out.CatchUp)
	if err != nil {
		return out, err
	}
	for _, m := range missed {
		r, err := s.tag(ctx, gh, m)
		if r != nil {
			r.CaughtUp = true
			out.Results = append(out.Results, r)
		}
		var rel *ReleaseError
		if errors.As(err, &rel) {
			rel.CaughtUp, rel.SHA = true, m.SHA
		}
		if err != nil {
			return out, err
		}
	}
	err = s.finish(ctx, gh, first)
	out.Results = append(out.Results, first.r)
	if err != nil {
		return out, err
	}
	for _, m := range merges[1:] {
		r, err := s.tag(ctx, gh, m)
		if r != nil {
			out.Results = append(out.Results, r)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// tagging is what a run knows of the tags while it tags its merges.
type tagging struct {
	opts Options
	// listed says names holds the tags of the format's prefix, listed once
	// a run; names grows with the names the run made, found, or saw in a
	// lookup since, sorted.
	listed bool
	names  []string
	// known maps the tags whose commits the run knows (the lookups' recent
	// tags, what it made or found) to them.
	known map[string]string
}

// add records tag names the run learned of, with their commits when
// known.
func (s *tagging) add(tags ...PeeledTag) {
	for _, t := range tags {
		if t.Commit != "" {
			s.known[t.Name] = t.Commit
		}
		if !strings.HasPrefix(t.Name, s.opts.Format.ListPrefix()) {
			continue
		}
		if i, found := slices.BinarySearch(s.names, t.Name); !found {
			s.names = slices.Insert(s.names, i, t.Name)
		}
	}
}

// list reads every tag of the format's prefix, once a run.
func (s *tagging) list(ctx context.Context, gh GitHub) error {
	if s.listed {
		return nil
	}
	tags, err := gh.Tags(ctx, s.opts.Format.ListPrefix())
	if err != nil {
		return err
	}
	s.names = append(sortedNames(tags), s.names...)
	slices.Sort(s.names)
	s.names = slices.Compact(s.names)
	s.listed = true
	return nil
}

// anyOfFormat reports whether a listed tag is of the format.
func (s *tagging) anyOfFormat() bool {
	for _, n := range s.names {
		if s.opts.Format.matches(n) {
			return true
		}
	}
	return false
}

// reading is one merge being tagged: what was read of it.
type reading struct {
	m     Merge
	c     *Commit
	r     *Result
	facts *Facts
	// history says the lookup read base's history before the merge.
	history bool
}

// bump decides a semver merge's bump from its pull request, else from
// its commit's message (msg), and marks it skipped for release:none.
func (rd *reading) bump(opts Options, msg string) {
	var labels []string
	title, body := subject(msg), msg
	if p := rd.m.Pull; p != nil {
		labels, title, body = p.Labels, p.Title, p.Body
	}
	rd.r.Bump, rd.r.BumpReason = BumpFor(labels, title, body, opts.DefaultBump)
	if rd.r.Bump == BumpNone {
		rd.r.Skipped = fmt.Sprintf("%s: no release, so %s is not tagged", rd.r.BumpReason, short(rd.m.SHA))
	}
}

// tag tags one merge and publishes its release.
func (s *tagging) tag(ctx context.Context, gh GitHub, m Merge) (*Result, error) {
	rd, err := s.read(ctx, gh, m, false)
	if err != nil {
		return nil, err
	}
	return rd.r, s.finish(ctx, gh, rd)
}

// read reads a merge: its commit and bump, the tags, and one lookup of its
// approvers, changed files and the recent tags, from which it computes
// the image changes. A merge that gets no tag costs the commit only
// (whose files deployments record), except with history (the event's
// first merge): then the lookup also reads base's history before the
// merge, for catchUp, and happens even for a merge that gets no tag. The
// lookup also reads the pull request of a merge planned without it
// (pullUnread), which decides its time and bump.
func (s *tagging) read(ctx context.Context, gh GitHub, m Merge, history bool) (*reading, error) {
	rd := &reading{m: m, r: &Result{SHA: m.SHA, Pull: m.Pull}}
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
	rd.c = c
	rd.r.SHA, rd.r.Files = c.SHA, c.Files
	if !m.pullUnread {
		rd.settle(s.opts)
	}
	skipped := rd.r.Skipped != ""
	if skipped && !history {
		return rd, nil
	}
	if err := s.list(ctx, gh); err != nil {
		return nil, err
	}
	// The lookup comes after the list: every tag listed is then among the
	// recent tags it peels, unless more than recentTags are newer.
	l := Lookup{RecentTags: recentTags}
	if !skipped {
		l.Blobs = blobsFor(c)
		if m.Pull != nil {
			l.Pull = m.Pull.Number
		}
	}
	if m.pullUnread {
		l.Commits = []string{c.SHA}
	}
	if rd.history = history && len(c.Parents) > 0 && s.anyOfFormat(); rd.history {
		l.History, l.HistoryLen = c.Parents[0], historyFirst
	} else if skipped {
		return rd, nil
	}
	facts, err := gh.Lookup(ctx, l)
	if err != nil && len(l.Blobs) > 0 {
		// The files are what can make the lookup fail for good (an answer
		// too large): tag without the image changes rather than not at all.
		l.Blobs = nil
		if facts, err = gh.Lookup(ctx, l); err == nil {
			rd.r.Warnings = append(rd.r.Warnings, fmt.Sprintf("the changed files of %s could not be read, so the image changes are not shown", short(c.SHA)))
		}
	}
	if err != nil {
		return nil, err
	}
	rd.facts = facts
	s.add(facts.RecentTags...)
	approvers := facts.Approvers
	if m.pullUnread {
		rd.m.Pull, rd.m.pullUnread = pick(facts.Pulls[c.SHA], c.SHA, s.opts.Base), false
		rd.r.Pull = rd.m.Pull
		rd.settle(s.opts)
		if skipped = rd.r.Skipped != ""; skipped {
			return rd, nil
		}
		approvers = nil
		if rd.m.Pull != nil {
			approvers = rd.m.Pull.Approvers
		}
	}
	if skipped {
		return rd, nil
	}
	rd.r.Approvers = approvers
	if facts.PullError != "" && rd.m.Pull != nil {
		rd.r.Warnings = append(rd.r.Warnings, fmt.Sprintf("the reviews of pull request #%d could not be read, so no approver is named (give the token pull-requests: read): %s", rd.m.Pull.Number, facts.PullError))
	}
	changes, warnings, err := imageChanges(ctx, c, facts.Blobs, s.opts)
	if err != nil {
		return nil, err
	}
	rd.r.Changes, rd.r.Warnings = changes, append(rd.r.Warnings, warnings...)
	if !c.Complete {
		rd.r.Warnings = append(rd.r.Warnings, fmt.Sprintf("commit %s changes more files than GitHub lists; image changes in the others are not shown", short(c.SHA)))
	}
	return rd, nil
}

// settle decides what follows from the merge's pull request, once it is
// known: the time that names the tag (the pull request's merge, else the
// commit's committer time) and, for semver, the bump.
func (rd *reading) settle(opts Options) {
	if rd.m.Time.IsZero() && rd.m.Pull != nil {
		rd.m.Time = rd.m.Pull.MergedAt
	}
	if rd.m.Time.IsZero() {
		rd.m.Time = rd.c.CommittedAt
	}
	if opts.Format.Semver() {
		rd.bump(opts, rd.c.Message)
	}
}

// finish claims the merge's tag and publishes its release.
func (s *tagging) finish(ctx context.Context, gh GitHub, rd *reading) error {
	r := rd.r
	if r.Skipped != "" {
		return nil
	}
	err := claim(ctx, gh, r, rd.m, rd.c, s.opts.Format, s.names, s.known)
	if r.Tag != "" {
		s.add(PeeledTag{Name: r.Tag, Commit: r.SHA})
	}
	if err != nil {
		return err
	}
	r.Previous = s.opts.Format.previous(s.names, r.Tag)
	if s.opts.Format.Semver() {
		r.Version = strings.TrimPrefix(r.Tag, s.opts.Format.prefix)
	}
	if s.opts.CreateRelease {
		if err := publish(ctx, gh, r, rd.c, s.opts); err != nil {
			return err
		}
	}
	return nil
}

// ownTag returns the tag of the format on the merge's own commit among
// known (tag name to commit), or "".
func ownTag(m Merge, sha string, f Format, known map[string]string) string {
	var names []string
	for name, commit := range known {
		if commit == sha && f.owns(name, m.Time) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	return names[0]
}

// claim finds the merge's tag or makes it, and records it in r. known maps
// the tags whose commits the run knows to them; names are the tags of the
// format's prefix.
func claim(ctx context.Context, gh GitHub, r *Result, m Merge, c *Commit, f Format, names []string, known map[string]string) error {
	if tag := ownTag(m, c.SHA, f, known); tag != "" {
		r.Tag = tag
		return nil
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
