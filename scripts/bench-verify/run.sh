#!/usr/bin/env bash
# Compare verify-manifests, and internal/kubeschema alone, with kubeconform
# v0.7.0 on the same generated corpus and the same schemas (ours, exported
# in kubeconform's layout): resources/sec, peak RSS and per-resource
# verdicts.
#
#   scripts/bench-verify/run.sh [kubernetes-version]     # from the repository root
#
# Needs the Go module proxy (to build kubeconform) and GNU time
# (apt-get install time). Set WORK=dir to keep the corpus and outputs.
set -euo pipefail

version="${1:-1.37}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${WORK:-$(mktemp -d)}"
mkdir -p "$work"
echo "work dir: $work"

if [ ! -x /usr/bin/time ]; then
  echo "GNU time is missing: apt-get install time" >&2
  exit 2
fi

cd "$root"
go build -o "$work/bench-verify" ./scripts/bench-verify
GOBIN="$work/bin" GOFLAGS=-mod=mod go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0

rm -rf "$work/corpus" "$work/schemas"
"$work/bench-verify" corpus -out "$work/corpus" -files 2000 -per-file 5 -seed 1
"$work/bench-verify" export -out "$work/schemas" -kubernetes-version "$version"
echo "corpus: $(find "$work/corpus" -name '*.yaml' | wc -l) files, $(grep -c '^kind:' -r "$work/corpus" | awk -F: '{s+=$2} END {print s}') resources"
echo "schemas: $(ls "$work/schemas" | wc -l) files, $(du -sh "$work/schemas" | cut -f1)"

location="$work/schemas/{{.ResourceKind}}{{.KindSuffix}}.json"
kubeconform=("$work/bin/kubeconform" -strict -ignore-missing-schemas -schema-location "$location" -summary -output json)
ours=("$work/bench-verify" validate -path "$work/corpus" -kubernetes-version "$version")

# measure NAME CMD...: run CMD under GNU time, print wall seconds, peak RSS
# (KiB) and CPU seconds (user+sys, less sensitive to other load than wall).
measure() {
  local name="$1"; shift
  /usr/bin/time -v -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err" || true
  local wall rss cpu
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/$name.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$name.time")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$work/$name.time")
  echo "$wall $rss $cpu"
}

# Build verify-manifests before timing anything, as the Dockerfile builds
# the image users run: static (CGO_ENABLED=0, without libc), stripped.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/gitops-actions" .
# verify-manifests refuses a path outside its working directory (issue 9):
# it runs in the corpus, as in a checkout.
vm=(env -C "$work/corpus" "$work/gitops-actions" verify-manifests --format json)
# The same with kubeconform's checks only (YAML, schemas, kinds without a
# schema): every other rule turned off, as the rules input turns them.
off=$("$work/gitops-actions" verify-manifests --list-rules --format json | python3 -c '
import json, sys
keep = {"yaml-syntax", "yaml-duplicate-key", "schema", "no-schema", "crd-invalid"}
print(",".join("-" + r["id"] for r in json.load(sys.stdin) if r["id"] not in keep))')
vmschema=("${vm[@]}" --rules "$off")

# The tools take turns, run after run, so that a slow spell of this shared
# machine falls on all of them; each figure is the median of $runs runs.
runs="${RUNS:-5}"
: > "$work/kubeconform.runs"; : > "$work/ours.runs"; : > "$work/verify-manifests.runs"; : > "$work/schema-only.runs"
for _ in $(seq "$runs"); do
  measure kubeconform "${kubeconform[@]}" "$work/corpus" >> "$work/kubeconform.runs"
  measure ours "${ours[@]}" >> "$work/ours.runs"
  measure verify-manifests "${vm[@]}" >> "$work/verify-manifests.runs"
  measure schema-only "${vmschema[@]}" >> "$work/schema-only.runs"
done
# median NAME: the median wall, peak RSS and CPU of NAME's runs, each taken
# on its own.
median() {
  local col out=""
  for col in 1 2 3; do
    out="$out $(awk -v c="$col" '{print $c}' "$work/$1.runs" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  done
  echo "$out"
}
read -r kc_wall kc_rss kc_cpu < <(median kubeconform)
read -r our_wall our_rss our_cpu < <(median ours)
read -r vm_wall vm_rss vm_cpu < <(median verify-manifests)
read -r so_wall so_rss so_cpu < <(median schema-only)
resources=$(grep -c '^kind:' -r "$work/corpus" | awk -F: '{s+=$2} END {print s}')

echo "kubeconform summary: $(tr -d '\n ' < "$work/kubeconform.out" | grep -o '"summary":{[^}]*}' || true)"
echo "ours summary:        $(cat "$work/ours.out")"
echo "medians of $runs runs, taking turns:"
awk -v n="$resources" -v kw="$kc_wall" -v kr="$kc_rss" -v kc="$kc_cpu" -v ow="$our_wall" -v orss="$our_rss" -v oc="$our_cpu" -v vw="$vm_wall" -v vr="$vm_rss" -v vc="$vm_cpu" -v sw="$so_wall" -v sr="$so_rss" -v sc="$so_cpu" 'BEGIN {
  printf "kubeconform v0.7.0: %.2fs  %5.0f resources/s  peak RSS %.1f MiB  CPU %.2fs\n", kw, n/kw, kr/1024, kc
  printf "kubeschema driver:  %.2fs  %5.0f resources/s  peak RSS %.1f MiB  CPU %.2fs  speed %.2fx  memory %.2f\n", ow, n/ow, orss/1024, oc, kw/ow, orss/kr
  printf "verify-manifests:   %.2fs  %5.0f resources/s  peak RSS %.1f MiB  CPU %.2fs  speed %.2fx  memory %.2f  (every default rule)\n", vw, n/vw, vr/1024, vc, kw/vw, vr/kr
  printf "verify-manifests:   %.2fs  %5.0f resources/s  peak RSS %.1f MiB  CPU %.2fs  speed %.2fx  memory %.2f  (kubeconform'"'"'s checks only)\n", sw, n/sw, sr/1024, sc, kw/sw, sr/kr
  printf "(speed: resources/s against kubeconform'"'"'s; memory: peak RSS over kubeconform'"'"'s)\n"
}'

# Verdicts: both sides again, printing every resource this time.
"$work/bin/kubeconform" -strict -ignore-missing-schemas -schema-location "$location" -output json -verbose "$work/corpus" > "$work/kubeconform.verbose.json" || true
"$work/bench-verify" validate -path "$work/corpus" -kubernetes-version "$version" -verbose > "$work/ours.verbose.jsonl"
"$work/bench-verify" compare "$work/ours.verbose.jsonl" "$work/kubeconform.verbose.json"

