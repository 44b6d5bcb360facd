#!/usr/bin/env bash
# Side-by-side benchmark of bump-image against `grep -rl` (the I/O floor) on a
# generated config repo of 10,000 YAML files, 2,000 of which reference the
# image. Each bump run moves the image to a newer tag, so every run rewrites
# all 2,000 files. Beside it: `grep -rl` (the floor for reading the tree) and
# `grep -rl | xargs sed -i` (the shell glue users write today, and the floor
# for reading the tree and rewriting the 2,000 files through a temporary file
# and a rename each, as bump-image does). Prints the median wall time and
# peak RSS of each, and the ratios. Needs GNU time (apt-get install time).
#
#   bash scripts/bench-bump/run.sh [RUNS]
set -euo pipefail
runs=${1:-7}
cd "$(dirname "$0")/../.."
if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time" >&2
  apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
# Built as the Dockerfile builds the image users run: static, stripped.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/gitops-actions" .
go run ./scripts/bench-bump "$tmp/repo"
echo "tree: $(find "$tmp/repo" -type f | wc -l) files, $(grep -rl acme/app "$tmp/repo" | wc -l) referencing ghcr.io/acme/app, $(du -sh "$tmp/repo" | cut -f1)"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # label, command...
  local label=$1; shift
  : > "$tmp/$label.times"
  for i in $(seq 1 "$runs"); do
    sync # start each run without the previous run's writes still pending
    /usr/bin/time -f "%e %M" -o "$tmp/t" "${@//@I@/$i}" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
    cat "$tmp/t" >> "$tmp/$label.times"
  done
  echo "$(cut -d' ' -f1 "$tmp/$label.times" | median) $(cut -d' ' -f2 "$tmp/$label.times" | median)"
}
cd "$tmp"
read -r bt bm < <(measure bump ./gitops-actions bump-image --path repo --images "ghcr.io/acme/app:v2.@I@.0")
read -r gt gm < <(measure grep grep -rl acme/app repo)
read -r st sm < <(measure sed sh -c 'grep -rlZ acme/app repo | xargs -0 sed -i -e "s|ghcr.io/acme/app:v|ghcr.io/acme/app:v|"')
changed=$(grep -rl "ghcr.io/acme/app:v2.$runs.0\|newTag: v2.$runs.0\|tag: v2.$runs.0" repo | wc -l)
echo "files at the last tag: $changed (want 2000)"
printf '%-22s %10s %12s\n' "" "median s" "peak RSS KB"
printf '%-22s %10s %12s\n' "bump-image" "$bt" "$bm" "grep -rl" "$gt" "$gm" "grep -rl | xargs sed -i" "$st" "$sm"
awk -v b="$bt" -v g="$gt" -v s="$st" 'BEGIN { printf "time ratio bump-image / grep -rl: %.2f\ntime ratio bump-image / grep -rl | xargs sed -i: %.2f\n", b / g, b / s }'
