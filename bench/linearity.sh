#!/usr/bin/env bash
# Linearity at national scale: `gongkai check` and `gongkai build` of a generated archive of
# BIG reports (default 200,000) against the 10,000-report archive, on the same machine.
#
#   bench/linearity.sh               # 200,000 against 10,000
#   bench/linearity.sh 100000        # another size
#
# Builds 10,000, BIG, 10,000 (the small size before and after, so a drift of the machine
# shows), each into a new output folder, all deleted when the script ends (a build right after
# deleting many files measures ext4's inode scan, see bench/run.sh). Prints wall, CPU and peak
# RSS of each run and the ratio BIG / 10,000 (the mean of the two small builds). Needs about
# 65 KB of disk per report for the output (13 GB at 200,000) and 10 KB for the sources.
# Environment: BENCH_DIR (default target/bench).
set -euo pipefail
cd "$(dirname "$0")/.."
BIG=${1:-200000}
BENCH_DIR=${BENCH_DIR:-target/bench}
mkdir -p "$BENCH_DIR"
cargo build --release --quiet --bin gongkai --example gen_archive
GK=$(pwd)/target/release/gongkai
export LANG=en_US.UTF-8 LC_ALL=en_US.UTF-8

OUTS=()
cleanup() { [ ${#OUTS[@]} -eq 0 ] || rm -rf "${OUTS[@]}"; }
trap cleanup EXIT

for n in 10000 "$BIG"; do
  site="$BENCH_DIR/gk-$n"
  if [ ! -f "$site/site.toml" ]; then
    rm -rf "$site"
    target/release/examples/gen_archive --agencies $((n / 5)) --years 5 --out "$site" >&2
  fi
done

# run CMD...: prints "wall cpu rss" (s, s, MB) of one run of CMD.
run() {
  /usr/bin/time -f '%e %U %S %M' -o "$BENCH_DIR/time.txt" "$@" >/dev/null 2>"$BENCH_DIR/stderr.txt" || {
    echo "failed: $*" >&2; tail -5 "$BENCH_DIR/stderr.txt" >&2; exit 1; }
  awk '{printf "%s %.2f %d\n", $1, $2 + $3, $4 / 1024}' "$BENCH_DIR/time.txt"
}

# A check of each archive first, untimed, as a clerk checks before building: it also fills
# the parse cache (.gongkai/), so every timed build reads unchanged reports from it.
for n in 10000 "$BIG"; do "$GK" check --root "$BENCH_DIR/gk-$n" >/dev/null 2>&1 || true; done

echo "| run | reports | wall | CPU | peak RSS | output |"
echo "|---|---|---|---|---|---|"
declare -A wall
i=0
for n in 10000 "$BIG" 10000; do
  i=$((i + 1))
  out="$BENCH_DIR/linearity-out-$i"
  rm -rf "$out"; OUTS+=("$out"); sync
  read -r w c r < <(run "$GK" build --root "$BENCH_DIR/gk-$n" -o "$out")
  size=$(du -sb "$out" | awk -v n="$n" '{printf "%.1f KB/report", $1 / n / 1024}')
  echo "| build $i | $n | $w s | $c s | $r MB | $size |"
  wall[$i]=$w
done
# Each check twice: the first reads sources the big build's output pushed out of the page
# cache (from the disk), the second finds them in memory, as a clerk's repeated checks do.
for n in "$BIG" 10000; do
  for pass in "first (sources on disk)" "second (sources in memory)"; do
    read -r cw cc cr < <(run "$GK" check --root "$BENCH_DIR/gk-$n")
    echo "| check, $pass | $n | $cw s | $cc s | $cr MB | |"
  done
done
echo
awk -v a="${wall[1]}" -v b="${wall[2]}" -v c="${wall[3]}" -v n="$BIG" \
  'BEGIN { printf "build %d / 10,000 reports: %.1f× (%.2f s against the mean of %.2f s and %.2f s; linear: %.0f×)\n", n, b / ((a + c) / 2), b, a, c, n / 10000 }'
echo "$("$GK" --version); $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM; output on $(df -T "$BENCH_DIR" | awk 'NR==2 {print $2}')"
