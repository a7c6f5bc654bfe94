#!/usr/bin/env bash
# Kept for `npm run test:nr5`: the node tests on Node-RED 5.0, on Node 22 and Node 24; the whole
# platform matrix is scripts/test-matrix.sh (npm run test:matrix).
set -euo pipefail
exec bash "$(dirname "$0")/test-matrix.sh" nr5.0-node22 nr5.0-node24 -- "$@"
