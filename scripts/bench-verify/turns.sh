#!/usr/bin/env bash
# Run several builds of gitops-actions in turns on the same corpus and print
# each one's median wall time, user CPU and peak RSS: the way the GC floor
# (internal/gcpolicy) and other trade-offs were chosen.
#
#   scripts/bench-verify/turns.sh CORPUS RUNS BINARY...
#
# e.g. after building one binary per Floor value:
#   for f in 26 28 30; do sed -i "s/^const Floor = .* << 20/const Floor = $f << 20/" internal/gcpolicy/gcpolicy.go
#     CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /tmp/ga-$f .; done
#   git checkout internal/gcpolicy/gcpolicy.go
#   scripts/bench-verify/turns.sh /tmp/bv/corpus 10 /tmp/ga-26 /tmp/ga-28 /tmp/ga-30
#
# Needs GNU time (apt-get install time). The corpus is the one run.sh
# generates (WORK=/tmp/bv keeps it).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 CORPUS RUNS BINARY..." >&2
  exit 2
fi
corpus="$(cd "$1" && pwd)" runs="$2"
shift 2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for _ in $(seq "$runs"); do
  i=0
  for b in "$@"; do
    # Findings make the exit code 1; only the measurement matters here.
    # verify-manifests verifies its working directory: run it in the corpus.
    (cd "$corpus" && /usr/bin/time -f '%e %U %M' -a -o "$out/$i" "$b" verify-manifests --format json > /dev/null 2>&1) || true
    i=$((i + 1))
  done
done
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
i=0
for b in "$@"; do
  grep -v '^Command' "$out/$i" > "$out/$i.clean"
  wall=$(awk '{print $1}' "$out/$i.clean" | median)
  user=$(awk '{print $2}' "$out/$i.clean" | median)
  rss=$(awk '{print $3}' "$out/$i.clean" | median)
  printf '%-40s wall %.2f s  user %.2f s  peak RSS %.1f MiB\n' "$b" "$wall" "$user" "$(awk -v r="$rss" 'BEGIN {print r/1024}')"
  i=$((i + 1))
done
