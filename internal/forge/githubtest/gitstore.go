package githubtest

import (
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage"
)

// errNotFound reports an object or ref that does not exist.
var errNotFound = errors.New("not found")

// treeFile is one non-tree entry of a flattened tree.
type treeFile struct {
	Mode filemode.FileMode
	Hash plumbing.Hash
}

// gitStore writes and reads git objects of one bare repository. Callers hold
// the server's lock.
type gitStore struct {
	st storage.Storer
	// moved, when set, learns every ref setRef moves: the repository keeps
	// its pull requests' heads in step (see pullrefs.go).
	moved func(name string, h plumbing.Hash)
}

func (g gitStore) writeObject(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	obj := g.st.NewEncodedObject()
	obj.SetType(t)
	obj.SetSize(int64(len(data)))
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write(data); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return g.st.SetEncodedObject(obj)
}

func (g gitStore) writeBlob(data []byte) (plumbing.Hash, error) {
	return g.writeObject(plumbing.BlobObject, data)
}

func (g gitStore) readBlob(h plumbing.Hash) ([]byte, error) {
	b, err := object.GetBlob(g.st, h)
	if err != nil {
		return nil, errNotFound
	}
	r, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func (g gitStore) objectType(h plumbing.Hash) (plumbing.ObjectType, error) {
	obj, err := g.st.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return plumbing.InvalidObject, errNotFound
	}
	return obj.Type(), nil
}

// gitLess orders tree entries the way git does: a tree sorts as if its name
// ended in "/".
func gitLess(a, b object.TreeEntry) bool {
	an, bn := a.Name, b.Name
	if a.Mode == filemode.Dir {
		an += "/"
	}
	if b.Mode == filemode.Dir {
		bn += "/"
	}
	return an < bn
}

func (g gitStore) writeTree(entries []object.TreeEntry) (plumbing.Hash, error) {
	sort.Slice(entries, func(i, j int) bool { return gitLess(entries[i], entries[j]) })
	t := &object.Tree{Entries: entries}
	obj := g.st.NewEncodedObject()
	if err := t.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return g.st.SetEncodedObject(obj)
}

func (g gitStore) tree(h plumbing.Hash) (*object.Tree, error) {
	t, err := object.GetTree(g.st, h)
	if err != nil {
		return nil, errNotFound
	}
	return t, nil
}

func (g gitStore) commit(h plumbing.Hash) (*object.Commit, error) {
	c, err := object.GetCommit(g.st, h)
	if err != nil {
		return nil, errNotFound
	}
	return c, nil
}

func (g gitStore) writeCommit(c *object.Commit) (plumbing.Hash, error) {
	obj := g.st.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return g.st.SetEncodedObject(obj)
}

// flatten lists every file below tree h by slash-separated path.
func (g gitStore) flatten(h plumbing.Hash) (map[string]treeFile, error) {
	files := map[string]treeFile{}
	var walk func(h plumbing.Hash, prefix string) error
	walk = func(h plumbing.Hash, prefix string) error {
		t, err := g.tree(h)
		if err != nil {
			return err
		}
		for _, e := range t.Entries {
			p := path.Join(prefix, e.Name)
			if e.Mode == filemode.Dir {
				if err := walk(e.Hash, p); err != nil {
					return err
				}
				continue
			}
			files[p] = treeFile{Mode: e.Mode, Hash: e.Hash}
		}
		return nil
	}
	if h.IsZero() {
		return files, nil
	}
	return files, walk(h, "")
}

// buildTree writes the trees for a flat file list and returns the root.
func (g gitStore) buildTree(files map[string]treeFile) (plumbing.Hash, error) {
	type dir struct {
		files map[string]treeFile
		dirs  map[string]*dir
	}
	newDir := func() *dir { return &dir{files: map[string]treeFile{}, dirs: map[string]*dir{}} }
	root := newDir()
	for p, f := range files {
		parts := strings.Split(p, "/")
		d := root
		for _, part := range parts[:len(parts)-1] {
			sub, ok := d.dirs[part]
			if !ok {
				sub = newDir()
				d.dirs[part] = sub
			}
			d = sub
		}
		d.files[parts[len(parts)-1]] = f
	}
	var write func(d *dir) (plumbing.Hash, error)
	write = func(d *dir) (plumbing.Hash, error) {
		var entries []object.TreeEntry
		for name, f := range d.files {
			entries = append(entries, object.TreeEntry{Name: name, Mode: f.Mode, Hash: f.Hash})
		}
		for name, sub := range d.dirs {
			h, err := write(sub)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			entries = append(entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h})
		}
		return g.writeTree(entries)
	}
	return write(root)
}

// validPath reports whether p is a path GitHub accepts in a tree: relative,
// no empty, "." or ".." component and no ".git" component.
func validPath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		if part == "" || part == "." || part == ".." || strings.EqualFold(part, ".git") {
			return false
		}
	}
	return true
}

func (g gitStore) ref(name string) (plumbing.Hash, bool) {
	r, err := g.st.Reference(plumbing.ReferenceName(name))
	if err != nil || r.Type() != plumbing.HashReference {
		return plumbing.ZeroHash, false
	}
	return r.Hash(), true
}

func (g gitStore) setRef(name string, h plumbing.Hash) error {
	if err := g.st.SetReference(plumbing.NewHashReference(plumbing.ReferenceName(name), h)); err != nil {
		return err
	}
	if g.moved != nil {
		g.moved(name, h)
	}
	return nil
}

func (g gitStore) removeRef(name string) error {
	return g.st.RemoveReference(plumbing.ReferenceName(name))
}

// refs lists the hash refs whose full name starts with prefix, sorted.
func (g gitStore) refs(prefix string) ([]*plumbing.Reference, error) {
	it, err := g.st.IterReferences()
	if err != nil {
		return nil, err
	}
	var out []*plumbing.Reference
	err = it.ForEach(func(r *plumbing.Reference) error {
		if r.Type() == plumbing.HashReference && strings.HasPrefix(r.Name().String(), prefix) {
			out = append(out, r)
		}
		return nil
	})
	if err != nil && !errors.Is(err, storer.ErrStop) {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// ancestors returns every commit reachable from h, h included.
func (g gitStore) ancestors(h plumbing.Hash) (map[plumbing.Hash]*object.Commit, error) {
	seen := map[plumbing.Hash]*object.Commit{}
	stack := []plumbing.Hash{h}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, ok := seen[x]; ok {
			continue
		}
		c, err := g.commit(x)
		if err != nil {
			return nil, fmt.Errorf("commit %s: %w", x, err)
		}
		seen[x] = c
		stack = append(stack, c.ParentHashes...)
	}
	return seen, nil
}

// isAncestor reports whether a is reachable from b (a == b counts).
func (g gitStore) isAncestor(a, b plumbing.Hash) (bool, error) {
	anc, err := g.ancestors(b)
	if err != nil {
		return false, err
	}
	_, ok := anc[a]
	return ok, nil
}

// mergeBase returns a best common ancestor of a and b, or the zero hash when
// the histories are unrelated.
func (g gitStore) mergeBase(a, b plumbing.Hash) (plumbing.Hash, error) {
	ca, err := g.commit(a)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	cb, err := g.commit(b)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	bases, err := ca.MergeBase(cb)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if len(bases) == 0 {
		return plumbing.ZeroHash, nil
	}
	return bases[0].Hash, nil
}
