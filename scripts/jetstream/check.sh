#!/usr/bin/env bash
# Holds the JetStream engine against the real server: for every scenario in
# tests/jetstream/scenarios, starts Debian's nats-server 2.9.10 with JetStream on 127.0.0.1
# (free ports, a fresh temporary store), records the run (record.cjs), stops the server by PID
# and runs `natsim compare` on the recording. Two at a time.
#
#   scripts/jetstream/check.sh            # compare fresh recordings with the simulation
#   scripts/jetstream/check.sh --bless    # ... and keep them as tests/jetstream/recorded/*
#                                         # (the golden tests that run without the server)
#   scripts/jetstream/check.sh [--bless] FILE...   # only these scenarios
set -euo pipefail
cd "$(dirname "$0")/../.."
bless=0
if [ "${1:-}" = "--bless" ]; then bless=1; shift; fi
server=$(command -v nats-server || echo /usr/sbin/nats-server)
[ -x "$server" ] || { echo "check: nats-server is not installed (scripts/setup.sh installs it)" >&2; exit 2; }
"$server" --version | grep -q "v2\.9\." || { echo "check: need nats-server 2.9.x, found $("$server" --version)" >&2; exit 2; }
natsim=target/debug/natsim
cargo build --no-default-features --bin natsim -q
out=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for f in "$out"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  rm -rf "$out"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

record() { # scenario-file -> $out/<name>.json
  local f="$1" name port mport store pid
  name=$(basename "$f" .json)
  port=$(free_port); mport=$(free_port); store=$(mktemp -d -p "$out")
  "$server" -a 127.0.0.1 -p "$port" -m "$mport" -js -sd "$store" > "$out/$name.server.log" 2>&1 &
  pid=$!
  echo "$pid" > "$out/$name.pid"
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  local rc=0 restart=()
  if grep -q '"restart_server"' "$f"; then
    # restart_server: SIGTERM, wait until the process is gone (or a zombie: it exited; after
    # 10 s, SIGKILL), start it again on the same store and ports; the new PID replaces the old
    # one in the pid file.
    cat > "$out/$name.restart.sh" <<EOF
pid=\$(cat "$out/$name.pid")
kill -TERM "\$pid"
for _ in \$(seq 5000); do
  [ -e "/proc/\$pid" ] && ! grep -q '^State:.*Z' "/proc/\$pid/status" 2>/dev/null || break
  sleep 0.002
done
kill -KILL "\$pid" 2>/dev/null || true
"$server" -a 127.0.0.1 -p "$port" -m "$mport" -js -sd "$store" >> "$out/$name.server.log" 2>&1 &
echo \$! > "$out/$name.pid"
EOF
    restart=(--restart "$out/$name.restart.sh")
  fi
  node scripts/jetstream/record.cjs "$f" --server "127.0.0.1:$port" --monitor "http://127.0.0.1:$mport" "${restart[@]}" > "$out/$name.json" 2> "$out/$name.err" || rc=$?
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # a restarted server has a new PID
  kill "$(cat "$out/$name.pid")" 2>/dev/null || true
  if [ "$rc" != 0 ]; then echo "check: recording $name failed:" >&2; cat "$out/$name.err" >&2; return 1; fi
}

if [ $# -gt 0 ]; then files=("$@"); else files=(tests/jetstream/scenarios/*.json); fi
status=0
for ((i = 0; i < ${#files[@]}; i += 2)); do
  record "${files[i]}" & a=$!
  b=""
  if [ $((i + 1)) -lt ${#files[@]} ]; then record "${files[i + 1]}" & b=$!; fi
  wait "$a" || status=1
  [ -n "$b" ] && { wait "$b" || status=1; }
done
for f in "${files[@]}"; do
  name=$(basename "$f" .json)
  [ -s "$out/$name.json" ] || continue
  "$natsim" compare "$f" "$out/$name.json" || status=1
  if [ "$bless" = 1 ]; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); json.dump(d, open(sys.argv[2],"w"), indent=1); open(sys.argv[2],"a").write("\n")' "$out/$name.json" "tests/jetstream/recorded/$name.json"
  fi
done
if pgrep -f "nats-server -a 127.0.0.1 -p .* -sd $out" >/dev/null; then echo "check: a nats-server is still running" >&2; status=1; fi
exit $status
