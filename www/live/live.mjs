// Live mode's page side (bundled by scripts/build-live.sh into dist/live/live.js; the page
// imports it only when Live connects). It starts the worker (worker.mjs: nats.ws and the
// runner, off the main thread) and gives the page (Rust, src/ui/jetstream_live.rs) a handle
// with the same methods as a direct client. Our own code. JSON text crosses; failures are
// {error, code}.

const abs = () => performance.timeOrigin + performance.now();

/**
 * Connects to `url` (ws:// or wss://) from a worker. Resolves to a live handle, or rejects
 * with {error, code}. `onEvent(text)` gets each trace event as JSON text (its `t` is ms since
 * the run started, taken in the worker when the message arrived); `onGone(text)` is called
 * once if the page's connection to the server ends.
 */
export async function connect(url, onEvent, onGone) {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'nats-live' });
  const waiting = new Map();
  let next = 1;
  let t0 = null; // when the run started, absolute ms
  const call = (op, ...args) => new Promise((resolve, reject) => {
    const id = next++;
    waiting.set(id, { resolve, reject });
    worker.postMessage({ id, op, args });
  });
  const say = (error) => onEvent(JSON.stringify({ t: t0 === null ? 0 : Math.round(abs() - t0), event: 'live_error', error }));
  worker.onmessage = ({ data }) => {
    if (data.event !== undefined) return onEvent(data.event);
    if (data.gone !== undefined) return onGone(data.gone);
    const w = waiting.get(data.id);
    if (!w) return undefined;
    waiting.delete(data.id);
    return data.ok ? w.resolve(data.value) : w.reject(data.error);
  };
  // An error the worker did not catch (a script that failed to load, before any connection,
  // fails the calls waiting; later ones are notes on the run).
  worker.onerror = (e) => {
    e.preventDefault();
    const err = { error: e.message || 'the live worker failed', code: 'WORKER' };
    if (waiting.size > 0) {
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
    } else {
      say(err.error);
    }
  };
  let hello;
  try {
    hello = await call('connect', url);
  } catch (e) {
    worker.terminate();
    throw e;
  }
  return {
    hello() { return hello; },
    reset(streamsJson) { return call('reset', streamsJson); },
    start(actionsJson) {
      t0 = abs();
      call('start', actionsJson).then((v) => { if (typeof v === 'number') t0 = v; }, (e) => say(e.error));
    },
    update(actionsJson, from) { call('update', actionsJson, from).catch((e) => say(e.error)); },
    now() { return t0 === null ? 0 : abs() - t0; },
    poll(streamsJson, consumersJson) { return call('poll', streamsJson, consumersJson); },
    stop() { return call('stop'); },
    async close() {
      await call('close').catch(() => {});
      worker.terminate();
    },
  };
}
