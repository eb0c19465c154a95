#!/usr/bin/env bash
# Builds JetStream mode's module (src/bin/jetstream.rs) into <dist>/jetstream/: the page
# imports it only when a JetStream scenario opens, so the first download does not carry it.
# Run by trunk after each build ([[hooks]] in Trunk.toml), for `trunk serve` and
# `trunk build --release` alike; by hand: TRUNK_STAGING_DIR=dist bash scripts/build-jetstream.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
out="${TRUNK_STAGING_DIR:-dist}/jetstream"
if [ "${TRUNK_PROFILE:-release}" = release ]; then
  cargo build --profile wasm-release --target wasm32-unknown-unknown --bin jetstream -q
  wasm=target/wasm32-unknown-unknown/wasm-release/jetstream.wasm
else
  cargo build --target wasm32-unknown-unknown --bin jetstream -q
  wasm=target/wasm32-unknown-unknown/debug/jetstream.wasm
fi
mkdir -p "$out"
cp www/jetstream.css "$out/jetstream.css"   # its styles, loaded with it
# The JetStream examples the page fetches when one is opened (src/ui/examples.rs): the set
# checked against the real nats-server.
mkdir -p "$out/scenarios"
cp tests/jetstream/scenarios/*.json "$out/scenarios/"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name jetstream "$wasm"
if [ "${TRUNK_PROFILE:-release}" = release ]; then
  wasm-opt -Oz --converge -g --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    "$out/jetstream_bg.wasm" -o "$out/jetstream_bg.wasm"
  # Laid out for gzip, short import names, minified glue: as the page's own (pack-page.sh).
  node scripts/pack-wasm.mjs "$out/jetstream_bg.wasm" "$out/jetstream.js"
  esbuild "$out/jetstream.js" --minify --format=esm --target=es2020 --legal-comments=none \
    --log-level=warning --outfile="$out/jetstream.js" --allow-overwrite
fi
