package chartsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
)

// Helm repositories are spoken to with net/http directly rather than
// through Helm's getter.HTTPGetter, which cannot hold the guards: it
// builds its http.Client per request from an *http.Transport (no
// redirect policy: a basic-auth header it set follows a redirect to
// another port of the same host), reads the whole body with no bound,
// and ignores the caller's context (context.Background()). What the
// getter does besides (the index URL, the chart URL resolved against the
// repository's, basic auth for the repository's own host only, the
// index's digest) is done here the same way.

// fetchHTTP fetches a chart from a Helm repository: its index.yaml, the
// version the reference asks for, and the archive the index names, whose
// digest must be the one the index gives.
func (f *Fetcher) fetchHTTP(ctx context.Context, ref chartref.Ref) (*chartref.Archive, error) {
	repo := strings.TrimSuffix(ref.Repo, "/")
	loc, _ := mirrored(f.opts.Mirrors, repo)
	key := "http\n" + loc + "\n" + ref.Name + "\n"
	digestOK := func(rec record) bool { return ref.Digest == "" || rec.Digest == ref.Digest }
	if exactVersion(ref.Version) {
		if a := f.fromCache(key+ref.Version, digestOK); a != nil {
			return a, nil
		}
	}
	data, err := f.index(ctx, ref, loc)
	if err != nil {
		return nil, err
	}
	entries, err := chartEntries(data, ref.Name)
	switch {
	case errors.Is(err, errNoChart):
		return nil, &chartref.Error{Ref: ref, Kind: chartref.NotFound, Err: fmt.Errorf("the index of %s has no chart %q", redactRaw(loc), ref.Name)}
	case err != nil:
		return nil, &chartref.Error{Ref: ref, Kind: chartref.Refused, Err: fmt.Errorf("the index of %s: %w", redactRaw(loc), err)}
	}
	var versions []string
	for _, e := range entries {
		versions = append(versions, e.Version)
	}
	v, ok, err := pickVersion(ref.Version, versions)
	if err != nil {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.NotFound, Err: err}
	}
	if !ok {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.NotFound, Err: fmt.Errorf("no version of %q in %s matches %s (it has %s)", ref.Name, redactRaw(loc), versionText(ref.Version), someVersions(versions, 5))}
	}
	var entry indexEntry
	for _, e := range entries {
		if e.Version == v {
			entry = e
			break
		}
	}
	want := ""
	if entry.Digest != "" {
		want = "sha256:" + strings.ToLower(strings.TrimPrefix(entry.Digest, "sha256:"))
		if blobName(want) == "" {
			return nil, &chartref.Error{Ref: ref, Kind: chartref.Refused, Err: fmt.Errorf("the index of %s gives %q as the digest of %s %s, which is not a SHA-256", redactRaw(loc), entry.Digest, ref.Name, v)}
		}
	}
	matches := func(rec record) bool { return digestOK(rec) && (want == "" || rec.Digest == want) }
	if a := f.fromCache(key+v, matches); a != nil {
		return a, nil
	}
	if len(entry.URLs) == 0 {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.NotFound, Err: fmt.Errorf("the index of %s names no URL for %s %s", redactRaw(loc), ref.Name, v)}
	}
	// A chart URL is resolved against the repository's own URL (Helm's
	// repo.ResolveReferenceURL), then mirrored like any other.
	abs, err := resolveReference(repo, entry.URLs[0])
	if err != nil {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.Refused, Err: fmt.Errorf("the index of %s names %q for %s %s: %w", redactRaw(loc), entry.URLs[0], ref.Name, v, err)}
	}
	abs, _ = mirrored(f.opts.Mirrors, abs)
	d, err := f.download(ctx, ref, "http\n"+abs+"\n"+v+"\n"+want, func() (*downloaded, error) {
		x, cancel := newExchange(ctx, f.opts.Timeout, f.opts.MaxArchiveSize, 2*f.opts.MaxArchiveSize)
		defer cancel()
		x.basicAuth = true
		data, err := f.get(x, abs, f.opts.MaxArchiveSize)
		if err != nil {
			return nil, f.fail(ref, x, ctx, err)
		}
		a := &chartref.Archive{Version: v, Digest: digestOf(data), URL: redactRaw(abs), Data: data}
		if want != "" && a.Digest != want {
			return nil, &chartref.Error{Ref: ref, Kind: chartref.Refused, Err: fmt.Errorf("the archive at %s has digest %s, but the index gives %s: it was changed or corrupted on the way", a.URL, a.Digest, want)}
		}
		d := &downloaded{archive: a}
		f.keep(d, key+v)
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	a := d.archive
	if ref.Digest != "" && a.Digest != ref.Digest {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.Refused, Err: fmt.Errorf("the archive at %s has digest %s, but the reference pins %s", a.URL, a.Digest, ref.Digest)}
	}
	if exactVersion(ref.Version) && ref.Version != v {
		// "1.2" found 1.2.0: the next run finds it under its own words.
		f.remember(d, key+ref.Version)
	}
	return a, nil
}

// versionText names a version constraint for a message.
func versionText(v string) string {
	if v == "" {
		return "the newest stable version"
	}
	return fmt.Sprintf("%q", v)
}

// index returns a repository's index.yaml, fetched once per Fetcher.
func (f *Fetcher) index(ctx context.Context, ref chartref.Ref, repo string) ([]byte, error) {
	u, err := resolveReference(repo, "index.yaml")
	if err != nil {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.Refused, Err: err}
	}
	data, err := f.indexes.do(ctx, u, func() ([]byte, error) {
		x, cancel := newExchange(ctx, f.opts.Timeout, f.opts.MaxIndexSize, 2*f.opts.MaxIndexSize)
		defer cancel()
		x.basicAuth = true
		data, err := f.get(x, u, f.opts.MaxIndexSize)
		if err != nil {
			err = f.fail(ref, x, ctx, err)
			if chartref.KindOf(err) == chartref.NotFound {
				err.(*chartref.Error).Err = fmt.Errorf("%w: is %s a Helm repository?", err.(*chartref.Error).Err, redactRaw(repo))
			}
			return nil, err
		}
		return data, nil
	})
	return data, withRef(err, ref)
}

// get downloads one URL within the exchange, up to max bytes.
func (f *Fetcher) get(x *exchange, raw string, max int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(x.ctx, http.MethodGet, raw, http.NoBody)
	if err != nil {
		return nil, x.refuse(fmt.Errorf("%q is not a URL to fetch: %w", redactRaw(raw), err))
	}
	if req.URL.Scheme != "https" && req.URL.Scheme != "http" {
		return nil, x.refuse(fmt.Errorf("%q is not an http(s) URL", redactRaw(raw)))
	}
	if req.URL.User != nil {
		return nil, x.refuse(fmt.Errorf("%q holds credentials, which are not used from an index: give them in chart-credentials", redactRaw(raw)))
	}
	resp, err := f.client(x).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{URL: redactURL(resp.Request.URL), Status: resp.Status, Code: resp.StatusCode}
	}
	if resp.ContentLength > max {
		return nil, x.refuse(fmt.Errorf("%s is %d bytes, over the %d-byte limit: %w", redactURL(resp.Request.URL), resp.ContentLength, max, errTooLarge))
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return data, nil
}

// resolveReference resolves ref against a repository URL as Helm does
// (repo.ResolveReferenceURL, whose package brings Helm's plugin runtime
// along): an absolute ref is itself; a relative one is taken under the
// repository's path, as if it ended in a slash, and keeps the
// repository's query.
func resolveReference(base, ref string) (string, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL", ref)
	}
	if r.IsAbs() {
		return ref, nil
	}
	b, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL", redactRaw(base))
	}
	b.RawPath = strings.TrimSuffix(b.RawPath, "/") + "/"
	b.Path = strings.TrimSuffix(b.Path, "/") + "/"
	out := b.ResolveReference(r)
	out.RawQuery = b.RawQuery
	return out.String(), nil
}
