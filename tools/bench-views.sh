#!/usr/bin/env bash
# Views kept by ProjectionRunner over a synthetic log in a real LMDB store (about 8 events per
# application; default 125k applications, about 1.03M events): rebuild rates, catch-up when current,
# query latency p50/p99 on both axes. Usage: tools/bench-views.sh [applications]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product bench 2>&1 | grep -E "error|warning: unre|Compiling|Build" || true
.build/release/bench views "$@"
