package forge

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"testing/fstest"
)

// MaxArchiveBytes bounds what ReadArchive keeps in memory: the files under
// the roots, uncompressed.
const MaxArchiveBytes = 512 << 20

// Snapshot is a repository's files under some roots at one commit, held in
// memory as an fs.FS with slash-separated paths relative to the repository
// root.
type Snapshot struct {
	// SHA is the commit the files were read at.
	SHA string
	// FS holds the files. Executable files have mode 0755, others 0644;
	// symbolic links and submodules are left out.
	FS fstest.MapFS
}

// Mode returns the git file mode of path in the snapshot: "100755" for an
// executable file, else "100644".
func (s *Snapshot) Mode(p string) string {
	if f, ok := s.FS[p]; ok && f.Mode&0o111 != 0 {
		return "100755"
	}
	return "100644"
}

// ReadArchive reads every file under roots ("." for all) at commit sha in
// one request (and the redirect it answers): the tarball endpoint, unpacked
// in memory with its top directory stripped. The number of requests does not
// depend on the number of files.
func (c *Client) ReadArchive(ctx context.Context, sha string, roots []string) (*Snapshot, error) {
	u := fmt.Sprintf("repos/%s/%s/tarball/%s", url.PathEscape(c.Owner), url.PathEscape(c.Repo), url.PathEscape(sha))
	req, err := c.GH.NewRequest("GET", u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.GH.BareDo(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("downloading the archive of %s/%s at %s: %w", c.Owner, c.Repo, sha, err)
	}
	defer resp.Body.Close()
	fsys, err := untar(resp.Body, roots)
	if err != nil {
		return nil, fmt.Errorf("reading the archive of %s/%s at %s: %w", c.Owner, c.Repo, sha, err)
	}
	return &Snapshot{SHA: sha, FS: fsys}, nil
}

// untar unpacks a gzipped tarball as GitHub makes it (one top directory
// named owner-repo-sha) into a MapFS, keeping only regular files under
// roots.
func untar(r io.Reader, roots []string) (fstest.MapFS, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	fsys := fstest.MapFS{}
	var total int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag != tar.TypeReg {
			continue // directories, the pax header, symbolic links, submodules
		}
		_, name, ok := strings.Cut(h.Name, "/")
		if !ok || name == "" || !under(name, roots) {
			continue
		}
		if !fstestValid(name) {
			return nil, fmt.Errorf("archive entry %q is not a clean relative path", h.Name)
		}
		total += h.Size
		if total > MaxArchiveBytes {
			return nil, fmt.Errorf("the files under %s exceed %d MiB", strings.Join(roots, ", "), MaxArchiveBytes>>20)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		mode := fs.FileMode(0o644)
		if h.Mode&0o111 != 0 {
			mode = 0o755
		}
		fsys[name] = &fstest.MapFile{Data: data, Mode: mode, ModTime: h.ModTime}
	}
	return fsys, nil
}

func fstestValid(name string) bool {
	return path.Clean(name) == name && !strings.HasPrefix(name, "../") && name != ".." && !path.IsAbs(name)
}

// under reports whether the slash path p is one of roots or inside one.
func under(p string, roots []string) bool {
	for _, r := range roots {
		r = strings.TrimSuffix(r, "/")
		if r == "." || r == "" || p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}
