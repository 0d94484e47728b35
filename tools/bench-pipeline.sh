#!/usr/bin/env bash
# Pipeline queries at a date (issue 17): the views bench on a synthetic store of about 8 events per
# application (default 125k applications, about 1.03M events), whose pipeline lines give p50/p99 of
# the view at random points on both axes and a cold load + query in process; then the cold CLI query
# (process start, open, load the checkpoint, answer, print JSON) timed over RUNS runs of
# `hireledger pipeline --as-of T` on that store.
# Usage: tools/bench-pipeline.sh [applications]   (BENCH_CONFIG=debug: a quick check, not figures; RUNS=11)
set -euo pipefail
cd "$(dirname "$0")/.."
config=${BENCH_CONFIG:-release}
runs=${RUNS:-11}
swift build -c "$config" --product bench 2>&1 | grep -E "error|Compiling|Build" >&2 || true
swift build -c "$config" --product hireledger 2>&1 | grep -E "error|Build" >&2 || true
store="$(mktemp -d)/store"
trap 'rm -rf "$(dirname "$store")"' EXIT
".build/$config/bench" views "${1:-125000}" --keep-store "$store" | tee "$store.out"
# Random instants across the log's span, as the bench printed it.
read -r first last < <(sed -n 's/.*(log from \([^ ]*\) to \([^ )]*\)).*/\1 \2/p' "$store.out")
lo=$(date -u -d "$first" +%s) hi=$(date -u -d "$last" +%s)
ms=()
for i in $(seq "$runs"); do
  at=$(date -u -d "@$(( lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1) ))" +%Y-%m-%dT%H:%M:%SZ)
  axis=$([[ $((i % 2)) == 0 ]] && echo --as-of || echo --known-at)
  start=$(date +%s%N)
  ".build/$config/hireledger" pipeline --store "$store" "$axis" "$at" --format json >/dev/null
  ms+=($(( ($(date +%s%N) - start) / 1000000 )))
done
sorted=($(printf '%s\n' "${ms[@]}" | sort -n))
echo "cold CLI query (hireledger pipeline --as-of/--known-at T --format json, $config, $runs runs, load $(cut -d' ' -f1-3 /proc/loadavg)): p50 ${sorted[$((runs / 2))]} ms, max ${sorted[$((runs - 1))]} ms (all: ${ms[*]})"
