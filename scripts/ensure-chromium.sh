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

if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is not on PATH and apt-get is not available; install Chromium and put it on PATH (or set CHROMIUM_PATH)" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "chromium is not on PATH and installing it needs root (no sudo found)" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium

echo "chromium: $(command -v chromium) ($(chromium --version 2>/dev/null | head -n 1))"
