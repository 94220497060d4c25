#!/usr/bin/env bash
# Runs a command with Node <major> first on PATH (22 or 24), provisioned from the npm registry
# into the tool cache when this machine's own Node is another: `bash scripts/with-node.sh 24 mocha`.
# `npm` and every `#!/usr/bin/env node` script the command starts then run on that Node.
set -euo pipefail
major=$1
shift
eval "$(node "$(dirname "$0")/runtime/node.js" env "$major")"
exec "$@"
