import { test, expect, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// The heavy run (100,000 publishes on 5 channels in 60 s, about 690,000 trace events):
// opening it simulates in slices with a progress bar and Cancel, the page answers input
// meanwhile, and seeks across it stay quick.
const HEAVY = readFileSync(resolve(__dirname, '../benches/heavy-100k.json'), 'utf8');

async function ready(page: Page) {
  await page.goto('/');
  await page.waitForFunction(() => (window as any).natsPlayground);
  await page.evaluate(() => {
    (window as any).__long = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => (window as any).__long.push(Math.round(e.duration) + '@' + Math.round(e.startTime - ((window as any).__t0 || 0))))).observe({ type: 'longtask' });
  });
}

test('a 690,000-event run opens in slices with progress, stays responsive, and seeks across it', async ({ page }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await ready(page);
  expect(await page.evaluate((t) => (window as any).natsPlayground.load(t), HEAVY)).toBeNull();
  // Long tasks from here on: while the progress bar runs (reading the file and the first
  // render of the new board were before).
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.evaluate(() => { (window as any).__long = []; (window as any).__t0 = performance.now(); (window as any).natsPlayground.seek(60000); });
  // The simulation runs in slices: the progress banner shows, with a Cancel.
  await expect(page.locator('#progress')).toBeVisible();
  await expect(page.locator('#progress-cancel')).toBeVisible();
  // The page answers meanwhile: the help overlay opens and closes while it simulates.
  await page.keyboard.press('?');
  await expect(page.locator('.help')).toBeVisible();
  await page.keyboard.press('?');
  await page.waitForFunction(() => (window as any).natsPlayground.now() === 60000, null, { timeout: 90_000 });
  await expect(page.locator('#progress')).toHaveCount(0);
  const long: any[] = await page.evaluate(() => (window as any).__long);
  expect(Math.max(0, ...long.map((x: any) => parseInt(x))), `long tasks while simulating: ${long.join(", ")} ms`).toBeLessThan(200);
  const events = await page.evaluate(() => (window as any).natsPlayground.trace().length);
  expect(events).toBeGreaterThan(680_000);
  // Seeks back and forth land where asked, each within a frame or a few slices.
  for (const t of [30000, 5000, 59000, 45000]) {
    await page.evaluate((t) => (window as any).natsPlayground.seek(t), t);
    await page.waitForFunction((t) => (window as any).natsPlayground.now() === t, t);
  }
  // At 45 s every channel stores five-digit seqs: drawn smaller, each inside its 28 px box.
  const box = page.locator('svg.board g.channel__msg--long').first();
  await expect(box).toBeVisible();
  const [rect, text] = [(await box.locator('rect').boundingBox())!, (await box.locator('text').boundingBox())!];
  expect(text.width).toBeGreaterThan(0);
  expect(text.width).toBeLessThanOrEqual(rect.width);
  // The timeline drew a bounded number of marks (one per pixel column and kind at most),
  // once it caught up with the history (in slices of its own, drawn four times a second).
  const marks = () => page.locator('.timeline__foot').getAttribute('data-marks').then(Number);
  await expect.poll(marks).toBeGreaterThan(100);
  expect(await marks()).toBeLessThan(60_000);
  expect(errors).toEqual([]);
});

test('Cancel stops a long simulation where it got, and the page keeps working', async ({ page }) => {
  test.setTimeout(60_000);
  await ready(page);
  await page.evaluate((t) => (window as any).natsPlayground.load(t), HEAVY);
  await page.evaluate(() => (window as any).natsPlayground.seek(60000));
  await page.locator('#progress-cancel').click();
  await expect(page.locator('#progress')).toHaveCount(0);
  const at = await page.evaluate(() => (window as any).natsPlayground.now());
  expect(at).toBeGreaterThan(0);
  expect(at).toBeLessThan(60000);
  // Still usable: a short seek completes and the board shows the run.
  await page.evaluate(() => (window as any).natsPlayground.seek(1000));
  await page.waitForFunction(() => (window as any).natsPlayground.now() === 1000);
  await expect(page.locator('g.node[data-client="l0-0"]')).toBeVisible();
});

test('a run whose publishes exceed what the page holds is refused up front, with the reason', async ({ page }) => {
  await ready(page);
  const big = JSON.stringify({ until_ms: 10000, actions: [{ at_ms: 0, do: 'connect', client: 'p' }, { at_ms: 0, do: 'publish', client: 'p', channel: 'a', count: 10000000, every_ms: 0 }] });
  await page.evaluate((t) => (window as any).natsPlayground.load(t), big);
  await expect(page.locator('#error')).toContainText('10000000 publishes make more than the 3000000 trace events the page holds');
  // The current run is kept and works.
  await page.evaluate(() => (window as any).natsPlayground.seek(2000));
  await page.waitForFunction(() => (window as any).natsPlayground.now() === 2000);
});

test('panels below the fold catch up after a seek, and at once when scrolled into view', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?scenario=course-queue-kill-0.17');
  await page.waitForFunction(() => (window as any).natsPlayground);
  const log = page.locator('#log-count');
  // The event log and the monitoring panel start below the board on a laptop's screen.
  expect(await page.locator('.panel--log').evaluate((e) => e.getBoundingClientRect().top)).toBeGreaterThan(900);
  const count = async () => page.evaluate(() => (window as any).natsPlayground.trace().length);
  await page.evaluate(() => (window as any).natsPlayground.seek(20000));
  const at20 = await count();
  // Off screen, the log still catches up once the page is quiet.
  await expect(log).toHaveText(`${at20} events`);
  await expect(page.locator('#monitor')).toContainText('GET /streaming/channelsz?subs=1');
  // Scrolled into view, it follows every seek.
  await page.locator('.panel--log').scrollIntoViewIfNeeded();
  await page.evaluate(() => (window as any).natsPlayground.seek(6000));
  const at6 = await count();
  expect(at6).toBeLessThan(at20);
  await expect(log).toHaveText(`${at6} events`);
  expect(errors).toEqual([]);
});
