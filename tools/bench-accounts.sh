#!/usr/bin/env bash
# Many accounts in one process: N accounts (default 100) of the small simulated world, each with its own
# store, synced by one AccountsServer round after round (the first round full syncs, then one simulated
# day each) with at most C syncs at once; prints time per round and resident memory.
# Options pass through: --accounts N --size small --rounds R --concurrent C
set -euo pipefail
cd "$(dirname "$0")/.."
config=${BENCH_CONFIG:-release}  # BENCH_CONFIG=debug: a quick check that it runs, not figures
swift build -c "$config" --product bench >&2
exec ".build/$config/bench" accounts "$@"
