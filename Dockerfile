# syntax=docker/dockerfile:1
#
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

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
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
