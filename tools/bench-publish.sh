#!/usr/bin/env bash
# JetStream publish rate: N events (default 100 000) published by JetStreamPublisher to a nats-server -js
# started here on a free loopback port with a temporary store, with one message in flight (no batching
# of acks) and with 16, 256 and 1024 in flight. Options pass through: --events N --pipelines 1,256
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nats-server >/dev/null || tools/setup.sh
config=${BENCH_CONFIG:-release}  # BENCH_CONFIG=debug: a quick check that it runs, not figures
swift build -c "$config" --product bench >&2
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nats-server -js -a 127.0.0.1 -p "$port" -sd "$dir/js" -l "$dir/nats.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
".build/$config/bench" publish --nats "nats://127.0.0.1:$port" "$@"
