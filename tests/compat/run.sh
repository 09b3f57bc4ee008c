#!/usr/bin/env bash
# Client-library compatibility suite (issue 4): builds cmd/coopol-testnet,
# installs the pinned npm packages (package-lock.json) and runs the
# megalodon tests with node's built-in test runner. The test starts the
# two loopback instances itself and stops them when it ends.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== building coopol-testnet"
(cd "$root" && go build -o "$work/coopol-testnet" ./cmd/coopol-testnet)
echo "== npm ci (node $(node --version))"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
echo "== megalodon against two Coopol instances"
cd "$here"
COOPOL_TESTNET_BIN="$work/coopol-testnet" node --test --test-concurrency=1 compat.test.js
