// Runs a JetStream scenario (scenario-contract.md "JetStream scenarios") against a real
// nats-server in real time and prints what happened as a natsim-shaped document,
// {"trace": [...], "monitor": {"jsz": ...}}, so `natsim compare` can hold the simulation
// against it. Our own code; the `nats` npm client 2.29.3 (package.json's `nats-js` alias)
// talks, and the rules are www/live/runner.mjs, which the page's live mode runs too.
//
//   node scripts/jetstream/record.cjs SCENARIO.json --server 127.0.0.1:4222 --monitor http://127.0.0.1:8222 [--restart SCRIPT]
//
// --restart names a bash script that stops the server (SIGTERM) and starts it again on the
// same store and ports (check.sh writes one per recording): `restart_server` runs it.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { pathToFileURL } = require('url');
const nats = require('nats-js'); // nats@2.29.3 under an alias (node-nats-streaming brings nats 1.x)

const argv = process.argv.slice(2);
const opt = (k, d) => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1] : d; };
const file = argv.find((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--')));
const SERVER = opt('--server', '127.0.0.1:4222');
const MONITOR = opt('--monitor', 'http://127.0.0.1:8222');
const RESTART = opt('--restart', null);
const scenario = JSON.parse(fs.readFileSync(file, 'utf8'));

function jsz() {
  return new Promise((res, rej) => {
    http.get(`${MONITOR}/jsz?accounts=1&streams=1&consumers=1&config=1`, (r) => {
      let b = '';
      r.on('data', (d) => (b += d));
      r.on('end', () => { try { res(JSON.parse(b)); } catch (e) { rej(e); } });
    }).on('error', rej);
  });
}

(async () => {
  const { createRunner } = await import(pathToFileURL(path.join(__dirname, '../../www/live/runner.mjs')).href);
  const runner = createRunner({
    nats,
    servers: SERVER,
    clock: () => Number(process.hrtime.bigint()) / 1e6,
    kill: (nc) => nc.protocol.transport.socket.destroy(),
    restart: RESTART && (() => new Promise((res, rej) => require('child_process').execFile('bash', [RESTART], (e) => (e ? rej(e) : res())))),
  });
  await runner.open();
  runner.start(scenario.actions).catch((e) => { console.error(`record: ${e.stack || e}`); process.exit(1); });
  await runner.until(scenario.until_ms);
  const monitor = await jsz();
  const out = { trace: runner.trace.slice().sort((x, y) => x.t - y.t), monitor: { jsz: monitor } };
  process.stdout.write(JSON.stringify(out, null, 1) + '\n');
  await runner.close();
})().catch((e) => { console.error(`record: ${e.stack || e}`); process.exit(1); });
