package imageref

import (
	"strings"
	"testing"
)

const dgst = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParse(t *testing.T) {
	tests := []struct {
		name, in             string
		repo, path           string
		tag, digest, wantErr string
	}{
		{name: "tag", in: "ghcr.io/acme/app:v2.1.0", repo: "ghcr.io/acme/app", path: "acme/app", tag: "v2.1.0"},
		{name: "digest", in: "ghcr.io/acme/app@" + dgst, repo: "ghcr.io/acme/app", path: "acme/app", digest: dgst},
		{name: "tag and digest", in: "ghcr.io/acme/app:v2.1.0@" + dgst, repo: "ghcr.io/acme/app", path: "acme/app", tag: "v2.1.0", digest: dgst},
		{name: "docker hub short", in: "nginx:1.26", repo: "docker.io/library/nginx", path: "library/nginx", tag: "1.26"},
		{name: "spaces trimmed", in: "  nginx:1.26 ", repo: "docker.io/library/nginx", path: "library/nginx", tag: "1.26"},
		{name: "no version", in: "ghcr.io/acme/app", wantErr: `image reference "ghcr.io/acme/app" has neither a tag nor a digest`},
		{name: "uppercase", in: "ghcr.io/Acme/app:v1", wantErr: `invalid image reference "ghcr.io/Acme/app:v1"`},
		{name: "bad digest", in: "ghcr.io/acme/app@sha256:abc", wantErr: `invalid image reference "ghcr.io/acme/app@sha256:abc"`},
		{name: "empty", in: " ", wantErr: "empty image reference"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Repository != tc.repo || got.Path != tc.path || got.Tag != tc.tag || got.Digest != tc.digest {
				t.Errorf("Parse(%q) = %+v, want repo %q path %q tag %q digest %q", tc.in, got, tc.repo, tc.path, tc.tag, tc.digest)
			}
		})
	}
}

func TestFoundWith(t *testing.T) {
	tag, _ := Parse("docker.io/library/nginx:1.27")
	dig, _ := Parse("nginx@" + dgst)
	both, _ := Parse("nginx:1.27@" + dgst)
	tests := []struct {
		name, found string
		im          Image
		want, repo  string
	}{
		{name: "short name kept", found: "nginx:1.25", im: tag, want: "nginx:1.27", repo: "docker.io/library/nginx"},
		{name: "library spelling kept", found: "library/nginx:1.25", im: tag, want: "library/nginx:1.27", repo: "docker.io/library/nginx"},
		{name: "untagged", found: "nginx", im: tag, want: "nginx:1.27", repo: "docker.io/library/nginx"},
		{name: "tag drops old digest", found: "nginx:1.25@" + dgst, im: tag, want: "nginx:1.27", repo: "docker.io/library/nginx"},
		{name: "digest drops old tag", found: "nginx:1.25", im: dig, want: "nginx@" + dgst, repo: "docker.io/library/nginx"},
		{name: "both", found: "docker.io/nginx:1.25", im: both, want: "docker.io/nginx:1.27@" + dgst, repo: "docker.io/library/nginx"},
		{name: "registry with port", found: "localhost:5000/app:1", im: tag, want: "localhost:5000/app:1.27", repo: "localhost:5000/app"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFound(tc.found)
			if err != nil {
				t.Fatal(err)
			}
			if f.Repository != tc.repo {
				t.Errorf("repository = %q, want %q", f.Repository, tc.repo)
			}
			if got := f.With(tc.im); got != tc.want {
				t.Errorf("With = %q, want %q", got, tc.want)
			}
			if got := f.String(); got != tc.found {
				t.Errorf("String = %q, want %q", got, tc.found)
			}
		})
	}
}

func TestAbbrev(t *testing.T) {
	d := "sha256:" + strings.Repeat("ab", 32)
	for _, tc := range []struct{ in, want string }{
		{"v2.1.0", "v2.1.0"},
		{"3.0.0@" + d, "3.0.0@sha256:abababababab…"},
		{d, "sha256:abababababab…"},
		{"v1, " + d, "v1, sha256:abababababab…"},
		{"sha256:abc", "sha256:abc"},
	} {
		if got := Abbrev(tc.in); got != tc.want {
			t.Errorf("Abbrev(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct{ image, name, tag, digest string }{
		{"nginx", "nginx", "", ""},
		{"nginx:1.27", "nginx", "1.27", ""},
		{"localhost:5000/app", "localhost:5000/app", "", ""},
		{"localhost:5000/app:v1", "localhost:5000/app", "v1", ""},
		{"ghcr.io/acme/app:v1@sha256:abc", "ghcr.io/acme/app", "v1", "sha256:abc"},
		{"ghcr.io/acme/app@sha256:abc", "ghcr.io/acme/app", "", "sha256:abc"},
	} {
		name, tag, digest := Split(tc.image)
		if name != tc.name || tag != tc.tag || digest != tc.digest {
			t.Errorf("Split(%q) = %q, %q, %q; want %q, %q, %q", tc.image, name, tag, digest, tc.name, tc.tag, tc.digest)
		}
	}
}
