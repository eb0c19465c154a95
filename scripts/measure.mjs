// Browser measurements of the release build (run `trunk build --release` first):
// initial download (wasm + js + css, gzip -9), time to interactive, and how long scrubbing
// across a 10-minute run takes. Usage: node scripts/measure.mjs
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { serve, launch } from './browser.mjs';

const dist = new URL('../dist/', import.meta.url).pathname;
let total = 0;
for (const f of readdirSync(dist).filter((f) => /\.(wasm|js|css)$/.test(f))) {
  const raw = readFileSync(dist + f);
  const gz = gzipSync(raw, { level: 9 }).length;
  total += gz;
  console.log(`${f.padEnd(46)} ${String(raw.length).padStart(9)} bytes raw ${String(gz).padStart(8)} gzip`);
}
console.log(`initial download (gzip): ${total} bytes (${(total / 1024).toFixed(1)} KiB)`);

const server = await serve(dist);
const browser = await launch();
try {
  const tti = [];
  for (let i = 0; i < 5; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(server.url);
    await page.waitForFunction(() => window.natsPlayground && document.querySelectorAll('g.node').length > 0);
    tti.push(await page.evaluate(() => performance.now()));
    await page.close();
  }
  tti.sort((a, b) => a - b);
  console.log(`time to interactive (board drawn, API ready), median of 5: ${tti[2].toFixed(0)} ms (min ${tti[0].toFixed(0)}, max ${tti[4].toFixed(0)})`);

  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(server.url);
  await page.waitForFunction(() => window.natsPlayground);
  // A 10-minute run: the course scenario with a publisher sending every 100 ms.
  const scenario = JSON.parse(readFileSync(new URL('../www/scenarios/course-queue-kill-0.17.json', import.meta.url)));
  scenario.actions.push({ at_ms: 0, do: 'connect', client: 'fast' }, { at_ms: 0, do: 'publish', client: 'fast', channel: 'ticket:created', data: 'x', count: 6000, every_ms: 100 });
  await page.evaluate((s) => window.natsPlayground.load(s), JSON.stringify(scenario));
  const r = await page.evaluate(async () => {
    const frame = () => new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
    const p = window.natsPlayground;
    let t0 = performance.now();
    p.seek(600000);
    await frame();
    const first = performance.now() - t0;
    const events = p.trace().length;
    const jumps = [];
    for (const t of [30000, 590000, 300000, 120000, 450000, 10000, 600000]) {
      t0 = performance.now();
      p.seek(t);
      await frame();
      jumps.push(performance.now() - t0);
    }
    return { first, events, jumps };
  });
  r.jumps.sort((a, b) => a - b);
  console.log(`10-minute run: first simulation to 600 s took ${r.first.toFixed(0)} ms (${r.events} trace events); scrubbing (seek + render) median ${r.jumps[3].toFixed(0)} ms, max ${r.jumps[6].toFixed(0)} ms`);

  // Frames while playing at 100×: 50 nodes (5 publishers, one message a second each; 45
  // listeners in queue groups and plain subscriptions), from about 10,000 timeline events on.
  const scenario50 = (everyMs) => {
    const actions = [];
    for (let c = 0; c < 5; c++) {
      actions.push({ at_ms: 0, do: 'connect', client: `pub${c}` });
      actions.push({ at_ms: 100, do: 'publish', client: `pub${c}`, channel: `orders.${c % 3}`, data: 'x', count: 100000, every_ms: everyMs });
    }
    for (let l = 0; l < 45; l++) {
      const sub = { at_ms: 0, do: 'subscribe', client: `l${l}`, sub: `s${l}`, channel: `orders.${l % 3}`, manual_ack: true, ack_wait_ms: 2000, process_ms: 5 };
      if (l % 5 !== 0) sub.queue = `workers-${l % 3}`;
      actions.push({ at_ms: 0, do: 'connect', client: `l${l}` }, sub);
    }
    return JSON.stringify({ until_ms: 0, seed: 3, server: { cluster_id: 'bench' }, actions });
  };
  for (const [label, every, seekTo] of [['50 nodes, ~10,000 events', 1000, 150000], ['stress: 50 nodes, 10× the traffic', 100, 20000]]) {
    await page.evaluate((s) => window.natsPlayground.load(s), scenario50(every));
    await page.evaluate((t) => window.natsPlayground.seek(t), seekTo);
    await page.locator('#speed').fill('2');
    const r = await page.evaluate(async () => {
      const p = window.natsPlayground;
      const frame = () => new Promise((res) => requestAnimationFrame(res));
      const events0 = p.trace().length, v0 = p.now();
      p.play();
      await frame();
      const stamps = [];
      const t0 = performance.now();
      while (performance.now() - t0 < 3000) stamps.push(await frame());
      p.pause();
      const gaps = stamps.slice(1).map((t, i) => t - stamps[i]).sort((a, b) => a - b);
      const pct = (q) => gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))];
      return { events0, events1: p.trace().length, speed: (p.now() - v0) / (performance.now() - t0), p50: pct(0.5), p95: pct(0.95), max: gaps[gaps.length - 1], frames: gaps.length };
    });
    console.log(`playing at 100× (${label}): frame interval median ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, max ${r.max.toFixed(1)} ms over ${r.frames} frames; achieved ${r.speed.toFixed(0)}×; trace ${r.events0}→${r.events1} events`);
  }
} finally {
  await browser.close();
  server.close();
}
