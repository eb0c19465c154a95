#!/usr/bin/env bash
# Packs the page's first download after a release build (run by trunk, [[hooks]] in
# Trunk.toml; debug builds, `trunk serve`, keep everything readable):
# - the wasm: functions laid out for gzip, short import names (scripts/pack-wasm.mjs;
#   trunk's wasm-opt keeps the names for it with -g, see index.html);
# - the wasm-bindgen glue (playground-*.js; trunk's own minifier leaves it as is), minified
#   with esbuild (pinned in package.json);
# - the new sha384 of both written into index.html's integrity attributes.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${TRUNK_STAGING_DIR:-dist}"
[ "${TRUNK_PROFILE:-release}" = release ] || exit 0
export PATH="$PWD/node_modules/.bin:$PATH"
for f in "$dir"/playground-*.js; do
  [ -e "$f" ] || continue
  wasm="${f%.js}_bg.wasm"
  node scripts/pack-wasm.mjs "$wasm" "$f"
  esbuild "$f" --minify --format=esm --target=es2020 --legal-comments=none \
    --log-level=warning --outfile="$f.min" --allow-overwrite
  mv "$f.min" "$f"
  for asset in "$f" "$wasm"; do
    node -e '
      const fs = require("fs"), crypto = require("crypto");
      const [file, html] = process.argv.slice(1);
      const sri = "sha384-" + crypto.createHash("sha384").update(fs.readFileSync(file)).digest("base64");
      const name = file.split("/").pop();
      const page = fs.readFileSync(html, "utf8");
      const re = new RegExp("(href=\"?/" + name.replace(/[.]/g, "[.]") + "\"?[^>]*?integrity=\"?)sha384-[A-Za-z0-9+/=]+");
      const alt = new RegExp("(integrity=\"?)sha384-[A-Za-z0-9+/=]+(\"?[^>]*?href=\"?/" + name.replace(/[.]/g, "[.]") + ")");
      let out = page.replace(re, "$1" + sri);
      if (out === page) out = page.replace(alt, "$1" + sri + "$2");
      if (out === page && page.includes("integrity")) { console.error("pack-page: no integrity attribute for " + name); process.exit(1); }
      fs.writeFileSync(html, out);
    ' "$asset" "$dir/index.html"
  done
done
