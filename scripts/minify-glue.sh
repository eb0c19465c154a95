#!/usr/bin/env bash
# Minifies the page's wasm-bindgen glue (playground-*.js; trunk's own minifier leaves it as
# is) with esbuild (pinned in package.json), and writes its new sha384 into index.html's
# integrity attribute: 2 KB off the first download, gzipped. Run by trunk after each release
# build ([[hooks]] in Trunk.toml); debug builds (trunk serve) keep the readable glue.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${TRUNK_STAGING_DIR:-dist}"
[ "${TRUNK_PROFILE:-release}" = release ] || exit 0
for f in "$dir"/playground-*.js; do
  [ -e "$f" ] || continue
  node_modules/.bin/esbuild "$f" --minify --format=esm --target=es2020 --legal-comments=none \
    --log-level=warning --outfile="$f.min" --allow-overwrite
  mv "$f.min" "$f"
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
    if (out === page && page.includes("integrity")) { console.error("minify-glue: no integrity attribute for " + name); process.exit(1); }
    fs.writeFileSync(html, out);
  ' "$f" "$dir/index.html"
done
