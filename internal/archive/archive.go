// Package archive unpacks a gzipped tarball that may be hostile, such as a
// repository archive GitHub serves for a ref a pull request names, into an
// in-memory fs.FS: regular files and directories only, every name checked,
// every size bounded, the decompressed stream counted.
package archive

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/memfs"
)

// Defaults of Limits' zero fields.
const (
	// DefaultMaxTotal bounds the bytes of the files kept.
	DefaultMaxTotal = 512 << 20
	// DefaultMaxStream bounds the decompressed bytes read in all: the
	// files kept, the files left out, the headers and the padding.
	DefaultMaxStream = 4 << 30
	// DefaultMaxEntries bounds the files and directories kept: each costs
	// memory whatever its size.
	DefaultMaxEntries = 1 << 20
)

// Errors Read fails with, wrapped with the entry's name or the limit.
var (
	// ErrUnsafeName is an entry whose name is absolute, holds "..", ".",
	// an empty element or a NUL, or lies outside the archive's top
	// directory: no git tree holds one, so the archive is refused whole.
	ErrUnsafeName = errors.New("unsafe name")
	// ErrConflict is an entry that clashes with one read before: a file
	// given twice, a file where a directory was, a directory under a file.
	ErrConflict = errors.New("conflicting entry")
	// ErrTooLarge is an archive past one of the Limits.
	ErrTooLarge = errors.New("archive too large")
)

// Limits bound what Read reads and keeps. A zero field takes its default.
type Limits struct {
	// MaxFileSize is the size above which a regular file is left out and
	// reported (Skipped, ReasonTooLarge); zero means no limit but MaxTotal.
	MaxFileSize int64
	// MaxTotal bounds the bytes of the files kept; past it Read fails with
	// ErrTooLarge.
	MaxTotal int64
	// MaxStream bounds the bytes decompressed, whatever is kept: a small
	// archive that inflates without end (a decompression bomb) stops here
	// with ErrTooLarge.
	MaxStream int64
	// MaxEntries bounds the files and directories kept; past it Read fails
	// with ErrTooLarge.
	MaxEntries int
}

func (l Limits) withDefaults() Limits {
	if l.MaxTotal <= 0 {
		l.MaxTotal = DefaultMaxTotal
	}
	if l.MaxStream <= 0 {
		l.MaxStream = DefaultMaxStream
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	return l
}

// Options say what Read keeps.
type Options struct {
	// StripTop removes the one top directory every entry must be in, as
	// in GitHub's archives (owner-repo-sha/); an entry outside it is
	// ErrUnsafeName.
	StripTop bool
	// Roots keeps only the entries at or under these slash-separated
	// paths (after StripTop); empty, "" or "." keeps everything.
	Roots []string
	Limits
}

// Reason says why an entry was left out.
type Reason string

// Reasons an entry under the roots was left out.
const (
	ReasonSymlink  Reason = "symbolic link"
	ReasonHardlink Reason = "hard link"
	ReasonDevice   Reason = "device"
	ReasonFIFO     Reason = "FIFO"
	ReasonSparse   Reason = "sparse file"
	ReasonOther    Reason = "unsupported entry type"
	ReasonTooLarge Reason = "too large"
)

// Skipped is an entry under the roots that Read left out, for the caller
// to say so.
type Skipped struct {
	// Name is the entry's path in FS's terms (after StripTop).
	Name   string
	Reason Reason
	// Size is the entry's size, for ReasonTooLarge.
	Size int64
}

// Result is an unpacked archive.
type Result struct {
	// FS holds the regular files (mode 0755 when executable, else 0644)
	// and the directories under the roots, named by slash paths relative
	// to the archive's root (its top directory, with StripTop).
	FS *memfs.FS
	// Top is the top directory StripTop removed, e.g. acme-config-1a2b3c4.
	Top string
	// Skipped lists the entries under the roots left out, in archive
	// order.
	Skipped []Skipped
	// Bytes is the total size of the files kept.
	Bytes int64
}

// Read unpacks the gzipped tarball r into memory. It fails on an archive
// that is not gzip and tar, on an unsafe name (ErrUnsafeName), a clash
// (ErrConflict) and past opts' limits (ErrTooLarge); links, devices, FIFOs
// and files over MaxFileSize are left out and listed in Result.Skipped.
// Nothing it reads is ever followed or opened: the result is a map.
func Read(r io.Reader, opts Options) (*Result, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not a gzip stream: %w", err)
	}
	defer gz.Close()
	return ReadTar(gz, opts)
}

// ReadTar is Read for a tar stream that is not compressed, as `git
// archive --format=tar` writes it.
func ReadTar(r io.Reader, opts Options) (*Result, error) {
	lim := opts.Limits.withDefaults()
	cr := &countingReader{r: r, max: lim.MaxStream}
	tr := tar.NewReader(cr)
	res := &Result{}
	u := unpacker{opts: opts, lim: lim, res: res, files: map[string]*memfs.File{}}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			res.FS = memfs.New(u.files)
			return res, nil
		}
		if err != nil {
			return nil, cr.explain(err)
		}
		if err := u.entry(h, tr); err != nil {
			return nil, cr.explain(err)
		}
	}
}

// unpacker is one Read's state.
type unpacker struct {
	opts Options
	lim  Limits
	res  *Result
	// files are what Result.FS will hold.
	files  map[string]*memfs.File
	topSet bool
	// parents are the directories the entries kept imply, given or not:
	// a file of that name later is a clash.
	parents map[string]bool
}

// entry takes one header and, for a regular file kept, its data.
func (u *unpacker) entry(h *tar.Header, data io.Reader) error {
	switch h.Typeflag {
	case tar.TypeXGlobalHeader:
		// git archive records the commit in a pax global header: no file.
		return nil
	}
	name, keep, err := u.name(h.Name)
	if err != nil || !keep {
		return err
	}
	if name == "" {
		return nil // the top directory itself
	}
	if reason, ok := skipReason(h); ok {
		u.res.Skipped = append(u.res.Skipped, Skipped{Name: name, Reason: reason, Size: sizeOf(h, reason)})
		return nil
	}
	if h.Typeflag == tar.TypeDir {
		return u.dir(name, h)
	}
	if u.lim.MaxFileSize > 0 && h.Size > u.lim.MaxFileSize {
		u.res.Skipped = append(u.res.Skipped, Skipped{Name: name, Reason: ReasonTooLarge, Size: h.Size})
		return nil
	}
	if err := u.room(name, h.Size, true); err != nil {
		return err
	}
	// Read what arrives rather than allocate what the header claims: a
	// header may lie, the stream may end.
	b, err := io.ReadAll(io.LimitReader(data, h.Size))
	if err != nil {
		return fmt.Errorf("reading %q: %w", name, err)
	}
	if int64(len(b)) != h.Size {
		return fmt.Errorf("reading %q: %w", name, io.ErrUnexpectedEOF)
	}
	mode := fs.FileMode(0o644)
	if h.Mode&0o111 != 0 {
		mode = 0o755
	}
	u.add(name, &memfs.File{Data: b, Mode: mode, ModTime: h.ModTime})
	u.res.Bytes += h.Size
	return nil
}

// name checks an entry's name and returns it relative to the archive's
// root, and whether it is under the roots. The top directory itself is "".
func (u *unpacker) name(raw string) (string, bool, error) {
	if strings.IndexByte(raw, 0) >= 0 {
		return "", false, fmt.Errorf("entry %q: %w: a NUL byte", raw, ErrUnsafeName)
	}
	if strings.HasPrefix(raw, "/") {
		return "", false, fmt.Errorf("entry %q: %w: an absolute path", raw, ErrUnsafeName)
	}
	name := strings.TrimSuffix(raw, "/")
	if u.opts.StripTop {
		top, rest, _ := strings.Cut(name, "/")
		if !u.topSet {
			if !fs.ValidPath(top) || top == "." {
				return "", false, fmt.Errorf("entry %q: %w: not a top directory", raw, ErrUnsafeName)
			}
			u.res.Top, u.topSet = top, true
		}
		if top != u.res.Top {
			return "", false, fmt.Errorf("entry %q: %w: outside the top directory %q", raw, ErrUnsafeName, u.res.Top)
		}
		if rest == "" {
			return "", true, nil
		}
		name = rest
	}
	if !fs.ValidPath(name) || name == "." {
		return "", false, fmt.Errorf("entry %q: %w: not a clean relative path", raw, ErrUnsafeName)
	}
	return name, under(name, u.opts.Roots), nil
}

// skipReason reports why an entry that is no regular file or directory is
// left out.
func skipReason(h *tar.Header) (Reason, bool) {
	for k := range h.PAXRecords {
		// A sparse file expands its holes on reading: data that was never
		// in the stream.
		if strings.HasPrefix(k, "GNU.sparse.") {
			return ReasonSparse, true
		}
	}
	switch h.Typeflag {
	case tar.TypeReg, tar.TypeDir:
		return "", false
	case tar.TypeSymlink:
		return ReasonSymlink, true
	case tar.TypeLink:
		return ReasonHardlink, true
	case tar.TypeChar, tar.TypeBlock:
		return ReasonDevice, true
	case tar.TypeFifo:
		return ReasonFIFO, true
	case tar.TypeGNUSparse:
		return ReasonSparse, true
	}
	return ReasonOther, true
}

func sizeOf(h *tar.Header, r Reason) int64 {
	if r == ReasonSparse {
		return h.Size
	}
	return 0
}

// dir records a directory; one given twice is no clash.
func (u *unpacker) dir(name string, h *tar.Header) error {
	if f, ok := u.files[name]; ok {
		if f.Mode.IsDir() {
			return nil
		}
		return fmt.Errorf("directory %q: %w: a file of that name came first", name, ErrConflict)
	}
	if err := u.room(name, 0, false); err != nil {
		return err
	}
	u.add(name, &memfs.File{Mode: fs.ModeDir | 0o755, ModTime: h.ModTime})
	return nil
}

// room checks that name, a file when file is true, may be added with size
// bytes: no entry of that name yet, no file among its parents, no
// directory implied by an earlier entry if it is a file, the limits not
// passed.
func (u *unpacker) room(name string, size int64, file bool) error {
	if _, ok := u.files[name]; ok {
		return fmt.Errorf("file %q: %w: given twice", name, ErrConflict)
	}
	if file && u.parents[name] {
		return fmt.Errorf("file %q: %w: a directory of that name came first", name, ErrConflict)
	}
	for d := path.Dir(name); d != "."; d = path.Dir(d) {
		if f, ok := u.files[d]; ok && !f.Mode.IsDir() {
			return fmt.Errorf("%q: %w: its parent %q is a file", name, ErrConflict, d)
		}
	}
	if len(u.files) >= u.lim.MaxEntries {
		return fmt.Errorf("%w: more than %d files and directories", ErrTooLarge, u.lim.MaxEntries)
	}
	if u.res.Bytes+size > u.lim.MaxTotal {
		return fmt.Errorf("%w: the files kept exceed %s", ErrTooLarge, sizeText(u.lim.MaxTotal))
	}
	return nil
}

// add records an entry and the directories it implies.
func (u *unpacker) add(name string, f *memfs.File) {
	u.files[name] = f
	if u.parents == nil {
		u.parents = map[string]bool{}
	}
	for d := path.Dir(name); d != "." && !u.parents[d]; d = path.Dir(d) {
		u.parents[d] = true
	}
}

// under reports whether the slash path p is one of roots or inside one;
// no roots, "" or "." is everything.
func under(p string, roots []string) bool {
	if len(roots) == 0 {
		return true
	}
	for _, r := range roots {
		r = strings.Trim(r, "/")
		if r == "." || r == "" || p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

// countingReader fails once more than max bytes were read through it.
type countingReader struct {
	r    io.Reader
	n    int64
	max  int64
	over bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n >= c.max {
		// One byte more than allowed tells "exactly at the limit" from
		// "past it"; without it, a stream of max bytes would fail.
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			c.over = true
			return 0, errStreamLimit
		}
		return 0, err
	}
	if rest := c.max - c.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

var errStreamLimit = errors.New("stream limit")

// explain turns the stream limit, wherever tar reports it, into
// ErrTooLarge.
func (c *countingReader) explain(err error) error {
	if c.over || errors.Is(err, errStreamLimit) {
		return fmt.Errorf("%w: it decompresses to more than %s", ErrTooLarge, sizeText(c.max))
	}
	return err
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
