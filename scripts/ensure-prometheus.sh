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

bash "$(dirname "$0")/apt-install.sh" prometheus

echo "prometheus: $(command -v prometheus) ($(prometheus --version 2>&1 | head -n 1))"
