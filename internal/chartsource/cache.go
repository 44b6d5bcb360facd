package chartsource

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// cache is the on-disk cache of chart archives, shared by later runs
// (kept between workflow runs with actions/cache). It is content
// addressed: an archive is the file SHA256.tgz, named by the hex SHA-256
// of its bytes and checked against it on every read, and a reference
// that was resolved (a repository, a chart and an exact version, or an
// OCI manifest digest) is a small file KEY.ref that names the archive.
// The directory is read as hostile input (a restored cache, or one in
// the repository's tree, may hold anything): links never lead out of
// it, special files are never opened, sizes are bounded, and every write
// goes to a new file renamed into place, so that a reader sees a whole
// file or none.
type cache struct {
	tree *workspace.Tree
	max  int64
}

// record is a resolved reference, the content of a .ref file.
type record struct {
	// URL is where the archive came from, for messages.
	URL string `json:"url"`
	// Version is the chart version.
	Version string `json:"version"`
	// Digest is "sha256:" and the hex SHA-256 of the archive.
	Digest string `json:"digest"`
	// Manifest is the OCI manifest's digest, for an OCI chart.
	Manifest string `json:"manifest,omitempty"`
}

// maxRecord bounds a .ref file.
const maxRecord = 64 << 10

// openCache opens (and creates) the cache directory.
func openCache(dir string, maxArchive int64) (*cache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the chart cache %q: %w", dir, err)
	}
	t, err := workspace.Open(dir, maxArchive)
	if err != nil {
		return nil, fmt.Errorf("opening the chart cache %q: %w", dir, err)
	}
	return &cache{tree: t, max: maxArchive}, nil
}

func (c *cache) close() error { return c.tree.Close() }

// keyName is the file name of a reference key.
func keyName(key string) string {
	sum := sha256.Sum256([]byte("gitops-actions chart cache v1\n" + key))
	return hex.EncodeToString(sum[:]) + ".ref"
}

// digestOf is "sha256:" and the hex SHA-256 of data.
func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// blobName is the file name of an archive by its digest, or "" for a
// digest that is not a SHA-256 in hex.
func blobName(digest string) string {
	h, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return ""
	}
	return h + ".tgz"
}

// get returns the record of key and its archive. Anything missing,
// unreadable or not what it claims (an archive whose bytes do not hash
// to its name) is a miss: the chart is fetched again and the entry
// replaced.
func (c *cache) get(key string) (record, []byte, bool) {
	var rec record
	raw, _, err := c.tree.ReadFileLimit(keyName(key), maxRecord)
	if err != nil || json.Unmarshal(raw, &rec) != nil {
		return rec, nil, false
	}
	name := blobName(rec.Digest)
	if name == "" {
		return rec, nil, false
	}
	data, _, err := c.tree.ReadFileLimit(name, c.max)
	if err != nil || digestOf(data) != rec.Digest {
		return rec, nil, false
	}
	return rec, data, true
}

// put stores an archive and the records of the keys that resolve to it.
func (c *cache) put(data []byte, rec record, keys ...string) error {
	name := blobName(rec.Digest)
	if name == "" {
		return fmt.Errorf("digest %q is not a SHA-256", rec.Digest)
	}
	if have, _, err := c.tree.ReadFileLimit(name, c.max); err != nil || digestOf(have) != rec.Digest {
		if err := c.tree.WriteFile(name, data, 0o600); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := c.tree.WriteFile(keyName(k), raw, 0o600); err != nil {
			return err
		}
	}
	return nil
}
