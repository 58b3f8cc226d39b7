#!/bin/sh
# run-fuzzers.sh BUILD_DIR SECONDS — run every libFuzzer target for SECONDS
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# BUILD_DIR must be configured with -Dfuzzing=true (CC=clang). Each
# BUILD_DIR/tests/fuzz/fuzz-* executable runs on a temporary copy of its
# seed corpus (tests/fuzz/corpus/<target>/), so the committed corpus never
# grows. Crash reproducers land in BUILD_DIR/fuzz-artifacts/<target>/.
# Exits non-zero if any target crashes, leaks or times out.
set -eu

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi

build_dir=$1
seconds=$2
source_dir=$(cd "$(dirname "$0")/.." && pwd)
corpus_root=$source_dir/tests/fuzz/corpus

case $seconds in
  ''|*[!0-9]*) echo "$0: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;;
esac

if [ ! -d "$build_dir/tests/fuzz" ]; then
  echo "$0: $build_dir/tests/fuzz does not exist; configure with" \
       "'CC=clang meson setup $build_dir -Dfuzzing=true' and build first" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hormiga-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

failed=""
ran=0
for target in "$build_dir"/tests/fuzz/fuzz-*; do
  name=$(basename "$target")
  case $name in
    *-replay|*.p|*.o) continue ;;
  esac
  if [ ! -f "$target" ] || [ ! -x "$target" ]; then
    continue
  fi

  corpus=$work/$name
  artifacts=$build_dir/fuzz-artifacts/$name
  mkdir -p "$corpus" "$artifacts"
  if [ -d "$corpus_root/$name" ]; then
    cp -R "$corpus_root/$name/." "$corpus/"
  fi

  echo "== $name: ${seconds}s on a copy of $(find "$corpus" -type f | wc -l) seed(s)"
  if "$target" "$corpus" \
       -max_total_time="$seconds" \
       -max_len=70000 \
       -timeout=10 \
       -rss_limit_mb=2048 \
       -print_final_stats=1 \
       -artifact_prefix="$artifacts/" \
       >"$work/$name.log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' \
      "$work/$name.log" || true
  else
    tail -n 60 "$work/$name.log"
    echo "!! $name failed; reproducers are in $artifacts/" >&2
    failed="$failed $name"
  fi
  ran=$((ran + 1))
done

if [ "$ran" -eq 0 ]; then
  echo "$0: no fuzz-* executables in $build_dir/tests/fuzz; is it built with -Dfuzzing=true?" >&2
  exit 2
fi

if [ -n "$failed" ]; then
  echo "failed:$failed" >&2
  exit 1
fi
echo "all $ran fuzzer(s) ran ${seconds}s without a crash"
