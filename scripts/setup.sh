#!/usr/bin/env bash
# Brings what a fresh machine lacks: pnpm at the pinned version (from package.json's packageManager)
# and moto server (the local AWS the tests and the demo run against). Then installs the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(node -p "require('./package.json').packageManager.split('@')[1]")
have=$(pnpm --version 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  echo "setup: installing pnpm@$want (found: ${have:-none})" >&2
  npm install -g "pnpm@$want" >/dev/null
fi

if ! command -v "${MOTO_SERVER_BIN:-moto_server}" >/dev/null 2>&1; then
  echo "setup: moto_server not found; trying: pip install 'moto[server]'" >&2
  if ! python3 -m pip install --quiet "moto[server]"; then
    echo "setup: could not install moto. Install it yourself: pip install \"moto[server]\" (Python 3.9+)" >&2
    exit 1
  fi
fi

if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile
else
  pnpm install
fi
