// Package helmtest serves charts to the tests of what renders them: a
// chartref.Fetcher over charts the test packs from directories, and the
// packing itself. It never reaches the network.
package helmtest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sync"

	"github.com/Masterminds/semver/v3"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
)

// Chart is one chart version a Fetcher serves.
type Chart struct {
	Repo, Name, Version string
	Data                []byte
}

// Fetcher serves Charts as a chart repository would: an exact version or
// the newest that meets a constraint. Fail, when set, is the kind of
// error every fetch fails with. It records what was asked.
type Fetcher struct {
	Charts []Chart
	Fail   chartref.Kind

	mu    sync.Mutex
	asked []chartref.Ref
}

// Fetch implements chartref.Fetcher.
func (f *Fetcher) Fetch(_ context.Context, ref chartref.Ref) (*chartref.Archive, error) {
	f.mu.Lock()
	f.asked = append(f.asked, ref)
	f.mu.Unlock()
	if f.Fail != 0 {
		return nil, &chartref.Error{Ref: ref, Kind: f.Fail, Err: fmt.Errorf("the test's repository fails with kind %d", f.Fail)}
	}
	var best *Chart
	var bestV *semver.Version
	for i, c := range f.Charts {
		if c.Repo != ref.Repo || c.Name != ref.Name {
			continue
		}
		v, err := semver.NewVersion(c.Version)
		if err != nil {
			continue
		}
		if ref.Version != "" && ref.Version != c.Version {
			con, err := semver.NewConstraint(ref.Version)
			if err != nil || !con.Check(v) {
				continue
			}
		}
		if bestV == nil || v.GreaterThan(bestV) {
			best, bestV = &f.Charts[i], v
		}
	}
	if best == nil {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.NotFound, Err: errors.New("no such chart version in the repository")}
	}
	sum := sha256.Sum256(best.Data)
	return &chartref.Archive{Ref: ref, Version: best.Version, Digest: fmt.Sprintf("sha256:%x", sum), URL: ref.Repo + "/" + best.Name + "-" + best.Version + ".tgz", Data: best.Data}, nil
}

// Asked returns the references fetched so far.
func (f *Fetcher) Asked() []chartref.Ref {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chartref.Ref(nil), f.asked...)
}

// Pack packs the chart in directory dir of fsys as helm package would: a
// gzipped tar of one top directory named after the chart.
func Pack(fsys fs.FS, dir, name string) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := p[len(dir)+1:]
		if err := tw.WriteHeader(&tar.Header{Name: path.Join(name, rel), Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Entry is one entry of an archive Archive writes.
type Entry struct {
	Header tar.Header
	Data   []byte
}

// Archive writes a gzipped tar of exactly the entries given, for tests of
// archives no chart tool would write (links, paths out of the top
// directory, sizes that lie).
func Archive(entries ...Entry) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := e.Header
		if h.Size == 0 && h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.Data))
		}
		_ = tw.WriteHeader(&h)
		_, _ = tw.Write(e.Data)
	}
	_ = tw.Close()
	_ = zw.Close()
	return buf.Bytes()
}
