#!/bin/sh
# Makes a fresh clone ready: npm packages, the TypeScript build, the C targets and helpers.
# Idempotent and quick when nothing changed, so `npm test`, `npm run demo` and `npm run bench` all start with it.
set -e
cd "$(dirname "$0")/.."
if [ ! -d node_modules/koffi ] || [ ! -d node_modules/typescript ] || [ ! -d node_modules/esbuild ]; then
  echo "setup: installing npm packages" >&2
  npm install --no-audit --no-fund --loglevel=error >&2
fi
sh scripts/system-packages.sh
node_modules/.bin/tsc -p .
node dist/scripts/bundle.js
make -s -C runtime-c
