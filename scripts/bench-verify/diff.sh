#!/usr/bin/env bash
# The whole verify-manifests run with a diff against the same run without
# one, on the scale issue's repository (100 applications of 20 files of 5
# resources, 2 environments: 200 kustomizations, 20,000 rendered resources)
# with one line changed in one application's base: median wall time, CPU
# (user+sys, steadier than wall on a shared machine) and peak RSS of each,
# and their ratios.
#
#   scripts/bench-verify/diff.sh            # from the repository root
#   WORK=/tmp/bd RUNS=7 scripts/bench-verify/diff.sh
#
# The base is a checkout in a hidden directory of the working tree
# (diff-base-path: .base), which verify and the head's side skip; with
# diff-base the base comes from the API archive instead, whose unpacking
# internal/archive's BenchmarkRead measures. Needs GNU time (apt-get
# install time).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${WORK:-$(mktemp -d)}"
runs="${RUNS:-5}"
mkdir -p "$work"
echo "work dir: $work"
if [ ! -x /usr/bin/time ]; then
  echo "GNU time is missing: apt-get install time" >&2
  exit 2
fi

cd "$root"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/gitops-actions" .
go build -o "$work/bench-verify" ./scripts/bench-verify
repo="$work/repo"
if [ ! -d "$repo/.base" ]; then
  rm -rf "$repo"
  "$work/bench-verify" layout -out "$repo" -apps 100 -files 20 -per-file 5 -seed 1
  mkdir "$repo/.base"
  cp -r "$repo/apps" "$repo/environments" "$repo/.base/"
  # One line of one base: the change a pull request makes.
  sed -i '0,/image: /s/image: \(.*\)/image: \1-patched/' "$repo/apps/app000/base/file00.yaml"
fi

# measure FILE CMD...: append CMD's wall seconds, CPU seconds and peak RSS
# (KiB) to FILE. Findings make the exit code 1; only the measurement counts.
measure() {
  local file="$1"; shift
  (cd "$repo" && /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$@" > /dev/null 2>&1) || true
  awk '!/^Command/ {print $1, $2 + $3, $4}' "$work/t" >> "$file"
}
: > "$work/plain.runs"; : > "$work/diff.runs"
rm -f "$repo/diff.txt" # a stale one would hide a run that failed
vm=("$work/gitops-actions" verify-manifests --path environments --format json)
for _ in $(seq "$runs"); do
  measure "$work/plain.runs" "${vm[@]}"
  measure "$work/diff.runs" "${vm[@]}" --diff-base-path .base --diff-file diff.txt
done
median() { awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
read -r pw pc pr < <(echo "$(median "$work/plain.runs" 1) $(median "$work/plain.runs" 2) $(median "$work/plain.runs" 3)")
read -r dw dc dr < <(echo "$(median "$work/diff.runs" 1) $(median "$work/diff.runs" 2) $(median "$work/diff.runs" 3)")
echo "diff: $(head -c 300 "$repo/diff.txt" | head -1) ... ($(grep -c '^--- changed' "$repo/diff.txt") changed)"
awk -v pw="$pw" -v pc="$pc" -v pr="$pr" -v dw="$dw" -v dc="$dc" -v dr="$dr" -v n="$runs" 'BEGIN {
  printf "medians of %d runs, taking turns:\n", n
  printf "verify-manifests:             wall %6.2fs  CPU %6.2fs  peak RSS %6.1f MiB\n", pw, pc, pr/1024
  printf "verify-manifests + diff:      wall %6.2fs  CPU %6.2fs  peak RSS %6.1f MiB\n", dw, dc, dr/1024
  printf "ratio:                        wall %6.2fx  CPU %6.2fx  peak RSS %6.2fx\n", dw/pw, dc/pc, dr/pr
}'
