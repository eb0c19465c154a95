#!/usr/bin/env bash
# Installs, idempotently, everything the playground needs to build, serve and test on a
# fresh Debian machine that has only Rust, Node/npm, Python and apt. Skips what is present.
# Versions are pinned; nothing is downloaded from outside the package registries
# (see ../shared/toolchain.md for why each pin exists).
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen version pinned in Cargo.toml
CARGO_FUZZ_VERSION=0.13.1      # scripts/fuzz.sh (libFuzzer; RUSTC_BOOTSTRAP=1 for that build only)
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[setup] %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  log "installing chromium and chromium-driver (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium chromium-driver >/dev/null
fi

if ! command -v nats-server >/dev/null && ! [ -x /usr/sbin/nats-server ]; then
  # JetStream mode is checked against the real server (Debian's 2.9.10), always started on
  # 127.0.0.1 with a temporary store and stopped by PID; never left running.
  log "installing nats-server (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq nats-server >/dev/null
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (cargo, ~2-4 min)"
  # no --locked: its lockfile pins a webpki-roots release the registry does not serve
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION"; then
  log "installing trunk $TRUNK_VERSION (cargo, ~8 min)"
  # trunk 0.22 needs rustc >= 1.96.1
  cargo install trunk --version "$TRUNK_VERSION" --locked --force
fi

if ! cargo fuzz --version 2>/dev/null | grep -q " $CARGO_FUZZ_VERSION"; then
  log "installing cargo-fuzz $CARGO_FUZZ_VERSION (cargo, ~2 min)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --force
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/@playwright/test ] || [ ! -x node_modules/.bin/tsc ] || [ ! -d node_modules/node-nats-streaming ] || [ ! -d node_modules/@axe-core/playwright ] || [ ! -d node_modules/nats-js ] || [ ! -d node_modules/nats.ws ] || [ ! -x node_modules/.bin/esbuild ]; then
  log "installing npm dev dependencies (binaryen for wasm-opt, @playwright/test, typescript + node-nats-streaming typings, nats.js 2.29.3 for the JetStream recorder, nats.ws 1.30.3 + esbuild 0.28.2 for live mode's client)"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
log "toolchain ready"
