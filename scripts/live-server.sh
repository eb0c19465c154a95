#!/usr/bin/env bash
# Starts a local nats-server for the playground's live mode: JetStream on, a WebSocket
# listener without TLS, everything on 127.0.0.1 only, and prints the URL to paste into the
# page. Uses Debian's nats-server (scripts/setup.sh installs it) or any nats-server >= 2.9 on
# PATH. Stops with Ctrl-C (or, with --pidfile, `kill $(cat FILE)`).
#
#   scripts/live-server.sh                 # ws://127.0.0.1:8451, store in a temp dir
#   scripts/live-server.sh --ws-port 0     # a free port
#   scripts/live-server.sh --store DIR     # keep streams across restarts
#   scripts/live-server.sh --same-origin   # refuse pages from other origins (to see the error)
#   scripts/live-server.sh --allowed-origin http://127.0.0.1:8080
#   scripts/live-server.sh --no-jetstream  # JetStream off (to see what the page says)
#   scripts/live-server.sh --port 4222     # the plain NATS port too (default: a free one)
#   scripts/live-server.sh --background --pidfile F --urlfile U   # for tests
set -euo pipefail
ws_port=8451 port=0 store="" same_origin=0 allowed="" background=0 pidfile="" urlfile="" jetstream=1
while [ $# -gt 0 ]; do
  case "$1" in
    --ws-port) ws_port="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --store) store="$2"; shift 2 ;;
    --same-origin) same_origin=1; shift ;;
    --no-jetstream) jetstream=0; shift ;;
    --allowed-origin) allowed="$2"; shift 2 ;;
    --background) background=1; shift ;;
    --pidfile) pidfile="$2"; shift 2 ;;
    --urlfile) urlfile="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "live-server: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
server=$(command -v nats-server || echo /usr/sbin/nats-server)
[ -x "$server" ] || { echo "live-server: nats-server is not installed (bash scripts/setup.sh installs Debian's)" >&2; exit 2; }
version=$("$server" --version | sed -n 's/.*v\([0-9]*\)\.\([0-9]*\)\..*/\1 \2/p')
read -r major minor <<<"$version"
if [ -z "${major:-}" ] || [ "$major" -lt 2 ] || { [ "$major" = 2 ] && [ "$minor" -lt 9 ]; }; then
  echo "live-server: need nats-server >= 2.9, found $("$server" --version)" >&2; exit 2
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
[ "$ws_port" = 0 ] && ws_port=$(free_port)
[ "$port" = 0 ] && port=$(free_port)
dir=$(mktemp -d -t nats-live.XXXXXX)
[ -n "$store" ] || store="$dir/store"
origin=""
[ "$same_origin" = 1 ] && origin="  same_origin: true"
[ -n "$allowed" ] && origin="  allowed_origins: [\"$allowed\"]"
# 2.9 has no command-line flag for WebSocket: it takes a config file.
js_block="jetstream { store_dir: \"$store\" }"
[ "$jetstream" = 1 ] || js_block=""
cat > "$dir/live.conf" <<CONF
listen: 127.0.0.1:$port
$js_block
websocket {
  listen: "127.0.0.1:$ws_port"
  no_tls: true
$origin
}
CONF
url="ws://127.0.0.1:$ws_port"
if [ "$background" = 1 ]; then
  "$server" -c "$dir/live.conf" > "$dir/server.log" 2>&1 &
  pid=$!
  [ -n "$pidfile" ] && echo "$pid" > "$pidfile"
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$ws_port") 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { echo "live-server: nats-server did not start:" >&2; cat "$dir/server.log" >&2; exit 1; }
    sleep 0.1
  done
  # the temporary directory goes when the server does
  ( while kill -0 "$pid" 2>/dev/null; do sleep 1; done; rm -rf "$dir" ) >/dev/null 2>&1 &
  [ -n "$urlfile" ] && echo "$url" > "$urlfile"
  echo "$url"
  exit 0
fi
echo "nats-server $("$server" --version | sed 's/.*v//') with JetStream; store $store"
echo "Live mode URL (paste it into the page's Live panel):  $url"
echo "With ./scripts/serve.sh running, open  http://127.0.0.1:8080/?scenario=jetstream-live&live=$url  and click Run live."
echo "Ctrl-C stops it."
trap 'rm -rf "$dir"' EXIT
"$server" -c "$dir/live.conf"
