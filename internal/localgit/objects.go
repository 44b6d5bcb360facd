package localgit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/archive"
	"github.com/gitops-actions/gitops-actions/internal/memfs"
)

// objectID is a full object name, SHA-1 or SHA-256: the only thing this
// package writes to the line protocol of `git cat-file --batch`, so that no
// file name or revision from a repository can break it.
var objectID = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

// maxCommitSize bounds what is kept of a commit object (its message can
// be anything a person or a tool wrote).
const maxCommitSize = 1 << 20

// Person is an author or committer line of a commit.
type Person struct {
	Name, Email string
	When        time.Time
}

// Commit is a commit as git stores it.
type Commit struct {
	SHA, Tree string
	Parents   []string
	Author    Person
	Committer Person
	// Message is the commit message, its first line the subject.
	Message string
}

// object is one answer of `git cat-file --batch`: Data is nil when the
// object is missing or over the size asked for (Size says how large).
type object struct {
	kind string
	size int64
	data []byte
}

// objects reads objects by ID with one `git cat-file --batch`. An object
// larger than max (if max > 0) is read past, not kept: its data is nil.
func (r *Repo) objects(ctx context.Context, ids []string, max int64) (map[string]object, error) {
	out := map[string]object{}
	if len(ids) == 0 {
		return out, nil
	}
	var in bytes.Buffer
	for _, id := range ids {
		if !objectID.MatchString(id) {
			return nil, fmt.Errorf("%q is not an object name", id)
		}
		in.WriteString(id + "\n")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := r.command(ctx, "cat-file", "--batch")
	cmd.Stdin = &in
	var stderr boundedBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("running %s cat-file: %w", r.git, err)
	}
	readErr := readObjects(bufio.NewReaderSize(stdout, 64<<10), len(ids), max, out)
	if readErr != nil {
		cancel()
	}
	io.Copy(io.Discard, stdout)
	waitErr := cmd.Wait()
	switch {
	case readErr != nil:
		return nil, fmt.Errorf("reading git cat-file: %w", readErr)
	case waitErr != nil:
		return nil, fmt.Errorf("git cat-file: %w: %s", waitErr, stderr.text())
	}
	return out, nil
}

// readObjects parses n answers of `git cat-file --batch`: "<id> <type>
// <size>\n<data>\n", or "<id> missing\n".
func readObjects(br *bufio.Reader, n int, max int64, out map[string]object) error {
	for range n {
		header, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		fields := strings.Fields(header)
		if len(fields) == 2 && fields[1] == "missing" {
			continue
		}
		if len(fields) != 3 || !objectID.MatchString(fields[0]) {
			return fmt.Errorf("unexpected answer %q", header)
		}
		size, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil || size < 0 {
			return fmt.Errorf("unexpected answer %q", header)
		}
		o := object{kind: fields[1], size: size}
		if max > 0 && size > max {
			if _, err := io.CopyN(io.Discard, br, size+1); err != nil {
				return err
			}
		} else {
			o.data = make([]byte, size+1)
			if _, err := io.ReadFull(br, o.data); err != nil {
				return err
			}
			o.data = o.data[:size]
		}
		out[fields[0]] = o
	}
	return nil
}

// Commits reads the commits with these SHAs (full object names, as
// Resolve returns them). A SHA that names no commit is an error wrapping
// ErrUnknownRevision.
func (r *Repo) Commits(ctx context.Context, shas []string) ([]Commit, error) {
	objs, err := r.objects(ctx, shas, maxCommitSize)
	if err != nil {
		return nil, err
	}
	out := make([]Commit, len(shas))
	for i, sha := range shas {
		o, ok := objs[sha]
		if !ok || o.kind != "commit" {
			return nil, fmt.Errorf("%q: %w", sha, ErrUnknownRevision)
		}
		if o.data == nil {
			return nil, fmt.Errorf("commit %s is larger than %d bytes", sha, maxCommitSize)
		}
		c, err := parseCommit(o.data)
		if err != nil {
			return nil, fmt.Errorf("commit %s: %w", sha, err)
		}
		c.SHA = sha
		out[i] = c
	}
	return out, nil
}

// parseCommit reads a commit object: header lines (a line starting with a
// space continues the one before, as in a signature), a blank line, the
// message.
func parseCommit(data []byte) (Commit, error) {
	var c Commit
	head, msg, _ := bytes.Cut(data, []byte("\n\n"))
	c.Message = string(msg)
	for _, line := range strings.Split(string(head), "\n") {
		key, value, _ := strings.Cut(line, " ")
		var err error
		switch key {
		case "tree":
			c.Tree = value
		case "parent":
			c.Parents = append(c.Parents, value)
		case "author":
			c.Author, err = parsePerson(value)
		case "committer":
			c.Committer, err = parsePerson(value)
		}
		if err != nil {
			return c, err
		}
	}
	if c.Tree == "" {
		return c, errors.New("no tree")
	}
	return c, nil
}

// parsePerson reads "Name <email> 1700000000 +0100".
func parsePerson(s string) (Person, error) {
	i := strings.LastIndex(s, ">")
	lt := strings.Index(s, "<")
	if i < 0 || lt < 0 || lt > i {
		return Person{}, fmt.Errorf("person %q does not read", s)
	}
	p := Person{Name: strings.TrimSpace(s[:lt]), Email: s[lt+1 : i]}
	fields := strings.Fields(s[i+1:])
	if len(fields) != 2 {
		return Person{}, fmt.Errorf("person %q has no date", s)
	}
	secs, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil {
		return Person{}, fmt.Errorf("person %q has no date", s)
	}
	t := time.Unix(secs, 0).UTC()
	if off, ok := parseZone(fields[1]); ok {
		t = t.In(time.FixedZone(fields[1], off))
	}
	p.When = t
	return p, nil
}

// parseZone reads a zone offset such as +0130.
func parseZone(z string) (int, bool) {
	if len(z) != 5 || (z[0] != '+' && z[0] != '-') {
		return 0, false
	}
	h, err1 := strconv.Atoi(z[1:3])
	m, err2 := strconv.Atoi(z[3:])
	if err1 != nil || err2 != nil {
		return 0, false
	}
	off := (h*60 + m) * 60
	if z[0] == '-' {
		off = -off
	}
	return off, true
}

// entry is a blob of a tree, as `git ls-tree -r -l -z` lists it.
type entry struct {
	mode, kind, id string
	size           int64
	path           string
}

// Modes of tree entries.
const (
	modeExecutable = "100755"
	modeSymlink    = "120000"
	modeSubmodule  = "160000"
)

// listTree lists every blob (and submodule) of the tree of commit sha.
// Names come NUL-terminated, so any byte a name holds is its own.
func (r *Repo) listTree(ctx context.Context, sha string) ([]entry, error) {
	if !objectID.MatchString(sha) {
		return nil, fmt.Errorf("%q is not an object name", sha)
	}
	out, err := r.output(ctx, "ls-tree", "-r", "-l", "-z", "--full-tree", sha)
	if err != nil {
		return nil, err
	}
	var es []entry
	for _, rec := range strings.Split(out, "\x00") {
		if rec == "" {
			continue
		}
		meta, name, ok := strings.Cut(rec, "\t")
		fields := strings.Fields(meta)
		if !ok || len(fields) != 4 {
			return nil, fmt.Errorf("git ls-tree: unexpected entry %q", rec)
		}
		e := entry{mode: fields[0], kind: fields[1], id: fields[2], path: name, size: -1}
		if n, err := strconv.ParseInt(fields[3], 10, 64); err == nil {
			e.size = n
		}
		es = append(es, e)
	}
	return es, nil
}

// Tree reads the files of commit sha (from Resolve) at the top of the
// work tree, wherever Open was given, as package archive reads an archive:
// regular files only, named by slash paths, symbolic links listed as
// skipped and never followed, files over opts' MaxFileSize left out and
// listed, and the limits on entries and bytes kept. Only opts.Roots and
// opts.Limits apply.
//
// Unlike `git archive`, it reads the blobs as they are: a .gitattributes
// of the repository cannot leave files out (export-ignore) nor rewrite
// them (export-subst).
func (r *Repo) Tree(ctx context.Context, sha string, opts archive.Options) (*archive.Result, error) {
	es, err := r.listTree(ctx, sha)
	if err != nil {
		return nil, err
	}
	lim := opts.Limits
	if lim.MaxTotal <= 0 {
		lim.MaxTotal = archive.DefaultMaxTotal
	}
	if lim.MaxEntries <= 0 {
		lim.MaxEntries = archive.DefaultMaxEntries
	}
	res := &archive.Result{}
	var want []entry
	var ids []string
	for _, e := range es {
		if !fs.ValidPath(e.path) || e.path == "." {
			return nil, fmt.Errorf("entry %q of %s: %w", e.path, sha, archive.ErrUnsafeName)
		}
		if !underRoots(e.path, opts.Roots) {
			continue
		}
		switch {
		case e.mode == modeSymlink:
			res.Skipped = append(res.Skipped, archive.Skipped{Name: e.path, Reason: archive.ReasonSymlink})
			continue
		case e.mode == modeSubmodule || e.kind != "blob":
			continue // a submodule: an archive holds none of its files either
		case lim.MaxFileSize > 0 && e.size > lim.MaxFileSize:
			res.Skipped = append(res.Skipped, archive.Skipped{Name: e.path, Reason: archive.ReasonTooLarge, Size: e.size})
			continue
		}
		res.Bytes += e.size
		if res.Bytes > lim.MaxTotal || len(want) >= lim.MaxEntries {
			return nil, fmt.Errorf("the tree of %s: %w (more than %d bytes or %d files)", sha, archive.ErrTooLarge, lim.MaxTotal, lim.MaxEntries)
		}
		want = append(want, e)
		ids = append(ids, e.id)
	}
	objs, err := r.objects(ctx, ids, 0)
	if err != nil {
		return nil, err
	}
	files := make(map[string]*memfs.File, len(want))
	for _, e := range want {
		o, ok := objs[e.id]
		if !ok || o.data == nil {
			return nil, fmt.Errorf("the tree of %s: blob %s of %q is missing", sha, e.id, e.path)
		}
		mode := fs.FileMode(0o644)
		if e.mode == modeExecutable {
			mode = 0o755
		}
		files[e.path] = &memfs.File{Data: o.data, Mode: mode}
	}
	res.FS = memfs.New(files)
	return res, nil
}

// underRoots reports whether p is at or under one of roots (all when
// there are none, or one is "" or ".").
func underRoots(p string, roots []string) bool {
	if len(roots) == 0 {
		return true
	}
	for _, root := range roots {
		root = strings.Trim(path.Clean("/"+root), "/")
		if root == "" || p == root || strings.HasPrefix(p, root+"/") {
			return true
		}
	}
	return false
}

// Blob is a file of a commit, as Blobs reads it.
type Blob struct {
	Path string
	// Found is false when the commit has no regular file at Path.
	Found bool
	// Link is true for a symbolic link: its Text (the link's target) is
	// not a file's content, and it is never followed.
	Link bool
	// Truncated is true for a file over the size asked for: Text is empty.
	Truncated bool
	Text      string
	Size      int64
}

// Blobs reads files of commit sha by path (slash-separated, from the
// top of the work tree), each at most max bytes (0: no limit).
func (r *Repo) Blobs(ctx context.Context, sha string, paths []string, max int64) ([]Blob, error) {
	out := make([]Blob, len(paths))
	if len(paths) == 0 {
		return out, nil
	}
	es, err := r.listTree(ctx, sha)
	if err != nil {
		return nil, err
	}
	byPath := map[string]entry{}
	for _, e := range es {
		byPath[e.path] = e
	}
	var ids []string
	for _, p := range paths {
		if e, ok := byPath[p]; ok && e.kind == "blob" {
			ids = append(ids, e.id)
		}
	}
	objs, err := r.objects(ctx, ids, max)
	if err != nil {
		return nil, err
	}
	for i, p := range paths {
		out[i].Path = p
		e, ok := byPath[p]
		if !ok || e.kind != "blob" {
			continue
		}
		o, ok := objs[e.id]
		if !ok {
			continue
		}
		out[i].Found, out[i].Size, out[i].Link = true, o.size, e.mode == modeSymlink
		if o.data == nil {
			out[i].Truncated = true
			continue
		}
		out[i].Text = string(o.data)
	}
	return out, nil
}
