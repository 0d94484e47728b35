#!/usr/bin/env bash
# Sets everything up and runs the whole test suite. This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
swift build --build-tests
swift test --skip-build "$@"
# The HTTP API against its OpenAPI document with schemathesis (bounded: about a minute).
tools/fuzz-api.sh 25
