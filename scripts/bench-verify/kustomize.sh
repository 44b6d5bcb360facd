#!/usr/bin/env bash
# Compare verify-manifests with the glue users run on a kustomize config
# repository today: `kustomize build` of each overlay, all piped into one
# `kubeconform -strict`, on generated repositories in the layout users
# have (bench-verify layout: apps/APP/base, environments/ENV/APP), judged
# by the same schemas (ours, exported in kubeconform's layout).
#
#   scripts/bench-verify/kustomize.sh                 # from the repository root
#   WORK=/tmp/bk RUNS=5 APPS="25 50 100 200" scripts/bench-verify/kustomize.sh
#
# For each number of applications (APPS, default "25 50 100 200"; 2
# environments, so 100 apps is 2,300 files, 200 overlays and 20,000
# rendered resources) the two take turns RUNS times (default 3) under GNU
# time; it prints the medians of wall time, peak RSS and CPU (user+sys)
# and the ratios. GLUE_APPS (default 100) lists the sizes the glue also
# runs on: it takes minutes per run.
#
# Needs the Go module proxy (to build kustomize v5.8.2 and kubeconform
# v0.7.0, outside this module) and GNU time (apt-get install time).
set -euo pipefail

version="${KUBERNETES_VERSION:-1.37}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${WORK:-$(mktemp -d)}"
runs="${RUNS:-3}"
apps_list="${APPS:-25 50 100 200}"
glue_apps="${GLUE_APPS:-100}"
mkdir -p "$work"
echo "work dir: $work"
if [ ! -x /usr/bin/time ]; then
  echo "GNU time is missing: apt-get install time" >&2
  exit 2
fi

cd "$root"
go build -o "$work/bench-verify" ./scripts/bench-verify
# The peers are built from the Go module proxy into a GOBIN of their own,
# each with its own go.mod (GOFLAGS=-mod=mod), as users install them.
GOBIN="$work/bin" GOFLAGS=-mod=mod go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.2
GOBIN="$work/bin" GOFLAGS=-mod=mod go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0
# verify-manifests as the Dockerfile builds it: static, stripped.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/gitops-actions" .

rm -rf "$work/schemas"
"$work/bench-verify" export -out "$work/schemas" -kubernetes-version "$version"
location="$work/schemas/{{.ResourceKind}}{{.KindSuffix}}.json"

# The glue, as a workflow step runs it: every overlay built in turn, the
# stream validated by one kubeconform.
cat > "$work/glue.sh" <<GLUE
#!/usr/bin/env bash
set -euo pipefail
for d in environments/*/*/; do
  "$work/bin/kustomize" build "\$d"
  echo ---
done | "$work/bin/kubeconform" -strict -ignore-missing-schemas -schema-location '$location' -summary
GLUE
chmod +x "$work/glue.sh"

# measure NAME DIR CMD...: run CMD in DIR under GNU time and append wall
# seconds, peak RSS (KiB) and CPU seconds (user+sys) to NAME.runs. GNU
# time reports the largest peak RSS of the processes it waited for: for
# the glue, that of its largest process (kustomize or kubeconform), not
# their sum.
measure() {
  local name="$1" dir="$2"; shift 2
  (cd "$dir" && /usr/bin/time -f '%e %M %U %S' -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err") || true
  awk '{print $1, $2, $3 + $4}' "$work/$name.time" | tail -1 >> "$work/$name.runs"
}
median() {
  local col out=""
  for col in 1 2 3; do
    out="$out $(awk -v c="$col" '{print $c}' "$work/$1.runs" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  done
  echo "$out"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
results=()
for apps in $apps_list; do
  repo="$work/repo-$apps"
  if [ ! -d "$repo" ]; then
    "$work/bench-verify" layout -out "$repo" -apps "$apps" -envs staging,production -files 20 -per-file 5 -seed 1
  fi
  glue=false
  for g in $glue_apps; do [ "$g" = "$apps" ] && glue=true; done
  : > "$work/vm-$apps.runs"; : > "$work/glue-$apps.runs"
  for _ in $(seq "$runs"); do
    measure "vm-$apps" "$repo" "$work/gitops-actions" verify-manifests --format json
    if $glue; then
      measure "glue-$apps" "$repo" "$work/glue.sh"
    fi
  done
  read -r vw vr vc < <(median "vm-$apps")
  echo "verify-manifests, $apps apps: $(tail -1 "$work/vm-$apps.err")"
  line=$(awk -v a="$apps" -v w="$vw" -v r="$vr" -v c="$vc" 'BEGIN {printf "%4d apps  verify-manifests %6.2f s %6.1f MiB %7.2f s CPU", a, w, r/1024, c}')
  if $glue; then
    read -r gw gr gc < <(median "glue-$apps")
    echo "glue, $apps apps: $(grep -h Summary "$work/glue-$apps.out" || tail -1 "$work/glue-$apps.err")"
    line="$line$(awk -v w="$gw" -v r="$gr" -v c="$gc" -v vw="$vw" -v vr="$vr" -v vc="$vc" 'BEGIN {printf "  |  glue %6.2f s %6.1f MiB %7.2f s CPU  |  %.2fx faster, %.2fx less CPU", w, r/1024, c, w/vw, c/vc}')"
  fi
  results+=("$line")
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "medians of $runs runs, taking turns:"
printf '%s\n' "${results[@]}"
