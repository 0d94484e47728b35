#!/usr/bin/env bash
# Builds the benchmarks in release mode and runs the end-to-end sync one: simulated Ashby on loopback,
# CurlTransport, SyncService, a fresh LMDB store: first full sync, unchanged full resync, one day's
# incremental sync, with peak memory (heap and mapped store) during each. The simulator runs as an
# ashby-sim process so the figures are the sync's own (--in-process to run it inside). Options pass through: tools/bench-sync.sh --size medium --seed 7
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product bench >&2
swift build -c release --product ashby-sim >&2
exec .build/release/bench sync "$@"
