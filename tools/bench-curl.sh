#!/usr/bin/env bash
# Builds the benchmarks in release mode and runs the libcurl transport one (sequential and concurrent
# POSTs to a loopback server in the same process). Options pass through: tools/bench-curl.sh --requests 20000
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product bench >&2
exec .build/release/bench curl "$@"
