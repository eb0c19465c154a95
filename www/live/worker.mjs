// Live mode's worker (bundled by scripts/build-live.sh into dist/live/worker.js with the
// official NATS WebSocket client, nats.ws): it holds the connections and runs the scenario
// (runner.mjs) off the page's main thread, so the times it records are when the messages
// arrived, not when the page was done rendering. `live.mjs` is its page side. Our own code.
// Everything crosses as JSON text; every failure is {error, code} for the page to explain.
import * as nats from 'nats.ws';
import { createRunner } from './runner.mjs';

const code = (e) => (e && typeof e.code === 'string' ? e.code : (e && e.name) || 'ERROR');
// nats.js errors carry their meaning in `code` (CONNECTION_CLOSED, TIMEOUT…), often with an
// empty or generic message.
const text = (e) => {
  const m = e && (typeof e.error === 'string' ? e.error : e.message);
  const c = e && typeof e.code === 'string' ? e.code : '';
  if (m && c && !m.includes(c)) return `${c}: ${m}`;
  return m || c || String(e);
};
const fail = (e) => ({ error: text(e), code: code(e) });

/**
 * Connects to `url` (ws:// or wss://). Resolves to a live handle, or rejects with
 * {error, code}. `onEvent(text)` gets each trace event as JSON text; `onGone(text)` is
 * called once if the operator's connection ends (server stopped, network gone).
 */
async function connect(url, onEvent, onGone) {
  let runner = null;
  let gone = false;
  const make = () => createRunner({
    nats,
    servers: url,
    clock: () => performance.now(),
    // A browser cannot reset a TCP connection; closing the WebSocket without a NATS goodbye
    // (no UNSUB, no drain) is the nearest: the server sees the connection end at once.
    // Code 1000, because nats-server 2.9 echoes a close without a code as the reserved 1005,
    // which Chromium reports as a broken frame.
    kill: (nc) => nc.protocol.transport.socket.close(1000, 'killed'),
    onEvent: (e) => onEvent(JSON.stringify(e)),
    onError: (e) => onEvent(JSON.stringify({ t: runner ? Math.round(runner.now()) : 0, event: 'live_error', error: fail(e).error })),
  });
  runner = make();
  let op;
  const t0 = performance.now();
  try {
    op = await runner.open();
  } catch (e) {
    throw fail(e);
  }
  const connectMs = performance.now() - t0;
  const watch = (o) => {
    o.closed().then((err) => {
      if (o === op && !gone) { gone = true; onGone(JSON.stringify(fail(err || new Error('the connection closed')))); }
    });
    // The page's own connection reconnects; the gap is marked on the timeline.
    (async () => {
      for await (const s of o.status()) {
        if (o !== op) return;
        if (s.type === 'disconnect' || s.type === 'reconnect') onEvent(JSON.stringify({ t: Math.round(runner.now()), event: `live_${s.type}` }));
      }
    })().catch(() => {});
  };
  watch(op);
  const info = op.info || {};
  let js = null;
  try {
    js = await runner.api('$JS.API.INFO');
  } catch (e) {
    js = { error: { description: fail(e).error, code: 503 } };
  }
  const hello = JSON.stringify({
    server: info.server_name || '',
    version: info.version || '',
    host: url,
    headers: !!info.headers,
    jetstream: !!info.jetstream && !js.error,
    jetstream_error: js.error ? js.error.description || 'no responders' : null,
    api: js.error ? null : { streams: js.streams, consumers: js.consumers, memory: js.memory, storage: js.storage },
    connect_ms: Math.round(connectMs * 10) / 10,
  });
  return {
    hello() { return hello; },
    /** Deletes these streams when they exist (a fresh start). Resolves to JSON: the names deleted. */
    async reset(streamsJson) {
      const out = [];
      for (const s of JSON.parse(streamsJson)) {
        const r = await runner.api(`$JS.API.STREAM.DELETE.${s}`);
        if (!r.error) out.push(s);
        else if (r.error.err_code !== 10059) throw { error: r.error.description, code: String(r.error.err_code) };
      }
      return JSON.stringify(out);
    },
    /** Starts a run of these actions (JSON array) at time 0 now. */
    start(actionsJson) {
      if (runner.started) throw { error: 'a run is already going', code: 'BUSY' };
      runner.started = true;
      runner.start(JSON.parse(actionsJson)).catch((e) => onEvent(JSON.stringify({ t: Math.round(runner.now()), event: 'live_error', error: fail(e).error })));
    },
    /** The run's actions changed from index `from` on. */
    update(actionsJson, from) { runner.update(JSON.parse(actionsJson), from); },
    /** ms since the run started. */
    now() { return runner.now(); },
    /** When the run started, on this worker's performance clock. */
    t0() { return performance.now() - runner.now(); },
    /** STREAM.INFO and CONSUMER.INFO of these, over the open connection: JSON
     * {streams: [...], consumers: [...]} (an entry is {error} when the server has none). */
    async poll(streamsJson, consumersJson) {
      const streams = [];
      for (const s of JSON.parse(streamsJson)) streams.push(await runner.api(`$JS.API.STREAM.INFO.${s}`).catch((e) => ({ error: { description: fail(e).error } })));
      const consumers = [];
      for (const [s, c] of JSON.parse(consumersJson)) consumers.push(await runner.api(`$JS.API.CONSUMER.INFO.${s}.${c}`).catch((e) => ({ error: { description: fail(e).error } })));
      return JSON.stringify({ streams, consumers });
    },
    /** Ends the run: every client connection closes; the operator stays for another run. */
    async stop() {
      await runner.stop();
      runner = make();
      // the new runner shares nothing with the old one but the server
      const old = op;
      op = await runner.open();
      watch(op);
      await old.close().catch(() => {});
    },
    /** Disconnects everything. */
    async close() { gone = true; await runner.close(); },
  };
}

// ---- the worker's messages: {id, op, args} in, {id, ok, value | error} out; events and the
// end of the connection as {event: text} and {gone: text}.
let live = null;
const post = (m) => self.postMessage(m);
// What goes wrong later in a client (a publish on a connection the server dropped) is a note
// on the run, not the end of it.
const note = (e) => post({ event: JSON.stringify({ t: live ? Math.round(live.now()) : 0, event: 'live_error', error: text(e) }) });
self.addEventListener('unhandledrejection', (ev) => { ev.preventDefault(); note(ev.reason); });
self.addEventListener('error', (ev) => { ev.preventDefault(); note(ev.error || ev.message); });
self.onmessage = async ({ data: { id, op, args } }) => {
  try {
    let value;
    if (op === 'connect') {
      if (live) throw { error: 'already connected', code: 'BUSY' };
      live = await connect(args[0], (text) => post({ event: text }), (text) => post({ gone: text }));
      value = live.hello();
    } else {
      if (!live) throw { error: 'not connected', code: 'CLOSED' };
      value = await live[op](...args);
      if (op === 'start') value = performance.timeOrigin + live.t0();
      if (op === 'close') live = null;
    }
    post({ id, ok: true, value: value === undefined ? null : value });
  } catch (e) {
    post({ id, ok: false, error: fail(e) });
  }
};
