#!/usr/bin/env bash
# Rebuild after one changed report: `gongkai build` of an archive built before, against a
# full build of the same archive.
#
#   bench/rebuild.sh <site> [out] [runs]     # e.g. bench/rebuild.sh $BENCH_DIR/gk-50000 /dev/shm/o50 3
#
# <site> is an archive made by bench/run.sh (examples/gen_archive). The script builds it in
# full into <out> (default /tmp/gongkai-rebuild-out; `build --full`, which also leaves the
# state the next build reads), then `runs` times (default 3): changes one number of one report
# (行政处罚 of the first 2021 report, counting up) and times `gongkai build` (only the files
# that change are written); then times `runs` builds with nothing changed, and `runs` full
# builds. It prints the median of each and the changed-report build as a share of the full
# one, and puts the report back as it was.
set -euo pipefail
site=$(cd "${1:?usage: bench/rebuild.sh <site> [out] [runs]}" && pwd)
out=${2:-/tmp/gongkai-rebuild-out}
runs=${3:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/gongkai"
(cd "$root" && cargo build --release --quiet --bin gongkai)
report=$(find "$site/content" -name 2021.md | sort | awk 'NR == 1')
saved=$(mktemp)
cp "$report" "$saved"
trap 'cp "$saved" "$report"; rm -f "$saved"' EXIT
value=$(grep -oP '^penalties +\= \[\K[0-9]+' "$report")

seconds() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

"$bin" build -q --full --root "$site" -o "$out" 2>/dev/null
edits=()
for i in $(seq 1 "$runs"); do
  value=$((value + 1))
  sed -i -E "s/^(penalties +\= \[)[0-9]+/\1$value/" "$report"
  edits+=("$(seconds "$bin" build -q --root "$site" -o "$out")")
done
none=()
for i in $(seq 1 "$runs"); do
  none+=("$(seconds "$bin" build -q --root "$site" -o "$out")")
done
full=()
for i in $(seq 1 "$runs"); do
  full+=("$(seconds "$bin" build -q --full --root "$site" -o "$out")")
done
e=$(printf '%s\n' "${edits[@]}" | median)
n=$(printf '%s\n' "${none[@]}" | median)
f=$(printf '%s\n' "${full[@]}" | median)
reports=$(find "$site/content" -name '*.md' | wc -l)
echo "| reports | one report changed | nothing changed | full build | changed / full |"
echo "|---|---|---|---|---|"
echo "| $reports | $e s | $n s | $f s | $(awk -v e="$e" -v f="$f" 'BEGIN {printf "%.1f%%", 100 * e / f}') |"
echo "(medians of $runs: changed ${edits[*]}; nothing ${none[*]}; full ${full[*]})"
