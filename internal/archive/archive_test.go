package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gitops-actions/gitops-actions/internal/memfs"
)

// entry is one tar entry of a test archive; Data is the file's content, or
// for links the target.
type entry struct {
	Name string
	Type byte
	Data string
	Mode int64
	// Size, when set, is written in the header instead of len(Data).
	Size int64
	PAX  map[string]string
}

func file(name, data string) entry { return entry{Name: name, Type: tar.TypeReg, Data: data} }
func dir(name string) entry        { return entry{Name: name, Type: tar.TypeDir} }

// tarGz builds a gzipped tarball of entries in GitHub's layout when the
// names start with a top directory.
func tarGz(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Typeflag: e.Type, Mode: e.Mode, PAXRecords: e.PAX}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		switch e.Type {
		case tar.TypeReg:
			h.Size = int64(len(e.Data))
		case tar.TypeSymlink, tar.TypeLink:
			h.Linkname = e.Data
		case tar.TypeXGlobalHeader:
			h = &tar.Header{Typeflag: e.Type, Name: e.Name, PAXRecords: e.PAX, Format: tar.FormatPAX}
		}
		if e.Size != 0 {
			h.Size = e.Size
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("writing header %q: %v", e.Name, err)
		}
		if e.Type == tar.TypeReg && e.Data != "" {
			if _, err := io.WriteString(tw, e.Data); err != nil && e.Size == 0 {
				t.Fatalf("writing %q: %v", e.Name, err)
			}
		}
	}
	// An entry whose header claims more than it has leaves tw short: the
	// archive ends early, as a hostile one may.
	tw.Flush()
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// rawTarGz gzips raw tar bytes, for headers archive/tar refuses to write.
func rawTarGz(t testing.TB, raw []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	gz.Write(raw)
	gz.Close()
	return buf.Bytes()
}

// ustarHeader makes one 512-byte ustar header by hand, with any name:
// archive/tar refuses to write some of the names a hostile archive holds.
func ustarHeader(name string, typ byte, size int64) []byte {
	b := make([]byte, 512)
	copy(b[0:100], name)
	copy(b[100:108], "0000644\x00")
	copy(b[108:116], "0000000\x00")
	copy(b[116:124], "0000000\x00")
	copy(b[124:136], fmt.Sprintf("%011o\x00", size))
	copy(b[136:148], "00000000000\x00")
	b[156] = typ
	copy(b[257:263], "ustar\x00")
	copy(b[263:265], "00")
	copy(b[148:156], "        ")
	var sum int64
	for _, c := range b {
		sum += int64(c)
	}
	copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return b
}

const top = "acme-config-1a2b3c4/"

func names(fsys *memfs.FS) []string {
	var out []string
	for n := range fsys.All() {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// hasData reports whether the file name of fsys holds data.
func hasData(fsys *memfs.FS, name, data string) bool {
	f, ok := fsys.Lookup(name)
	return ok && string(f.Data) == data
}

func TestRead(t *testing.T) {
	tests := []struct {
		name        string
		archive     []byte
		opts        Options
		wantFiles   map[string]string // file → content
		wantDirs    []string
		wantSkipped []Skipped
		wantErr     error  // errors.Is
		wantErrText string // and in its text
	}{
		{
			name: "GitHub's layout, top stripped, pax global header ignored",
			archive: tarGz(t,
				entry{Name: "pax_global_header", Type: tar.TypeXGlobalHeader, PAX: map[string]string{"comment": "1a2b3c4"}},
				dir(top), dir(top+"environments/"), file(top+"environments/a.yaml", "a: 1\n"),
				entry{Name: top + "run.sh", Type: tar.TypeReg, Data: "#!/bin/sh\n", Mode: 0o775}),
			opts:      Options{StripTop: true},
			wantFiles: map[string]string{"environments/a.yaml": "a: 1\n", "run.sh": "#!/bin/sh\n"},
			wantDirs:  []string{"environments"},
		},
		{
			name: "only the roots are kept",
			archive: tarGz(t, dir(top), file(top+"environments/staging/a.yaml", "a"), file(top+"environments/staging-old/b.yaml", "b"),
				file(top+"apps/c.yaml", "c")),
			opts:      Options{StripTop: true, Roots: []string{"environments/staging/"}},
			wantFiles: map[string]string{"environments/staging/a.yaml": "a"},
		},
		{
			name: "links, devices and FIFOs are skipped and reported",
			archive: tarGz(t, dir(top),
				entry{Name: top + "env/link.yaml", Type: tar.TypeSymlink, Data: "/etc/passwd"},
				entry{Name: top + "env/hard.yaml", Type: tar.TypeLink, Data: top + "env/a.yaml"},
				entry{Name: top + "env/tty", Type: tar.TypeChar},
				entry{Name: top + "env/disk", Type: tar.TypeBlock},
				entry{Name: top + "env/pipe", Type: tar.TypeFifo},
				entry{Name: top + "env/cont", Type: tar.TypeCont},
				entry{Name: top + "other/link", Type: tar.TypeSymlink, Data: "../.."},
				file(top+"env/a.yaml", "a")),
			opts:      Options{StripTop: true, Roots: []string{"env"}},
			wantFiles: map[string]string{"env/a.yaml": "a"},
			wantSkipped: []Skipped{
				{Name: "env/link.yaml", Reason: ReasonSymlink}, {Name: "env/hard.yaml", Reason: ReasonHardlink},
				{Name: "env/tty", Reason: ReasonDevice}, {Name: "env/disk", Reason: ReasonDevice},
				{Name: "env/pipe", Reason: ReasonFIFO}, {Name: "env/cont", Reason: ReasonOther},
			},
		},
		{
			name:        "a file over max-file-size is skipped and reported",
			archive:     tarGz(t, dir(top), file(top+"big.yaml", strings.Repeat("x", 101)), file(top+"ok.yaml", strings.Repeat("y", 100))),
			opts:        Options{StripTop: true, Limits: Limits{MaxFileSize: 100}},
			wantFiles:   map[string]string{"ok.yaml": strings.Repeat("y", 100)},
			wantSkipped: []Skipped{{Name: "big.yaml", Reason: ReasonTooLarge, Size: 101}},
		},
		{
			name:        "a sparse file is skipped: its holes were never in the stream",
			archive:     rawTarGz(t, append(gnuSparse(top+"sparse", "abc", 1<<30), make([]byte, 1024)...)),
			opts:        Options{StripTop: true},
			wantFiles:   map[string]string{},
			wantSkipped: []Skipped{{Name: "sparse", Reason: ReasonSparse, Size: 1 << 30}},
		},
		{
			name:        "parent directory",
			archive:     tarGz(t, dir(top), file(top+"env/../../etc/passwd", "x")),
			opts:        Options{StripTop: true},
			wantErr:     ErrUnsafeName,
			wantErrText: `"acme-config-1a2b3c4/env/../../etc/passwd"`,
		},
		{
			name:    "top directory is ..",
			archive: tarGz(t, file("../x", "x")),
			opts:    Options{StripTop: true},
			wantErr: ErrUnsafeName,
		},
		{
			name:    "parent directory without a top",
			archive: tarGz(t, file("../x", "x")),
			wantErr: ErrUnsafeName,
		},
		{
			name:    "absolute name",
			archive: tarGz(t, file("/etc/cron.d/x", "x")),
			opts:    Options{StripTop: true},
			wantErr: ErrUnsafeName,
		},
		{
			name:    "NUL in a PAX path",
			archive: rawTarGz(t, paxWithPath(t, top+"a\x00b")),
			opts:    Options{StripTop: true},
			// archive/tar refuses it first, or we do: either way an error.
		},
		{
			name:    "dot element",
			archive: tarGz(t, dir(top), file(top+"./a", "x")),
			opts:    Options{StripTop: true},
			wantErr: ErrUnsafeName,
		},
		{
			name:    "empty element",
			archive: tarGz(t, dir(top), file(top+"a//b", "x")),
			opts:    Options{StripTop: true},
			wantErr: ErrUnsafeName,
		},
		{
			name:    "outside the top directory",
			archive: tarGz(t, dir(top), file("other-top/a", "x")),
			opts:    Options{StripTop: true},
			wantErr: ErrUnsafeName,
		},
		{
			name:    "a file given twice",
			archive: tarGz(t, dir(top), file(top+"a", "1"), file(top+"a", "2")),
			opts:    Options{StripTop: true},
			wantErr: ErrConflict,
		},
		{
			name:    "a file under a file",
			archive: tarGz(t, dir(top), file(top+"a", "1"), file(top+"a/b", "2")),
			opts:    Options{StripTop: true},
			wantErr: ErrConflict,
		},
		{
			name:    "a file where a directory was implied",
			archive: tarGz(t, dir(top), file(top+"a/b", "2"), file(top+"a", "1")),
			opts:    Options{StripTop: true},
			wantErr: ErrConflict,
		},
		{
			name:    "a directory where a file was",
			archive: tarGz(t, dir(top), file(top+"a", "1"), dir(top+"a/")),
			opts:    Options{StripTop: true},
			wantErr: ErrConflict,
		},
		{
			name:      "a directory given twice is fine",
			archive:   tarGz(t, dir(top), dir(top+"a/"), dir(top+"a/"), file(top+"a/b", "2")),
			opts:      Options{StripTop: true},
			wantFiles: map[string]string{"a/b": "2"},
			wantDirs:  []string{"a"},
		},
		{
			name:    "the files kept exceed the total",
			archive: tarGz(t, dir(top), file(top+"a", strings.Repeat("a", 60)), file(top+"b", strings.Repeat("b", 60))),
			opts:    Options{StripTop: true, Limits: Limits{MaxTotal: 100}},
			wantErr: ErrTooLarge,
		},
		{
			name:      "files outside the roots do not count in the total",
			archive:   tarGz(t, dir(top), file(top+"big/a", strings.Repeat("a", 600)), file(top+"env/b", "b")),
			opts:      Options{StripTop: true, Roots: []string{"env"}, Limits: Limits{MaxTotal: 100}},
			wantFiles: map[string]string{"env/b": "b"},
		},
		{
			name:    "a decompression bomb stops at the stream limit",
			archive: tarGz(t, dir(top), file(top+"zeros", strings.Repeat("\x00", 1<<20))),
			opts:    Options{StripTop: true, Roots: []string{"elsewhere"}, Limits: Limits{MaxStream: 64 << 10}},
			wantErr: ErrTooLarge,
		},
		{
			name:    "too many entries",
			archive: tarGz(t, dir(top), file(top+"a", ""), file(top+"b", ""), file(top+"c", "")),
			opts:    Options{StripTop: true, Limits: Limits{MaxEntries: 2}},
			wantErr: ErrTooLarge,
		},
		{
			name:    "a header that claims more than the stream holds",
			archive: tarGz(t, dir(top), entry{Name: top + "short", Type: tar.TypeReg, Data: "abc", Size: 1 << 20}),
			opts:    Options{StripTop: true},
		},
		{
			name:    "not gzip",
			archive: []byte("PK\x03\x04 a zip"),
		},
		{
			name:    "a hand-made ustar header with a parent directory",
			archive: rawTarGz(t, append(ustarHeader(top+"../x", tar.TypeReg, 0), make([]byte, 1024)...)),
			opts:    Options{StripTop: true},
			wantErr: ErrUnsafeName,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Read(bytes.NewReader(tc.archive), tc.opts)
			wantFail := tc.wantErr != nil || tc.wantFiles == nil
			if wantFail {
				if err == nil {
					t.Fatalf("Read: got no error and files %v, want an error", names(res.FS))
				}
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Errorf("Read: got %v, want %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErrText) {
					t.Errorf("Read: got %q, want it to contain %q", err, tc.wantErrText)
				}
				return
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			got := map[string]string{}
			var gotDirs []string
			for n, f := range res.FS.All() {
				if f.Mode.IsDir() {
					gotDirs = append(gotDirs, n)
					continue
				}
				got[n] = string(f.Data)
			}
			sort.Strings(gotDirs)
			if !reflect.DeepEqual(got, tc.wantFiles) {
				t.Errorf("files: got %v, want %v", got, tc.wantFiles)
			}
			if !reflect.DeepEqual(gotDirs, tc.wantDirs) {
				t.Errorf("directories: got %v, want %v", gotDirs, tc.wantDirs)
			}
			if !reflect.DeepEqual(res.Skipped, tc.wantSkipped) {
				t.Errorf("skipped: got %+v, want %+v", res.Skipped, tc.wantSkipped)
			}
			if tc.opts.StripTop && res.Top != strings.TrimSuffix(top, "/") {
				t.Errorf("top: got %q, want %q", res.Top, strings.TrimSuffix(top, "/"))
			}
			if err := fstest.TestFS(res.FS, names(res.FS)...); res.FS.Len() > 0 && err != nil {
				t.Errorf("the result is not a sound fs.FS: %v", err)
			}
		})
	}
}

func TestModes(t *testing.T) {
	res, err := Read(bytes.NewReader(tarGz(t, dir(top),
		entry{Name: top + "x.sh", Type: tar.TypeReg, Data: "x", Mode: 0o4775},
		entry{Name: top + "y", Type: tar.TypeReg, Data: "y", Mode: 0o600})), Options{StripTop: true})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]fs.FileMode{"x.sh": 0o755, "y": 0o644} {
		f, ok := res.FS.Lookup(name)
		if !ok {
			t.Errorf("%s: missing", name)
			continue
		}
		if got := f.Mode; got != want {
			t.Errorf("%s: mode got %v, want %v (no setuid, no group or world bits of their own)", name, got, want)
		}
	}
	if got, want := res.Bytes, int64(2); got != want {
		t.Errorf("Bytes: got %d, want %d", got, want)
	}
}

// TestStreamLimitExact reads an archive whose decompressed stream is
// exactly the limit: that is allowed; one byte less is not.
func TestStreamLimitExact(t *testing.T) {
	a := tarGz(t, dir(top), file(top+"a", "abc"))
	zr, _ := gzip.NewReader(bytes.NewReader(a))
	n, _ := io.Copy(io.Discard, zr)
	if _, err := Read(bytes.NewReader(a), Options{StripTop: true, Limits: Limits{MaxStream: n}}); err != nil {
		t.Errorf("a stream of exactly MaxStream bytes: %v", err)
	}
	if _, err := Read(bytes.NewReader(a), Options{StripTop: true, Limits: Limits{MaxStream: n - 1}}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a stream one byte over: got %v, want ErrTooLarge", err)
	}
}

// gnuSparse writes an old GNU sparse entry by hand: data at offset 0, and
// holes up to size, which the reader would expand.
func gnuSparse(name, data string, size int64) []byte {
	b := ustarHeader(name, tar.TypeGNUSparse, int64(len(data)))
	copy(b[257:265], "ustar  \x00")
	copy(b[386:398], fmt.Sprintf("%011o\x00", 0))
	copy(b[398:410], fmt.Sprintf("%011o\x00", len(data)))
	copy(b[483:495], fmt.Sprintf("%011o\x00", size))
	copy(b[148:156], "        ")
	var sum int64
	for _, c := range b {
		sum += int64(c)
	}
	copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return append(b, pad([]byte(data))...)
}

// paxWithPath writes a PAX extended header whose path record is p, then
// a regular file, by hand: archive/tar refuses to write a NUL in a path.
func paxWithPath(t testing.TB, p string) []byte {
	t.Helper()
	rec := " path=" + p + "\n"
	// The record's length counts its own digits.
	n := len(rec) + 1
	for len(strconv.Itoa(n))+len(rec) != n {
		n++
	}
	body := []byte(strconv.Itoa(n) + rec)
	var out []byte
	out = append(out, ustarHeader("PaxHeaders/x", tar.TypeXHeader, int64(len(body)))...)
	out = append(out, pad(body)...)
	out = append(out, ustarHeader("placeholder", tar.TypeReg, 0)...)
	out = append(out, make([]byte, 1024)...)
	return out
}

func pad(b []byte) []byte {
	if r := len(b) % 512; r != 0 {
		b = append(b, make([]byte, 512-r)...)
	}
	return b
}

// TestReadTar: a tar stream that is not compressed (git archive's) reads
// as the same archive gzipped does, and a gzip stream is no tar.
func TestReadTar(t *testing.T) {
	entries := []entry{dir("env/"), file("env/a.yaml", "a: 1\n"), {Name: "env/l.yaml", Type: tar.TypeSymlink, Data: "a.yaml"}}
	gz, err := gzip.NewReader(bytes.NewReader(tarGz(t, entries...)))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadTar(bytes.NewReader(plain), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := Read(bytes.NewReader(tarGz(t, entries...)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names(got.FS), names(want.FS)) || !reflect.DeepEqual(got.Skipped, want.Skipped) || !hasData(got.FS, "env/a.yaml", "a: 1\n") {
		t.Errorf("ReadTar: %q %v, want %q %v", names(got.FS), got.Skipped, names(want.FS), want.Skipped)
	}
	if _, err := ReadTar(bytes.NewReader(tarGz(t, entries...)), Options{}); err == nil {
		t.Error("ReadTar read a gzip stream as tar")
	}
}
