import { test, expect, Page } from '@playwright/test';
import { api, open } from './helpers';

// Gestures that must do what the real client does (issue: a page that never dies, §3): a
// duplicate client id, the course's restart (a kill, then a new process), restarting a node
// the server dropped, and bad values typed into the board. Each checks the trace and the
// page's own `channelsz?subs=1` panel at exact times.

/** The example `name`, its console and page errors collected. */
async function example(page: Page, name: string) {
  return (await open(page, `/?scenario=${name}`)).errors;
}

async function seek(page: Page, t: number) {
  await api(page, 'seek', t);
  await expect.poll(() => api(page, 'now')).toBe(t);
}

/** `GET /streaming/channelsz?subs=1` as the page's monitoring panel shows it: (client, queue) per subscription
 * (polled: the panel renders on the frame after a seek). */
async function channelsz(page: Page): Promise<string[]> {
  await page.getByRole('tab', { name: 'channelsz?subs=1' }).click();
  const text = await page.locator('#monitor').innerText();
  expect(text.startsWith('GET /streaming/channelsz?subs=1\n')).toBe(true);
  const body = JSON.parse(text.slice(text.indexOf('\n') + 1));
  return (body.channels ?? []).flatMap((c: any) => (c.subscriptions ?? []).map((s: any) => `${s.client_id} ${s.queue_name ?? ''}`.trim())).sort();
}

const node = (page: Page, id: string) => page.locator(`g.node[data-client="${id}"]`);

test('a second listener 123 is refused with the server\'s words and never subscribes through the first', async ({ page }) => {
  const errors = await example(page, 'empty');
  await page.locator('#new-client-id').fill('123');
  await page.locator('#add-listener').click();
  await seek(page, 2000);
  await page.keyboard.press('Escape');
  await page.locator('#new-client-id').fill('123');
  await page.locator('#add-listener').click();
  await seek(page, 3000);
  const trace: any[] = await api(page, 'trace');
  const mine = trace.filter(e => e.client === '123' && ['connected', 'connect_failed', 'subscribed', 'subscribe_failed'].includes(e.event)).map(e => [e.t, e.event, e.error ?? '']);
  expect(mine).toEqual([
    [0, 'connected', ''],
    [0, 'subscribed', ''],
    [2000, 'connect_failed', 'stan: clientID already registered'],
    [2000, 'subscribe_failed', "Cannot read properties of undefined (reading 'emit')"],
  ]);
  await expect.poll(() => channelsz(page)).toEqual(['123']);
  // One node, a listener, with the refusal as its note.
  await expect(node(page, '123')).toHaveCount(1);
  await expect(node(page, '123')).toHaveClass(/node--listener/);
  await expect(node(page, '123')).toContainText('listener 123');
  await expect(node(page, '123')).toContainText('a second process was refused at 2.0 s');
  await expect(node(page, '123')).toContainText('stan: clientID already registered');
  // A publish now reaches 123 once.
  await page.keyboard.press('Escape');
  await page.locator('#add-publisher').click();
  await page.locator('#publish-once').click();
  await seek(page, 4000);
  const got = ((await api(page, 'trace')) as any[]).filter(e => e.event === 'delivered' && e.client === '123').map(e => [e.t, e.seq]);
  expect(got).toEqual([[3000, 1]]);
  await page.screenshot({ path: 'test-results/duplicate-id.png' });
  expect(errors).toEqual([]);
});

for (const [v, gone] of [['0.17', 35000], ['0.25', 20000]] as const) {
  test(`restart with a new random id on ${v}: the old process is killed and stays in channelsz until its heartbeats fail at ${gone / 1000} s`, async ({ page }) => {
    const errors = await example(page, `course-queue-kill-${v}`);
    await seek(page, 6000);
    await node(page, 'l2').locator('rect.node__box').click();
    await page.getByRole('button', { name: 'Restart, new random id' }).click();
    const id: string = await page.locator('.inspector__id').first().innerText();
    expect(id).toMatch(/^[0-9a-f]{8}$/);
    const trace: any[] = await api(page, 'trace');
    expect(trace.filter(e => e.t === 6000 && ['killed', 'connected', 'subscribed'].includes(e.event)).map(e => `${e.event} ${e.client}`)).toEqual([
      'killed l2', `connected ${id}`, `subscribed ${id}`,
    ]);
    // The old client is a zombie: killed, still held by the server.
    await seek(page, gone - 1);
    await expect(node(page, 'l2')).toContainText('killed ·');
    const q = 'orders-service:orders-service-queue-group';
    await expect.poll(() => channelsz(page)).toEqual([`${id} ${q}`, `l1 ${q}`, `l2 ${q}`].sort());
    await seek(page, gone);
    await expect.poll(() => channelsz(page)).toEqual([`${id} ${q}`]);
    const closed = ((await api(page, 'trace')) as any[]).find(e => e.event === 'client_closed' && e.client === 'l2');
    expect([closed.t, closed.reason]).toEqual([gone, 'heartbeat']);
    expect(errors).toEqual([]);
  });
}

test('restart with the same client id on 0.17: a listener in its group while the server checks the old one for 500 ms, then it replaces it', async ({ page }) => {
  const errors = await example(page, 'course-queue-kill-0.17');
  await seek(page, 6000);
  await node(page, 'l2').locator('rect.node__box').click();
  await page.getByRole('button', { name: 'Restart, same client id' }).click();
  await seek(page, 6200);
  await expect(node(page, 'l2')).toHaveClass(/node--listener/);
  await expect(node(page, 'l2')).toContainText('connecting…');
  await expect(node(page, 'l2')).toContainText('subscribing…');
  // Drawn inside its queue group's box.
  const g = await page.locator('g.group').first().boundingBox();
  const n = await node(page, 'l2').locator('rect.node__box').boundingBox();
  expect(n!.y >= g!.y && n!.y + n!.height <= g!.y + g!.height).toBe(true);
  await seek(page, 6500);
  const c = ((await api(page, 'trace')) as any[]).filter(e => e.event === 'connected' && e.client === 'l2').map(e => [e.t, e.replaced]);
  expect(c).toEqual([[0, false], [6500, true]]);
  await expect(node(page, 'l2')).toContainText('running');
  const q = 'orders-service:orders-service-queue-group';
  await expect.poll(() => channelsz(page)).toEqual([`l1 ${q}`, `l2 ${q}`]);
  expect(errors).toEqual([]);
});

test('a listener the server dropped stays on the board and starts again from its node', async ({ page }) => {
  const errors = await example(page, 'course-queue-kill-0.17');
  await seek(page, 38500);
  await expect(node(page, 'l1')).toContainText('killed · the server dropped it');
  const q = 'orders-service:orders-service-queue-group';
  await expect.poll(() => channelsz(page)).toEqual([`l2 ${q}`]);
  await node(page, 'l1').locator('rect.node__box').click();
  await expect(page.getByRole('button', { name: 'Kill (crash)' })).toBeDisabled();
  await page.getByRole('button', { name: 'Restart, same client id' }).click();
  await seek(page, 38500);
  await expect.poll(() => channelsz(page)).toEqual([`l1 ${q}`, `l2 ${q}`]);
  await expect(node(page, 'l1')).toContainText('running');
  expect(errors).toEqual([]);
});

test('bad values typed into the board are named at the field and on the node, in the server\'s words', async ({ page }) => {
  const errors = await example(page, 'empty');
  // Said before it is tried…
  await page.locator('#new-client-id').fill('a b');
  await expect(page.locator('#new-client-id-note')).toHaveText('The server will refuse this client id: stan: invalid clientID: only alphanumeric and `-` or `_` characters allowed');
  await expect(page.locator('#new-client-id')).toHaveAttribute('aria-invalid', 'true');
  await page.locator('#new-client-id').fill('ok_1');
  await expect(page.locator('#new-client-id-note')).toHaveCount(0);
  await page.locator('#new-client-id').fill('<b>x</b>');
  await page.locator('#add-listener').click();
  // …and shown on the node when the server refuses it.
  await seek(page, 500);
  await expect(node(page, '<b>x</b>')).toContainText('✕ connect refused at 0.0 s');
  await expect(node(page, '<b>x</b>')).toContainText('stan: invalid clientID');
  await expect(node(page, '<b>x</b>')).toContainText('✕ not subscribed');
  expect(await page.locator('g.node b').count()).toBe(0);
  await page.keyboard.press('Escape');
  await page.locator('#new-channel').fill('orders.*');
  await expect(page.locator('#new-channel-note')).toContainText('The server will refuse this channel: stan: invalid subject');
  await page.locator('#new-client-id').fill('x1');
  await page.locator('#add-listener').click();
  await seek(page, 1000);
  // A listener on a channel the server refuses is still a listener.
  await expect(node(page, 'x1')).toHaveClass(/node--listener/);
  await expect(node(page, 'x1')).toContainText('✕ not subscribed');
  await expect(node(page, 'x1')).toContainText('stan: invalid subject');
  await expect.poll(() => channelsz(page)).toEqual([]);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: 'test-results/bad-values.png' });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('svg.board').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/bad-values-phone.png' });
  expect(errors).toEqual([]);
});

test('keyboard: a board node is focusable, says its state, opens its inspector with Enter and is killed with k', async ({ page }) => {
  const errors = await example(page, 'course-queue-kill-0.17');
  await seek(page, 2000);
  const l2 = node(page, 'l2');
  await expect(l2).toHaveAccessibleName('listener l2, running');
  await l2.focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.inspector__id').first()).toHaveText('l2');
  await expect(l2).toHaveAttribute('aria-pressed', 'true');
  await l2.focus();
  await page.keyboard.press('k');
  const killed = ((await api(page, 'trace')) as any[]).filter(e => e.event === 'killed').map(e => [e.t, e.client]);
  expect(killed).toEqual([[2000, 'l2']]);
  await expect(l2).toHaveAccessibleName(/^listener l2, killed · 0\/3 heartbeats missed, server drops it at 30\.0 s/);
  // The example's scripted kill of l1 at 5.5 s names nothing this kill ended: it stays.
  await expect(page.locator('#notice')).toHaveText(/Changed at 2\.0 s\. Still scripted after it: kill l1 at 5\.5 s\./);
  // What the board shows is also said: the live region names the drop when it comes.
  await seek(page, 30000);
  await expect(page.locator('#announce')).toHaveText('At 30.000 s, the server dropped l2: timed out on heartbeats');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('heading', { name: 'Server' }).first()).toBeVisible();
  expect(errors).toEqual([]);
});
