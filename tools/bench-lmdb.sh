#!/usr/bin/env bash
# LMDB wrapper figures: appends (fsync, noSync, grown map), point reads and scans. Args: [events] [batch].
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product bench 2>&1 | grep -E "error|warning: unre|Compiling|Build" || true
.build/release/bench lmdb "$@"
