#!/usr/bin/env bash
# Sets everything up and runs HireLedger's main job. Without ASHBY_API_KEY it uses the embedded simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
swift build -c release --product hireledger >&2
exec .build/release/hireledger "${@:-demo}"
