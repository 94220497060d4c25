#!/usr/bin/env bash
# Finds a Pulumi CLI (PATH, the npm wrapper's cache, our build cache) or builds one from
# the Go module proxy. See scripts/engine/engine.js and docs/toolchain.md.
set -euo pipefail
exec node "$(dirname "$0")/engine/engine.js" ensure
