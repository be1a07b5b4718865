#!/usr/bin/env bash
# pnpm release: apply pending changesets (versions + changelogs), build everything, pack the CLI
# as a self-contained npm tarball and name the CDC Lambda and verify worker zips with their versions,
# all in .release/.
# Publishing is a separate, deliberate step (docs/RELEASING.md).
#
# Usage: bash scripts/release.sh [--pack-only] [--out DIR]
#   --pack-only  skip versioning and the full build: pack the CLI, copy the Lambda zip if built
#   --out DIR    artifact folder (default .release/)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$root/.release"
pack_only=false
while [ $# -gt 0 ]; do
  case "$1" in
    --pack-only) pack_only=true ;;
    --out) out="$(mkdir -p "$2" && cd "$2" && pwd)"; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "release: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$pack_only" = false ]; then
  pending=$(find .changeset -maxdepth 1 -name '*.md' ! -name 'README.md' | wc -l | tr -d ' ')
  if [ "$pending" -gt 0 ]; then
    echo "release: applying $pending changeset(s)" >&2
    pnpm changeset version
  else
    echo "release: no pending changesets; versions unchanged" >&2
  fi
  pnpm build
fi

mkdir -p "$out"
cli_tarball="$(node scripts/pack-cli.mjs --out "$out")"

lambda_version="$(node -p "require('./packages/cdc-lambda/package.json').version")"
lambda_zip_src="packages/cdc-lambda/dist/function.zip"
lambda_zip="$out/ddb-migrate-cdc-lambda-${lambda_version}.zip"
if [ -f "$lambda_zip_src" ]; then
  cp "$lambda_zip_src" "$lambda_zip"
elif [ "$pack_only" = true ]; then
  echo "release: $lambda_zip_src not built (run pnpm build); Lambda zip skipped" >&2
  lambda_zip=""
else
  echo "release: pnpm build did not produce $lambda_zip_src" >&2
  exit 1
fi

# The verify worker (verify --engine stepfunctions, cfn/verify-fanout.yaml), named the same way.
worker_version="$(node -p "require('./packages/consistency-checker/package.json').version")"
worker_zip_src="packages/consistency-checker/dist/worker.zip"
worker_zip="$out/ddb-migrate-verify-worker-${worker_version}.zip"
if [ -f "$worker_zip_src" ]; then
  cp "$worker_zip_src" "$worker_zip"
elif [ "$pack_only" = true ]; then
  echo "release: $worker_zip_src not built (run pnpm build); verify worker zip skipped" >&2
  worker_zip=""
else
  echo "release: pnpm build did not produce $worker_zip_src" >&2
  exit 1
fi

echo "Release artifacts:"
echo "  CLI tarball: $cli_tarball"
[ -n "$lambda_zip" ] && echo "  Lambda zip:  $lambda_zip"
[ -n "$worker_zip" ] && echo "  Verify worker zip: $worker_zip"
echo "Publish: see docs/RELEASING.md"
