// Package bundle holds the JSON Schemas embedded in the binary and the
// format they are stored in: definitions are content-addressed blobs, so a
// definition that did not change between Kubernetes versions is stored once.
// schemas.json.gz is written by ../gen; SOURCES.json records where every
// input came from.
package bundle

import (
	"bytes"
	"compress/flate"
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
// Format 4 compresses each blob against a shared dictionary (format 3:
// each blob a gzip member of its own).
const Format = 4

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

	packed map[string][]byte // a decoded bundle's compressed blobs, by key
	dict   []byte            // a decoded bundle's dictionary
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
	key := blobKey(raw)
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

// Encode writes the bundle: a gzip member holding one line of JSON with
// everything but the blobs (and each blob's length), a gzip member holding
// a dictionary, then every blob as a raw DEFLATE stream compressed against
// that dictionary. Decode thus parses only the small header, and a blob is
// inflated only when a schema needs it, straight from the bytes embedded
// in the binary: the heap never holds the whole bundle while resources
// are validated.
//
// The dictionary is what blobs have in common ({"type":["string","null"]},
// "additionalProperties":false, the fields of a PodSpec): most blobs are a
// few hundred bytes, too short for DEFLATE to find repetitions inside
// them alone, and the dictionary makes them a third of the size they are
// compressed on their own (format 3). zcat still prints the header line
// and the dictionary.
//
// The output depends only on the bundle: JSON map keys are sorted, blobs are
// laid out in key order, the dictionary is built from them deterministically
// and the gzip headers carry no name or time.
func Encode(w io.Writer, b *Bundle) error {
	keys := make([]string, 0, len(b.Blobs))
	for k := range b.Blobs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	raws := make([][]byte, len(keys))
	for i, k := range keys {
		raws[i] = b.Blobs[k]
	}
	dict := buildDict(raws, dictSize)
	h := header{Format: b.Format, CRDs: b.CRDs, Sizes: make([]int, len(keys))}
	var prev *Set
	for i := range b.Kubernetes {
		r := &b.Kubernetes[i]
		h.Kubernetes = append(h.Kubernetes, delta(r, prev))
		prev = &r.Set
	}
	// Decode finds the blobs by the keys the definitions name, so every
	// blob must be named and every name must have its blob.
	if named := b.keys(); !slicesEqual(named, keys) {
		return fmt.Errorf("encoding schema bundle: %d blobs, but the definitions name %d", len(keys), len(named))
	}
	var blobs bytes.Buffer
	for i, k := range keys {
		off := blobs.Len()
		zw, err := flate.NewWriterDict(&blobs, flate.BestCompression, dict)
		if err != nil {
			return err
		}
		if _, err := zw.Write(b.Blobs[k]); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		h.Sizes[i] = blobs.Len() - off
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return err
	}
	var head bytes.Buffer
	if err := gzipTo(&head, append(raw, '\n')); err != nil {
		return err
	}
	if err := gzipTo(&head, dict); err != nil {
		return err
	}
	if _, err := w.Write(head.Bytes()); err != nil {
		return err
	}
	_, err = w.Write(blobs.Bytes())
	return err
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// dictSize is DEFLATE's window: a longer dictionary could not be reached.
const dictSize = 32 << 10

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
	Format int `json:"format"`
	// Kubernetes lists the releases newest first, each as its difference
	// from the one before it in the list: most definitions are the same
	// blob in every release, and listing them once keeps the header (which
	// every run inflates and parses) a third smaller.
	Kubernetes []releaseDelta `json:"kubernetes"`
	CRDs       Set            `json:"crds"`
	// Sizes holds the compressed length of each blob, in key order; the
	// blobs follow the dictionary's member in that order. Keys are the
	// keys of the definitions of every release and of the CRDs.
	Sizes []int `json:"sizes"`
}

// releaseDelta is a release as its difference from the release before it
// in the header; the first is whole.
type releaseDelta struct {
	Version string `json:"version"`
	Source  string `json:"source"`
	// Set holds the definitions and kinds added or changed.
	Set
	// Removed and RemovedKinds name those the release before has and this
	// one lacks.
	Removed      []string `json:"removed,omitempty"`
	RemovedKinds []string `json:"removedKinds,omitempty"`
}

func delta(r *Release, prev *Set) releaseDelta {
	if prev == nil {
		return releaseDelta{Version: r.Version, Source: r.Source, Set: r.Set}
	}
	d := releaseDelta{Version: r.Version, Source: r.Source, Set: Set{Defs: diff(r.Defs, prev.Defs), Kinds: diff(r.Kinds, prev.Kinds)}}
	d.Removed = missing(prev.Defs, r.Defs)
	d.RemovedKinds = missing(prev.Kinds, r.Kinds)
	return d
}

// apply is the inverse of delta.
func (d *releaseDelta) apply(prev *Set) Release {
	r := Release{Version: d.Version, Source: d.Source, Set: Set{Defs: map[string]string{}, Kinds: map[string]string{}}}
	if prev != nil {
		for n, k := range prev.Defs {
			r.Defs[n] = k
		}
		for n, k := range prev.Kinds {
			r.Kinds[n] = k
		}
	}
	for _, n := range d.Removed {
		delete(r.Defs, n)
	}
	for _, n := range d.RemovedKinds {
		delete(r.Kinds, n)
	}
	for n, k := range d.Defs {
		r.Defs[n] = k
	}
	for n, k := range d.Kinds {
		r.Kinds[n] = k
	}
	return r
}

// diff returns the entries of m that prev lacks or maps otherwise.
func diff(m, prev map[string]string) map[string]string {
	out := map[string]string{}
	for n, k := range m {
		if pk, ok := prev[n]; !ok || pk != k {
			out[n] = k
		}
	}
	return out
}

// missing returns, sorted, the names of prev that m lacks.
func missing(prev, m map[string]string) []string {
	var out []string
	for n := range prev {
		if _, ok := m[n]; !ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Decode reads a bundle written by Encode. The blobs stay compressed, as
// slices of compressed: Blob inflates one on demand.
func Decode(compressed []byte) (*Bundle, error) {
	br := bytes.NewReader(compressed)
	// bytes.Reader is an io.ByteReader, so the gzip reader consumes each
	// member exactly and br is left at the start of the next.
	member := func() ([]byte, error) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		zr.Multistream(false)
		return io.ReadAll(zr)
	}
	raw, err := member()
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
	b := Bundle{Format: h.Format, CRDs: h.CRDs}
	var prev *Set
	for i := range h.Kubernetes {
		b.Kubernetes = append(b.Kubernetes, h.Kubernetes[i].apply(prev))
		prev = &b.Kubernetes[len(b.Kubernetes)-1].Set
	}
	dict, err := member()
	if err != nil {
		return nil, fmt.Errorf("reading schema bundle: dictionary: %w", err)
	}
	keys := b.keys()
	if len(keys) != len(h.Sizes) {
		return nil, fmt.Errorf("reading schema bundle: %d blob sizes for %d blobs", len(h.Sizes), len(keys))
	}
	blobs := compressed[len(compressed)-br.Len():]
	b.dict = dict
	b.packed = make(map[string][]byte, len(keys))
	off := 0
	for i, k := range keys {
		n := h.Sizes[i]
		if n <= 0 || off+n > len(blobs) {
			return nil, fmt.Errorf("reading schema bundle: blob %s lies outside the data", k)
		}
		b.packed[k] = blobs[off : off+n : off+n]
		off += n
	}
	if off != len(blobs) {
		return nil, fmt.Errorf("reading schema bundle: %d bytes after the last blob", len(blobs)-off)
	}
	return &b, nil
}

// keys lists, sorted, the keys the definitions name: the blobs that
// follow the header.
func (h *Bundle) keys() []string {
	seen := map[string]bool{}
	add := func(s Set) {
		for _, k := range s.Defs {
			seen[k] = true
		}
	}
	for _, r := range h.Kubernetes {
		add(r.Set)
	}
	add(h.CRDs)
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// readers recycles DEFLATE readers: each holds tens of kilobytes of window
// and tables, and a kind's schema needs dozens of blobs.
var readers sync.Pool

// Blob returns the JSON of one blob: from Blobs for a bundle built in
// memory, inflated from its member for a decoded one, and checked against
// its key, the hash of its content (raw DEFLATE carries no checksum). The
// caller owns the result.
func (b *Bundle) Blob(key string) (json.RawMessage, bool, error) {
	if raw, ok := b.Blobs[key]; ok {
		return raw, true, nil
	}
	member, ok := b.packed[key]
	if !ok {
		return nil, false, nil
	}
	zr, _ := readers.Get().(io.ReadCloser)
	if zr == nil {
		zr = flate.NewReaderDict(bytes.NewReader(member), b.dict)
	} else if err := zr.(flate.Resetter).Reset(bytes.NewReader(member), b.dict); err != nil {
		return nil, true, fmt.Errorf("schema bundle: blob %s: %w", key, err)
	}
	raw, err := io.ReadAll(zr)
	readers.Put(zr)
	if err != nil {
		return nil, true, fmt.Errorf("schema bundle: blob %s: %w", key, err)
	}
	if blobKey(raw) != key {
		return nil, true, fmt.Errorf("schema bundle: blob %s: its content does not match its key (a corrupt bundle: regenerate it)", key)
	}
	return raw, true, nil
}

// blobKey is the content address of a blob.
func blobKey(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:6])
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
