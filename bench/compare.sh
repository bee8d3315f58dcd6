#!/usr/bin/env bash
# Two builds of gongkai on the same archive, alternated: how much a change costs.
#
#   bench/compare.sh OLD_BINARY NEW_BINARY ARCHIVE [RUNS]
#
# ARCHIVE is a site folder both binaries can build (e.g. made by the older binary's
# examples/gen_archive, since a newer generator may write what an older gongkai refuses).
# Each run builds with OLD, NEW, and NEW with `research_data = true` (the long tables; a copy
# of site.toml beside a link to the archive's content), in that order, each into an absent
# output folder;
# the outputs are kept until the end (see bench/run.sh on deleting right before a build).
# Prints every run's wall time, CPU time (user and system apart: the system time of creating
# tens of thousands of files varies most on this machine) and peak memory, then the medians
# and the ratios. Leave minutes between two runs: the script deletes its outputs when it ends
# (bench/run.sh explains why a build soon after a large deletion is slow on ext4).
set -euo pipefail
OLD=$1 NEW=$2 ARCHIVE=$(realpath "$3") RUNS=${4:-3}
BENCH_DIR=${BENCH_DIR:-$(mktemp -d)}
trap 'rm -rf "$BENCH_DIR"' EXIT
export LANG=C.UTF-8 LC_ALL=C.UTF-8
research="$BENCH_DIR/research"
mkdir -p "$research"
ln -s "$ARCHIVE/content" "$research/content"
# First, so that it is a top-level key whatever tables follow.
{ echo "research_data = true"; grep -v '^research_data' "$ARCHIVE/site.toml"; } >"$research/site.toml"

declare -A WALL USER SYS RSS
for run in $(seq "$RUNS"); do
  for v in old new new-research; do
    case $v in
      old) bin=$OLD root=$ARCHIVE ;;
      new) bin=$NEW root=$ARCHIVE ;;
      new-research) bin=$NEW root=$research ;;
    esac
    sync
    line=$(/usr/bin/time -f "%e %U %S %M" "$bin" --quiet build --root "$root" -o "$BENCH_DIR/out-$v-$run" 2>&1 | tail -1)
    read -r wall user sys rss <<<"$line"
    echo "run $run $v: ${wall} s wall, ${user} s user + ${sys} s system CPU, $((rss / 1024)) MB"
    WALL[$v]+="$wall " USER[$v]+="$user " SYS[$v]+="$sys " RSS[$v]+="$rss "
  done
done
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo
echo "| build | wall | user CPU | system CPU | peak RSS | wall / old | user CPU / old |"
echo "|---|---|---|---|---|---|---|"
base=$(median "${WALL[old]}") base_user=$(median "${USER[old]}")
for v in old new new-research; do
  w=$(median "${WALL[$v]}") u=$(median "${USER[$v]}") s=$(median "${SYS[$v]}") r=$(median "${RSS[$v]}")
  echo "| $v | $w s | $u s | $s s | $((${r%.*} / 1024)) MB | $(awk "BEGIN {printf \"%.3f\", $w / $base}") | $(awk "BEGIN {printf \"%.3f\", $u / $base_user}") |"
done
