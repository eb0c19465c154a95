// Browser measurements of the release build (run `trunk build --release` first):
// initial download (wasm + js + css, gzip -9), time to interactive, and how long scrubbing
// across a 10-minute run takes. Usage: node scripts/measure.mjs
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
let total = 0;
for (const f of readdirSync(dist).filter((f) => /\.(wasm|js|css)$/.test(f))) {
  const raw = readFileSync(dist + f);
  const gz = gzipSync(raw, { level: 9 }).length;
  total += gz;
  console.log(`${f.padEnd(46)} ${String(raw.length).padStart(9)} bytes raw ${String(gz).padStart(8)} gzip`);
}
console.log(`initial download (gzip): ${total} bytes (${(total / 1024).toFixed(1)} KiB)`);

const port = 8093;
const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dist], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 700));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  const tti = [];
  for (let i = 0; i < 5; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => window.natsPlayground && document.querySelectorAll('g.node').length > 0);
    tti.push(await page.evaluate(() => performance.now()));
    await page.close();
  }
  tti.sort((a, b) => a - b);
  console.log(`time to interactive (board drawn, API ready), median of 5: ${tti[2].toFixed(0)} ms (min ${tti[0].toFixed(0)}, max ${tti[4].toFixed(0)})`);

  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(`http://127.0.0.1:${port}/`);
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
} finally {
  await browser.close();
  server.kill();
}
