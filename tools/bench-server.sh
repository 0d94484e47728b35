#!/bin/sh
# HTTP API benchmark: 100 concurrent SSE clients each reading 100k events, and /v1/events paging.
# Usage: tools/bench-server.sh [events] [clients]
set -e
cd "$(dirname "$0")/.."
swift build -c release --product bench 2>&1 | grep -E "error|warning: |Build" || true
exec .build/release/bench server "$@"
