#!/usr/bin/env bash
# Webhook delivery throughput: N events (default 100 000) signed and POSTed by WebhookDispatcher to one
# loopback receiver, one event per request and 100 per request. Options pass through: --events N
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product bench >&2
exec .build/release/bench webhooks "$@"
