#!/usr/bin/env bash
# Projection folds and queries over a synthetic log (about 10 events per application; default 100k
# applications, about 1M events). Usage: tools/bench-projections.sh [applications]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product bench 2>&1 | grep -E "error|warning: unre|Compiling|Build" || true
.build/release/bench projections "$@"
