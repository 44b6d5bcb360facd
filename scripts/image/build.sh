#!/usr/bin/env bash
# Builds the image without a Docker engine and reports its size: lays out
# the root filesystem the Dockerfile's final stage holds (go run
# ./scripts/image: the binary built as the Dockerfile builds it, this
# machine's CA bundle, /tmp 1777), then, with podman, builds the final stage
# from it (the Dockerfile's final stage with its COPY --from=build /rootfs/
# reading the laid-out directory instead) and runs its version command.
#
#   bash scripts/image/build.sh [VERSION]   (no VERSION: the file VERSION)
#
# Needs Go; podman is optional (apt-get install podman): without it only
# the root filesystem is laid out and measured. Exits 1 when the root
# filesystem is over the budget the README states (50 MB, 16 MB as a
# gzip'd tar).
set -euo pipefail
version=${1:-}
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== root filesystem"
go run ./scripts/image -o "$work/rootfs" -version "$version"
size=$(du -sb "$work/rootfs" | awk '{print $1}')
echo "du -sb: $size bytes"
# What a registry stores and a runner pulls: the layer, a gzip'd tar.
gz=$(tar -C "$work/rootfs" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - . | gzip -9 | wc -c)
echo "tar | gzip -9: $gz bytes"
# The budget the README states: under 50 MB, and 16 MB compressed.
if [ "$size" -ge 50000000 ] || [ "$gz" -ge 16000000 ]; then
  echo "over the image budget (50,000,000 bytes, 16,000,000 compressed)" >&2
  exit 1
fi

if ! command -v podman >/dev/null; then
  echo "podman is not installed: skipping the image build" >&2
  exit 0
fi
echo "== image (podman, vfs storage, chroot isolation)"
# The final stage as written, reading the laid-out directory.
awk 'found || /^FROM scratch/ {found=1; print}' Dockerfile \
  | sed 's|^COPY --from=build /rootfs/ /|COPY rootfs/ /|' >"$work/Containerfile"
cat "$work/Containerfile"
podman --storage-driver vfs build --isolation chroot -q -f "$work/Containerfile" -t "gitops-actions:${version:-source}" "$work" >/dev/null
podman --storage-driver vfs image inspect --format '{{.Size}} bytes: the image as podman stores it' "gitops-actions:${version:-source}"
if podman --storage-driver vfs run --rm "gitops-actions:${version:-source}" --version 2>/dev/null; then :; else
  echo "(podman cannot run containers here; the runner-contract test runs the same root filesystem through a chroot)"
fi
