#!/usr/bin/env bash
# Builds the benchmarks in release mode and runs the engine one: a first full sync of a simulated account
# into a fresh store, a quiet second sync, and a sync after some simulated days.
# Options pass through: tools/bench-sync.sh --size medium --seed 7 --days 3 [--loopback]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product bench >&2
exec .build/release/bench sync "$@"
