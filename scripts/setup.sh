#!/usr/bin/env bash
# Brings what a fresh machine lacks: pnpm at the pinned version (from package.json's packageManager)
# and moto server (the local AWS the tests and the demo run against). Then installs the workspace,
# which also brings Node.js 22 for every pnpm script (the root's optionalDependencies: the npm
# registry's node-<os>-<cpu> package that fits this machine becomes node_modules/.bin/node), and
# checks that the scripts really run on Node.js 22.12 or newer.
set -euo pipefail
cd "$(dirname "$0")/.."

# Any Node.js that runs npm will do here; the scripts get their own below.
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

# The Node.js that `pnpm <script>` (turbo, tsx, vitest and their children) runs on.
if ! script_node=$(pnpm exec node -p 'process.version + " " + process.execPath'); then
  echo "setup: node_modules/.bin/node does not run on this machine (the registry's Linux builds need" \
    "glibc). On Alpine: apk add nodejs (22 or newer), then rm node_modules/.bin/node after each pnpm install." >&2
  exit 1
fi
version=${script_node%% *}
major=${version#v}
major=${major%%.*}
minor=${version#v*.}
minor=${minor%%.*}
if [ "$major" -lt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -lt 12 ]; }; then
  echo "setup: pnpm scripts would run on Node.js $version, and they need 22.12 or newer." \
    "The npm registry has no Node.js 22 package for $(uname -s) $(uname -m) (there is one for glibc Linux" \
    "x64/arm64 and Intel macOS). Install Node.js 22 yourself (e.g. nvm install 22) and run setup again." >&2
  exit 1
fi
echo "setup: pnpm scripts run on Node.js ${script_node}" >&2
