import { test, expect, Page } from '@playwright/test';

const EMPTY_025 = JSON.stringify({
  until_ms: 0, seed: 1,
  server: { server_version: '0.25', cluster_id: 'ticketing', hb_interval_ms: 5000, hb_timeout_ms: 5000, hb_fail_count: 2 },
  actions: [],
});

async function ready(page: Page) {
  await page.goto('/');
  await page.waitForFunction(() => (window as any).natsPlayground);
}

async function selectedId(page: Page): Promise<string> {
  return (await page.locator('.inspector__id').textContent()) ?? '';
}

/** Clicks the timeline lane `lane` at virtual time `t` (ms). */
async function clickTimeline(page: Page, lane: string, t: number) {
  const svg = page.locator('svg.timeline');
  await page.locator(`rect[data-lane-hit="${lane}"]`).scrollIntoViewIfNeeded();
  const [t0, t1] = [Number(await svg.getAttribute('data-t0')), Number(await svg.getAttribute('data-t1'))];
  const hit = (await page.locator(`rect[data-lane-hit="${lane}"]`).boundingBox())!;
  // The hit area spans the plot (board units 150…1000); times map onto 150…990.
  const k = hit.width / 850;
  const x = hit.x + ((t - t0) * 840) / (t1 - t0) * k;
  await page.mouse.click(x, hit.y + hit.height / 2);
}

/** Drags the node of `client` with the mouse onto the centre of `target`. */
async function dragNode(page: Page, client: string, target: { x: number; y: number; width: number; height: number }) {
  const box = (await page.locator(`g.node[data-client="${client}"] rect.node__box`).boundingBox())!;
  await page.mouse.move(box.x + 30, box.y + 12);
  await page.mouse.down();
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 12 });
  await page.mouse.up();
}

test('gestures: two listeners dragged into one queue group, manual ack, a failure, a kill', async ({ page }) => {
  await ready(page);
  expect(await page.evaluate((s) => (window as any).natsPlayground.load(s), EMPTY_025)).toBeNull();

  await page.locator('#add-listener').click();
  const a = await selectedId(page);
  await page.keyboard.press('Escape');
  await page.locator('#add-listener').click();
  const b = await selectedId(page);
  expect(a).toMatch(/^[0-9a-f]{8}$/);
  expect(b).not.toBe(a);

  // A onto the "new queue group" zone, then B onto that group.
  await dragNode(page, a, (await page.locator('.board__zone rect').boundingBox())!);
  await expect(page.locator('.group')).toHaveCount(1);
  await expect(page.locator('.group')).toContainText('queue orders-service-queue-group');
  await dragNode(page, b, (await page.locator('.group rect').boundingBox())!);
  await expect(page.locator('.group')).toHaveCount(1);

  // A: manual ack, 5 s ack wait, and it fails the next 3 events once each.
  await page.locator(`g.node[data-client="${a}"] rect.node__box`).click();
  await page.locator('#opt-manual').check();
  await expect(page.locator('.inspector__code')).toContainText(".setManualAckMode(true)");
  await page.locator('#opt-ackwait').selectOption('5000');
  await expect(page.locator('.inspector__code')).toContainText('.setAckWait(5000)');
  // Both edits are one re-subscribe, applied at once.
  const subsBefore = await page.evaluate(() => JSON.parse((window as any).natsPlayground.exportScenario()).actions.filter((a: any) => a.do === 'subscribe').length);
  await page.locator('#opt-apply').click();
  await expect(page.locator('#notice')).toContainText('was closed and');
  expect(await page.evaluate(() => JSON.parse((window as any).natsPlayground.exportScenario()).actions.filter((a: any) => a.do === 'subscribe').length)).toBe(subsBefore + 1);
  await expect(page.locator('#opt-apply')).toBeDisabled();
  await page.locator('#fail-next').click();

  // A publisher, one event per second.
  await page.keyboard.press('Escape');
  await page.locator('#add-publisher').click();
  await page.locator('#publish-every').click();

  // At 4.5 s B crashes (no close).
  await page.evaluate(() => (window as any).natsPlayground.seek(4500));
  await page.locator(`g.node[data-client="${b}"] rect.node__box`).click();
  await page.getByRole('button', { name: 'Kill (crash)' }).click();
  await expect(page.locator(`g.node[data-client="${b}"]`)).toContainText('killed');

  await page.evaluate(() => (window as any).natsPlayground.seek(30000));
  const trace: any[] = await page.evaluate(() => (window as any).natsPlayground.trace());
  const firsts = (c: string) => trace.filter((e) => e.event === 'delivered' && e.client === c && !e.redelivered).map((e) => e.seq);
  const again = (c: string) => trace.filter((e) => e.event === 'delivered' && e.client === c && e.redelivered).map((e) => [e.t, e.seq, e.redelivery_count]);
  // Group order after A re-subscribed: [B, A]. B takes 1; A (0 pending) takes 2, fails it and
  // keeps it pending; B (fewer pending) takes 3, 4, 5 and, still alive for the server at
  // 5 s, seq 6 too. Its first heartbeat fails at once (no responders): A takes 7, 8, …
  expect(firsts(b)).toEqual([1, 3, 4, 5, 6]);
  expect(firsts(a).slice(0, 3)).toEqual([2, 7, 8]);
  // Seq 2 comes back to A one ack wait later; seq 6 when the server drops B (15 s) + 100 ms.
  expect(again(a)).toEqual([[6000, 2, 1], [15100, 6, 1]]);
  const closed = trace.find((e) => e.event === 'client_closed' && e.client === b);
  expect([closed.t, closed.reason]).toEqual([15000, 'heartbeat']);
  // B stays on the board, dropped, so that it can be restarted.
  await expect(page.locator(`g.node[data-client="${b}"]`)).toContainText('killed · the server dropped it');
  await page.screenshot({ path: 'test-results/gestures.png' });

  // The recording reproduces the run.
  const exported = await page.evaluate(() => (window as any).natsPlayground.exportScenario());
  expect(exported).toContain('"do":"kill"');
  expect(exported).toContain('"queue":"orders-service-queue-group"');
});

test('monitoring lists three subscriptions after a restart with a new random id, then two', async ({ page }) => {
  await ready(page);
  await page.evaluate(() => (window as any).natsPlayground.seek(4000));
  await page.locator('g.node[data-client="l1"] rect.node__box').click();
  await page.getByRole('button', { name: 'Kill (crash)' }).click();
  await page.getByRole('button', { name: 'Restart, new random id' }).click();
  const subs = async () => (await page.evaluate(() => (window as any).natsPlayground.monitor())).channelsz.channels[0].subscriptions.length;
  expect(await subs()).toBe(3);
  await expect(page.locator('#monitor')).toContainText('"client_id": "l1"');
  // 0.17: killed at 4 s, first heartbeat after the kill at 5 s, dropped 25 s later.
  await page.evaluate(() => (window as any).natsPlayground.seek(29999));
  expect(await subs()).toBe(3);
  await page.evaluate(() => (window as any).natsPlayground.seek(30000));
  expect(await subs()).toBe(2);
  await expect(page.locator('#monitor')).not.toContainText('"client_id": "l1"');
});

test('keyboard, scrubbing back and the speed control', async ({ page }) => {
  await ready(page);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#clock')).toHaveText('2.000 s');
  await page.locator('#speed').fill('3');
  await expect(page.locator('.toolbar__speed output')).toHaveText('1000×');
  await page.keyboard.press(' ');
  await expect.poll(async () => page.evaluate(() => (window as any).natsPlayground.now()), { timeout: 5000 }).toBeGreaterThan(20000);
  await page.keyboard.press(' ');
  const t = await page.evaluate(() => (window as any).natsPlayground.now());
  await page.locator('#scrub').fill('12000');
  await expect(page.locator('#clock')).toHaveText('12.000 s');
  expect(t).toBeGreaterThan(12000);
  await expect(page.locator('#trace')).toContainText('s2 ticket:created #7 redelivered ×1');
  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Help' })).toBeVisible();
});

test('a broken import shows a clear message, keeps the run, and untrusted text stays text', async ({ page }) => {
  await ready(page);
  await page.evaluate(() => (window as any).natsPlayground.seek(3000));
  await page.locator('#import').click();
  await page.locator('#import-text').fill('{"until_ms": 100, "actions": [{"at_ms": 0, "do": "explode"}]}');
  await page.locator('#import-load').click();
  await expect(page.locator('#error')).toContainText('actions[0].do: unknown verb "explode"');
  await expect(page.locator('#clock')).toHaveText('3.000 s');
  const err = await page.evaluate(() => (window as any).natsPlayground.load('{"until_ms": 5, "actions": ['));
  expect(err).toContain('1:28: EOF while parsing a list');
  const markup = JSON.stringify({ until_ms: 10, actions: [{ at_ms: 0, do: 'connect', client: '<img src=x onerror=alert(1)>' }, { at_ms: 0, do: 'connect', client: 'ok' }, { at_ms: 1, do: 'publish', client: 'ok', channel: '<b>x</b>' }] });
  expect(await page.evaluate((s) => (window as any).natsPlayground.load(s), markup)).toBeNull();
  await page.evaluate(() => (window as any).natsPlayground.seek(10));
  await expect(page.locator('#trace')).toContainText('<img src=x onerror=alert(1)>');
  await expect(page.locator('#trace')).toContainText('<b>x</b>');
  await expect(page.locator('img')).toHaveCount(0);
  await expect(page.locator('#trace b')).toHaveCount(0);
});

test('typed client ids, the duplicate-id error on the node, export download and file import', async ({ page }) => {
  await ready(page);
  await page.locator('#example').selectOption({ label: "Empty board: the course's server, nothing else" });
  await page.locator('#new-client-id').fill('orders-1');
  await page.locator('#add-listener').click();
  await expect(page.locator('g.node[data-client="orders-1"]')).toContainText('running');
  // A second process with the same id while the first is alive: refused, shown on the node.
  await page.keyboard.press('Escape');
  await page.locator('#new-client-id').fill('orders-1');
  await page.locator('#add-publisher').click();
  await expect(page.locator('g.node[data-client="orders-1"] .node__error')).toHaveText('stan: clientID already registered');

  await page.locator('#export').click();
  const href = await page.locator('#export-download').getAttribute('href');
  const exported = JSON.parse(decodeURIComponent(href!.replace('data:application/json;charset=utf-8,', '')));
  expect(exported.actions.map((a: any) => `${a.do}:${a.client}`)).toEqual(['connect:orders-1', 'subscribe:orders-1', 'connect:orders-1']);
  await page.getByRole('button', { name: 'Close', exact: true }).click();

  await page.locator('#import').click();
  const file = JSON.stringify({ until_ms: 0, server: { server_version: '0.25' }, actions: [{ at_ms: 0, do: 'connect', client: 'from-file' }] });
  await page.locator('#import-file').setInputFiles({ name: 'scenario.json', mimeType: 'application/json', buffer: Buffer.from(file) });
  await expect(page.locator('#import-text')).toHaveValue(file);
  await page.locator('#import-load').click();
  await expect(page.locator('g.node[data-client="from-file"]')).toBeVisible();
  await expect(page.locator('.server__title')).toHaveText('nats-streaming-server 0.25.6');
});

test('timeline: click seq 7 and follow its journey; zoom, fit, export SVG', async ({ page }) => {
  await ready(page);
  await page.evaluate(() => (window as any).natsPlayground.seek(21000));
  // seq 7 on the dead l1's lane: delivered at 7 s, its ack wait expires at 12 s.
  await clickTimeline(page, 'l1 · s1', 7000);
  const journey = page.locator('#journey');
  await expect(journey).toContainText('Journey of ticket:created #7');
  await expect(journey.locator('li')).toHaveText([
    '7.000 s published pub ticket:created #7',
    '7.000 s delivered l1 s1 ticket:created #7',
    '12.000 s delivered l2 s2 ticket:created #7 redelivered ×1',
    '12.000 s processed l2 s2 ticket:created #7 ok',
    '12.000 s acked l2 s2 ticket:created #7',
  ]);
  await expect(page.locator('g[data-lane="l1 · s1"] .tl-expiry title', { hasText: '#7 ' })).toHaveText('ack wait of #7 expires at 12.000 s');
  // The event log highlights the same message's rows.
  await expect(page.locator('#trace tr.trace__row--hl')).toHaveCount(5);
  // Clicking a journey time moves the cursor there.
  await journey.getByRole('button', { name: '12.000 s' }).first().click();
  await expect(page.locator('#clock')).toHaveText('12.000 s');
  await expect(page.locator('#warnings')).toContainText('#7 on ticket:created was processed after #12 by l2 (s2): out of order');

  await page.locator('#tl-fit').click();
  expect(Number(await page.locator('svg.timeline').getAttribute('data-t0'))).toBe(0);
  const download = page.waitForEvent('download');
  await page.locator('#tl-svg').click();
  const svg = await download;
  expect(svg.suggestedFilename()).toBe('timeline.svg');
  const text = require('fs').readFileSync(await svg.path(), 'utf8');
  expect(text).toContain('<svg');
  expect(text).toContain('l1 · s1');
  const pngDownload = page.waitForEvent('download');
  await page.locator('#tl-png').click();
  const png = await pngDownload;
  expect(png.suggestedFilename()).toBe('timeline.png');
  const bytes = require('fs').readFileSync(await png.path());
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  expect(bytes.length).toBeGreaterThan(5000);
  await page.locator('.panel--timeline').screenshot({ path: 'test-results/timeline.png' });
});

test("the server's view: single forms, -SD log lines and the course's three subscriptions", async ({ page }) => {
  await ready(page);
  await page.evaluate(() => (window as any).natsPlayground.seek(40000));
  await page.getByRole('tab', { name: 'clientsz?client=' }).click();
  await page.locator('#monitor-pick').selectOption('l2');
  await expect(page.locator('#monitor')).toContainText('GET /streaming/clientsz?client=l2&subs=1');
  await expect(page.locator('#monitor')).toContainText('"id": "l2"');
  await page.getByRole('tab', { name: 'log (-SD)' }).click();
  await expect(page.locator('#monitor')).toContainText('[1] 2026/01/01 00:00:35.000000 [ERR] STREAM: [Client:l1] Timed out on heartbeats');
  await expect(page.locator('#monitor')).toContainText('[DBG] STREAM: [Client:l1] Closed (Inbox=_INBOX.');
  await expect(page.locator('#monitor')).toContainText('Started new durable queue subscription, subject=ticket:created');
});

test('a lesson: pick it, predict at the checkpoint, see it happen, switch to the fixed variant, progress kept', async ({ page }) => {
  await ready(page);
  await page.locator('#lesson-pick').selectOption({ label: 'Manual ack mode — Auto ack loses an event when the work fails' });
  const lesson = page.locator('#lesson');
  await expect(lesson).toContainText('Auto ack loses an event when the work fails');
  await expect(lesson.getByRole('tab', { name: 'auto ack', exact: true })).toHaveAttribute('aria-selected', 'true');
  await page.locator('#speed').fill('1');
  await page.keyboard.press(' ');
  // The run stops by itself at the checkpoint (2.4 s) and asks.
  await expect(page.locator('#checkpoint')).toContainText('Paused at 2.400 s');
  await expect(page.locator('#clock')).toHaveText('2.400 s');
  await page.getByRole('button', { name: 'no, never' }).click();
  await expect(page.locator('#checkpoint')).toContainText('Right. The answer: no, never');
  await page.locator('#checkpoint-continue').click();
  // The variant's work is over by 3.3 s: the clock stops by itself once only heartbeats
  // are left, and says so.
  await expect(page.locator('#settled')).toContainText('The run settled at 3.3 s');
  expect(await page.evaluate(() => (window as any).natsPlayground.now())).toBe(3300);
  const deliveries = await page.evaluate(() => (window as any).natsPlayground.trace().filter((e: any) => e.event === 'delivered' && e.seq === 2).length);
  expect(deliveries).toBe(1);

  // The fixed variant: manual ack brings #2 back after the ack wait. Dragging the scrub bar
  // past the checkpoint stops there and asks; a wrong answer can be tried again.
  await lesson.getByRole('tab', { name: 'manual ack' }).click();
  await expect(page.locator('#clock')).toHaveText('0.000 s');
  await page.locator('#scrub').fill('8000');
  await expect(page.locator('#checkpoint')).toContainText('Paused at 2.400 s');
  await expect(page.locator('#clock')).toHaveText('2.400 s');
  await page.getByRole('button', { name: 'at once' }).click();
  await expect(page.locator('#checkpoint')).toContainText('Not quite.');
  await expect(page.locator('#checkpoint')).not.toContainText('The answer');
  await page.locator('#checkpoint-retry').click();
  await page.getByRole('button', { name: '5 s after it was first sent (the ack wait)' }).click();
  await expect(page.locator('#checkpoint')).toContainText('Right.');
  await expect(page.locator('#lesson-done')).toContainText('Lesson finished');
  await page.locator('#checkpoint-continue').click();
  await page.evaluate(() => (window as any).natsPlayground.seek(8000));
  const again = await page.evaluate(() => (window as any).natsPlayground.trace().filter((e: any) => e.event === 'delivered' && e.seq === 2 && e.redelivered).map((e: any) => e.t));
  expect(again).toEqual([7000]);
  await page.screenshot({ path: 'test-results/lesson.png' });

  // Progress survives a reload.
  await page.reload();
  await page.waitForFunction(() => (window as any).natsPlayground);
  await expect(page.locator('#lesson-pick option', { hasText: 'Manual ack mode' })).toHaveText(/^✓ Manual ack mode/);
});

test('the concurrency lab: the account goes negative, the version check repairs it on the same seed', async ({ page }) => {
  await ready(page);
  await page.locator('#example').selectOption({ label: 'Concurrency lab: +$70, +$40, −$100 on two instances' });
  const lab = page.locator('#lab');
  await expect(lab).toContainText('nothing written yet');
  await page.evaluate(() => (window as any).natsPlayground.seek(1400));
  // +$40 (v2) was applied first, then −$100: the balance is −$60 at 1.4 s.
  await expect(lab.locator('tbody tr').first()).toHaveText(/account a1\s*−\$60\s*3\s*2/);
  await expect(page.locator('#lab-verdict')).toContainText('negative balance × 1');
  await page.evaluate(() => (window as any).natsPlayground.seek(7000));
  await expect(lab.locator('tbody tr').first()).toHaveText(/account a1\s*\$10\s*1\s*3/);
  await expect(page.locator('#lab-verdict')).toContainText('out of order × 2');
  // The fix re-runs the same seed to the same time: v2 and v3 were refused, then applied in order.
  await page.locator('#fix-version').check();
  await expect(page.locator('#clock')).toHaveText('7.000 s');
  await expect(page.locator('#lab-verdict')).toHaveText('No event applied out of order, twice, or lost so far.');
  await expect(lab.locator('tbody tr').first()).toHaveText(/account a1\s*\$10\s*3\s*3/);
  await expect(lab).toContainText('refused by the version check 2');
  const applied = await page.evaluate(() => (window as any).natsPlayground.trace().filter((e: any) => e.event === 'app' && e.outcome === 'applied').map((e: any) => [e.t, e.seq, e.after]));
  expect(applied).toEqual([[6200, 1, 70], [6300, 2, 110], [6400, 3, 10]]);
  // The inspector shows the same switch on each listener.
  await page.locator('g.node[data-client="l1"] rect.node__box').click();
  await expect(page.locator('#opt-version-check')).toBeChecked();
  await page.screenshot({ path: 'test-results/lab.png' });
  // And off again: the same seed, the same wrong balance as before.
  await page.locator('#fix-version').uncheck();
  await expect(page.locator('#lab-verdict')).toContainText('negative balance × 1');
  // Per-resource ordering needs no versions: v2 and v3 wait for the failed +$70.
  await page.locator('#fix-ordered').check();
  await expect(page.locator('#lab-verdict')).toHaveText('No event applied out of order, twice, or lost so far.');
  await expect(lab).toContainText('held for an earlier event 2');
  await expect(lab.locator('tbody tr').first()).toHaveText(/account a1\s*\$10\s*3\s*3/);
});

test('a share link opens the same run at the same moment; a truncated one says why and the page still works', async ({ page, context }) => {
  await ready(page);
  await page.locator('#example').selectOption({ label: 'Concurrency lab: +$70, +$40, −$100 on two instances' });
  await page.locator('#fix-version').check();
  // a gesture with its time: l2 is killed at 1.15 s
  await page.evaluate(() => (window as any).natsPlayground.seek(1150));
  await page.locator('g.node[data-client="l2"] rect.node__box').click();
  await page.getByRole('button', { name: 'Kill (crash)' }).click();
  await page.evaluate(() => (window as any).natsPlayground.seek(9000));
  const trace = await page.evaluate(() => JSON.stringify((window as any).natsPlayground.trace()));
  expect(trace).toContain('"event":"killed","client":"l2"');
  await page.locator('#share').click();
  const link = await page.locator('#share-link').inputValue();
  expect(link).toMatch(/#s=[A-Za-z0-9+$-]+&t=9000$/);
  expect(page.url()).toBe(link);

  const other = await context.newPage();
  await other.goto(link);
  await other.waitForFunction(() => (window as any).natsPlayground);
  await expect(other.locator('#clock')).toHaveText('9.000 s');
  expect(await other.evaluate(() => JSON.stringify((window as any).natsPlayground.trace()))).toBe(trace);
  await expect(other.locator('#fix-version')).toBeChecked();
  await expect(other.locator('g.node[data-client="l2"]')).toContainText('killed');
  // A link pasted into the same tab (only the fragment changes) opens too; a broken one keeps the run.
  await page.locator('.modal button', { hasText: 'Close' }).click();
  await page.evaluate(() => (window as any).natsPlayground.seek(2000));
  await page.locator('#share').click();
  const link2 = await page.locator('#share-link').inputValue();
  await other.evaluate((h) => { location.hash = h; }, new URL(link2).hash);
  await expect(other.locator('#clock')).toHaveText('2.000 s');
  await other.evaluate(() => { location.hash = '#s=N4Ig!'; });
  await expect(other.locator('#error')).toContainText('The current run is kept.');
  await expect(other.locator('#clock')).toHaveText('2.000 s');

  const broken = await context.newPage();
  await broken.goto(link.replace(/&t=9000$/, '').slice(0, -40) + '&t=9000');
  await broken.waitForFunction(() => (window as any).natsPlayground);
  await expect(broken.locator('#error')).toHaveText(/This share link could not be opened: the link is truncated or was changed\. Showing the default scenario instead\./);
  await broken.keyboard.press(' ');
  await expect.poll(async () => broken.evaluate(() => (window as any).natsPlayground.now()), { timeout: 5000 }).toBeGreaterThan(0);
  const tampered = await context.newPage();
  await tampered.goto('/#s=<img src=x onerror=alert(1)>');
  await tampered.waitForFunction(() => (window as any).natsPlayground);
  await expect(tampered.locator('#error')).toContainText('the link has a character that cannot be in it (at position 1)');
});

test('back to real code: the TypeScript of a listener and the server deployment, copied as shown', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await ready(page);
  await page.locator('g.node[data-client="l1"] rect.node__box').click();
  await page.locator('#show-code').click();
  const src = page.locator('#code-source');
  await expect(src).toContainText("const stan: Stan = nats.connect('ticketing', 'l1', { url: 'http://localhost:4222' });");
  await expect(src).toContainText(".setManualAckMode(true)\n      .setAckWait(5 * 1000)\n      .setDeliverAllAvailable()\n      .setDurableName('orders-service');");
  await expect(src).toContainText("stan.subscribe('ticket:created', 'orders-service-queue-group', options);");
  await page.locator('#code-copy').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await src.textContent());
  // The server: command line and a Deployment + Service like the course's.
  await page.keyboard.press('Escape');
  await page.locator('#k8s summary').click();
  await expect(page.locator('#k8s-source')).toContainText('image: nats-streaming:0.17.0');
  await expect(page.locator('#k8s-source')).toContainText("'-hbi',\n              '5s',");
  await page.locator('#k8s-copy').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toContain('name: nats-srv');
});

test("a listener with two subscriptions: the inspector has a tab per subscription and edits the chosen one", async ({ page }) => {
  await ready(page);
  const two = JSON.stringify({
    until_ms: 0, seed: 1, server: { cluster_id: 'ticketing' },
    actions: [
      { at_ms: 0, do: 'connect', client: 'orders' },
      { at_ms: 0, do: 'subscribe', client: 'orders', sub: 's1', channel: 'ticket:created', queue: 'orders-service-queue-group' },
      { at_ms: 0, do: 'subscribe', client: 'orders', sub: 's2', channel: 'ticket:updated', queue: 'orders-service-queue-group' },
    ],
  });
  expect(await page.evaluate((s) => (window as any).natsPlayground.load(s), two)).toBeNull();
  await page.locator('g.node[data-client="orders"] rect.node__box').click();
  const tabs = page.locator('.inspector__subs [role=tab]');
  await expect(tabs).toHaveText(['ticket:created', 'ticket:updated']);
  await expect(page.locator('.inspector legend').first()).toHaveText('subscription s1 on ticket:created');
  await tabs.nth(1).click();
  await expect(page.locator('.inspector legend').first()).toHaveText('subscription s2 on ticket:updated');
  // Manual ack on ticket:updated: s2 is closed and s3 made with the option; the tab stays there.
  await page.locator('#opt-manual').check();
  await expect(page.locator('.inspector legend').first()).toHaveText('subscription s2 on ticket:updated');
  await page.locator('#opt-apply').click();
  await expect(page.locator('.inspector legend').first()).toHaveText('subscription s3 on ticket:updated');
  await expect(page.locator('#opt-manual')).toBeChecked();
  const subs = await page.evaluate(() => JSON.parse((window as any).natsPlayground.exportScenario()).actions.filter((a: any) => a.do === 'subscribe').map((a: any) => [a.sub, a.channel, a.manual_ack ?? false]));
  expect(subs).toEqual([['s1', 'ticket:created', false], ['s2', 'ticket:updated', false], ['s3', 'ticket:updated', true]]);
  await tabs.nth(0).click();
  await expect(page.locator('#opt-manual')).not.toBeChecked();
});

test('messages in flight: one shape per kind with readable labels, coloured like the legend', async ({ page }) => {
  // At 6.2 s of the course: #6 was published at 6.0 s and l2 acked it the instant it got it,
  // so its ack, going back, covers its delivery (which is not drawn).
  await page.goto('/?t=6200');
  await page.waitForFunction(() => (window as any).natsPlayground?.now() === 6200);
  const board = page.locator('svg.board');
  await expect(board.locator('g.dot')).toHaveCount(2);
  await expect(board.locator('g.dot--publish path')).toHaveCount(1);
  await expect(board.locator('g.dot--publish text')).toHaveText('6');
  await expect(board.locator('g.dot--ack text')).toHaveText('6');
  await expect(board.locator('g.dot--deliver')).toHaveCount(0);
  const fill = (sel: string) => page.locator(sel).first().evaluate((e) => getComputedStyle(e).fill);
  for (const kind of ['publish', 'ack']) {
    const onBoard = await fill(`svg.board g.dot--${kind} path`);
    expect(onBoard).not.toBe('rgb(0, 0, 0)');
    expect(await fill(`.legend g.dot--${kind} circle`)).toBe(onBoard);
  }
  expect(await fill('.legend g.dot--deliver circle')).not.toBe('rgb(0, 0, 0)');
});
