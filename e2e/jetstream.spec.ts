import { test, expect, Page } from '@playwright/test';

// JetStream mode (issue 13, first page step): its module loads only when a JetStream
// scenario opens; the board, log and /jsz show the simulated nats-server 2.9.10 at the cursor.

async function scrub(page: Page, ms: number) {
  await page.locator('#js-scrub').fill(String(ms));
  await page.locator('#js-scrub').dispatchEvent('input');
  await expect(page.locator('#js-clock')).toHaveText(new RegExp(`^${(ms / 1000).toFixed(3)} s / `));
}

test('the NATS Streaming page does not download JetStream mode', async ({ page }) => {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  await page.goto('/');
  await page.waitForFunction(() => (window as any).natsPlayground);
  await page.waitForTimeout(500);
  expect(urls.filter((u) => u.includes('/jetstream/'))).toEqual([]);
});

test('a deliver group member killed while holding messages: they stay pending one ack wait, then move to the survivor', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto('/?scenario=jetstream-group-kill');
  await expect(page.locator('#js-board')).toBeVisible();
  await expect(page.locator('#js-clock')).toHaveText('0.000 s / 3.2 s');
  const node = (id: string) => page.locator(`#js-board [data-id="${id}"]`);
  await expect(node('stream:ticket')).toContainText('ticket.>');
  await expect(node('consumer:0')).toContainText('push · group orders-service');
  await scrub(page, 700);
  await expect(node('sub:s1')).toContainText('killed');
  await expect(node('stream:ticket')).toContainText('seq 1…12 · 12 msgs');
  // What l1 held is still pending on the consumer (it never acked), nothing redelivered yet.
  const held = Number((await node('sub:s1').textContent())!.match(/(\d+) unanswered/)![1]);
  expect(held).toBeGreaterThan(0);
  await expect(node('consumer:0')).toContainText(`ack floor 0 · pending ${held}`);
  await expect(node('consumer:0')).toContainText('redelivered 0');
  await scrub(page, 2150);
  await expect(node('consumer:0')).toContainText(`redelivered ${held}`);
  const moved = page.locator('#js-log li', { hasText: 'delivery 2' });
  await expect(moved).toHaveCount(held);
  await expect(moved.first()).toContainText('2.101');
  await expect(moved.first()).toContainText('orders → s2 (l2)');
  await expect(page.locator('#js-traps')).toHaveCount(0);
  // /jsz at the cursor, with the real field names.
  await page.locator('#js-jsz').click();
  await expect(page.locator('#js-jsz-body')).toContainText('"num_redelivered"');
  await expect(page.locator('#js-jsz-body')).toContainText('"deliver_group": "orders-service"');
  // Play runs to the end and stops there.
  await page.locator('#js-speed').selectOption('10');
  await page.locator('#js-play').click();
  await expect(page.locator('#js-clock')).toHaveText('3.200 s / 3.2 s', { timeout: 5000 });
  await expect(page.locator('#js-play')).toHaveText('Play');
  // Back to the NATS Streaming board.
  await page.locator('#js-back').click();
  await expect(page.locator('#jetstream')).toHaveCount(0);
  await expect(page.locator('#clock')).toBeVisible();
  expect(errors).toEqual([]);
});

test('JetStream examples are in the menu, and a broken JetStream scenario is refused naming the place', async ({ page }) => {
  await page.goto('/');
  await page.waitForFunction(() => (window as any).natsPlayground);
  await page.evaluate(() => (window as any).natsPlayground.seek(3000));
  await page.locator('#import').click();
  await page.locator('#import-text').fill('{"until_ms": 100, "server": {"kind": "jetstream"}, "actions": [{"at_ms": 0, "do": "close_sub"}]}');
  await page.locator('#import-load').click();
  await expect(page.locator('#error')).toContainText('actions[0].do: unknown verb "close_sub" in a JetStream scenario');
  await expect(page.locator('#jetstream')).toHaveCount(0);
  await expect(page.locator('#clock')).toHaveText('3.000 s');
  await page.locator('#example').selectOption({ label: 'JetStream: pull requests, their batches and statuses' });
  await expect(page.locator('#js-board [data-id="consumer:0"]')).toContainText('pull · 0 waiting');
  await scrub(page, 1700);
  // f's batch of 5 fills (seq 1–5: w has no filter), so it ends without a status; g's
  // no_wait requests end at once: 404 with nothing there, 408 once what there was went out.
  await expect(page.locator('#js-log li', { hasText: "f's pull request ends" })).toHaveCount(0);
  await expect(page.locator('#js-log')).toContainText('w → f (a): seq 5, consumer seq 5, delivery 1');
  await expect(page.locator('#js-log')).toContainText("g's pull request ends: 404 No Messages");
  await expect(page.locator('#js-log')).toContainText("g's pull request ends: 408 Request Timeout (3 not delivered)");
  await expect(page.locator('#js-log')).toContainText("k's pull request ends: 409 Consumer Deleted");
});

test('a JetStream example is fetched when opened: one that cannot be fetched is named in the error and the run stays', async ({ page }) => {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(new URL(r.url()).pathname));
  await page.route('**/jetstream/scenarios/nak-wpi-term.json', (r) => r.fulfill({ status: 404, body: 'gone' }));
  await page.goto('/');
  await page.waitForFunction(() => (window as any).natsPlayground);
  await page.evaluate(() => (window as any).natsPlayground.seek(2000));
  await page.locator('#example').selectOption({ label: 'JetStream: nak, nak with delay, in progress and term' });
  await expect(page.locator('#error')).toContainText('load: jetstream/scenarios/nak-wpi-term.json: HTTP 404');
  await expect(page.locator('#jetstream')).toHaveCount(0);
  await expect(page.locator('#clock')).toHaveText('2.000 s');
  // The others are there: the file, then JetStream mode's module, load on the pick.
  await page.locator('#example').selectOption({ label: 'JetStream: max_deliver gives up on a message, silently' });
  await expect(page.locator('#jetstream')).toHaveCount(1);
  expect(urls).toContain('/jetstream/scenarios/maxdeliver-push.json');
});

test('the run names the JetStream trap it shows, when it shows it', async ({ page }) => {
  await page.goto('/?scenario=jetstream-max-deliver');
  await expect(page.locator('#js-board')).toBeVisible();
  await scrub(page, 3104);
  await expect(page.locator('#js-traps')).toHaveCount(0);
  await scrub(page, 3105);
  await expect(page.locator('#js-traps')).toContainText('3.105 s — c gave up on seq 1 after 3 deliveries. No error reaches the application');
  await expect(page.locator('#js-log li').first()).toContainText('MAX_DELIVERIES');
});

test('a JetStream run is shared by link at its cursor and exported as its scenario file', async ({ page, context }) => {
  await page.goto('/?scenario=jetstream-group-kill');
  await expect(page.locator('#js-board')).toBeVisible();
  await scrub(page, 2150);
  await page.locator('#js-share').click();
  const link = await page.locator('#js-share-link').inputValue();
  expect(link).toMatch(/#s=[A-Za-z0-9+\-$]+&t=2150$/);
  const href = await page.locator('#js-export').getAttribute('href');
  expect(href).toMatch(/^blob:/);
  const exported = JSON.parse(await page.evaluate(async (h) => (await fetch(h!)).text(), href));
  expect(exported.server).toEqual({ kind: 'jetstream' });
  expect(exported.actions[7]).toMatchObject({ at_ms: 600, do: 'kill', client: 'l1' });
  const other = await context.newPage();
  await other.goto(link);
  await expect(other.locator('#js-clock')).toHaveText('2.150 s / 3.2 s');
  await expect(other.locator('#js-board [data-id="sub:s1"]')).toContainText('killed');
  await expect(other.locator('#js-log li', { hasText: 'delivery 2' }).first()).toContainText('2.101');
});

test('the JetStream timeline draws each delivery with its ack wait: the killed member holds seqs 1,3,4,5,7,9,12 for 2 s, then they move', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?scenario=jetstream-group-kill');
  const tl = page.locator('#js-timeline');
  await expect(tl).toBeVisible();
  await expect(tl.locator('.jst__lane')).toHaveText(['s1 (l1)', 's2 (l2)']);
  // It draws what happened by the cursor: at 0 s, nothing yet.
  await expect(tl.locator('.jst__item')).toHaveCount(0);
  await page.locator('#js-scrub').fill('3200');
  await page.locator('#js-scrub').dispatchEvent('input');
  // The killed member's bars run their whole ack wait (red, ended by its deadline).
  const expired = tl.locator('.jst__item:has(.jst__wait--expired)');
  await expect(expired).toHaveCount(7);
  expect(await expired.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))).sort((a, b) => a - b))).toEqual([1, 3, 4, 5, 7, 9, 12]);
  await expect(expired.first().locator('title')).toHaveText(/to s1 at 0\.100 s; ack wait 2\.0 s/);
  // Each comes again (orange) to s2 after the ack wait, and is acked.
  const again = tl.locator('.jst__item:has(.jst__dot--again)');
  await expect(again).toHaveCount(7);
  await expect(again.first().locator('title')).toHaveText(/delivery 2\) to s2 at 2\.10\d s/);
  await expect(tl.locator('.jst__mark--ack')).toHaveCount(12);
  // A click on the timeline moves the cursor there.
  const box = (await tl.boundingBox())!;
  await tl.click({ position: { x: box.width * (140 + 860 * 0.5) / 1010, y: 10 } });
  await expect(page.locator('#js-clock')).toHaveText(/^1\.[5-6]\d\d s \//);
  // and what comes later is not drawn yet: the redeliveries at 2.1 s.
  await expect(tl.locator('.jst__item:has(.jst__dot--again)')).toHaveCount(0);
  expect(errors).toEqual([]);
});
