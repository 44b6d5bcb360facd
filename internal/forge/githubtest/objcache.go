package githubtest

import (
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage"
)

// cachedStorer keeps in memory every object a repository's storage wrote
// or read, in front of the bare repository on disk. Git objects never
// change once written, so an object seen once is answered from memory:
// the history walks behind pull requests, checks and GraphQL read the
// same commits and trees on every request, and each read from disk
// opened a file. The disk stays the whole truth (git fsck and clones read
// it); only objects known to be there are remembered, and references are
// never cached.
type cachedStorer struct {
	storage.Storer
	mu   sync.Mutex
	objs map[plumbing.Hash]plumbing.EncodedObject
}

func newCachedStorer(st storage.Storer) *cachedStorer {
	return &cachedStorer{Storer: st, objs: map[plumbing.Hash]plumbing.EncodedObject{}}
}

func (c *cachedStorer) cached(h plumbing.Hash) (plumbing.EncodedObject, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	obj, ok := c.objs[h]
	return obj, ok
}

func (c *cachedStorer) remember(h plumbing.Hash, obj plumbing.EncodedObject) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.objs[h] = obj
}

// SetEncodedObject writes obj to disk unless it is there already.
func (c *cachedStorer) SetEncodedObject(obj plumbing.EncodedObject) (plumbing.Hash, error) {
	h := obj.Hash()
	if _, ok := c.cached(h); ok {
		return h, nil
	}
	h, err := c.Storer.SetEncodedObject(obj)
	if err != nil {
		return h, err
	}
	c.remember(h, obj)
	return h, nil
}

// EncodedObject answers as the storage does: plumbing.ErrObjectNotFound
// when h is not an object of type t (t may be plumbing.AnyObject).
func (c *cachedStorer) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	obj, ok := c.cached(h)
	if !ok {
		var err error
		if obj, err = c.Storer.EncodedObject(plumbing.AnyObject, h); err != nil {
			return nil, err
		}
		c.remember(h, obj)
	}
	if t != plumbing.AnyObject && obj.Type() != t {
		return nil, plumbing.ErrObjectNotFound
	}
	return obj, nil
}

// HasEncodedObject answers from memory when it can.
func (c *cachedStorer) HasEncodedObject(h plumbing.Hash) error {
	if _, ok := c.cached(h); ok {
		return nil
	}
	return c.Storer.HasEncodedObject(h)
}
