#!/usr/bin/env bash
# Runs the Pulumi CLI that scripts/ensure-pulumi.sh found or built, with our language
# host on PATH when the CLI has none, offline: `npm run pulumi -- preview --stack dev`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
eval "$(node "$here/engine/engine.js" env)"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
exec pulumi "$@"
