package forge

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/archive"
	"github.com/google/go-github/v60/github"
)

// MaxArchiveBytes bounds what ReadArchive keeps in memory: the files under
// the roots, uncompressed.
const MaxArchiveBytes = 512 << 20

// Snapshot is a repository's files under some roots at one commit, held in
// memory as an fs.FS with slash-separated paths relative to the repository
// root.
type Snapshot struct {
	// SHA is the commit the files were read at (for ReadTree, the ref as
	// given).
	SHA string
	// FS holds the files. Executable files have mode 0755, others 0644;
	// symbolic links and submodules are left out.
	FS fs.FS
	// Skipped lists the entries under the roots left out: symbolic links
	// (git's), and with ReadTree's limits files over the size limit.
	Skipped []archive.Skipped
}

// Mode returns the git file mode of path in the snapshot: "100755" for an
// executable file, else "100644".
func (s *Snapshot) Mode(p string) string {
	if info, err := fs.Stat(s.FS, p); err == nil && info.Mode()&0o111 != 0 {
		return "100755"
	}
	return "100644"
}

// ReadArchive reads every file under roots ("." for all) at commit sha in
// one request (and the redirect it answers): the tarball endpoint, unpacked
// in memory with its top directory stripped. The number of requests does not
// depend on the number of files.
func (c *Client) ReadArchive(ctx context.Context, sha string, roots []string) (*Snapshot, error) {
	return c.ReadTree(ctx, sha, archive.Options{Roots: roots, Limits: archive.Limits{MaxTotal: MaxArchiveBytes}})
}

// ReadTree reads the files at ref (a branch, a tag or a commit SHA) that
// opts keeps, through the tarball endpoint: GitHub answers a redirect to
// codeload whose URL carries its own short-lived token; the client follows
// it without sending the credentials to that host, and never prints its
// query (see redirectTransport). Two requests, whatever the number of
// files. The archive is read as hostile (package archive): its top
// directory is stripped, links and special files left out and listed in
// Skipped. A ref that does not exist is a *NotFoundError that names it.
func (c *Client) ReadTree(ctx context.Context, ref string, opts archive.Options) (*Snapshot, error) {
	u := fmt.Sprintf("repos/%s/%s/tarball/%s", url.PathEscape(c.Owner), url.PathEscape(c.Repo), escapeRef(ref))
	req, err := c.GH.NewRequest("GET", u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.GH.BareDo(ctx, req)
	if IsNotFound(err) && failedAt(err, "/tarball/") {
		// The API's own 404: no such ref (or repository). A 404 of the
		// codeload hop (an expired token) stays an error that names it.
		return nil, &NotFoundError{What: fmt.Sprintf("ref %q of %s/%s", ref, c.Owner, c.Repo), Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("downloading the archive of %s/%s at %q: %w", c.Owner, c.Repo, ref, err)
	}
	defer resp.Body.Close()
	opts.StripTop = true
	res, err := archive.Read(resp.Body, opts)
	if err != nil {
		return nil, redactError(fmt.Errorf("reading the archive of %s/%s at %q: %w", c.Owner, c.Repo, ref, err))
	}
	return &Snapshot{SHA: ref, FS: res.FS, Skipped: res.Skipped}, nil
}

// failedAt reports whether the request GitHub answered err to has a path
// holding part.
func failedAt(err error, part string) bool {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.Request != nil {
		return strings.Contains(er.Response.Request.URL.Path, part)
	}
	return false
}

// escapeRef escapes each slash-separated segment of a ref for a URL path:
// a branch such as feature/x keeps its slashes, as GitHub's routes expect.
func escapeRef(ref string) string {
	segs := strings.Split(ref, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
