#!/usr/bin/env bash
# Runs a command with the Pulumi CLI that scripts/ensure-pulumi.sh found or built on PATH (and our
# language host beside it), offline: `npm run progressive -- status --stack dev`. The published
# package needs none of this: its driver runs the `pulumi` on PATH or in ~/.pulumi/bin.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
eval "$(node "$here/engine/engine.js" env)"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
exec "$@"
