#!/usr/bin/env bash
# Builds the benchmarks in release mode and runs the JSON one (parse, canonical write, XXH64 vs Foundation).
# Options pass through: tools/bench-json.sh --mb 10 --runs 7
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product bench >&2
exec .build/release/bench json "$@"
