// Browser benchmark of the release build (run `trunk build --release` first), for the
// "runs of any size" targets: wasm memory, seek + render time, frame times while playing,
// long tasks while a long run simulates, and the initial download.
// Usage: node scripts/bench-browser.mjs [--quick] [--dist=DIR]
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { serve, launch, installSeek } from './browser.mjs';

const quick = process.argv.includes('--quick');
// The build to measure: dist/, or the directory given with --dist=DIR (a build of another
// commit, measured side by side in the same session).
const distArg = process.argv.find((a) => a.startsWith('--dist='));
const dist = distArg ? distArg.slice(7).replace(/\/?$/, '/') : new URL('../dist/', import.meta.url).pathname;
let total = 0;
for (const f of readdirSync(dist).filter((f) => /\.(wasm|js|css)$/.test(f))) total += gzipSync(readFileSync(dist + f), { level: 9 }).length;
console.log(`initial download (wasm + js + css, gzip -9): ${total} bytes (${(total / 1024).toFixed(1)} KiB)`);

const server = await serve(dist);
const browser = await launch();
const mib = (b) => (b / 1048576).toFixed(0);
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.floor(s.length * 0.95)], max: s[s.length - 1] };
};

async function fresh() {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(server.url);
  await page.waitForFunction(() => window.natsPlayground && document.querySelectorAll('g.node').length > 0);
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push(e.duration))).observe({ type: 'longtask', buffered: false });
    window.__frames = async (ms) => {
      const d = [];
      let last = performance.now();
      const end = last + ms;
      while (performance.now() < end) {
        await new Promise((r) => requestAnimationFrame(r));
        const n = performance.now();
        d.push(n - last);
        last = n;
      }
      return d;
    };
  });
  await installSeek(page);
  return page;
}

try {
  // 1. The heavy run: 100,000 publishes on 5 channels in 60 s.
  {
    const page = await fresh();
    const text = readFileSync(new URL('../benches/heavy-100k.json', import.meta.url), 'utf8');
    const err = await page.evaluate((t) => window.natsPlayground.load(t), text);
    if (err) throw new Error(err);
    const first = await page.evaluate(() => window.__seek(60000));
    const r = await page.evaluate(async () => {
      const long = [...window.__long];
      window.__long = [];
      const mem = window.natsPlayground.wasmBytes();
      const events = window.natsPlayground.trace().length;
      let x = 12345;
      const seeks = [];
      for (let i = 0; i < 30; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        seeks.push(await window.__seek(x % 60000));
      }
      await window.__seek(0);
      window.natsPlayground.setSpeed(100);
      window.natsPlayground.play();
      const frames = await window.__frames(3000);
      window.natsPlayground.pause();
      return { long, events, mem, seeks, frames, seekLong: window.__long, memAfter: window.natsPlayground.wasmBytes() };
    });
    const s = stats(r.seeks), f = stats(r.frames);
    console.log(`heavy run: ${r.events} trace events; opened and simulated to 60 s in ${first.toFixed(0)} ms (longest task ${Math.max(0, ...r.long).toFixed(0)} ms, ${r.long.length} over 50 ms); wasm memory at the end ${mib(r.mem)} MiB, after 30 seeks and play ${mib(r.memAfter)} MiB`);
    console.log(`heavy run: seek + render median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, max ${s.max.toFixed(1)} ms; playing at 100×: frame median ${f.median.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms`);
    await page.close();
  }
  // 1b. The engine alone on the same run, wasm in Chromium against native (`natsim bench`,
  // release build), in this one run of the script: trace events per second, median of 5.
  {
    const root = new URL('..', import.meta.url).pathname;
    execFileSync('cargo', ['build', '--release', '--quiet', '--bin', 'natsim'], { cwd: root, stdio: 'inherit' });
    const file = new URL('../benches/heavy-100k.json', import.meta.url).pathname;
    const native = JSON.parse(execFileSync(`${root}target/release/natsim`, ['bench', file, '5'], { encoding: 'utf8' }));
    const page = await fresh();
    const text = readFileSync(file, 'utf8');
    const r = await page.evaluate((t) => {
      const times = [];
      let events = 0;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        events = window.natsPlayground.simulate(t);
        times.push(performance.now() - t0);
      }
      if (typeof events !== 'number') throw new Error(String(events));
      times.sort((a, b) => a - b);
      return { events, best: times[0], median: times[2] };
    }, text);
    if (r.events !== native.events) throw new Error(`wasm gave ${r.events} events, native ${native.events}`);
    const rate = (ms) => (r.events / ms / 1000).toFixed(2);
    console.log(`engine alone, heavy run (${r.events} events): native median ${native.median_ms.toFixed(0)} ms (${rate(native.median_ms)} M events/s), wasm in Chromium median ${r.median.toFixed(0)} ms (${rate(r.median)} M events/s): wasm runs at ${(native.median_ms / r.median).toFixed(2)}× native`);
    await page.close();
  }
  // 2. A 10-minute course run (4 listeners, a publish every 100 ms) played at 1000×, and seeks.
  {
    const page = await fresh();
    const actions = [{ at_ms: 0, do: 'connect', client: 'pub' }];
    for (let l = 0; l < 4; l++) {
      actions.push({ at_ms: 0, do: 'connect', client: `l${l}` });
      actions.push({ at_ms: 0, do: 'subscribe', client: `l${l}`, sub: `s${l}`, channel: 'ticket:created', queue: 'orders-service-queue-group', durable: 'orders-service', manual_ack: true, ack_wait_ms: 5000, process_ms: 20 });
    }
    actions.push({ at_ms: 100, do: 'publish', client: 'pub', channel: 'ticket:created', data: '{"id":"{n}"}', count: 6000, every_ms: 100, template: true });
    await page.evaluate((t) => window.natsPlayground.load(t), JSON.stringify({ seed: 3, until_ms: 600000, actions }));
    const r = await page.evaluate(async (ms) => {
      window.natsPlayground.setSpeed(1000);
      window.natsPlayground.play();
      const frames = await window.__frames(ms);
      window.natsPlayground.pause();
      await window.__seek(600000);
      const seeks = [];
      for (const t of [30000, 590000, 300000, 120000, 450000, 10000, 600000, 222222, 77777, 555555, 333333]) seeks.push(await window.__seek(t));
      return { frames, seeks };
    }, quick ? 2000 : 5000);
    const f = stats(r.frames), s = stats(r.seeks);
    console.log(`10-minute course run at 1000×: frame median ${f.median.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms; seeks across it median ${s.median.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`);
    await page.close();
  }
  // 3. The default example, 10 hours of virtual time (and 20 hours: memory must stay flat).
  {
    const page = await fresh();
    const r = await page.evaluate(async () => {
      const p = window.natsPlayground;
      await window.__seek(36000000);
      const ten = p.wasmBytes();
      await window.__seek(72000000);
      return { ten, twenty: p.wasmBytes(), events: p.trace().length };
    });
    console.log(`default example: wasm memory at 10 h ${mib(r.ten)} MiB, at 20 h ${mib(r.twenty)} MiB (${r.events} trace events)`);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
