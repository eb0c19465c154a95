import { test, expect, Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as net from 'net';
// the nats npm client 2.x (package.json's `nats-js` alias), to set up a server as another app would
import * as nats from 'nats-js';

// Live mode (issue 14): the page drives a real nats-server 2.9.10 (Debian's) over WebSocket.
// Each server is started by scripts/live-server.sh on 127.0.0.1 with free ports and a fresh
// store, and stopped by its PID after the tests, whatever their outcome.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natsim-live-e2e-'));
const servers: { url: string; pid: number }[] = [];

function start(name: string, ...extra: string[]) {
  const pidfile = path.join(dir, `${name}.pid`);
  const urlfile = path.join(dir, `${name}.url`);
  execFileSync('bash', ['scripts/live-server.sh', '--ws-port', '0', '--background', '--pidfile', pidfile, '--urlfile', urlfile, ...extra], { stdio: 'pipe' });
  const s = { url: fs.readFileSync(urlfile, 'utf8').trim(), pid: Number(fs.readFileSync(pidfile, 'utf8')) };
  servers.push(s);
  return s;
}

let open: { url: string; pid: number };
let strict: { url: string; pid: number };

test.beforeAll(() => {
  open = start('open');
  strict = start('strict', '--same-origin');
});

test.afterAll(() => {
  for (const s of servers) {
    try { process.kill(s.pid, 'SIGTERM'); } catch (_) { /* already gone */ }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

async function connect(page: Page, url: string) {
  await page.goto(`/?scenario=jetstream-live&live=${encodeURIComponent(url)}`);
  await expect(page.locator('#js-board')).toBeVisible();
  // `live=` opens the Live panel and connects at once.
  await expect(page.locator('#js-live')).toBeVisible();
  await expect(page.locator('#js-live-url')).toHaveValue(url);
}

const secondsOf = async (row: ReturnType<Page['locator']>) => Number((await row.textContent())!.trim().split(/\s/)[0]);

test('a deliver group member killed live while it holds seq 1: the real server gives it to the other member one ack wait (2 s) after the first delivery, as predicted', async ({ page }) => {
  test.setTimeout(60_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await connect(page, open.url);
  await expect(page.locator('#js-live-hello')).toHaveText(new RegExp(`^Connected to nats-server 2\\.9\\.10 at ${open.url.replace(/\./g, '\\.')} with JetStream \\(in \\d+ ms\\)\\.$`), { timeout: 10_000 });
  const hello = await page.locator('#js-live-hello').textContent();
  expect(requests.filter((u) => u.endsWith('/live/live.js'))).toHaveLength(1);
  await expect(page.locator('#js-live-fresh')).toBeChecked();
  await page.locator('#js-live-run').click();
  await expect(page.locator('#js-live-said')).toHaveText('No stream of this scenario was on the server: a fresh start.');
  await expect(page.locator('#js-clock')).toHaveText(/^live \d+\.\d{3} s \/ 6\.0 s$/);
  // seq 1 reaches l1 (the only member until l2 binds at 0.3 s); l1 works 1.5 s on it.
  const first = page.locator('#js-log li', { hasText: 'orders → s1 (l1): seq 1, consumer seq 1, delivery 1' });
  await expect(first).toHaveCount(1, { timeout: 5000 });
  await expect(page.locator('#js-log li', { hasText: 'l2 bound s2 to orders in queue orders-service' })).toHaveCount(1, { timeout: 5000 });
  // Kill l1 while it holds seq 1: a gesture, at the real time.
  await page.locator('#js-board [data-id="sub:s1"]').click();
  await page.locator('#js-kill').click();
  await expect(page.locator('#js-log li', { hasText: 'the server sees l1\'s connection end (killed)' })).toHaveCount(1);
  const killedAt = await secondsOf(page.locator('#js-log li', { hasText: 'l1 was killed' }));
  const t1 = await secondsOf(first);
  expect(killedAt).toBeGreaterThan(t1);
  expect(killedAt).toBeLessThan(1.6); // before l1's work would have acked it
  // The board is what the real server did: l1 killed, holding seq 1, still pending on orders.
  await expect(page.locator('#js-board [data-id="sub:s1"]')).toContainText('1 unanswered');
  await expect(page.locator('#js-board [data-id="sub:s1"]')).toContainText('killed');
  await expect(page.locator('#js-board [data-id="consumer:0"]')).toContainText('ack floor 0 · pending 1');
  await expect(page.locator('.js__held-seq')).toHaveText(['seq 1 · delivery 1']);
  // The real server redelivers seq 1 to l2 one ack wait after its first delivery.
  const again = page.locator('#js-log li', { hasText: 'orders → s2 (l2): seq 1, consumer seq 2, delivery 2' });
  await expect(again).toHaveCount(1, { timeout: 5000 });
  const t2 = await secondsOf(again);
  // both times are when the page saw the message: the first one's hop to the page can be
  // a few ms slower than the second's (measured 1.990 s once), so the lower bound allows 50 ms
  expect(t2 - t1).toBeGreaterThanOrEqual(1.95);
  expect(t2 - t1).toBeLessThanOrEqual(2.1);
  await expect(page.locator('#js-log li', { hasText: 's2 sends +ACK for seq 1 (delivery 2)' })).toHaveCount(1, { timeout: 2000 });
  await expect(page.locator('#js-board [data-id="consumer:0"]')).toContainText('ack floor 1 · pending 0');
  // The server's own numbers, polled over the connection.
  await expect(page.locator('#js-live-info')).toContainText('consumer ticket > orders', { timeout: 3000 });
  await expect(page.locator('#js-live-info')).toContainText('delivered 2/1 · ack floor 2/1 · ack pending 0', { timeout: 3000 });
  // The simulation, told of the kill at its real time, predicted the same.
  await expect(page.locator('#js-live-result')).toContainText("It agrees with the simulation's prediction within the tolerance");
  await page.locator('#js-live-stop').click();
  await expect(page.locator('#js-live-result')).toContainText(/The live run ended at \d+\.\d{3} s: \d+ events from the server\. It agrees with the simulation's prediction/);
  await expect(page.locator('#js-live-diffs')).toHaveCount(0);
  // The live timeline draws seq 1's two deliveries, the first one's ack wait ran out.
  await expect(page.locator('#js-live-timeline .jst__item[data-seq="1"] .jst__wait--expired')).toHaveCount(1);
  await expect(page.locator('#js-live-timeline .jst__item[data-seq="1"] .jst__dot--again')).toHaveCount(1);
  // The run, kill included, exports as a scenario that replays in the simulation.
  const exported = await page.evaluate(async () => (await fetch((document.querySelector('#js-export') as HTMLAnchorElement).href)).text());
  const kill = JSON.parse(exported).actions.find((a: any) => a.do === 'kill');
  expect(kill.client).toBe('l1');
  expect(Math.abs(kill.at_ms / 1000 - killedAt)).toBeLessThan(0.05);
  // Measured (for the closing note): connect and publish → delivery on loopback.
  const published = await secondsOf(page.locator('#js-log li', { hasText: 'pub published ticket.created' }));
  console.log(`live: ${hello}; seq 1 scheduled at 0.100 s, published (pub ack) at ${published.toFixed(3)} s, delivered at ${t1.toFixed(3)} s; redelivered after ${((t2 - t1) * 1000).toFixed(0)} ms`);
  expect(errors).toEqual([]);
});

test('a subscriber dragged live into a new deliver group: the real server creates the consumer and delivers the stream to it, as predicted', async ({ page }) => {
  test.setTimeout(60_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await connect(page, open.url);
  await expect(page.locator('#js-live-hello')).toContainText('with JetStream', { timeout: 10_000 });
  await page.locator('#js-live-run').click();
  await expect(page.locator('#js-log li', { hasText: 'l2 bound s2 to orders in queue orders-service' })).toHaveCount(1, { timeout: 5000 });
  // Drag s2 (l2) out of orders' deliver group onto "a new deliver group", at the real time.
  // (hover finds each box where it is now: the live panel above the board grows as it runs)
  await page.locator('#js-board [data-id="sub:s2"]').hover({ position: { x: 30, y: 20 } });
  await page.mouse.down();
  await page.locator('#js-board [data-id="sub:s2"]').hover({ position: { x: 30, y: 60 } });
  await page.locator('#js-new-group').hover({ position: { x: 40, y: 15 } });
  await page.mouse.up();
  await expect(page.locator('#js-notice')).toContainText('s2 left its consumer for a new consumer on ticket with a deliver group of its own.');
  // The real server: the new consumer group-1 exists, l2 binds s3 to it, and it delivers
  // the stream from its first message (seq 1), then seq 2 published at 4 s.
  await expect(page.locator('#js-log li', { hasText: 'l2 bound s3 to group-1 in queue group-1' })).toHaveCount(1, { timeout: 5000 });
  await expect(page.locator('#js-log li', { hasText: 'group-1 → s3 (l2): seq 1, consumer seq 1, delivery 1' })).toHaveCount(1, { timeout: 5000 });
  await expect(page.locator('#js-log li', { hasText: 'group-1 → s3 (l2): seq 2, consumer seq 2, delivery 1' })).toHaveCount(1, { timeout: 8000 });
  // orders' seq 2 goes to its only member left, l1.
  await expect(page.locator('#js-log li', { hasText: 'orders → s1 (l1): seq 2' })).toHaveCount(1, { timeout: 5000 });
  await expect(page.locator('#js-log li', { hasText: 'orders → s2 (l2): seq 2' })).toHaveCount(0);
  await page.locator('#js-live-stop').click();
  await expect(page.locator('#js-live-result')).toContainText("It agrees with the simulation's prediction", { timeout: 5000 });
  const exported = JSON.parse(await page.evaluate(async () => (await fetch((document.querySelector('#js-export') as HTMLAnchorElement).href)).text()));
  expect(exported.actions.filter((x: any) => x.consumer === 'group-1').map((x: any) => x.do)).toEqual(['add_consumer', 'subscribe']);
  expect(errors).toEqual([]);
});

test('a refused origin gets the explanation the browser hides; a URL that is not ws:// is refused before anything loads', async ({ page }) => {
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto('/?scenario=jetstream-live');
  await page.locator('#js-live-toggle').click();
  await page.locator('#js-live-url').fill('http://127.0.0.1:8222');
  await page.locator('#js-live-connect').click();
  await expect(page.locator('#js-live-error')).toHaveText('"http://127.0.0.1:8222" is not a WebSocket URL: live mode speaks to nats-server\'s websocket listener, ws:// or wss:// (a nats:// or http:// port is not it)');
  expect(requests.filter((u) => u.includes('/live/'))).toEqual([]);
  // The server with same_origin: true refuses this page (served from another port).
  await page.locator('#js-live-url').fill(strict.url);
  await page.locator('#js-live-connect').click();
  const e = page.locator('#js-live-error');
  await expect(e).toContainText(`Could not connect to ${strict.url} (UNKNOWN_ERROR).`, { timeout: 10_000 });
  await expect(e).toContainText('the server refused this page\'s origin http://127.0.0.1:8082');
  await expect(e).toContainText('allowed_origins must list http://127.0.0.1:8082 exactly');
  await expect(e).toContainText('same_origin: true only admits pages served from the WebSocket\'s own host:port');
  // The page keeps working: the simulation still plays.
  await page.locator('#js-play').click();
  await expect(page.locator('#js-clock')).not.toHaveText('0.000 s / 6.0 s');
});

test('the server stopped mid-run: the page marks the gap on the timeline, reconnects when it is back, and keeps working', async ({ page }) => {
  test.setTimeout(60_000);
  const flaky = start('flaky');
  const port = flaky.url.split(':').pop()!;
  await connect(page, flaky.url);
  await expect(page.locator('#js-live-hello')).toContainText('with JetStream', { timeout: 10_000 });
  await page.locator('#js-live-run').click();
  await expect(page.locator('#js-log li', { hasText: 'orders → s1 (l1): seq 1, consumer seq 1, delivery 1' })).toHaveCount(1, { timeout: 5000 });
  process.kill(flaky.pid, 'SIGTERM');
  await expect(page.locator('#js-live-result .js__notes')).toContainText('the connection to the server was lost; reconnecting', { timeout: 10_000 });
  await expect(page.locator('#js-live-timeline .jst__flag', { hasText: 'the connection to the server was lost' })).toHaveCount(1);
  // What the server did not do while it was gone parts from the prediction, and says so.
  await expect(page.locator('#js-live-diffs li').first()).toBeVisible({ timeout: 5000 });
  // The same server back on the same port: the page's connection comes back.
  const back = start('flaky-back', '--ws-port', port);
  expect(back.url).toBe(flaky.url);
  await expect(page.locator('#js-live-result .js__notes')).toContainText('connected to the server again', { timeout: 15_000 });
  await page.locator('#js-live-stop').click();
  await expect(page.locator('#js-live-result')).toContainText(/The live run ended at \d+\.\d{3} s/);
  // The simulation is still there.
  await expect(page.locator('#js-board [data-id="sub:s2"]')).toBeVisible();
});

test('a server without JetStream: the page says so, and offers no run', async ({ page }) => {
  const plain = start('plain', '--no-jetstream');
  await connect(page, plain.url);
  await expect(page.locator('#js-live-hello')).toContainText('Connected to nats-server 2.9.10', { timeout: 10_000 });
  await expect(page.locator('#js-live-hello')).toContainText('but JetStream is not enabled there');
  await expect(page.locator('#js-live-hello')).toContainText('start it with -js or a jetstream {} block');
  await expect(page.locator('#js-live-run')).toBeDisabled();
});

test('a stream left on the server with another configuration: the run says what to do, and Start fresh deletes it', async ({ page }) => {
  test.setTimeout(60_000);
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
  const busy = start('busy', '--port', String(port));
  // Another app made "ticket" on this server, for other subjects.
  const nc = await nats.connect({ servers: `127.0.0.1:${port}` });
  await (await nc.jetstreamManager()).streams.add({ name: 'ticket', subjects: ['elsewhere.>'] });
  await nc.close();
  await connect(page, busy.url);
  await expect(page.locator('#js-live-hello')).toContainText('with JetStream', { timeout: 10_000 });
  await page.locator('#js-live-fresh').uncheck();
  await page.locator('#js-live-run').click();
  await expect(page.locator('#js-live .js__live-hint').first()).toContainText('The server already has this stream with another configuration', { timeout: 5000 });
  await expect(page.locator('#js-log li', { hasText: 'stream name already in use with a different configuration' }).first()).toBeVisible();
  await page.locator('#js-live-stop').click();
  await expect(page.locator('#js-live-run')).toBeEnabled();
  // Start fresh: the stream is deleted first, and the run goes as predicted.
  await page.locator('#js-live-fresh').check();
  await page.locator('#js-live-run').click();
  await expect(page.locator('#js-live-said')).toHaveText('Deleted what an earlier run left on the server: stream ticket (with its consumers and messages).');
  await expect(page.locator('#js-log li', { hasText: 'orders → s1 (l1): seq 1, consumer seq 1, delivery 1' })).toHaveCount(1, { timeout: 5000 });
  await expect(page.locator('#js-live .js__live-hint')).toHaveCount(0);
  await page.locator('#js-live-stop').click();
});
