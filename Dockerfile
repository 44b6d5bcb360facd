# The one image behind every gitops-actions action: the static binary, the
# CA certificates it needs to reach the GitHub API, and an empty /tmp. No
# shell and no git: the binary needs neither.
#
# It runs as root, the image's default user, with no USER: GitHub runs a
# container action with the workspace and the file-command files
# ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY) owned by the runner's own user, so
# a non-root user cannot write them (GitHub's documentation asks container
# actions to run as the default user, root). runner_test.go lays out the
# final stage as written here and runs every action in it that way, and
# shows the failure of a non-root user.
#
# The build stage runs on the build machine's platform and cross-compiles,
# so a multi-platform build needs no emulation.
#
# The build is reproducible: the same commit gives the same image, byte for
# byte. The base image is pinned by digest (the Go toolchain and the CA
# certificates with it; Dependabot moves the pin), the modules by go.sum,
# the binary carries no path of the build machine (-trimpath) nor a VCS
# stamp (.git is not in the context), and the release sets
# SOURCE_DATE_EPOCH to the commit's time, with the registry exporter's
# rewrite-timestamp, for every time in the image. A build with no VERSION
# argument reports the version in the file VERSION.

FROM --platform=$BUILDPLATFORM golang:1.26.8@sha256:3c3e25a4da13fd0478eed2df1eb35a0e667094a7124d3993a6a1d30f71c17e79 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION
ARG TARGETOS
ARG TARGETARCH
RUN install -d -m 1777 /rootfs/tmp \
 && install -D -m 0644 /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ca-certificates.crt
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /rootfs/usr/local/bin/gitops-actions .

# Copying the directory /rootfs/ (rather than each file) keeps /tmp's mode,
# 1777: COPY creates the directories it copies into with 0755.
FROM scratch
LABEL org.opencontainers.image.source="https://github.com/gitops-actions/gitops-actions"
COPY --from=build /rootfs/ /
ENTRYPOINT ["/usr/local/bin/gitops-actions"]
