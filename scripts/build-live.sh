#!/usr/bin/env bash
# Builds live mode's client into <dist>/live/: live.js (the page side) and worker.js (our
# www/live/worker.mjs + runner.mjs and the official NATS WebSocket client, nats.ws, pinned in
# package.json), bundled and minified by esbuild (pinned too). The page imports it only when Live is switched on, so the first download does not
# carry it. Run by trunk after each build ([[hooks]] in Trunk.toml); by hand:
# TRUNK_STAGING_DIR=dist bash scripts/build-live.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out="${TRUNK_STAGING_DIR:-dist}/live"
mkdir -p "$out"
# live.js: the page side (small); worker.js: nats.ws and the runner, in a worker.
node_modules/.bin/esbuild www/live/live.mjs www/live/worker.mjs --bundle --format=esm --minify --target=es2020 \
  --legal-comments=none --external:crypto --log-level=warning --outdir="$out" --out-extension:.js=.js
