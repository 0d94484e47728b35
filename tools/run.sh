#!/usr/bin/env bash
# Sets everything up and runs HireLedger's main job. Without ASHBY_API_KEY it uses the embedded simulator.
# With no arguments: the demo (simulated months of syncs into ./hireledger-demo, then the views), and then
# the planner page on that store at http://127.0.0.1:8787/ (Ctrl-C stops it; set HIRELEDGER_NO_SERVE=1 to
# end after the demo). Any arguments are passed to `hireledger` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
swift build -c release --product hireledger >&2
if (($#)); then exec .build/release/hireledger "$@"; fi
store="${HIRELEDGER_DEMO_STORE:-./hireledger-demo}"
if [[ -e "$store" ]]; then
  echo "run: $store exists from an earlier run; moving it to $store.previous" >&2
  rm -rf "$store.previous"
  mv "$store" "$store.previous"
fi
.build/release/hireledger demo --store "$store"
[[ -n "${HIRELEDGER_NO_SERVE:-}" ]] && exit 0
echo >&2
echo "run: serving the planner page on the demo store (the sign-in link follows; Ctrl-C stops)" >&2
exec .build/release/hireledger serve --store "$store" --no-webhooks
