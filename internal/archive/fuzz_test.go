package archive

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"path"
	"strings"
	"testing"
)

// FuzzRead feeds Read gzip streams of arbitrary tar bytes. Whatever the
// input, Read must not panic, and what it keeps must hold its promises:
// clean names under the roots, no file where a directory is, every size
// within the limits.
func FuzzRead(f *testing.F) {
	f.Add(tarGz(f, dir(top), file(top+"env/a.yaml", "a: 1\n")), false)
	f.Add(tarGz(f, dir(top), entry{Name: top + "env/l", Type: tar.TypeSymlink, Data: "../../x"}, file(top+"env/l/x", "x")), true)
	f.Add(tarGz(f, dir(top), file(top+"env/a", "1"), file(top+"env/a/b", "2")), true)
	f.Add(tarGz(f, dir(top), file(top+"env/"+strings.Repeat("x", 200), strings.Repeat("y", 300))), true)
	f.Add(rawTarGz(f, append(ustarHeader(top+"env/../x", tar.TypeReg, 0), make([]byte, 1024)...)), true)
	f.Add(rawTarGz(f, append(gnuSparse(top+"env/s", "abc", 1<<20), make([]byte, 1024)...)), true)
	f.Add(rawTarGz(f, paxWithPath(f, top+"env/a\x00b")), true)
	lim := Limits{MaxFileSize: 256, MaxTotal: 1024, MaxStream: 64 << 10, MaxEntries: 16}
	f.Fuzz(func(t *testing.T, tarBytes []byte, roots bool) {
		opts := Options{StripTop: true, Limits: lim}
		if roots {
			opts.Roots = []string{"env"}
		}
		// Both the fuzzer's bytes as a gzip stream and gzipped.
		for _, in := range [][]byte{tarBytes, rawTarGz(t, tarBytes)} {
			res, err := Read(bytes.NewReader(in), opts)
			if err != nil {
				continue
			}
			check(t, res, opts)
		}
	})
}

func check(t *testing.T, res *Result, opts Options) {
	t.Helper()
	var total int64
	if res.FS.Len() > opts.MaxEntries {
		t.Errorf("%d entries kept, over the limit of %d", res.FS.Len(), opts.MaxEntries)
	}
	for name, f := range res.FS.All() {
		if !fs.ValidPath(name) || name == "." || strings.ContainsRune(name, 0) {
			t.Errorf("kept an unclean name %q", name)
		}
		if !under(name, opts.Roots) {
			t.Errorf("kept %q, outside the roots %v", name, opts.Roots)
		}
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if p, ok := res.FS.Lookup(d); ok && !p.Mode.IsDir() {
				t.Errorf("kept %q under the file %q", name, d)
			}
		}
		if f.Mode.IsDir() {
			continue
		}
		if f.Mode&^0o111 != 0o644 {
			t.Errorf("%q: mode %v is no plain file's", name, f.Mode)
		}
		if int64(len(f.Data)) > opts.MaxFileSize {
			t.Errorf("%q: %d bytes kept, over max-file-size %d", name, len(f.Data), opts.MaxFileSize)
		}
		total += int64(len(f.Data))
	}
	if total > opts.MaxTotal || total != res.Bytes {
		t.Errorf("files total %d bytes, Bytes says %d, limit %d", total, res.Bytes, opts.MaxTotal)
	}
	for _, s := range res.Skipped {
		if !fs.ValidPath(s.Name) || !under(s.Name, opts.Roots) {
			t.Errorf("skipped entry %q is unclean or outside the roots", s.Name)
		}
	}
}
