#!/usr/bin/env bash
# Initial download of the release build in dist/: wasm + js + css, raw and gzip -9.
set -euo pipefail
cd "$(dirname "$0")/../dist"
total=0
for f in *.wasm *.js *.css; do
  gz=$(gzip -9 -c "$f" | wc -c)
  total=$((total + gz))
  printf '%-45s %9d bytes raw %8d gzip\n' "$f" "$(stat -c%s "$f")" "$gz"
done
printf 'initial download (gzip): %d bytes\n' "$total"
