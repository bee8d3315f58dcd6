#!/usr/bin/env bash
# Import benchmark: `gongkai import` of a folder of 1,000 PDF reports (issue 18: under 60 s).
#
#   bench/import.sh            # 1,000 reports (200 agencies × 5 years)
#   AGENCIES=20 bench/import.sh
#
# It generates a synthetic archive (examples/gen_archive: both formats), publishes every
# report twice (examples/publish): as the tests' lattice PDFs (tests/common/pdf.rs, layouts
# varied report by report) and as government web pages printed to PDF by headless Chromium
# (bench/print.mjs: embedded subset fonts, ToUnicode maps, compressed streams, header and
# footer lines). For each set it times `gongkai import FOLDER` into a new site with
# /usr/bin/time -v (wall time, peak RSS) and counts the reports imported, those with cells
# left for review, and those whose printed figures break an identity (the generated archive
# prints a few acknowledged inconsistencies; import keeps them and `check` reports them).
# Needs Chromium and tests/browser's node_modules (`npm ci` there).
set -euo pipefail
cd "$(dirname "$0")/.."
AGENCIES=${AGENCIES:-200}
DIR=${BENCH_DIR:-target/bench}/import
rm -rf "$DIR" && mkdir -p "$DIR"
cargo build --release --quiet
cargo build --release --quiet --example gen_archive --example publish
BIN=target/release/gongkai
target/release/examples/gen_archive --agencies "$AGENCIES" --years 5 --seed 18 --out "$DIR/site" >/dev/null
target/release/examples/publish "$DIR/site" "$DIR/lattice" pdf
target/release/examples/publish "$DIR/site" "$DIR/chromium" html
node bench/print.mjs "$DIR/chromium"
reports=$(find "$DIR/lattice" -name '*.pdf' | wc -l)
echo "| PDFs | kind | size | wall s | peak RSS MB | imported | with cells to review | with check errors |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|"
ROOT=$(pwd)
for kind in lattice chromium; do
  site="$DIR/new-$kind"
  mkdir -p "$site"
  (cd "$site" && LANG=en_US.UTF-8 "$ROOT/$BIN" init . >/dev/null 2>&1 && rm -rf content/*)
  size=$(du -sh "$DIR/$kind" | cut -f1)
  sync
  (cd "$site" && LANG=en_US.UTF-8 /usr/bin/time -v "$ROOT/$BIN" import "$ROOT/$DIR/$kind" \
    >"$ROOT/$DIR/$kind.out" 2>"$ROOT/$DIR/$kind.time") || true
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$DIR/$kind.time")
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$DIR/$kind.time")
  # One line per file: "<file>  content/<agency>/<year>.md  imported[, N items to review][, N check errors]".
  imported=$(grep -cE '\.pdf +content/.* imported' "$DIR/$kind.out" || true)
  review=$(grep -cE '\.pdf .*items? to review' "$DIR/$kind.out" || true)
  errors=$(grep -cE '\.pdf .*check errors?' "$DIR/$kind.out" || true)
  echo "| $reports | $kind | $size | $wall | $rss | $imported | $review | $errors |"
done
