#!/usr/bin/env bash
# Makes sure a Chromium is on PATH for test/engine/dashboard.test.ts, which drives the dashboard's
# page with playwright-core (it launches the given executable; no browser download).
# Idempotent: does nothing when one is already there. Otherwise installs Debian's package (bookworm
# ships 156) without recommended extras.
set -euo pipefail

for name in chromium chromium-browser; do
  if command -v "$name" >/dev/null 2>&1; then
    echo "chromium: $(command -v "$name") ($("$name" --version 2>/dev/null | head -n 1))"
    exit 0
  fi
done

bash "$(dirname "$0")/apt-install.sh" chromium

echo "chromium: $(command -v chromium) ($(chromium --version 2>/dev/null | head -n 1))"
