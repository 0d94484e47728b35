#!/usr/bin/env bash
# Installs the Debian packages HireLedger builds against, when they are missing. Idempotent.
set -euo pipefail
need=()
dpkg -s liblmdb-dev >/dev/null 2>&1 || need+=(liblmdb-dev)
dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || need+=(libcurl4-openssl-dev)
dpkg -s lmdb-utils >/dev/null 2>&1 || need+=(lmdb-utils)
dpkg -s pkg-config >/dev/null 2>&1 || need+=(pkg-config)
dpkg -s nats-server >/dev/null 2>&1 || need+=(nats-server)   # JetStream publisher tests and tools/bench-publish.sh
if ((${#need[@]})); then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: no swift on PATH; install the Swift 6.3 toolchain first" >&2; exit 1; }
