// Package release tags merged changes and publishes their releases:
// which commits an event brought to the base branch, the tag each gets
// (the merge time or the next semantic version, exactly once however many
// runs race for it), the annotated tag's message, the image changes each
// carried and the release notes. It talks to GitHub through the GitHub
// interface it declares, and prints nothing: what it did is its Result.
package release

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// GitHub is what the engine needs from GitHub, for one repository.
type GitHub interface {
	// Commit reads a commit (a SHA or "heads/<branch>") with its changed
	// files; a missing one is an error wrapping ErrNotFound.
	Commit(ctx context.Context, ref string) (*Commit, error)
	// Compare lists the commits of head that base lacks, oldest first,
	// and the files they change.
	Compare(ctx context.Context, base, head string) (*Comparison, error)
	// Tags lists every tag whose name starts with prefix.
	Tags(ctx context.Context, prefix string) ([]TagRef, error)
	// Lookup reads approvers, files, recent tags and a commit's history at
	// once.
	Lookup(ctx context.Context, l Lookup) (*Facts, error)
	// Peel returns the commit a tag points to, and whether it exists.
	Peel(ctx context.Context, tag string) (string, bool, error)
	// CreateTag makes an annotated tag, at most once; a tag that exists is
	// a *TagExistsError.
	CreateTag(ctx context.Context, name, message, sha string) error
	// FindRelease returns the release of a tag, drafts too when asked, or
	// nil.
	FindRelease(ctx context.Context, tag string, drafts bool) (*Release, error)
	// CreateRelease publishes a release at most once and reports whether
	// this call made it; one that exists is answered as it is.
	CreateRelease(ctx context.Context, r NewRelease) (*Release, bool, error)
}

// ErrNotFound is what GitHub implementations wrap when a commit does not
// exist.
var ErrNotFound = errors.New("not found")

// TagExistsError says a tag exists already, on Commit.
type TagExistsError struct {
	Tag, Commit string
}

func (e *TagExistsError) Error() string {
	return fmt.Sprintf("tag %q exists already (on %s)", e.Tag, e.Commit)
}

// Commit is a commit with what the engine reads of it.
type Commit struct {
	SHA     string
	Parents []string
	Message string
	// Author is the author's GitHub login when known, else their name.
	Author      string
	CommittedAt time.Time
	// Files are the files changed against the first parent (Commit only;
	// Compare leaves them out).
	Files []File
	// Complete is false when GitHub listed only part of the files.
	Complete bool
	// Pulls are the pull requests that brought the commit (a Lookup's
	// History only).
	Pulls []Pull
}

// Comparison is what lies between two commits: the commits of the head
// that the base lacks, oldest first (without their files), and the files
// they change, against the base.
type Comparison struct {
	Commits []Commit
	Files   []File
	// Complete says Files are every file changed (GitHub lists at most
	// 300) and Commits every commit; a checkout lists no files.
	Complete bool
}

// File is a file a commit changes.
type File struct {
	Path string
	// Status is added, removed, modified, renamed, copied or changed.
	Status string
	// Previous is the path before a rename.
	Previous string
}

// Pull is a pull request.
type Pull struct {
	Number int
	Title  string
	Body   string
	URL    string
	Author string
	Labels []string
	// Base is the branch it was merged into; Head the branch it came from.
	Base        string
	Head        string
	Merged      bool
	MergedAt    time.Time
	MergeCommit string
	// Approvers are the logins whose latest review approves it, when it
	// was read with them (a Lookup's Commits); else Facts.Approvers are.
	Approvers []string
}

// TagRef is a listed tag: its name and the object it points to.
type TagRef struct {
	Name   string
	Object string
}

// Lookup is what the engine asks GitHub for in one go.
type Lookup struct {
	Pull       int
	Blobs      []BlobAt
	RecentTags int
	// History is a commit whose history to read, HistoryLen commits of it
	// (at most 100) from the commit itself; "" for none.
	History    string
	HistoryLen int
	// Commits are commits whose pull requests to read (Facts.Pulls), each
	// with its approvers: at most maxLookupCommits.
	Commits []string
}

// maxLookupCommits bounds Lookup.Commits (GitHub bounds the size of a
// query).
const maxLookupCommits = 100

// BlobAt is a file at a commit.
type BlobAt struct {
	Rev, Path string
}

// Blob is a file read at a commit.
type Blob struct {
	BlobAt
	Found, Binary, Truncated bool
	Text                     string
	Size                     int64
}

// PeeledTag is a tag and the commit it points to, with that commit's
// committer time when known.
type PeeledTag struct {
	Name, Commit string
	CommittedAt  time.Time
}

// Facts is what a Lookup found.
type Facts struct {
	Approvers []string
	// PullError says why the pull request's reviews could not be read.
	PullError string
	Blobs     []Blob
	// RecentTags are the tags whose commits are newest, newest first;
	// AllTags says they are every tag of the repository.
	RecentTags []PeeledTag
	AllTags    bool
	// History is the history asked for, newest first: at least the
	// commit's first-parent line, each commit with its parents (at least
	// the first), message, committer time and pull requests. GitHub lists
	// every ancestor, as git log does; a checkout the first-parent line.
	History []Commit
	// Pulls are the pull requests of each of Lookup.Commits, by SHA, each
	// with its Approvers.
	Pulls map[string][]Pull
}

// Release is a GitHub release.
type Release struct {
	ID    int64
	Tag   string
	URL   string
	Draft bool
}

// NewRelease is a release to publish for an existing tag.
type NewRelease struct {
	Tag, Name, Body   string
	Draft, Prerelease bool
}

// Merge is one change on the base branch to tag: a commit and the pull
// request that brought it, if any.
type Merge struct {
	SHA  string
	Pull *Pull
	// Time names the tag: the pull request's merge time, else (zero) the
	// commit's committer time.
	Time time.Time
	// commit is the commit when it has been read already; message its
	// message when a list of commits gave it (to tell, before reading the
	// commit, whether a merge caught up gets a tag).
	commit  *Commit
	message string
	// pullUnread says the pull request that brought the commit is not
	// known yet: the merge's lookup reads it (Lookup.Commits) with its
	// approvers, and Pull and Time follow from it.
	pullUnread bool
}

// Options say how to tag and release.
type Options struct {
	Format Format
	// DefaultBump is the bump of a change whose labels and title say none
	// (semver only).
	DefaultBump Bump
	// Base is the branch merges land on.
	Base string
	// CreateRelease publishes a release for each tag.
	CreateRelease     bool
	Draft, Prerelease bool
	// RepoURL is the repository's web address, for links in notes.
	RepoURL string
	// EnvironmentsDir is the directory whose subdirectories are the
	// environments; "" means "environments".
	EnvironmentsDir string
	// MaxFileSize skips larger files when reading image changes; 0 means
	// the manifest engine's limit.
	MaxFileSize int64
}

// Result is what tagging one merge did.
type Result struct {
	SHA  string
	Pull *Pull
	// CaughtUp says the merge is not the event's: it landed on base before
	// the event's merges, and no run had tagged it (its run was cancelled,
	// or failed).
	CaughtUp bool
	// Tag is the merge's tag: made by this run (Created) or found on the
	// commit. Empty when the merge was not tagged (Skipped says why).
	Tag     string
	Created bool
	Skipped string
	// Version is the tag's semantic version (semver only).
	Version string
	// Previous is the tag of the format before Tag.
	Previous string
	// Bump and BumpReason say how the version was chosen (semver only).
	Bump       Bump
	BumpReason string
	// Taken lists the names this merge could not have because another
	// commit holds them (two merges in one second, a semver race).
	Taken     []string
	Approvers []string
	// Files are the files the merge changed against its first parent;
	// Changes the image references among them it moved.
	Files   []File
	Changes []ImageChange
	// Release is the tag's release; ReleaseCreated says this run made it.
	Release        *Release
	ReleaseCreated bool
	// Warnings are problems that did not stop the tag: files whose images
	// could not be read.
	Warnings []string
}

// ReleaseError says the tag stands but its release could not be
// published; running again completes it. A merge the run caught up is not
// come back to by a re-run, which finds it tagged: a run on its commit
// (SHA) is.
type ReleaseError struct {
	Tag string
	Err error
	// CaughtUp and SHA: the merge was not the event's.
	CaughtUp bool
	SHA      string
}

func (e *ReleaseError) Error() string {
	again := "run again to publish it"
	if e.CaughtUp {
		again = fmt.Sprintf("a re-run finds it tagged and does not come back to it: run the workflow by hand (workflow_dispatch) with sha %s to publish it", e.SHA)
	}
	return fmt.Sprintf("tag %q is made, but its release could not be published (%s): %v", e.Tag, again, e.Err)
}

func (e *ReleaseError) Unwrap() error { return e.Err }

// UnknownCommitError says the commit asked for does not exist.
type UnknownCommitError struct {
	Ref string
	Err error
}

func (e *UnknownCommitError) Error() string {
	return fmt.Sprintf("commit %q does not exist in the repository", e.Ref)
}

func (e *UnknownCommitError) Unwrap() error { return e.Err }
