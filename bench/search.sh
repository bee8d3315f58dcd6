#!/usr/bin/env bash
# Search benchmark: index size per report, index build time and what a reader's first query
# downloads, on a generated 10,000-report archive.
#
#   bench/search.sh              # 10,000 reports (2,000 agencies × 5 years)
#   AGENCIES=200 bench/search.sh # another size
#
# It generates the archive (examples/gen_archive, reused if present), builds it with
# `gongkai build --timings`, then opens the search page in headless Chromium
# (tests/browser/search.mjs; needs `npm ci` in tests/browser and /usr/bin/chromium), types
# each query as a reader would, in a fresh browser context (empty cache), and counts the bytes
# the query fetched from the local server until its first page of results is shown.
#
# Environment: AGENCIES (default 2000), BENCH_DIR (default target/bench).
set -euo pipefail
cd "$(dirname "$0")/.."
AGENCIES=${AGENCIES:-2000}
BENCH_DIR=${BENCH_DIR:-target/bench}
n=$((AGENCIES * 5))
site="$BENCH_DIR/gk-$n"
mkdir -p "$BENCH_DIR"

cargo build --release --quiet --bin gongkai --example gen_archive
if [ ! -f "$site/site.toml" ]; then
  rm -rf "$site"
  target/release/examples/gen_archive --agencies "$AGENCIES" --years 5 --out "$site" | tee "$BENCH_DIR/gen-$n.txt" >&2
fi
rm -rf "$site/public"
target/release/gongkai --lang en build --timings --root "$site" 2>"$BENCH_DIR/search-build.txt" >/dev/null
grep -E '^built|^  ' "$BENCH_DIR/search-build.txt" >&2

# Queries: common and rare words of the generated prose, an agency's name, a mixed query.
agency=$(sed -n 's/^name = "\(.*\)"/\1/p' "$(find "$site/content" -name agency.toml | sort | head -1)")
queries=$(python3 -c 'import json, sys; print(json.dumps({"measure": sys.argv[1:]}))' \
  "公开" "政府信息公开" "信息处理费" "政务新媒体" "2021年" "$agency" "行政复议 纠错")
echo "$queries" >"$BENCH_DIR/search-queries.json"
node tests/browser/search.mjs "$site/public" "$BENCH_DIR/search-queries.json" "$BENCH_DIR/search-results.json"

python3 - "$BENCH_DIR/search-build.txt" "$BENCH_DIR/search-results.json" "$n" <<'EOF'
import json, re, sys
build, results, n = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), int(sys.argv[3])
total = float(re.search(r"in ([0-9.]+) s", build).group(1))
stage = float(re.search(r"^  search +([0-9.]+) s", build, re.M).group(1))
stats = re.search(r"shards (\d+) bytes, documents (\d+) bytes, manifest (\d+) bytes", build)
shards, docs, manifest = map(int, stats.groups())
print(f"\n{n} reports: search stage (index built and written) {stage:.2f} s of a {total:.2f} s build "
      f"({100 * stage / total:.0f}%); index {shards / 1e6:.1f} MB in shards + {docs / 1e6:.1f} MB of "
      f"documents + {manifest / 1e3:.0f} KB manifest = {(shards + docs + manifest) / n / 1e3:.1f} KB per report\n")
print("| first query | results shown | files fetched | bytes fetched |")
print("|---|---|---|---|")
for q, m in results["measure"].items():
    print(f"| {q} | {m['results']} | {m['files']} | {m['bytes'] / 1e3:.0f} KB |")
if results["errors"]:
    sys.exit(f"page errors: {results['errors']}")
EOF
