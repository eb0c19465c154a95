#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer via cargo-fuzz) of the readers of untrusted text: the
# JSON reader (against serde_json), the scenario reader (and a run of what it reads), the
# share-link decoder, the lesson reader and the host-command / URL-option reader. Stable
# toolchain; RUSTC_BOOTSTRAP=1 for this build only (cargo-fuzz passes -Z sanitizer flags).
#
#   scripts/fuzz.sh                      # CI: every target for --seconds (20) each
#   scripts/fuzz.sh --runs 10000000      # a long run per target, in parallel pairs
#   scripts/fuzz.sh --runs N --merge     # … and keep what found new coverage (minimized)
#   scripts/fuzz.sh --targets "share lesson"
#
# Each run: no panic, no hang (-timeout 10 s), no single allocation over 512 MiB
# (-malloc_limit_mb) and no more than 2 GiB resident (-rss_limit_mb). The corpus in
# fuzz/corpus/<target> is read, never written, unless --merge. A crash is saved under
# fuzz/artifacts/<target>/ and the script fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
runs="" seconds=20 merge=0 jobs=2
targets="json scenario scenario_run jetstream_run share lesson host_command"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --merge) merge=1; shift ;;
    --targets) targets="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    *) echo "usage: scripts/fuzz.sh [--runs N | --seconds S] [--merge] [--targets \"a b\"] [--jobs J]" >&2; exit 2 ;;
  esac
done
if ! cargo fuzz --version 2>/dev/null | grep -q ' 0.13.1'; then
  cargo install cargo-fuzz --version 0.13.1 --locked --force
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
limits=(-dict=fuzz/json.dict -max_len=4096 -timeout=10 -malloc_limit_mb=512 -rss_limit_mb=2048 -print_final_stats=1)
if [ -n "$runs" ]; then budget=(-runs="$runs"); else budget=(-max_total_time="$seconds"); fi
run_one() {
  local t="$1"
  mkdir -p "$work/$t" "fuzz/artifacts/$t"
  # New inputs go to the first directory (scratch); the kept corpus is only read.
  cargo fuzz run -O "$t" "$work/$t" "fuzz/corpus/$t" -- "${limits[@]}" "${budget[@]}" \
    -artifact_prefix="fuzz/artifacts/$t/" >"$work/$t.log" 2>&1 || { tail -40 "$work/$t.log"; echo "fuzz: $t FAILED" >&2; return 1; }
  local n
  n=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$' || echo '?')
  echo "fuzz: $t ok, $n executions, $(grep -o 'cov: [0-9]*' "$work/$t.log" | tail -1)"
  if [ "$merge" = 1 ]; then
    mkdir -p "$work/$t.merged"
    cargo fuzz run -O "$t" "$work/$t.merged" "fuzz/corpus/$t" "$work/$t" -- -merge=1 "${limits[@]}" >/dev/null 2>&1
    rm -f fuzz/corpus/"$t"/*
    cp "$work/$t.merged"/* "fuzz/corpus/$t/"
    echo "fuzz: $t corpus kept: $(ls "fuzz/corpus/$t" | wc -l) inputs"
  fi
}
fail=0
set -- $targets
while [ $# -gt 0 ]; do
  pids=()
  for _ in $(seq "$jobs"); do
    [ $# -gt 0 ] || break
    run_one "$1" & pids+=($!)
    shift
  done
  for p in "${pids[@]}"; do wait "$p" || fail=1; done
done
rmdir fuzz/artifacts/* fuzz/artifacts 2>/dev/null || true
exit "$fail"
