#!/usr/bin/env bash
# Makes sure moto's AWS API emulator (`moto_server`) is available for test/engine/aws-moto.test.ts.
# Installs moto[server] into a Python virtual environment OUTSIDE the repository, so the checkout
# stays clean and nothing is installed system-wide. Idempotent and fast when the environment is
# already there with the pinned version. Prints the path of `moto_server` on its last line.
#
#   MOTO_VENV     where the environment lives  (default ~/.cache/pulumi-progressive-delivery/moto-venv)
#   MOTO_VERSION  the moto release to install  (default 5.2.5, the version the tests were written against)
set -euo pipefail

VERSION="${MOTO_VERSION:-5.2.5}"
VENV="${MOTO_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-progressive-delivery/moto-venv}"
BIN="$VENV/bin/moto_server"

installed_version() {
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || true
}

if [ -x "$BIN" ] && [ "$(installed_version)" = "$VERSION" ]; then
  echo "moto $VERSION: $BIN"
  exit 0
fi

PYTHON="${PYTHON:-$(command -v python3 || true)}"
if [ -z "$PYTHON" ]; then
  echo "python3 is not on PATH; install Python 3.9 or later (with the venv module) to run the AWS emulator tests" >&2
  exit 1
fi

mkdir -p "$(dirname "$VENV")"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$VERSION"

if [ ! -x "$BIN" ]; then
  echo "moto $VERSION installed but $BIN is missing; remove $VENV and run this script again" >&2
  exit 1
fi
echo "moto $(installed_version): $BIN"
