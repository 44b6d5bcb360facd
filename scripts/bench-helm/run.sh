#!/usr/bin/env bash
# verify-manifests on a repository of N Flux HelmReleases of one chart of
# about ten templates, served from a loopback OCI registry, against the
# glue users run today: helm template of each release (the helm CLI of the
# same Helm version, v4.3.2) piped into kubeconform -strict, judged by the
# same schemas. Wall time, CPU and peak RSS, for N = 50 and 200.
#
#   scripts/bench-helm/run.sh [kubernetes-version]     # from the repository root
#
# Needs the Go module proxy (to build helm and kubeconform) and GNU time
# (apt-get install time). Set WORK=dir to keep the outputs, RUNS=n for the
# medians of n runs (default 3), SIZES="50 200" for the sizes.
set -euo pipefail

version="${1:-1.37}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${WORK:-$(mktemp -d)}"
runs="${RUNS:-3}"
sizes="${SIZES:-50 200}"
mkdir -p "$work"
echo "work dir: $work"
if [ ! -x /usr/bin/time ]; then
  echo "GNU time is missing: apt-get install time" >&2
  exit 2
fi

cd "$root"
go build -o "$work/bench-helm" ./scripts/bench-helm
go build -o "$work/bench-verify" ./scripts/bench-verify
GOBIN="$work/bin" GOFLAGS=-mod=mod go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0
GOBIN="$work/bin" GOFLAGS=-mod=mod go install helm.sh/helm/v4/cmd/helm@v4.3.2
# As the Dockerfile builds the image users run: static, stripped.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/gitops-actions" .
rm -rf "$work/schemas"
"$work/bench-verify" export -out "$work/schemas" -kubernetes-version "$version"
location="$work/schemas/{{.ResourceKind}}{{.KindSuffix}}.json"

server=""
cleanup() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; }
trap cleanup EXIT

# measure NAME CMD...: run CMD under GNU time, print wall seconds, peak RSS
# (KiB, of the largest process) and CPU seconds (user+sys, children
# included).
measure() {
  local name="$1"; shift
  /usr/bin/time -v -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err" || true
  local wall rss cpu
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/$name.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$name.time")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$work/$name.time")
  echo "$wall $rss $cpu"
}
median() {
  local col out=""
  for col in 1 2 3; do
    out="$out $(awk -v c="$col" '{print $c}' "$work/$1.runs" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  done
  echo "$out"
}

# glue DIR HOST: what a workflow without verify-manifests runs, each
# release in turn: helm template with its values (already extracted from
# the HelmRelease: the glue is spared that), into kubeconform. The
# ServiceMonitor API is named, as verify-manifests' Capabilities hold the
# prometheus-operator CRDs it embeds: both render the same objects.
cat > "$work/glue.sh" <<'EOF'
#!/usr/bin/env bash
set -uo pipefail
dir="$1" host="$2" work="$3" version="$4"
export HELM_CACHE_HOME="$work/helm-home/cache" HELM_CONFIG_HOME="$work/helm-home/config" HELM_DATA_HOME="$work/helm-home/data"
rm -rf "$work/helm-home"
status=0
for f in "$dir"/values/*.yaml; do
  base="$(basename "$f" .yaml)"
  ns="${base%%_*}" name="${base#*_}"
  "$work/bin/helm" template "$name" "oci://$host/charts/app" --version 1.4.2 --plain-http \
      --namespace "$ns" --kube-version "$version" --include-crds -f "$f" \
      --api-versions monitoring.coreos.com/v1/ServiceMonitor \
    | "$work/bin/kubeconform" -strict -ignore-missing-schemas -schema-location "$work/schemas/{{.ResourceKind}}{{.KindSuffix}}.json" -summary || status=1
done
exit $status
EOF
chmod +x "$work/glue.sh"

printf '\n| releases | rendered objects | glue (helm template + kubeconform) | verify-manifests | speed | glue CPU | verify-manifests CPU | verify-manifests peak RSS |\n|---|---|---|---|---|---|---|---|\n' > "$work/table.md"
for n in $sizes; do
  dir="$work/n$n"
  "$work/bench-helm" generate -out "$dir" -releases "$n"
  "$work/bench-helm" serve -chart "$dir/chart.tgz" > "$work/host" &
  server=$!
  for _ in $(seq 50); do [ -s "$work/host" ] && break; sleep 0.1; done
  host="$(cat "$work/host")"
  # A fresh chart cache each run: the chart is fetched from the registry
  # every time, as helm template pulls it every time.
  vm=(env -C "$dir/repo" "$work/gitops-actions" verify-manifests --format json --kubernetes-version "$version"
      --chart-mirrors "oci://registry.bench.example=oci://$host" --fail-on never)
  : > "$work/glue-$n.runs"; : > "$work/vm-$n.runs"
  for _ in $(seq "$runs"); do
    measure "glue-$n" "$work/glue.sh" "$dir" "$host" "$work" "$version" >> "$work/glue-$n.runs"
    measure "vm-$n" "${vm[@]}" >> "$work/vm-$n.runs"
  done
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  # verify-manifests checks the HelmReleases and the HelmRepository too.
  checked=$(awk '/^  resources:/ {print $2}' "$work/vm-$n.err")
  objects=$((checked - n - 1))
  glue_objects=$(awk '/resources found/ {s+=$2} END {print s}' "$work/glue-$n.out")
  glue_ok=$(grep -c 'Invalid: 0, Errors: 0' "$work/glue-$n.out" || true)
  echo "n=$n: verify-manifests $(grep -o '"errors": *[0-9]*' "$work/vm-$n.out" | head -1), $objects rendered objects; glue: $glue_ok of $n releases valid, $glue_objects objects"
  read -r gw grss gc < <(median "glue-$n")
  read -r vw vrss vc < <(median "vm-$n")
  awk -v n="$n" -v o="$objects" -v gw="$gw" -v gc="$gc" -v vw="$vw" -v vc="$vc" -v vr="$vrss" 'BEGIN {
    printf "| %d | %s | %.2f s | %.2f s | %.1fx | %.2f s | %.2f s | %.0f MiB |\n", n, o, gw, vw, gw/vw, gc, vc, vr/1024
  }' >> "$work/table.md"
done
echo "medians of $runs runs, taking turns, Kubernetes $version:"
cat "$work/table.md"
