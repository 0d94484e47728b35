#!/usr/bin/env bash
# Sets everything up and runs the whole test suite. This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
swift build --build-tests
if (($#)); then
  exec swift test --skip-build "$@"
fi
# Suites that assert a latency or a schedule (a view answered within 50 ms during a catch-up, a due
# webhook sent on time beside a backlog) run on their own after the rest, one test at a time: on a
# 2-core machine the hundreds of tests running in parallel beside them would measure the machine,
# not HireLedger.
timed='RequestBudgetTests|HistoryCancellationTests|ViewsOffTheRequestPathTests|ProjectionServiceTests|WebhookHardeningTests|SyncSchedulerTests|WebhookCrashTests|ServeCrashTests|PlannerPageBrowserTests|StoreAccessTests|CurlTransportTests'
swift test --skip-build --skip "$timed"
swift test --skip-build --no-parallel --filter "$timed"
# The HTTP API against its OpenAPI document with schemathesis (bounded: about a minute).
tools/fuzz-api.sh 25
