#!/usr/bin/env bash
# Builds the benchmarks in release mode and runs the simulator one: large-world generation (time, peak RSS),
# in-process and loopback-HTTP application.list passes, one simulated day and an incremental pass.
# Options pass through: tools/bench-sim.sh --size medium --seed 7 --days 3
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product bench >&2
exec .build/release/bench sim "$@"
