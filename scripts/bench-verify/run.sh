#!/usr/bin/env bash
# Compare internal/kubeschema with kubeconform v0.7.0 on the same generated
# corpus and the same schemas (ours, exported in kubeconform's layout):
# resources/sec, peak RSS and per-resource verdicts.
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

runs="${RUNS:-3}"
best() { # best NAME CMD...: the fastest of $runs runs (peak RSS and CPU of that run)
  local name="$1"; shift
  local bw="" br="" bc=""
  for _ in $(seq "$runs"); do
    read -r w r c < <(measure "$name" "$@")
    if [ -z "$bw" ] || awk -v a="$w" -v b="$bw" 'BEGIN {exit !(a<b)}'; then bw=$w; br=$r; bc=$c; fi
  done
  echo "$bw $br $bc"
}

read -r kc_wall kc_rss kc_cpu < <(best kubeconform "${kubeconform[@]}" "$work/corpus")
read -r our_wall our_rss our_cpu < <(best ours "${ours[@]}")
resources=$(grep -c '^kind:' -r "$work/corpus" | awk -F: '{s+=$2} END {print s}')

echo "kubeconform summary: $(tr -d '\n ' < "$work/kubeconform.out" | grep -o '"summary":{[^}]*}' || true)"
echo "ours summary:        $(cat "$work/ours.out")"
awk -v n="$resources" -v kw="$kc_wall" -v kr="$kc_rss" -v kc="$kc_cpu" -v ow="$our_wall" -v orss="$our_rss" -v oc="$our_cpu" 'BEGIN {
  printf "kubeconform v0.7.0: %.2fs  %.0f resources/s  peak RSS %.1f MiB  CPU %.2fs\n", kw, n/kw, kr/1024, kc
  printf "kubeschema:         %.2fs  %.0f resources/s  peak RSS %.1f MiB  CPU %.2fs\n", ow, n/ow, orss/1024, oc
  printf "speed ratio (ours/kubeconform, resources/s): %.2fx  (CPU time ratio %.2fx)\n", kw/ow, kc/oc
  printf "memory ratio (ours/kubeconform, peak RSS):   %.2f\n", orss/kr
}'

# Verdicts: both sides again, printing every resource this time.
"$work/bin/kubeconform" -strict -ignore-missing-schemas -schema-location "$location" -output json -verbose "$work/corpus" > "$work/kubeconform.verbose.json" || true
"$work/bench-verify" validate -path "$work/corpus" -kubernetes-version "$version" -verbose > "$work/ours.verbose.jsonl"
"$work/bench-verify" compare "$work/ours.verbose.jsonl" "$work/kubeconform.verbose.json"

# verify-manifests itself, once it exists (another part of issue 4), built
# first so that compiling is not measured.
go build -o "$work/gitops-actions" .
if "$work/gitops-actions" verify-manifests --help 2>&1 | grep -qi "not implemented"; then
  echo "verify-manifests is not implemented yet: the figures above are the validator's share"
else
  read -r vm_wall vm_rss _ < <(best verify-manifests "$work/gitops-actions" verify-manifests --path "$work/corpus" --format json)
  awk -v n="$resources" -v kw="$kc_wall" -v kr="$kc_rss" -v w="$vm_wall" -v r="$vm_rss" 'BEGIN {
    printf "verify-manifests:   %.2fs  %.0f resources/s  peak RSS %.1f MiB  speed %.2fx  memory %.2f (vs kubeconform)\n", w, n/w, r/1024, kw/w, r/kr
  }'
fi
