#!/usr/bin/env bash
# The planner's figures (release build): a 24-month headcount series on a synthetic store of about
# 1.03M events (bench series [applications]), and the page's first meaningful render in headless
# Chromium on a demo store (bench page; the demo is made first unless STORE is given).
# Usage: tools/bench-planner.sh [STORE]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product bench 2>&1 | grep -E "error|Compiling|Build" || true
swift build -c release --product hireledger 2>&1 | grep -E "error|Build" || true
.build/release/bench series
store="${1:-}"
if [[ -z "$store" ]]; then
  store="$(mktemp -d)/demo"
  .build/release/hireledger demo --store "$store" >/dev/null
fi
.build/release/bench page --store "$store" --runs 5
