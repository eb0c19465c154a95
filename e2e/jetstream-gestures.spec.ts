import { test, expect, Page } from '@playwright/test';

// JetStream mode with gestures only (issue 13): the server switch opens an empty JetStream
// board; streams, consumers, publishers and listeners are added from the inspector, a
// listener is slowed down and killed, a held message is answered with m.nak(1000), and
// every change is a scenario action at the cursor (Undo, Export and Share carry it).

async function scrub(page: Page, ms: number) {
  await page.locator('#js-scrub').fill(String(ms));
  await page.locator('#js-scrub').dispatchEvent('input');
  await expect(page.locator('#js-clock')).toHaveText(new RegExp(`^${(ms / 1000).toFixed(3)} s / `));
}

const node = (page: Page, id: string) => page.locator(`#js-board [data-id="${id}"]`);

test('from an empty JetStream board to a killed deliver-group member whose messages move after one ack wait', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto('/');
  await page.waitForFunction(() => (window as any).natsPlayground);
  await page.locator('#srv-version').selectOption('jetstream');
  await expect(page.locator('#js-clock')).toHaveText('0.000 s / 30.0 s');
  await expect(page.locator('#js-board .js__node')).toHaveCount(0);
  // A stream, with the inspector's defaults.
  await page.locator('#js-add-stream').click();
  await expect(page.locator('#js-notice')).toHaveText('At 0.000 s: Added stream ORDERS. The run now goes on to 35.0 s.');
  await expect(node(page, 'stream:ORDERS')).toContainText('orders.>');
  // A consumer with a deliver group and a 2 s ack wait.
  await node(page, 'stream:ORDERS').click();
  await page.locator('#js-c-group').fill('orders-service');
  await page.locator('#js-c-wait').fill('2000');
  await page.locator('#js-add-consumer').click();
  await expect(node(page, 'consumer:0')).toContainText('push · group orders-service');
  await expect(node(page, 'consumer:0')).toContainText('ack wait 2.000 s · max 1000');
  await node(page, 'consumer:0').click();
  await expect(page.locator('#js-inspector')).toContainText('deliver_group: "orders-service"');
  await expect(page.locator('#js-inspector')).toContainText('.queue("orders-service")');
  await expect(page.locator('#js-inspector')).toContainText('.ackWait(2000)');
  // Two subscribers in the group (the queue field starts at the deliver group).
  await expect(page.locator('#js-l-queue')).toHaveValue('orders-service');
  await page.locator('#js-add-listener').click();
  await expect(page.locator('#js-inspector h2')).toHaveText('Subscriber s1 of l1');
  await node(page, 'consumer:0').click();
  await page.locator('#js-add-listener').click();
  await expect(node(page, 'sub:s2')).toContainText('l2 · queue orders-service');
  // s1's work takes 1 s from now on.
  await node(page, 'sub:s1').click();
  await page.locator('#js-b-process').fill('1000');
  await page.locator('#js-behave').click();
  // A publisher: once at 0 (seq 1), then ten, 100 ms apart (seqs 2–11 at 0–900 ms).
  await node(page, 'stream:ORDERS').click();
  await expect(page.locator('#js-pub-subject')).toHaveValue('orders.created');
  await page.locator('#js-add-publisher').click();
  await expect(page.locator('#js-inspector h2')).toHaveText('Publisher p1');
  await page.locator('#js-publish-10').click();
  await expect(page.locator('#js-notice')).toHaveText('At 0.000 s: p1 publishes 10 messages.');
  // At 500 ms s1 holds seqs 1–6 (seq 1 in its handler, the rest waiting behind it): the
  // seeded member choice gave it every message until then.
  await scrub(page, 500);
  await node(page, 'sub:s1').click();
  await expect(page.locator('.js__held-seq')).toHaveText(['seq 1 · delivery 1', 'seq 2 · delivery 1', 'seq 3 · delivery 1', 'seq 4 · delivery 1', 'seq 5 · delivery 1', 'seq 6 · delivery 1']);
  await expect(node(page, 'sub:s1')).toContainText('manualAck() · 6 unanswered');
  // Kill it: the server sees the socket end at once, but its messages wait one ack wait.
  await page.locator('#js-kill').click();
  await expect(page.locator('#js-notice')).toHaveText('At 0.500 s: Killed l1. The run now goes on to 35.5 s.');
  await expect(node(page, 'sub:s1')).toContainText('killed');
  await expect(page.locator('#js-log li').first()).toContainText('0.500');
  await scrub(page, 2000);
  await expect(node(page, 'consumer:0')).toContainText('pending 6');
  await expect(page.locator('#js-log li', { hasText: /→ .*delivery 2$/ })).toHaveCount(0);
  await scrub(page, 3000);
  const moved = page.locator('#js-log li', { hasText: /→ .*delivery 2$/ });
  await expect(moved).toHaveText([
    '2.401 c1 → s2 (l2): seq 6, consumer seq 17, delivery 2',
    '2.301 c1 → s2 (l2): seq 5, consumer seq 16, delivery 2',
    '2.201 c1 → s2 (l2): seq 4, consumer seq 15, delivery 2',
    '2.101 c1 → s2 (l2): seq 3, consumer seq 14, delivery 2',
    '2.001 c1 → s2 (l2): seq 2, consumer seq 13, delivery 2',
    '2.001 c1 → s2 (l2): seq 1, consumer seq 12, delivery 2',
  ]);
  await expect(node(page, 'consumer:0')).toContainText('ack floor 11 · pending 0');
  // Export is the scenario with every gesture as an action.
  const href = await page.locator('#js-export').getAttribute('href');
  const exported = await page.evaluate(async (h) => (await fetch(h!)).text(), href);
  const doc = JSON.parse(exported);
  expect(doc.server).toEqual({ kind: 'jetstream' });
  expect(doc.until_ms).toBe(35500);
  expect(doc.actions.at(-1)).toEqual({ at_ms: 500, do: 'kill', client: 'l1' });
  expect(doc.actions.filter((a: any) => a.do === 'publish')).toEqual([
    { at_ms: 0, do: 'publish', client: 'p1', subject: 'orders.created' },
    { at_ms: 0, do: 'publish', client: 'p1', subject: 'orders.created', count: 10, every_ms: 100 },
  ]);
  // The nats.js code of each process follows the run.
  await expect(page.locator('#js-files summary')).toHaveText(['setup.ts', 'l1.ts', 'l2.ts', 'p1.ts', 'nats-server.conf', 'nats-js.yaml']);
  await page.locator('#js-files summary', { hasText: 'setup.ts' }).click();
  await expect(page.locator('#js-files')).toContainText('await jsm.consumers.add("ORDERS", { durable_name: "c1", deliver_subject: "_deliver.ORDERS.c1", deliver_group: "orders-service", deliver_policy: DeliverPolicy.All, ack_policy: AckPolicy.Explicit, ack_wait: nanos(2000) });');
  // Undo takes the kill back: l1 runs on.
  await page.locator('#js-undo').click();
  await expect(page.locator('#js-notice')).toHaveText('Undone: the run is as it was before the last change.');
  await expect(node(page, 'sub:s1')).toContainText('running');
  await expect(page.locator('#js-log li', { hasText: 'l1 was killed' })).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a held message answered with m.nak(1000) comes back one second later; a share link keeps the change', async ({ page, context }) => {
  await page.goto('/?scenario=jetstream-group-kill');
  await scrub(page, 500);
  await node(page, 'sub:s1').click();
  const first = (await page.locator('.js__held-seq').first().textContent())!;
  const seq = Number(first.match(/^seq (\d+) · delivery 1$/)![1]);
  await page.locator(`#js-answer-${seq}-nak1000`).click();
  await expect(page.locator('#js-notice')).toHaveText(`At 0.500 s: s1 answers seq ${seq} with m.nak(1000). The run now goes on to 35.5 s.`);
  await expect(page.locator('#js-log li', { hasText: 'sends -NAK' })).toHaveText([`0.500 s1 sends -NAK {"delay":1000000000} (1.000 s) for seq ${seq} (delivery 1)`]);
  await expect(page.locator('#js-log li').first()).toHaveText(`0.500 MSG_NAKED: orders seq ${seq} (delivery 1)`);
  await scrub(page, 1600);
  await expect(page.locator('#js-log li', { hasText: `: seq ${seq}, ` }).filter({ hasText: 'delivery 2' }).first()).toContainText('1.501');
  await page.locator('#js-share').click();
  const link = await page.locator('#js-share-link').inputValue();
  const other = await context.newPage();
  await other.goto(link);
  await expect(other.locator('#js-clock')).toHaveText(/^1\.600 s \/ /);
  await expect(other.locator('#js-log')).toContainText(`s1 sends -NAK {"delay":1000000000} (1.000 s) for seq ${seq} (delivery 1)`);
});

test('what the server refuses from a gesture is in the log, and the board keeps working', async ({ page }) => {
  await page.goto('/');
  await page.waitForFunction(() => (window as any).natsPlayground);
  await page.locator('#srv-version').selectOption('jetstream');
  await page.locator('#js-new-stream').fill('my orders');
  await page.locator('#js-add-stream').click();
  await expect(page.locator('#js-log li').first()).toHaveText("0.000 action 0 failed: stream name is required and can not contain '.', '*', '>' (500/10052)");
  await expect(page.locator('#js-board .js__node')).toHaveCount(0);
  await page.locator('#js-new-stream').fill(`<b"&'x`);
  await page.locator('#js-add-stream').click();
  await expect(page.locator('#js-board .js__node')).toHaveCount(1);
  await expect(page.locator('#js-board b')).toHaveCount(0);
  await expect(page.locator('#js-board .js__title')).toHaveText(`<b"&'x`);
});

/** Drags the board node `from` to the centre of `to` with the mouse, in steps. */
async function drag(page: Page, from: string, to: string) {
  const a = (await page.locator(from).boundingBox())!;
  const b = (await page.locator(to).boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) {
    await page.mouse.move(a.x + a.width / 2 + ((b.x + b.width / 2) - (a.x + a.width / 2)) * i / 8, a.y + a.height / 2 + ((b.y + b.height / 2) - (a.y + a.height / 2)) * i / 8);
  }
  await page.mouse.up();
}

test('a subscriber dragged out of its deliver group into a new one gets the whole stream from its new consumer, and dragged back it shares again', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?scenario=jetstream-group-kill');
  await scrub(page, 300);
  // s1 and s2 sit in the frame of orders' deliver group.
  await expect(page.locator('#js-board .js__group-name')).toHaveText(['deliver group orders-service']);
  await drag(page, '#js-board [data-id="sub:s2"]', '#js-new-group');
  await expect(page.locator('#js-notice')).toHaveText('At 0.300 s: s2 left its consumer for a new consumer on ticket with a deliver group of its own. The run now goes on to 35.3 s.');
  await expect(page.locator('#js-inspector h2')).toHaveText('Subscriber s3 of l2');
  await expect(node(page, 'consumer:1')).toContainText('push · group group-1');
  await expect(page.locator('#js-board .js__group-name')).toHaveText(['deliver group orders-service', 'deliver group group-1']);
  await expect(node(page, 'sub:s2')).toContainText('unsubscribed');
  await expect(node(page, 'sub:s3')).toContainText('l2 · queue group-1');
  // The new consumer delivers all (the default): the stream's 12 messages at once.
  const fresh = page.locator('#js-log li', { hasText: 'group-1 → s3 (l2)' });
  await expect(fresh).toHaveCount(12);
  await expect(fresh.last()).toHaveText('0.300 group-1 → s3 (l2): seq 1, consumer seq 1, delivery 1');
  await expect(fresh.first()).toHaveText('0.300 group-1 → s3 (l2): seq 12, consumer seq 12, delivery 1');
  // Back into orders-service's frame: s4 of l2 joins the group again.
  await drag(page, '#js-board [data-id="sub:s3"]', '#js-board .js__group-box >> nth=0');
  await expect(page.locator('#js-notice')).toHaveText("At 0.300 s: s3 left its consumer and joined orders's deliver group orders-service.");
  await expect(node(page, 'sub:s4')).toContainText('l2 · queue orders-service');
  // The twin in the inspector does the same without a drag.
  await node(page, 'sub:s4').click();
  await page.locator('#js-move-to').selectOption({ label: 'group-1 on ticket, deliver group group-1' });
  await page.locator('#js-move').click();
  await expect(page.locator('#js-notice')).toHaveText("At 0.300 s: s4 left its consumer and joined group-1's deliver group group-1.");
  // Every move is a pair of actions at the cursor in the exported scenario; the scripted
  // kill of l1 at 600 ms stays.
  const href = await page.locator('#js-export').getAttribute('href');
  const doc = JSON.parse(await page.evaluate(async (h) => (await fetch(h!)).text(), href));
  expect(doc.actions.at(-1)).toEqual({ at_ms: 600, do: 'kill', client: 'l1' });
  expect(doc.actions.filter((a: any) => a.at_ms === 300)).toEqual([
    { at_ms: 300, do: 'add_consumer', stream: 'ticket', consumer: 'group-1', deliver_group: 'group-1' },
    { at_ms: 300, do: 'unsubscribe', sub: 's2' },
    { at_ms: 300, do: 'subscribe', client: 'l2', sub: 's3', stream: 'ticket', consumer: 'group-1', queue: 'group-1', process_ms: 100 },
    { at_ms: 300, do: 'unsubscribe', sub: 's3' },
    { at_ms: 300, do: 'subscribe', client: 'l2', sub: 's4', stream: 'ticket', consumer: 'orders', queue: 'orders-service', process_ms: 100 },
    { at_ms: 300, do: 'unsubscribe', sub: 's4' },
    { at_ms: 300, do: 'subscribe', client: 'l2', sub: 's5', stream: 'ticket', consumer: 'group-1', queue: 'group-1', process_ms: 100 },
  ]);
  await page.screenshot({ path: 'test-results/js-drag.png', fullPage: false });
  expect(errors).toEqual([]);
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  test('the JetStream board is one column and a finger drags a subscriber into a new deliver group', async ({ page }) => {
    await page.goto('/?scenario=jetstream-group-kill');
    await scrub(page, 300);
    // one column: every node at the same x, nothing wider than the phone
    const xs = await page.locator('#js-board .js__node').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().x)));
    expect(new Set(xs).size).toBe(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const a = (await page.locator('#js-board [data-id="sub:s2"]').boundingBox())!;
    const z = (await page.locator('#js-new-group').boundingBox())!;
    const cdp = await page.context().newCDPSession(page);
    const at = (x: number, y: number) => [{ x, y, id: 1 }];
    const scrollBefore = await page.evaluate(() => window.scrollY);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(a.x + 30, a.y + 20) });
    for (let i = 1; i <= 8; i++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(a.x + 30, a.y + 20 + (z.y + 15 - a.y - 20) * i / 8) });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await expect(page.locator('#js-notice')).toHaveText('At 0.300 s: s2 left its consumer for a new consumer on ticket with a deliver group of its own. The run now goes on to 35.3 s.');
    expect(await page.evaluate(() => window.scrollY)).toBe(scrollBefore); // the finger dragged, it did not scroll
    await expect(node(page, 'sub:s3')).toContainText('l2 · queue group-1');
  });
});
