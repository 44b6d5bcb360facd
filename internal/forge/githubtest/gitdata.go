package githubtest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// --- trees ---

func (s *Server) treeEntryJSON(rp *repo, p string, mode filemode.FileMode, h plumbing.Hash) map[string]any {
	typ := entryType(mode)
	e := map[string]any{"path": p, "mode": modeString(mode), "type": typ, "sha": h.String()}
	switch typ {
	case "blob":
		if obj, err := rp.git.st.EncodedObject(plumbing.BlobObject, h); err == nil {
			e["size"] = obj.Size()
		}
		e["url"] = s.repoURL(rp, "git", "blobs", h.String())
	case "tree":
		e["url"] = s.repoURL(rp, "git", "trees", h.String())
	}
	return e
}

// treeJSON lists a tree's entries; recursively like `git ls-tree -r -t`.
func (s *Server) treeJSON(rp *repo, h plumbing.Hash, recursive bool) (map[string]any, error) {
	entries := []any{}
	var walk func(h plumbing.Hash, prefix string) error
	walk = func(h plumbing.Hash, prefix string) error {
		t, err := rp.git.tree(h)
		if err != nil {
			return err
		}
		for _, e := range t.Entries {
			p := path.Join(prefix, e.Name)
			entries = append(entries, s.treeEntryJSON(rp, p, e.Mode, e.Hash))
			if recursive && e.Mode == filemode.Dir {
				if err := walk(e.Hash, p); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(h, ""); err != nil {
		return nil, err
	}
	return map[string]any{
		"sha":       h.String(),
		"url":       s.repoURL(rp, "git", "trees", h.String()),
		"tree":      entries,
		"truncated": false,
	}, nil
}

func (s *Server) getTree(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	ref := c.params["tree_sha"]
	var h plumbing.Hash
	if isHex(ref) && len(ref) == 40 {
		h = plumbing.NewHash(ref)
		if t, err := rp.git.objectType(h); err == nil && t == plumbing.CommitObject {
			cm, _ := rp.git.commit(h)
			h = cm.TreeHash
		}
	} else if ch, ok := rp.resolve(ref); ok {
		cm, _ := rp.git.commit(ch)
		h = cm.TreeHash
	} else {
		return notFound()
	}
	// GitHub treats any non-empty recursive value as true, even "false".
	recursive := c.query.Get("recursive") != ""
	out, err := s.treeJSON(rp, h, recursive)
	if err != nil {
		return notFound()
	}
	return jsonResponse(http.StatusOK, out)
}

type treeEntryIn struct {
	Path    string          `json:"path"`
	Mode    string          `json:"mode"`
	Type    string          `json:"type"`
	SHA     json.RawMessage `json:"sha"` // absent, null (delete) or a SHA
	Content *string         `json:"content"`
}

func (s *Server) createTree(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	if rp.empty() {
		return emptyRepository()
	}
	var in struct {
		BaseTree string        `json:"base_tree"`
		Tree     []treeEntryIn `json:"tree"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	files := map[string]treeFile{}
	if in.BaseTree != "" {
		h := plumbing.NewHash(in.BaseTree)
		if t, err := rp.git.objectType(h); !isHex(in.BaseTree) || len(in.BaseTree) != 40 || err != nil || t != plumbing.TreeObject {
			return unprocessable("base_tree is not a valid tree oid")
		}
		var err error
		if files, err = rp.git.flatten(h); err != nil {
			return errorResponse(http.StatusInternalServerError, err.Error())
		}
	}
	for _, e := range in.Tree {
		if !validPath(e.Path) {
			return unprocessable("tree.path contains a malformed path component")
		}
		mode, err := filemode.New(e.Mode)
		if err != nil || (mode != filemode.Regular && mode != filemode.Executable && mode != filemode.Dir && mode != filemode.Symlink && mode != filemode.Submodule) {
			return unprocessable("tree.mode contains an invalid value")
		}
		var sha *string
		if len(e.SHA) > 0 && string(e.SHA) != "null" {
			var x string
			if err := json.Unmarshal(e.SHA, &x); err != nil {
				return problemsParsingJSON()
			}
			sha = &x
		}
		deleting := len(e.SHA) > 0 && string(e.SHA) == "null" && e.Content == nil
		switch {
		case e.Content != nil && sha != nil:
			return unprocessable("Must supply either tree.sha or tree.content. Request will be rejected if both are present.")
		case deleting:
			if !removePath(files, e.Path) {
				return unprocessable("GitRPC::BadObjectState")
			}
		case e.Content != nil:
			if mode == filemode.Dir || mode == filemode.Submodule {
				return unprocessable("tree.mode contains an invalid value")
			}
			h, err := rp.git.writeBlob([]byte(*e.Content))
			if err != nil {
				return errorResponse(http.StatusInternalServerError, err.Error())
			}
			removePath(files, e.Path)
			files[e.Path] = treeFile{Mode: mode, Hash: h}
		case sha != nil:
			if !isHex(*sha) || len(*sha) != 40 {
				return unprocessable("tree.sha " + *sha + " is not a valid object")
			}
			h := plumbing.NewHash(*sha)
			if mode == filemode.Submodule {
				removePath(files, e.Path)
				files[e.Path] = treeFile{Mode: mode, Hash: h}
				continue
			}
			t, err := rp.git.objectType(h)
			if err != nil {
				return unprocessable("tree.sha " + *sha + " is not a valid object")
			}
			removePath(files, e.Path)
			if mode == filemode.Dir {
				if t != plumbing.TreeObject {
					return unprocessable("GitRPC::BadObjectState")
				}
				sub, err := rp.git.flatten(h)
				if err != nil {
					return errorResponse(http.StatusInternalServerError, err.Error())
				}
				for p, f := range sub {
					files[e.Path+"/"+p] = f
				}
				continue
			}
			if t != plumbing.BlobObject {
				return unprocessable("GitRPC::BadObjectState")
			}
			files[e.Path] = treeFile{Mode: mode, Hash: h}
		default:
			return unprocessable("Must supply either tree.sha or tree.content. Request will be rejected if both are present.")
		}
	}
	root, err := rp.git.buildTree(files)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	out, err := s.treeJSON(rp, root, false)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	resp := jsonResponse(http.StatusCreated, out)
	resp.header.Set("Location", s.repoURL(rp, "git", "trees", root.String()))
	return resp
}

// removePath deletes a file, or every file below a directory, and reports
// whether anything was there.
func removePath(files map[string]treeFile, p string) bool {
	found := false
	if _, ok := files[p]; ok {
		delete(files, p)
		found = true
	}
	for q := range files {
		if strings.HasPrefix(q, p+"/") {
			delete(files, q)
			found = true
		}
	}
	return found
}

// --- blobs ---

func (s *Server) createBlob(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	if rp.empty() {
		return emptyRepository()
	}
	var in struct {
		Content  string `json:"content"`
		Encoding string `json:"encoding"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	data := []byte(in.Content)
	switch in.Encoding {
	case "", "utf-8", "utf8":
	case "base64":
		d, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(in.Content, "\n", ""))
		if err != nil {
			return validationFailed(map[string]any{"resource": "Blob", "field": "content", "code": "invalid"})
		}
		data = d
	default:
		return validationFailed(map[string]any{"resource": "Blob", "field": "encoding", "code": "invalid"})
	}
	h, err := rp.git.writeBlob(data)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	resp := jsonResponse(http.StatusCreated, map[string]any{"sha": h.String(), "url": s.repoURL(rp, "git", "blobs", h.String())})
	resp.header.Set("Location", s.repoURL(rp, "git", "blobs", h.String()))
	return resp
}

func (s *Server) getBlob(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	sha := c.params["file_sha"]
	if !isHex(sha) || len(sha) != 40 {
		return notFound()
	}
	data, err := rp.git.readBlob(plumbing.NewHash(sha))
	if err != nil {
		return notFound()
	}
	if strings.Contains(c.r.Header.Get("Accept"), ".raw") {
		return response{status: http.StatusOK, header: http.Header{"Content-Type": {"application/vnd.github.raw; charset=utf-8"}}, body: data}
	}
	// GitHub wraps base64 content at 60 columns.
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 60 {
		b.WriteString(enc[:60] + "\n")
		enc = enc[60:]
	}
	b.WriteString(enc + "\n")
	return jsonResponse(http.StatusOK, map[string]any{
		"sha":      sha,
		"node_id":  nodeID("B", sha),
		"size":     len(data),
		"url":      s.repoURL(rp, "git", "blobs", sha),
		"content":  b.String(),
		"encoding": "base64",
	})
}

// --- archives ---

// archive answers like GitHub: a 302 to codeload, here the server's
// codeload host. For a private repository the location carries a short-lived
// token in its query string, ?token=..., as GitHub's does: a secret the
// client must never print.
func (s *Server) archive(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	h, ok := rp.resolve(c.params["ref"])
	if !ok {
		return notFound()
	}
	format := "legacy.tar.gz"
	if strings.HasSuffix(c.route.Template, "/zipball/{ref}") {
		format = "legacy.zip"
	}
	loc := s.CodeloadURL + "/_codeload/" + rp.fullName() + "/" + format + "/" + h.String()
	if rp.opts.Private {
		b := make([]byte, 20)
		rand.Read(b)
		tok := CodeloadTokenPrefix + strings.ToUpper(hex.EncodeToString(b))
		s.codeloadTokens[tok] = true
		loc += "?token=" + tok
	}
	return response{status: http.StatusFound, header: http.Header{"Location": {loc}}}
}

// CodeloadTokenPrefix starts every token the fake puts in the archive
// redirect of a private repository, so that tests can look for them.
const CodeloadTokenPrefix = "GHSAT0AAAAA"

func (s *Server) codeload(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok || rp.opts.Private && !s.codeloadTokens[c.query.Get("token")] {
		return notFound()
	}
	h, ok := rp.resolve(c.params["sha"])
	if !ok {
		return notFound()
	}
	cm, err := rp.git.commit(h)
	if err != nil {
		return notFound()
	}
	files, err := rp.git.flatten(cm.TreeHash)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	top := rp.owner + "-" + rp.name + "-" + shortHash(h) + "/"
	var paths []string
	dirs := map[string]bool{}
	for p := range files {
		paths = append(paths, p)
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for d := range dirs {
		paths = append(paths, d+"/")
	}
	sort.Strings(paths)
	mtime := cm.Committer.When
	var buf bytes.Buffer
	var ctype, name string
	switch c.params["format"] {
	case "legacy.tar.gz":
		ctype, name = "application/x-gzip", top[:len(top)-1]+".tar.gz"
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		// git archive records the commit in a pax global header.
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header", PAXRecords: map[string]string{"comment": h.String()}, Format: tar.FormatPAX})
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: top, Mode: 0o775, ModTime: mtime})
		for _, p := range paths {
			if strings.HasSuffix(p, "/") {
				tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: top + p, Mode: 0o775, ModTime: mtime})
				continue
			}
			f := files[p]
			if f.Mode == filemode.Submodule {
				tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: top + p + "/", Mode: 0o775, ModTime: mtime})
				continue
			}
			data, err := rp.git.readBlob(f.Hash)
			if err != nil {
				return errorResponse(http.StatusInternalServerError, err.Error())
			}
			hdr := &tar.Header{Typeflag: tar.TypeReg, Name: top + p, Mode: 0o664, Size: int64(len(data)), ModTime: mtime}
			switch f.Mode {
			case filemode.Executable:
				hdr.Mode = 0o775
			case filemode.Symlink:
				hdr = &tar.Header{Typeflag: tar.TypeSymlink, Name: top + p, Linkname: string(data), Mode: 0o777, ModTime: mtime}
				data = nil
			}
			tw.WriteHeader(hdr)
			tw.Write(data)
		}
		tw.Close()
		gz.Close()
	case "legacy.zip":
		ctype, name = "application/zip", top[:len(top)-1]+".zip"
		zw := zip.NewWriter(&buf)
		zw.SetComment(h.String())
		zw.CreateHeader(&zip.FileHeader{Name: top, Modified: mtime})
		for _, p := range paths {
			if strings.HasSuffix(p, "/") || files[p].Mode == filemode.Submodule {
				zw.CreateHeader(&zip.FileHeader{Name: top + strings.TrimSuffix(p, "/") + "/", Modified: mtime})
				continue
			}
			data, err := rp.git.readBlob(files[p].Hash)
			if err != nil {
				return errorResponse(http.StatusInternalServerError, err.Error())
			}
			fh := &zip.FileHeader{Name: top + p, Method: zip.Deflate, Modified: mtime}
			fh.SetMode(0o664)
			if files[p].Mode == filemode.Executable {
				fh.SetMode(0o775)
			}
			w, _ := zw.CreateHeader(fh)
			w.Write(data)
		}
		zw.Close()
	default:
		return notFound()
	}
	return response{status: http.StatusOK, header: http.Header{
		"Content-Type":        {ctype},
		"Content-Disposition": {"attachment; filename=" + name},
	}, body: buf.Bytes()}
}
