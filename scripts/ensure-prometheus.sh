#!/usr/bin/env bash
# Makes sure a `prometheus` binary is on PATH for test/engine/prometheus.test.ts.
# Idempotent: does nothing when one is already there. Otherwise installs the distribution
# package (Debian bookworm ships 2.42) without recommended extras. The package's service
# is not used by the tests: they start their own Prometheus on 127.0.0.1 with a temporary
# config and data directory.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1; then
  echo "prometheus: $(command -v prometheus) ($(prometheus --version 2>&1 | head -n 1))"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "prometheus is not on PATH and apt-get is not available; install Prometheus 2.x and put it on PATH" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "prometheus is not on PATH and installing it needs root (no sudo found)" >&2
    exit 1
  fi
fi

# The package's post-install script starts a system service when an init system is running;
# policy-rc.d-less containers simply skip that. DEBIAN_FRONTEND avoids prompts.
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends prometheus

echo "prometheus: $(command -v prometheus) ($(prometheus --version 2>&1 | head -n 1))"
