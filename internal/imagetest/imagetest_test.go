package imagetest

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const good = `# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
ARG VERSION=dev
RUN go mod download
RUN install -d -m 1777 /rootfs/tmp \
 && install -D -m 0644 /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ca-certificates.crt
RUN CGO_ENABLED=0 GOOS=$TARGETOS go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /rootfs/usr/local/bin/app .

FROM scratch
LABEL a=b
COPY --from=build /rootfs/ /
ENTRYPOINT ["/usr/local/bin/app"]
`

func TestParse(t *testing.T) {
	im, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	want := &Image{
		Base:       "scratch",
		Entrypoint: []string{"/usr/local/bin/app"},
		Dirs:       []Dir{{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777}},
		Files:      []File{{Path: "/etc/ssl/certs/ca-certificates.crt", Mode: 0o644, Source: "/etc/ssl/certs/ca-certificates.crt"}},
		Binary:     File{Path: "/usr/local/bin/app", Mode: 0o755},
		Build: GoBuild{
			Env:  []string{"CGO_ENABLED=0", "GOOS=$TARGETOS"},
			Args: []string{"-trimpath", "-ldflags", "-s -w -X main.version=${VERSION}", "."},
		},
	}
	if !reflect.DeepEqual(im, want) {
		t.Errorf("got  %+v\nwant %+v", im, want)
	}
	if got := im.Build.LDFlags(); got != "-s -w -X main.version=${VERSION}" {
		t.Errorf("LDFlags() = %q", got)
	}
	if v, ok := im.Build.Getenv("CGO_ENABLED"); !ok || v != "0" {
		t.Errorf("Getenv(CGO_ENABLED) = %q, %v", v, ok)
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, edit, with, want string
	}{
		{name: "a USER is read", edit: "LABEL a=b", with: "USER 65532", want: ""},
		{name: "an instruction it does not know", edit: "LABEL a=b", with: "ENV PATH=/x", want: "ENV in the final stage"},
		{name: "a command on the image it does not know", edit: "RUN go mod download", with: "RUN cp /x /rootfs/x", want: "teach it this command"},
		{name: "a second copy", edit: "LABEL a=b", with: "COPY --from=build /x /x", want: "copies one directory"},
		{name: "shell form entrypoint", edit: `ENTRYPOINT ["/usr/local/bin/app"]`, with: "ENTRYPOINT /usr/local/bin/app", want: "exec form"},
		{name: "no build into the image", edit: "-o /rootfs/usr/local/bin/app", with: "-o /app", want: "no go build writes into /rootfs"},
		{name: "a copy from nowhere", edit: "--from=build", with: "--from=builder", want: "names no stage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			df := strings.Replace(good, tc.edit, tc.with, 1)
			im, err := Parse([]byte(df))
			if tc.want == "" {
				if err != nil || im.User != "65532" {
					t.Errorf("err %v, user %q; want the USER read", err, im.User)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLayOut(t *testing.T) {
	im, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(bin, []byte("binary"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	size, err := im.LayOut(dir, bin, func(src string) ([]byte, error) { return []byte("certs of " + src), nil })
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len("binary") + len("certs of /etc/ssl/certs/ca-certificates.crt")); size != want {
		t.Errorf("size %d, want %d", size, want)
	}
	for p, want := range map[string]fs.FileMode{
		"tmp":                               fs.ModeDir | fs.ModeSticky | 0o777,
		"etc/ssl/certs/ca-certificates.crt": 0o644,
		"usr/local/bin/app":                 0o755,
	} {
		info, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, info.Mode(), want)
		}
	}
}
