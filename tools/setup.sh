#!/usr/bin/env bash
# Installs what HireLedger builds and tests with, when it is missing: Debian packages, and the Python test
# tools in .venv-tools/. Idempotent.
cd "$(dirname "$0")/.."
set -euo pipefail
need=()
dpkg -s liblmdb-dev >/dev/null 2>&1 || need+=(liblmdb-dev)
dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || need+=(libcurl4-openssl-dev)
dpkg -s libzstd-dev >/dev/null 2>&1 || need+=(libzstd-dev)   # the store's value compression (format 4)
dpkg -s libjemalloc-dev >/dev/null 2>&1 || need+=(libjemalloc-dev)   # the executables' malloc (Package.swift, CJemalloc)
dpkg -s lmdb-utils >/dev/null 2>&1 || need+=(lmdb-utils)
dpkg -s pkg-config >/dev/null 2>&1 || need+=(pkg-config)
dpkg -s python3-venv >/dev/null 2>&1 || need+=(python3-venv)
# The planner page: Chart.js served by `hireledger serve`; Chromium and its WebDriver for the browser test.
dpkg -s libjs-chart.js >/dev/null 2>&1 || need+=(libjs-chart.js)
dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s chromium-driver >/dev/null 2>&1 || need+=(chromium-driver)
dpkg -s nats-server >/dev/null 2>&1 || need+=(nats-server)   # JetStream publisher tests and tools/bench-publish.sh
if ((${#need[@]})); then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: no swift on PATH; install the Swift 6.3 toolchain first" >&2; exit 1; }
# Python test tools, in a venv of the checkout (.venv-tools/, gitignored): prometheus_client, whose
# exposition-format parser checks /metrics (HireLedgerServerTests), and schemathesis for tools/fuzz-api.sh.
# Created once; kept when present.
venv="$(cd "$(dirname "$0")/.." && pwd)/.venv-tools"
if [[ ! -x $venv/bin/schemathesis ]] || ! "$venv/bin/python" -c 'import prometheus_client' 2>/dev/null; then
  command -v python3 >/dev/null || { echo "setup: no python3 on PATH; install python3 (with venv) for the test tools" >&2; exit 1; }
  echo "setup: creating .venv-tools with prometheus_client and schemathesis" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'prometheus_client>=0.20,<1' "schemathesis==4.32.5"
fi
