// Package bundle holds the JSON Schemas embedded in the binary and the
// format they are stored in: definitions are content-addressed blobs, so a
// definition that did not change between Kubernetes versions is stored once.
// schemas.json.gz is written by ../gen; SOURCES.json records where every
// input came from.
package bundle

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/gitops-actions/gitops-actions/internal/kubeschema/convert"
)

// Format is the version of the bundle layout; Load refuses any other.
const Format = 3

//go:embed schemas.json.gz
var embedded []byte

// Embedded returns the compressed bundle compiled into the binary.
func Embedded() []byte { return embedded }

// Bundle is the decoded form of schemas.json.gz.
type Bundle struct {
	Format int `json:"format"`
	// Kubernetes lists one entry per minor version, newest first.
	Kubernetes []Release `json:"kubernetes"`
	// CRDs holds the custom resources known to every version (Flux, Argo CD).
	CRDs Set `json:"crds"`
	// Blobs maps a content hash to one definition's JSON Schema, in a
	// bundle built in memory. Encode stores them after the JSON header, not
	// in it; a decoded bundle keeps them compressed (see Blob).
	Blobs map[string]json.RawMessage `json:"blobs,omitempty"`

	packed map[string][]byte // a decoded bundle's gzip members, by key
}

// Release is the set of definitions of one Kubernetes minor version.
type Release struct {
	// Version is the minor version, "1.37".
	Version string `json:"version"`
	// Source is the module it was generated from, "k8s.io/kubernetes@v1.37.2".
	Source string `json:"source"`
	Set
}

// Set names definitions by their content hash.
type Set struct {
	// Defs maps a definition name to the key of its blob.
	Defs map[string]string `json:"defs"`
	// Kinds maps "apiVersion/Kind" to the name of its root definition.
	Kinds map[string]string `json:"kinds"`
}

// Source records one input of the generator.
type Source struct {
	Module  string `json:"module"`
	Version string `json:"version"`
	File    string `json:"file"`
	SHA256  string `json:"sha256"`
	// Via says how the file was obtained when it is not in the module as is.
	Via string `json:"via,omitempty"`
}

// Input is one Kubernetes version's converted definitions.
type Input struct {
	Version, Source string
	Schemas         *convert.Schemas
}

// Build assembles a bundle. Kubernetes definitions no kind reaches are left
// out; CRD roots may refer to Kubernetes definitions (ObjectMeta), which
// every version must then have.
func Build(releases []Input, crds *convert.Schemas) (*Bundle, error) {
	b := &Bundle{Format: Format, Blobs: map[string]json.RawMessage{}}
	for _, r := range releases {
		lookup := func(n string) (map[string]any, bool) {
			if s, ok := r.Schemas.Defs[n]; ok {
				return s, true
			}
			s, ok := crds.Defs[n]
			return s, ok
		}
		keep := map[string]bool{}
		for _, root := range r.Schemas.Kinds {
			names, err := convert.Closure(root, lookup)
			if err != nil {
				return nil, fmt.Errorf("kubernetes %s: %w", r.Version, err)
			}
			for _, n := range names {
				keep[n] = true
			}
		}
		for _, root := range crds.Kinds {
			names, err := convert.Closure(root, lookup)
			if err != nil {
				return nil, fmt.Errorf("kubernetes %s: %w", r.Version, err)
			}
			for _, n := range names {
				if _, ok := r.Schemas.Defs[n]; ok {
					keep[n] = true
				}
			}
		}
		set := Set{Defs: map[string]string{}, Kinds: r.Schemas.Kinds}
		for n := range keep {
			key, err := b.add(r.Schemas.Defs[n])
			if err != nil {
				return nil, err
			}
			set.Defs[n] = key
		}
		b.Kubernetes = append(b.Kubernetes, Release{Version: r.Version, Source: r.Source, Set: set})
	}
	b.CRDs = Set{Defs: map[string]string{}, Kinds: crds.Kinds}
	for n, s := range crds.Defs {
		key, err := b.add(s)
		if err != nil {
			return nil, err
		}
		b.CRDs.Defs[n] = key
	}
	sort.SliceStable(b.Kubernetes, func(i, j int) bool {
		return versionLess(b.Kubernetes[j].Version, b.Kubernetes[i].Version)
	})
	return b, nil
}

func (b *Bundle) add(s map[string]any) (string, error) {
	// encoding/json sorts map keys, so equal schemas give equal bytes.
	raw, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(raw)
	key := hex.EncodeToString(sum[:8])
	if old, ok := b.Blobs[key]; ok && !bytes.Equal(old, raw) {
		return "", fmt.Errorf("blob key %s collides", key)
	}
	b.Blobs[key] = raw
	return key, nil
}

// versionLess orders "1.9" before "1.10".
func versionLess(a, b string) bool {
	var amaj, amin, bmaj, bmin int
	fmt.Sscanf(a, "%d.%d", &amaj, &amin)
	fmt.Sscanf(b, "%d.%d", &bmaj, &bmin)
	if amaj != bmaj {
		return amaj < bmaj
	}
	return amin < bmin
}

// Encode writes the bundle as a multi-member gzip file: the first member is
// one line of JSON holding everything but the blobs, with each blob's offset
// and length; every blob follows as a gzip member of its own. Decode thus
// parses only the small header, and a blob is inflated only when a schema
// needs it, straight from the bytes embedded in the binary: the heap never
// holds the whole bundle (1.1 MB) while resources are validated. zcat still
// reads the file, as the header line followed by the blobs.
//
// The output depends only on the bundle: JSON map keys are sorted, blobs are
// laid out in key order and the gzip headers carry no name or time.
func Encode(w io.Writer, b *Bundle) error {
	keys := make([]string, 0, len(b.Blobs))
	for k := range b.Blobs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := header{Bundle: *b, Index: map[string][2]int{}}
	h.Blobs = nil
	var blobs bytes.Buffer
	for _, k := range keys {
		off := blobs.Len()
		if err := gzipTo(&blobs, b.Blobs[k]); err != nil {
			return err
		}
		h.Index[k] = [2]int{off, blobs.Len() - off}
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return err
	}
	var head bytes.Buffer
	if err := gzipTo(&head, append(raw, '\n')); err != nil {
		return err
	}
	if _, err := w.Write(head.Bytes()); err != nil {
		return err
	}
	_, err = w.Write(blobs.Bytes())
	return err
}

func gzipTo(w io.Writer, data []byte) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	return zw.Close()
}

// header is the first line of an encoded bundle.
type header struct {
	Bundle
	// Index maps a blob key to the offset and length of its gzip member,
	// counted from the end of the header's member.
	Index map[string][2]int `json:"index"`
}

// Decode reads a bundle written by Encode. The blobs stay compressed, as
// slices of compressed: Blob inflates one on demand.
func Decode(compressed []byte) (*Bundle, error) {
	br := bytes.NewReader(compressed)
	// bytes.Reader is an io.ByteReader, so the gzip reader consumes the
	// header's member exactly and br is left at the first blob.
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("reading schema bundle: %w", err)
	}
	zr.Multistream(false)
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("reading schema bundle: %w", err)
	}
	line, rest, ok := bytes.Cut(raw, []byte{'\n'})
	if !ok || len(rest) != 0 {
		return nil, errors.New("reading schema bundle: the first member is not one header line")
	}
	var h header
	if err := json.Unmarshal(line, &h); err != nil {
		return nil, fmt.Errorf("reading schema bundle: %w", err)
	}
	if h.Format != Format {
		return nil, fmt.Errorf("schema bundle has format %d, want %d: regenerate it", h.Format, Format)
	}
	blobs := compressed[len(compressed)-br.Len():]
	b := h.Bundle
	b.packed = make(map[string][]byte, len(h.Index))
	for k, ol := range h.Index {
		if ol[0] < 0 || ol[1] <= 0 || ol[0]+ol[1] > len(blobs) {
			return nil, fmt.Errorf("reading schema bundle: blob %s lies outside the data", k)
		}
		b.packed[k] = blobs[ol[0] : ol[0]+ol[1] : ol[0]+ol[1]]
	}
	return &b, nil
}

// readers recycles gzip readers: each holds tens of kilobytes of window and
// tables, and a kind's schema needs dozens of blobs.
var readers sync.Pool

// Blob returns the JSON of one blob: from Blobs for a bundle built in
// memory, inflated from its member for a decoded one. The caller owns the
// result.
func (b *Bundle) Blob(key string) (json.RawMessage, bool, error) {
	if raw, ok := b.Blobs[key]; ok {
		return raw, true, nil
	}
	member, ok := b.packed[key]
	if !ok {
		return nil, false, nil
	}
	zr, _ := readers.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(member))
	} else {
		err = zr.Reset(bytes.NewReader(member))
	}
	if err != nil {
		return nil, true, fmt.Errorf("schema bundle: blob %s: %w", key, err)
	}
	zr.Multistream(false)
	raw, err := io.ReadAll(zr)
	readers.Put(zr)
	if err != nil {
		return nil, true, fmt.Errorf("schema bundle: blob %s: %w", key, err)
	}
	return raw, true, nil
}

// Keys lists every blob's key, sorted.
func (b *Bundle) Keys() []string {
	keys := make([]string, 0, len(b.Blobs)+len(b.packed))
	for k := range b.Blobs {
		keys = append(keys, k)
	}
	for k := range b.packed {
		if _, ok := b.Blobs[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
