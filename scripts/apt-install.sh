#!/usr/bin/env bash
# Installs one Debian package without recommended extras, as root or through sudo, for the
# ensure-*.sh scripts of tools a test tier needs (prometheus, chromium): `apt-install.sh <package>`.
set -euo pipefail

PACKAGE="$1"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "$PACKAGE is not on PATH and apt-get is not available; install it and put it on PATH" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "$PACKAGE is not on PATH and installing it needs root (no sudo found)" >&2
    exit 1
  fi
fi

# A package's post-install script starts a system service when an init system is running;
# policy-rc.d-less containers simply skip that. DEBIAN_FRONTEND avoids prompts.
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "$PACKAGE"
