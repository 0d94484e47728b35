#!/usr/bin/env bash
# Fuzzes the HTTP API with schemathesis against schemas/api/openapi.json: every check (no server error,
# responses match the document, valid requests accepted, invalid ones rejected, 405 for other methods).
# Starts `hireledger serve` on a small store synced once from the embedded simulator (tiny world).
# Usage: tools/fuzz-api.sh [MAX_EXAMPLES] (default 40 per operation; CI runs this from tools/test.sh).
# Needs a built `hireledger` (swift build) and Python 3; schemathesis goes into .venv-tools.
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-40}"
venv=.venv-tools
if [[ ! -x $venv/bin/schemathesis ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi
bin="$(swift build --show-bin-path)/hireledger"
[[ -x $bin ]] || swift build --product hireledger
work=$(mktemp -d)
server=""
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
store="$work/store"
env -u ASHBY_API_KEY "$bin" sync --store "$store" --simulator-size tiny >/dev/null 2>"$work/sync.err" || { cat "$work/sync.err" >&2; exit 1; }
python3 -c 'import secrets; print(secrets.token_hex(32))' > "$work/token"
chmod 600 "$work/token"
"$bin" serve --store "$store" --port 0 --token-file "$work/token" --webhook-timeout 2 --lease-seconds 10 2> "$work/serve.err" &
server=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/^HireLedger API on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/serve.err")
  [[ -n $port ]] && break
  sleep 0.1
done
[[ -n $port ]] || { echo "fuzz-api: serve did not start:" >&2; cat "$work/serve.err" >&2; exit 1; }
# The SSE stream never ends by design; tests/HireLedgerServerTests cover it.
"$venv/bin/schemathesis" --config-file tools/schemathesis.toml run schemas/api/openapi.json --url "http://127.0.0.1:$port" \
  -H "Authorization: Bearer $(cat "$work/token")" --checks all --max-examples "$examples" \
  --exclude-path /v1/events/stream --request-timeout 10 --seed 16 --generation-deterministic \
  --no-color --output-truncate true --suppress-health-check all
