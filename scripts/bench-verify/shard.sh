#!/usr/bin/env bash
# verify-manifests over a job matrix of SHARDS shards against one job, on
# a generated monorepo: APPS applications (default 2,000) in 3
# environments (staging, production, dev), each a kustomize base of 4
# files of 5 resources and an overlay per environment, every fourth
# application instead a Flux HelmRelease of a chart of about ten
# templates of its own (in the repository), and every overlay also
# rendering one shared directory with a finding (bench-verify layout
# -helm-every 4 -shared).
#
#   scripts/bench-verify/shard.sh             # from the repository root
#   WORK=/tmp/bs RUNS=3 APPS=2000 SHARDS=4 scripts/bench-verify/shard.sh
#
# Each of RUNS rounds (default 3) runs, in turns and under GNU time, the
# single job (--format json), each shard (--shard I/N, its result file)
# and the merge (--merge-results), one after the other: in a matrix the
# shards run at once on runners of their own, so each one's time alone is
# what a matrix job takes. Every output goes to a hidden directory of the
# repository, which verify skips: every run sees the same tree, as every
# job of a matrix checks out the same commit. It prints the medians (wall
# time, CPU, peak RSS), the slowest shard's wall time as a share of the
# single job's (the target: at most 30%), the merge's (at most 1 s), and
# compares the reports: the merge's must be the single job's byte for byte
# (the same findings at the same file, line, column and rule, with the
# same message), and the shards' must hold the same places between them.
#
# Needs GNU time (apt-get install time).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${WORK:-$(mktemp -d)}"
runs="${RUNS:-3}"
apps="${APPS:-2000}"
shards="${SHARDS:-4}"
mkdir -p "$work"
echo "work dir: $work"
if [ ! -x /usr/bin/time ]; then
  echo "GNU time is missing: apt-get install time" >&2
  exit 2
fi

cd "$root"
go build -o "$work/bench-verify" ./scripts/bench-verify
# verify-manifests as the Dockerfile builds it: static, stripped.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/gitops-actions" .

repo="$work/repo-$apps"
if [ ! -d "$repo" ]; then
  "$work/bench-verify" layout -out "$repo" -apps "$apps" -envs staging,production,dev -files 4 -per-file 5 -helm-every 4 -shared -seed 1
fi
out="$repo/.bench"
rm -rf "$out"
mkdir -p "$out/results" "$out/reports"

# measure NAME CMD...: run CMD in the repository under GNU time and append
# wall seconds, CPU seconds (user+sys) and peak RSS (KiB) to NAME.runs.
# Findings make the exit code 1 (fail-on never keeps it 0); a failure is
# shown and stops the benchmark.
measure() {
  local name="$1"; shift
  if ! (cd "$repo" && /usr/bin/time -f '%e %U %S %M' -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err"); then
    echo "$name failed:"; tail -5 "$work/$name.err"; exit 1
  fi
  awk '!/^Command/ {print $1, $2 + $3, $4}' "$work/$name.time" >> "$work/$name.runs"
}
median() { awk -v c="$2" '{print $c}' "$work/$1.runs" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

vm=("$work/gitops-actions" verify-manifests --format json --fail-on never)
names=(single)
for i in $(seq "$shards"); do names+=("shard$i"); done
names+=(merge)
for n in "${names[@]}"; do : > "$work/$n.runs"; done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$runs"); do
  measure single "${vm[@]}" --output-file .bench/single.json
  for i in $(seq "$shards"); do
    measure "shard$i" "${vm[@]}" --shard "$i/$shards" --output-file ".bench/reports/shard-$i.json" --result-file ".bench/results/shard-$i.json"
  done
  measure merge "${vm[@]}" --merge-results .bench/results --output-file .bench/merged.json
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

files=$(find "$repo" -path "$out" -prune -o -type f -print | wc -l)
echo "repository: $apps applications × 3 environments, $files files; $(grep '^verify-manifests: ' "$work/single.err" | tail -1)"
printf '\nmedians of %d runs, taking turns:\n\n| job | wall | CPU (user+sys) | peak RSS | share of the single job'"'"'s wall |\n|---|---|---|---|---|\n' "$runs" | tee "$work/table.md"
sw=$(median single 1)
slowest=0
for n in "${names[@]}"; do
  w=$(median "$n" 1) c=$(median "$n" 2) r=$(median "$n" 3)
  label="$n"
  case "$n" in
    single) label="one job" ;;
    shard*) label="shard ${n#shard} of $shards"; slowest=$(awk -v a="$slowest" -v b="$w" 'BEGIN {print (b > a) ? b : a}') ;;
    merge) label="merge of $shards" ;;
  esac
  awk -v l="$label" -v w="$w" -v c="$c" -v r="$r" -v s="$sw" 'BEGIN {printf "| %s | %.2f s | %.2f s | %.0f MiB | %.0f%% |\n", l, w, c, r/1024, 100*w/s}' | tee -a "$work/table.md"
done
awk -v m="$slowest" -v s="$sw" -v n="$shards" -v g="$(median merge 1)" 'BEGIN {
  printf "\nthe slowest of %d shards takes %.1f%% of the single job'"'"'s wall time (target: at most 30%%); the merge %.2f s (target: at most 1 s)\n", n, 100*m/s, g
}' | tee -a "$work/table.md"
reports=()
for i in $(seq "$shards"); do reports+=("$out/reports/shard-$i.json"); done
"$work/bench-verify" compare-shards "$out/single.json" "$out/merged.json" "${reports[@]}" | tee -a "$work/table.md"
