#!/usr/bin/env bash
# Side-by-side benchmark of bump-image on a generated config repo of 10,000
# YAML files, 2,000 of which reference the image. Every run moves the image
# to a newer tag, so every run rewrites all 2,000 files. Beside it:
#
#   - the minimal writer (`bench-bump -minimal-writer`): reads every file
#     and rewrites each that names the image through a temporary file
#     beside it and a rename, and nothing more (no YAML, no lock, no
#     all-or-none): the floor for this write;
#   - `grep -rl | xargs sed -i`: the shell glue users write today;
#   - `grep -rl`: the floor for reading the tree.
#
# The four take turns, run after run, so that a slow spell of this shared
# machine falls on all of them alike. Prints the median wall time, system
# time and peak RSS of each, and the ratios. Needs GNU time (apt-get install
# time).
#
#   bash scripts/bench-bump/run.sh [RUNS] [BINARY]
#
# BINARY defaults to this checkout, built as the Dockerfile builds it.
set -euo pipefail
runs=${1:-7}
cd "$(dirname "$0")/../.."
if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time" >&2
  apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
if [ -n "${2:-}" ]; then
  cp "$2" "$tmp/gitops-actions"
else
  # Built as the Dockerfile builds the image users run: static, stripped.
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/gitops-actions" .
fi
go build -o "$tmp/bench-bump" ./scripts/bench-bump
"$tmp/bench-bump" "$tmp/repo"
echo "tree: $(find "$tmp/repo" -type f | wc -l) files, $(grep -rl acme/app "$tmp/repo" | wc -l) referencing ghcr.io/acme/app, $(du -sh "$tmp/repo" | cut -f1)"

cd "$tmp"
timed() { # label, command...: one run, appended to label.times
  local label=$1; shift
  sync # start each run without the previous run's writes still pending
  /usr/bin/time -f "%e %S %M" -o t "$@" >/dev/null 2>err || { cat err >&2; exit 1; }
  cat t >> "$label.times"
}
v=1
for _ in $(seq 1 "$runs"); do
  v=$((v + 1)); timed bump ./gitops-actions bump-image --path repo --images "ghcr.io/acme/app:v$v.0.0"
  changed=$(grep -rl "ghcr.io/acme/app:v$v.0.0\|newTag: v$v.0.0\|tag: v$v.0.0" repo | wc -l)
  [ "$changed" = 2000 ] || { echo "bump-image left $changed files at v$v.0.0, want 2000" >&2; exit 1; }
  v=$((v + 1)); timed minimal ./bench-bump -minimal-writer repo "v$v.0.0"
  timed grep grep -rl acme/app repo
  timed sed sh -c 'grep -rlZ acme/app repo | xargs -0 sed -i -e "s|ghcr.io/acme/app:v|ghcr.io/acme/app:v|"'
done
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
col() { cut -d' ' -f"$2" "$1.times" | median; }
printf '%-26s %9s %9s %12s\n' "" "median s" "sys s" "peak RSS KB"
for l in bump minimal sed grep; do
  name=$l
  case $l in bump) name="bump-image" ;; minimal) name="minimal writer" ;; sed) name="grep -rl | xargs sed -i" ;; grep) name="grep -rl" ;; esac
  printf '%-26s %9s %9s %12s\n' "$name" "$(col $l 1)" "$(col $l 2)" "$(col $l 3)"
done
awk -v b="$(col bump 1)" -v m="$(col minimal 1)" -v s="$(col sed 1)" -v g="$(col grep 1)" 'BEGIN {
  printf "time ratio bump-image / minimal writer: %.2f\n", b / m
  printf "time ratio bump-image / grep -rl | xargs sed -i: %.2f\n", b / s
  printf "time ratio bump-image / grep -rl: %.2f\n", b / g }'
