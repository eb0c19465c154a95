#!/usr/bin/env bash
# Installs what is missing, then serves the playground with live reload at http://127.0.0.1:8080/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH" RUST_BACKTRACE=0
exec trunk serve "$@"
