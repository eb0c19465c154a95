// Runs a JetStream scenario's actions (scenario-contract.md "JetStream scenarios") against a
// real nats-server in real time and reports what happened as natsim-shaped trace events.
// Our own code, shared by the CI recorder (scripts/jetstream/record.cjs, the `nats` npm
// client over TCP) and the page's live mode (www/live/live.mjs, the `nats.ws` client over
// WebSocket): the two clients have the same API, so the same rules run on both.
//
// Every client is its own NATS connection (reconnect off). The operator (streams, consumers,
// advisories) has one more. The client model follows the contract, step for step: js.publish
// is a request with a reply; subscribe is CONSUMER.INFO, nats.js's binding checks, then a core
// subscription on the deliver subject; fetch is one MSG.NEXT request to the handle's inbox;
// kill drops the socket (the server sees the connection end at once); pause holds what
// arrives and what is due until it continues. Times are ms since start().

const NS = 1e6;

/**
 * @param {object} o
 * @param {any} o.nats the client module (`nats` or `nats.ws`)
 * @param {string} o.servers where the server is
 * @param {() => number} o.clock a monotonic clock in ms
 * @param {(nc: any) => void} o.kill drops a connection's socket without a goodbye
 * @param {(e: object) => void} [o.onEvent] called with each trace event as it happens
 * @param {(e: any) => void} [o.onError] called when an action throws (the run goes on)
 * @param {() => Promise<void>} [o.restart] stops the server (SIGTERM) and starts it again on
 *   the same store (the CI recorder's; live mode has none and refuses `restart_server`). With
 *   it, clients reconnect as nats.js does by default (2 s wait, 100 ms jitter).
 */
export function createRunner({ nats, servers, clock, kill, onEvent, onError, restart }) {
  const reconnecting = typeof restart === 'function';
  const sc = nats.StringCodec();
  let T0 = null;
  let startWall = Date.now();
  const now = () => (T0 === null ? 0 : clock() - T0);
  const trace = [];
  const ev = (event, fields) => {
    const e = { t: Math.round(now()), event, ...fields };
    trace.push(e);
    if (onEvent) onEvent(e);
  };

  // ---- the operator -------------------------------------------------------------------

  let op;
  const deleted = new Set();
  async function api(subject, body) {
    const m = await op.request(subject, body === undefined ? nats.Empty : sc.encode(JSON.stringify(body)), { timeout: 5000 });
    return JSON.parse(sc.decode(m.data));
  }
  const apiErr = (e) => ({ error: e.description, code: e.code, err_code: e.err_code });
  const textErr = (t) => ({ error: t, code: null, err_code: null });

  function streamConfig(a) {
    const c = { name: a.stream };
    if (a.subjects) c.subjects = a.subjects;
    for (const k of ['retention', 'discard', 'max_msgs', 'max_bytes', 'max_msgs_per_subject', 'storage']) if (a[k] !== undefined) c[k] = a[k];
    if (a.max_age_ms !== undefined) c.max_age = a.max_age_ms * NS;
    if (a.duplicate_window_ms !== undefined) c.duplicate_window = a.duplicate_window_ms * NS;
    return c;
  }

  function consumerConfig(a, atMs) {
    const durable = a.durable !== false;
    const c = { ack_policy: a.ack_policy || 'explicit', deliver_policy: a.deliver_policy || 'all' };
    if (durable) c.durable_name = a.consumer; else c.name = a.consumer;
    if (!a.pull) c.deliver_subject = a.deliver_subject || `_deliver.${a.stream}.${a.consumer}`;
    for (const k of ['deliver_group', 'opt_start_seq', 'max_deliver', 'max_ack_pending', 'filter_subject']) if (a[k] !== undefined) c[k] = a[k];
    if (a.ack_wait_ms !== undefined) c.ack_wait = a.ack_wait_ms * NS;
    if (a.backoff_ms !== undefined) c.backoff = a.backoff_ms.map((b) => b * NS);
    if (a.inactive_threshold_ms !== undefined) c.inactive_threshold = a.inactive_threshold_ms * NS;
    if (a.opt_start_time_delta_ms !== undefined) c.opt_start_time = new Date(startWall + atMs - a.opt_start_time_delta_ms).toISOString();
    return { durable, config: c };
  }

  function watchAdvisories() {
    op.subscribe('$JS.EVENT.ADVISORY.CONSUMER.>', {
      callback: (_e, m) => {
        let b;
        try { b = JSON.parse(sc.decode(m.data)); } catch (_) { return; }
        if (b.type === 'io.nats.jetstream.advisory.v1.max_deliver') ev('max_deliveries', { stream: b.stream, consumer: b.consumer, stream_seq: b.stream_seq, deliveries: b.deliveries });
        else if (b.type === 'io.nats.jetstream.advisory.v1.nak') ev('msg_naked', { stream: b.stream, consumer: b.consumer, consumer_seq: b.consumer_seq, stream_seq: b.stream_seq, deliveries: b.deliveries });
        else if (b.type === 'io.nats.jetstream.advisory.v1.terminated') ev('msg_terminated', { stream: b.stream, consumer: b.consumer, consumer_seq: b.consumer_seq, stream_seq: b.stream_seq, deliveries: b.deliveries });
        else if (b.type === 'io.nats.jetstream.advisory.v1.consumer_action' && b.action === 'delete') {
          const key = `${b.stream}\u0000${b.consumer}`;
          ev('consumer_deleted', { stream: b.stream, consumer: b.consumer, reason: deleted.has(key) ? 'delete' : 'inactive' });
          deleted.delete(key);
        }
      },
    });
  }

  // ---- clients ------------------------------------------------------------------------

  const clients = new Map(); // client id -> newest process
  const handles = new Map(); // sub -> handle
  let failRng = 1;
  const unit = () => { failRng = (failRng * 48271) % 2147483647; return failRng / 2147483647; };

  function ackTokens(reply) {
    const t = (reply || '').split('.');
    if (t.length !== 9) return null;
    return { stream: t[2], consumer: t[3], dc: +t[4], seq: +t[5], cseq: +t[6], pending: +t[8] };
  }

  function held(p, fn) {
    if (p.dead) return;
    if (p.pausedUntil !== null) p.queue.push(fn); else fn();
  }

  function at(h) { return { client: h.client, sub: h.sub, stream: h.stream, consumer: h.consumer }; }

  const PAYLOAD = { ack: '+ACK', nak: '-NAK', term: '+TERM', in_progress: '+WPI' };
  function answer(h, seq, reply) {
    const d = h.latest.get(seq);
    if (!d || h.proc.dead || h.proc.closed) return;
    const final = reply !== 'in_progress';
    if (d.done) return;
    if (final) d.done = true;
    let payload; let name; let extra = {};
    if (typeof reply === 'object') { payload = `-NAK ${JSON.stringify({ delay: reply.nak_delay_ms * NS })}`; name = 'naked'; extra = { delay_ms: reply.nak_delay_ms }; }
    else { payload = PAYLOAD[reply]; name = { ack: 'acked', nak: 'naked', term: 'termed', in_progress: 'in_progress' }[reply]; if (reply === 'nak') extra = { delay_ms: null }; }
    try {
      h.proc.nc.publish(d.reply, sc.encode(payload));
    } catch (e) {
      // the connection is gone (the server stopped): the answer never left, so it is not
      // recorded as sent
      if (onError) onError(e); else throw e;
      return;
    }
    ev(name, { ...at(h), seq, num_delivered: d.dc, ...extra });
  }

  function onMessage(h, m) {
    const p = h.proc;
    const a = ackTokens(m.reply);
    if (!a || p.dead || !h.open) return;
    // `delivered` is what the server sent, when it reached the connection; a stopped or busy
    // process handles it later.
    ev('delivered', { ...at(h), subject: m.subject, seq: a.seq, consumer_seq: a.cseq, num_delivered: a.dc, redelivered: a.dc > 1, num_pending: a.pending });
    held(p, () => {
      if (p.dead || !h.open) return;
      h.latest.set(a.seq, { dseq: a.cseq, dc: a.dc, done: false, reply: m.reply });
      const l = h.listener;
      const bySeq = (l.fail_seqs || []).includes(a.seq) && (!l.fail_times || a.dc <= l.fail_times);
      const byRate = (l.fail_rate || 0) > 0 && unit() < l.fail_rate;
      const ok = !(bySeq || byRate);
      const ackMode = l.ack || 'manual';
      const work = l.process_ms || 0;
      const done = (sync) => {
        ev('processed', { ...at(h), seq: a.seq, num_delivered: a.dc, ok });
        const cur = h.latest.get(a.seq);
        if (!cur || cur.dseq !== a.cseq) return;
        if (ackMode === 'auto' && sync && ok) answer(h, a.seq, 'ack');
        if (ackMode === 'manual') {
          if (ok) answer(h, a.seq, 'ack');
          else if (l.on_fail && l.on_fail !== 'none') answer(h, a.seq, l.on_fail);
        }
      };
      if ((l.handler || 'async') === 'async') {
        if (ackMode === 'auto') answer(h, a.seq, 'ack');
        if (ackMode === 'manual' && l.progress_ms > 0) {
          for (let k = l.progress_ms; k < work; k += l.progress_ms) {
            setTimeout(() => held(p, () => { const c = h.latest.get(a.seq); if (c && c.dseq === a.cseq && !c.done && h.open) answer(h, a.seq, 'in_progress'); }), k);
          }
        }
        if (work === 0) done(false); else setTimeout(() => held(p, () => done(false)), work);
      } else {
        // A sync handler blocks the loop: what arrives meanwhile waits, like a pause.
        if (work === 0) { done(true); return; }
        p.pausedUntil = Infinity;
        setTimeout(() => { p.pausedUntil = null; done(true); const q = p.queue; p.queue = []; q.forEach((f) => held(p, f)); }, work);
      }
    });
  }

  async function connect(client) {
    const nc = await nats.connect({ servers, name: client, reconnect: reconnecting });
    const p = { client, nc, dead: false, closed: false, pausedUntil: null, queue: [] };
    clients.set(client, p);
    ev('connected', { client });
    if (reconnecting) {
      (async () => {
        for await (const s of nc.status()) {
          if (p.dead || p.closed) continue;
          if (s.type === 'disconnect') ev('disconnected', { client });
          else if (s.type === 'reconnect') ev('reconnected', { client });
        }
      })().catch(() => {});
    }
  }

  async function bindCheck(stream, consumer) {
    const info = await api(`$JS.API.CONSUMER.INFO.${stream}.${consumer}`);
    return info.error ? { error: apiErr(info.error) } : { info };
  }

  // ---- actions ------------------------------------------------------------------------

  async function act(idx, a) {
    const failed = (e) => ev('action_failed', { index: idx, ...e });
    const p = a.client !== undefined ? clients.get(a.client) : undefined;
    if (a.client !== undefined && a.do !== 'connect') {
      if (!p) return failed(textErr(`client ${JSON.stringify(a.client)} has not connected`));
      if (p.dead) return failed(textErr(`client ${JSON.stringify(a.client)} is not running (killed)`));
      if (p.pausedUntil !== null && ['publish', 'subscribe', 'fetch', 'close'].includes(a.do)) { p.queue.push(() => act(idx, a)); return undefined; }
    }
    switch (a.do) {
      case 'connect': return connect(a.client);
      case 'add_stream': {
        const r = await api(`$JS.API.STREAM.CREATE.${a.stream}`, streamConfig(a));
        return r.error ? failed(apiErr(r.error)) : ev('stream_added', { stream: a.stream });
      }
      case 'add_consumer': {
        const { durable, config } = consumerConfig(a, a.at_ms);
        const subj = durable ? `$JS.API.CONSUMER.DURABLE.CREATE.${a.stream}.${a.consumer}` : `$JS.API.CONSUMER.CREATE.${a.stream}.${a.consumer}`;
        const r = await api(subj, { stream_name: a.stream, config });
        return r.error ? failed(apiErr(r.error)) : ev('consumer_added', { stream: a.stream, consumer: a.consumer, durable, pull: !r.config.deliver_subject });
      }
      case 'delete_consumer': {
        deleted.add(`${a.stream}\u0000${a.consumer}`);
        const r = await api(`$JS.API.CONSUMER.DELETE.${a.stream}.${a.consumer}`);
        if (r.error) { deleted.delete(`${a.stream}\u0000${a.consumer}`); return failed(apiErr(r.error)); }
        return undefined;
      }
      case 'close':
        if (p.closed) return failed(textErr(`client ${JSON.stringify(a.client)} is not running (closed)`));
        p.closed = true;
        for (const h of handles.values()) if (h.proc === p) h.open = false;
        ev('client_closed', { client: a.client, reason: 'close' });
        return p.nc.close();
      case 'kill':
        if (p.closed) return failed(textErr(`client ${JSON.stringify(a.client)} is not running (closed)`));
        p.dead = true;
        p.queue = [];
        for (const h of handles.values()) if (h.proc === p) h.open = false;
        ev('killed', { client: a.client });
        ev('client_closed', { client: a.client, reason: 'killed' });
        kill(p.nc);
        // a killed process never reconnects (with reconnect on, nats.js would try)
        if (reconnecting) p.nc.close().catch(() => {});
        return undefined;
      case 'pause': {
        if (p.closed) return failed(textErr(`client ${JSON.stringify(a.client)} is not running (closed)`));
        const until = now() + a.duration_ms;
        p.pausedUntil = Math.max(p.pausedUntil || 0, until);
        ev('paused', { client: a.client });
        setTimeout(() => {
          if (p.dead || now() + 0.5 < p.pausedUntil) return;
          p.pausedUntil = null;
          ev('continued', { client: a.client });
          const q = p.queue; p.queue = [];
          q.forEach((f) => held(p, f));
        }, a.duration_ms);
        return undefined;
      }
      case 'restart_server':
        if (!reconnecting) return failed(textErr('restart_server: this runner cannot restart the server'));
        ev('server_restarted', {});
        return restart();
      case 'publish': {
        const n = a.every_ms ? 1 : (a.count === undefined ? 1 : a.count);
        for (let i = 0; i < n; i++) {
          if (p.closed) { ev('publish_failed', { client: a.client, subject: a.subject, ...textErr('CONNECTION_CLOSED') }); continue; }
          const o = { timeout: 5000 };
          // js.publish's headers, in nats.js's order: msgID, then expect.lastSubjectSequence
          if (a.msg_id !== undefined || a.expected_last_subject_seq !== undefined) o.headers = nats.headers();
          if (a.msg_id !== undefined) o.headers.set('Nats-Msg-Id', a.msg_id);
          if (a.expected_last_subject_seq !== undefined) o.headers.set('Nats-Expected-Last-Subject-Sequence', `${a.expected_last_subject_seq}`);
          try {
            const m = await p.nc.request(a.subject, sc.encode(a.data || ''), o);
            const r = JSON.parse(sc.decode(m.data));
            if (r.error) ev('publish_failed', { client: a.client, subject: a.subject, ...apiErr(r.error) });
            else ev('published', { client: a.client, subject: a.subject, stream: r.stream, seq: r.seq, duplicate: r.duplicate === true });
          } catch (e) {
            ev('publish_failed', { client: a.client, subject: a.subject, ...(e.code === '503' ? { error: 'no responders', code: 503, err_code: null } : textErr(e.message)) });
          }
        }
        return undefined;
      }
      case 'subscribe': {
        const h = { client: a.client, sub: a.sub, stream: a.stream, consumer: a.consumer, proc: p, open: false, latest: new Map(), listener: listenerOf(a) };
        handles.set(a.sub, h);
        if (p.closed) return ev('subscribe_failed', { ...at(h), ...textErr('CONNECTION_CLOSED') });
        const b = await bindCheck(a.stream, a.consumer);
        if (b.error) return ev('subscribe_failed', { ...at(h), ...b.error });
        const c = b.info.config;
        const q = a.queue || '';
        const g = c.deliver_group || '';
        let refuse = null;
        if (!c.deliver_subject) refuse = 'push consumer requires deliver_subject';
        else if (q === '' && b.info.push_bound === true) refuse = 'duplicate subscription';
        else if (q !== g) refuse = g === '' ? 'durable requires no queue group' : `durable requires queue group '${g}'`;
        if (refuse) return ev('subscribe_failed', { ...at(h), ...textErr(refuse) });
        h.open = true;
        ev('subscribed', { ...at(h), queue: a.queue === undefined ? null : a.queue, pull: false });
        h.core = p.nc.subscribe(c.deliver_subject, { queue: a.queue, callback: (_e, m) => onMessage(h, m) });
        return p.nc.flush();
      }
      case 'fetch': {
        let h = handles.get(a.sub);
        if (!h) {
          h = { client: a.client, sub: a.sub, stream: a.stream, consumer: a.consumer, proc: p, open: false, latest: new Map(), listener: listenerOf(a) };
          handles.set(a.sub, h);
          if (p.closed) { h.bindError = textErr('CONNECTION_CLOSED'); return ev('subscribe_failed', { ...at(h), ...h.bindError }); }
          const b = await bindCheck(a.stream, a.consumer);
          if (b.error) { h.bindError = b.error; return ev('subscribe_failed', { ...at(h), ...b.error }); }
          h.open = true;
          ev('subscribed', { ...at(h), queue: null, pull: true });
          h.inbox = nats.createInbox();
          p.nc.subscribe(h.inbox, {
            callback: (_e, m) => {
              if (m.headers && m.headers.code) {
                held(p, () => ev('pull_status', { ...at(h), code: m.headers.code, description: m.headers.description, pending_messages: m.headers.has('Nats-Pending-Messages') ? +m.headers.get('Nats-Pending-Messages') : null }));
                return;
              }
              onMessage(h, m);
            },
          });
          await p.nc.flush();
        } else {
          if (h.bindError) return failed(h.bindError);
          if (p.closed) return failed(textErr('CONNECTION_CLOSED'));
        }
        const body = { batch: a.batch === undefined ? 1 : a.batch };
        const exp = a.expires_ms === undefined ? 30000 : a.expires_ms;
        if (exp > 0) body.expires = exp * NS;
        if (a.no_wait) body.no_wait = true;
        p.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${a.stream}.${a.consumer}`, sc.encode(JSON.stringify(body)), { reply: h.inbox });
        return p.nc.flush();
      }
      case 'behave': {
        const h = handles.get(a.sub);
        if (h) Object.assign(h.listener, listenerOf(a));
        return undefined;
      }
      case 'ack_msg': {
        const h = handles.get(a.sub);
        if (!h) return failed(textErr(`subscription ${JSON.stringify(a.sub)} has not subscribed`));
        const run = () => {
          if (h.proc.closed) return failed(textErr('CONNECTION_CLOSED'));
          if (!h.latest.has(a.seq)) return failed(textErr(`subscription ${JSON.stringify(a.sub)} never received seq ${a.seq}`));
          return answer(h, a.seq, a.reply || 'ack');
        };
        if (h.proc.pausedUntil !== null) h.proc.queue.push(run); else run();
        return undefined;
      }
      case 'unsubscribe': {
        const h = handles.get(a.sub);
        if (!h) return failed(textErr(`subscription ${JSON.stringify(a.sub)} has not subscribed`));
        if (!h.open || h.proc.closed) return failed(textErr(`subscription ${JSON.stringify(a.sub)} is not open`));
        h.open = false;
        ev('unsubscribed', { client: h.client, sub: h.sub });
        h.core.unsubscribe();
        return h.proc.nc.flush();
      }
      default:
        return failed(textErr(`unknown verb ${JSON.stringify(a.do)}`));
    }
  }

  function listenerOf(a) {
    const l = {};
    for (const k of ['handler', 'process_ms', 'fail_seqs', 'fail_times', 'fail_rate', 'ack', 'on_fail', 'progress_ms']) if (a[k] !== undefined) l[k] = a[k];
    return l;
  }

  // ---- the schedule ---------------------------------------------------------------------

  // Jobs in (time, array order, repetition) order, as the simulator runs them.
  let actions = [];
  let pending = [];
  let wake = null;
  let stopped = false;
  let loop = null;
  let busy = false;
  const jobsOf = (list, from) => {
    const jobs = [];
    list.forEach((a, idx) => {
      if (idx < from) return;
      if (a.do === 'publish' && a.every_ms > 0) {
        for (let k = 0; k < (a.count === undefined ? 1 : a.count); k++) jobs.push({ t: a.at_ms + k * a.every_ms, idx, k });
      } else if (!(a.do === 'publish' && a.count === 0)) jobs.push({ t: a.at_ms, idx, k: 0 });
    });
    return jobs;
  };
  const order = (x, y) => x.t - y.t || x.idx - y.idx || x.k - y.k;
  const nudge = () => { if (wake) { const w = wake; wake = null; w(); } };
  const nap = (ms) => new Promise((r) => { wake = r; if (ms !== Infinity) setTimeout(() => { if (wake === r) wake = null; r(); }, Math.max(0, ms)); });

  async function run() {
    while (!stopped) {
      if (pending.length === 0) {
        await nap(Infinity);
        continue;
      }
      const j = pending[0];
      const d = j.t - now();
      if (d > 0) { await nap(d); continue; }
      pending.shift();
      busy = true;
      try {
        await act(j.idx, actions[j.idx]);
      } catch (e) {
        if (onError) onError(e); else throw e;
      } finally {
        busy = false;
      }
    }
  }

  return {
    trace,
    now,
    /** Connects the operator and listens to the advisories. */
    async open() {
      op = await nats.connect({ servers, name: 'operator' });
      watchAdvisories();
      await op.flush();
      return op;
    },
    /** The JetStream API over the operator's connection (`{error}` on an API error). */
    api,
    /** Starts the clock and runs `list` (a scenario's actions) at their times. */
    start(list) {
      actions = list;
      pending = jobsOf(list, 0).sort(order);
      T0 = clock();
      startWall = Date.now();
      loop = run();
      return loop;
    },
    /** The actions changed from index `from` on (the earlier ones are the same): the
     * pending jobs of those are replaced by the new ones (those already due run at once). */
    update(list, from) {
      actions = list;
      pending = pending.filter((j) => j.idx < from).concat(jobsOf(list, from)).sort(order);
      nudge();
    },
    /** Resolves when every job due by `ms` has run and the clock has passed `ms`. */
    async until(ms) {
      for (;;) {
        const due = pending.length > 0 && pending[0].t <= ms;
        if (!due && !busy && now() >= ms) return;
        await new Promise((r) => setTimeout(r, due || busy ? 1 : Math.max(1, ms - now())));
      }
    },
    /** Stops running jobs and closes every client connection (kept ones included). */
    async stop() {
      stopped = true;
      pending = [];
      nudge();
      for (const p of clients.values()) if (!p.dead && !p.closed) { p.closed = true; await p.nc.close().catch(() => {}); }
    },
    /** Stops and closes the operator too. */
    async close() {
      await this.stop();
      if (op) await op.close().catch(() => {});
    },
  };
}
