#!/usr/bin/env bash
# Renders the planner page on a demo store in headless Chromium at 1440x900 and saves a PNG (not
# committed). Usage: tools/screenshot.sh [STORE] [OUT.png]. Without STORE it makes a demo store first
# (small world, 120 simulated days) in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
swift build --product hireledger >&2
swift build --product bench >&2
store="${1:-}"
out="${2:-planner-screenshot.png}"
if [[ -z "$store" ]]; then
  store="$(mktemp -d)/demo"
  .build/debug/hireledger demo --store "$store" --size small --days 120 >/dev/null
fi
.build/debug/bench page --store "$store" --runs 1 --screenshot "$out"
echo "screenshot: $out" >&2
