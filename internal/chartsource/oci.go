package chartsource

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/Masterminds/semver/v3"
	"helm.sh/helm/v4/pkg/registry"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
)

// fetchOCI fetches a chart from an OCI registry with Helm's registry
// client: the tag the reference names, or the highest tag its semver
// range allows; with a pinned digest, that manifest (and a tag that is
// named must point at it). The registry client checks every blob
// against its digest and the chart's media types.
func (f *Fetcher) fetchOCI(ctx context.Context, ref chartref.Ref) (*chartref.Archive, error) {
	loc, _ := mirrored(f.opts.Mirrors, strings.TrimSuffix(ref.Repo, "/")+"/"+ref.Name)
	u, err := url.Parse(loc)
	if err != nil || u.Scheme != "oci" || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.Refused, Err: fmt.Errorf("%q is not an OCI chart reference", redactRaw(loc))}
	}
	// A registry on the runner itself (a mirror, or a test's) is spoken
	// to over plain HTTP, as Docker treats a localhost registry.
	plain := isLoopbackHost(u.Hostname())
	repo := u.Host + strings.TrimSuffix(u.Path, "/")
	key := "oci\n" + repo + "\n"
	versionOK := func(rec record) bool { return versionSatisfies(ref.Version, rec.Version) }
	switch {
	case ref.Digest != "":
		if a := f.fromCache(key+"@"+ref.Digest, versionOK); a != nil {
			return a, nil
		}
	case exactVersion(ref.Version):
		if a := f.fromCache(key+ref.Version, nil); a != nil {
			return a, nil
		}
	}
	x, cancel := newExchange(ctx, f.opts.Timeout, f.opts.MaxArchiveSize, 4*f.opts.MaxArchiveSize)
	defer cancel()
	rc, err := f.registryClient(x, plain)
	if err != nil {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.Unreachable, Err: err}
	}
	tag := ""
	switch {
	case exactVersion(ref.Version):
		tag = ref.Version
	case ref.Digest != "":
		// A range with a pinned digest: the digest decides, the range is
		// checked on what it holds.
	default:
		tags, err := rc.Tags(repo)
		if err != nil {
			return nil, notFound(f.fail(ref, x, ctx, err), "oci://%s is not in the registry (no tags to list)", repo)
		}
		v, ok, err := pickVersion(ref.Version, tags)
		if err != nil {
			return nil, &chartref.Error{Ref: ref, Kind: chartref.NotFound, Err: err}
		}
		if !ok {
			return nil, &chartref.Error{Ref: ref, Kind: chartref.NotFound, Err: fmt.Errorf("no tag of oci://%s matches %s (it has %s)", repo, versionText(ref.Version), someVersions(tags, 5))}
		}
		tag = v
		if ref.Digest == "" {
			if a := f.fromCache(key+tag, nil); a != nil {
				return a, nil
			}
		}
	}
	pull := repo + ":" + tag
	if ref.Digest != "" {
		if tag != "" {
			desc, err := rc.Resolve(pull)
			if err != nil {
				return nil, f.fail(ref, x, ctx, err)
			}
			if desc.Digest.String() != ref.Digest {
				return nil, &chartref.Error{Ref: ref, Kind: chartref.Refused, Err: fmt.Errorf("oci://%s:%s is manifest %s, but the reference pins %s: the tag was moved, or the digest is wrong", repo, tag, desc.Digest, ref.Digest)}
			}
		}
		pull = repo + "@" + ref.Digest
	}
	d, err := f.download(ctx, ref, "oci\n"+pull+"\n"+tag, func() (*downloaded, error) {
		res, err := rc.Pull(pull)
		if err != nil {
			what := fmt.Sprintf("tag %q", tag)
			if tag == "" {
				what = "manifest " + ref.Digest
			}
			return nil, notFound(f.fail(ref, x, ctx, err), "oci://%s has no %s", repo, what)
		}
		version := tag
		if version == "" && res.Chart.Meta != nil {
			version = res.Chart.Meta.Version
		}
		d := &downloaded{
			archive:  &chartref.Archive{Version: version, Digest: digestOf(res.Chart.Data), URL: "oci://" + pull, Data: res.Chart.Data},
			manifest: res.Manifest.Digest,
		}
		keys := []string{key + "@" + d.manifest}
		if tag != "" {
			keys = append(keys, key+tag)
		}
		f.keep(d, keys...)
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	if ref.Digest != "" && d.manifest != ref.Digest {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.Refused, Err: fmt.Errorf("oci://%s answered manifest %s for %s", repo, d.manifest, ref.Digest)}
	}
	if !versionSatisfies(ref.Version, d.archive.Version) {
		return nil, &chartref.Error{Ref: ref, Kind: chartref.Refused, Err: fmt.Errorf("oci://%s@%s holds version %q, which %q does not allow", repo, ref.Digest, d.archive.Version, ref.Version)}
	}
	return d.archive, nil
}

// notFound says in plain words what was not found, when err is a
// NotFound fetch error; the registry client's text stays after it.
func notFound(err error, format string, args ...any) error {
	ce, ok := err.(*chartref.Error)
	if !ok || ce.Kind != chartref.NotFound {
		return err
	}
	ce.Err = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ce.Err)
	return ce
}

// versionSatisfies reports whether a chart's version fits what the
// reference asked: anything for no constraint, the same text or a
// version the range allows.
func versionSatisfies(want, have string) bool {
	if want == "" || want == have {
		return true
	}
	c, err := semver.NewConstraint(want)
	if err != nil {
		return false
	}
	v, err := semver.NewVersion(have)
	return err == nil && c.Check(v)
}

// registryClient is Helm's registry client for one exchange: its
// requests go through the guarded transport (Helm's own would dial
// anything, follow any redirect and read any size), and credentials come
// from chart-credentials for exactly the registry's host, else from the
// Docker config, asked only after the registry answers 401 (anonymous
// first).
func (f *Fetcher) registryClient(x *exchange, plain bool) (*registry.Client, error) {
	hc := f.client(x)
	authz := auth.Client{Client: hc, Cache: auth.NewCache(), Credential: f.ociCredential(plain)}
	authz.SetUserAgent(f.userAgent)
	// NewClient reads a credentials file of its own, unused beside our
	// authorizer: the Docker config (read once already) or nothing.
	file := f.opts.DockerConfig
	if file == "" || f.dockerErr != nil {
		file = os.DevNull
	}
	opts := []registry.ClientOption{
		registry.ClientOptHTTPClient(hc),
		registry.ClientOptAuthorizer(authz),
		registry.ClientOptCredentialsFile(file),
		registry.ClientOptWriter(io.Discard),
	}
	if plain {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	return registry.NewClient(opts...)
}

// ociCredential answers the registry client's question for a registry's
// host:port.
func (f *Fetcher) ociCredential(plain bool) auth.CredentialFunc {
	var docker auth.CredentialFunc
	if f.docker != nil {
		docker = credentials.Credential(f.docker)
	}
	return func(ctx context.Context, hostport string) (auth.Credential, error) {
		if c, ok := credentialFor(f.opts.Credentials, "oci", hostport, plain); ok {
			return auth.Credential{Username: c.Username, Password: c.Password}, nil
		}
		if f.dockerErr != nil {
			return auth.EmptyCredential, f.dockerErr
		}
		if docker != nil {
			return docker(ctx, hostport)
		}
		return auth.EmptyCredential, nil
	}
}
