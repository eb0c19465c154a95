// Where a seek's time goes: opens a run in the release build, seeks 30 times at random (as
// scripts/bench-browser.mjs does, with the same helper) under Chromium's tracing, and prints the seek times and the
// main thread's time per phase (script, style, layout, paint), with the largest layouts.
// Usage: node scripts/seek-trace.mjs [DIST] [SCENARIO] [END_MS] [EXTRA_CSS]
//   DIST      a built page (default dist/)
//   SCENARIO  a scenario file (default benches/heavy-100k.json)
//   END_MS    the run's end (default 60000)
//   EXTRA_CSS a style sheet added first, e.g. '.app__board{display:none}' to see a panel's share
import { readFileSync } from 'node:fs';
import { serve, launch, installSeek } from './browser.mjs';

const root = new URL('..', import.meta.url).pathname;
const dist = process.argv[2] || `${root}dist`;
const file = process.argv[3] || `${root}benches/heavy-100k.json`;
const end = Number(process.argv[4] || 60000);
const css = process.argv[5];
const server = await serve(dist);
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(server.url);
  await page.waitForFunction(() => window.natsPlayground && document.querySelectorAll('g.node').length > 0);
  const err = await page.evaluate((t) => window.natsPlayground.load(t), readFileSync(file, 'utf8'));
  if (err) throw new Error(err);
  await installSeek(page);
  if (css) await page.addStyleTag({ content: css });
  // Reach the end and come back once, so the timeline has caught up before the measure.
  await page.evaluate((e) => window.__seek(e), end);
  await page.evaluate((e) => window.__seek(Math.floor(e / 2)), end);
  await browser.startTracing(page, { categories: ['devtools.timeline', 'blink', 'v8.execute'] });
  const seeks = await page.evaluate(async (e) => {
    let x = 12345;
    const s = [];
    for (let i = 0; i < 30; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      s.push(await window.__seek(x % e));
    }
    return s;
  }, end);
  const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
  seeks.sort((a, b) => a - b);
  console.log(`30 seeks: median ${seeks[15].toFixed(1)} ms, p95 ${seeks[28].toFixed(1)} ms, total ${seeks.reduce((a, b) => a + b, 0).toFixed(0)} ms`);
  const main = events.find((e) => e.name === 'thread_name' && e.args.name === 'CrRendererMain');
  const mine = events.filter((e) => e.ph === 'X' && e.pid === main.pid && e.tid === main.tid);
  const total = new Map();
  const count = new Map();
  for (const e of mine) {
    total.set(e.name, (total.get(e.name) || 0) + e.dur / 1000);
    count.set(e.name, (count.get(e.name) || 0) + 1);
  }
  for (const k of ['FunctionCall', 'RunMicrotasks', 'FireAnimationFrame', 'UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint']) {
    console.log(`${(total.get(k) || 0).toFixed(1).padStart(9)} ms  ${String(count.get(k) || 0).padStart(4)}×  ${k}`);
  }
  for (const l of mine.filter((e) => e.name === 'Layout').sort((a, b) => b.dur - a.dur).slice(0, 3)) {
    const d = l.args.beginData || {};
    console.log(`largest layouts: ${(l.dur / 1000).toFixed(1)} ms, ${d.dirtyObjects} of ${d.totalObjects} objects dirty`);
  }
} finally {
  await browser.close();
  server.close();
}
