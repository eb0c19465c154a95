#!/usr/bin/env bash
# Runs every check on a fresh machine (installs what is missing first):
# format, lints, native engine tests (with and without the web crates), the wasm tests in
# headless Chromium, the release build, and the browser end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export RUST_BACKTRACE=0 CHROMEDRIVER=/usr/bin/chromedriver

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
bash scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (engine only, native with the UI, wasm with the UI)"
cargo clippy --all-targets --no-default-features -- -D warnings
cargo clippy --all-targets -- -D warnings
cargo clippy --lib --bins --target wasm32-unknown-unknown -- -D warnings

step "native tests without web crates (engine, CLI, properties, golden traces)"
cargo test --no-default-features

step "generated node-nats-streaming TypeScript of every lesson type-checks (tsc --noEmit, published typings)"
npx tsc -p target/codegen-ts

step "generated nats.js 2.x TypeScript of every JetStream scenario type-checks (tsc --noEmit, the published nats typings)"
npx tsc -p target/codegen-ts-js

step "native tests with the UI feature (view models)"
cargo test --lib

step "wasm tests in headless Chromium (same golden traces, page smoke test)"
cargo test --target wasm32-unknown-unknown --test wasm

step "fuzz the readers of untrusted text briefly (cargo-fuzz; long runs: scripts/fuzz.sh --runs N)"
bash scripts/fuzz.sh --seconds 15

step "JetStream against the real nats-server 2.9.10 (record each scenario on 127.0.0.1, a fresh store, stopped by PID; natsim compare)"
bash scripts/jetstream/check.sh

step "release build (trunk)"
trunk build --release
bash scripts/size.sh

step "browser end-to-end tests (Playwright, Debian Chromium)"
npx playwright test

echo
echo "all checks passed"
