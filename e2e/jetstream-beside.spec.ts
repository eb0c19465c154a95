import { test, expect } from '@playwright/test';

// The NATS Streaming run translated into JetStream under the board, on the same clock
// (issue 13, side by side): a killed queue member is a zombie in STAN until its heartbeats
// fail, while JetStream sees it gone at once and sends the next message to the survivor.

test('a killed queue member: STAN still sends it a message, JetStream gives it to the survivor', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto('/?scenario=course-queue-kill-0.17');
  await page.waitForFunction(() => (window as any).natsPlayground);
  await page.locator('#beside-toggle').click();
  const beside = page.locator('#jetstream-beside');
  await expect(beside).toBeVisible();
  await page.evaluate(() => (window as any).natsPlayground.seek(9000));
  await expect(beside.locator('#js-clock')).toHaveText('9.000 s / 40.5 s');
  await expect(beside.locator('[data-id="consumer:0"]')).toContainText('push · group orders-service-que');
  await expect(beside.locator('[data-id="sub:s1"]')).toContainText('killed');
  // JetStream: seq 7 (published at 7 s, after the kill at 5.5 s) goes to l2.
  await expect(beside.locator('#js-log')).toContainText('orders-service → s2 (l2): seq 7, consumer seq 7, delivery 1');
  await expect(beside.locator('#js-log li', { hasText: '→ s1' })).toHaveText([/seq 5,/, /seq 3,/, /seq 1,/]);
  // Where they differ, said when the runs show it.
  // (each part dated when it shows, naming nothing later: at 9 s, the kill and seq 7 sent into the void)
  await expect(beside.locator('#js-diffs li')).toHaveText([
    '5.500 s — l1 killed at 5.5 s. JetStream sees its connection end at once (l1 held nothing unacked); NATS Streaming still counts it a member until its heartbeats fail (l1 held nothing unacked).',
    '7.000 s — NATS Streaming sent the dead l1 seq 7 at 7.0 s: nobody receives it until its ack wait runs out; JetStream sends it nothing.',
  ]);
  // STAN: the zombie l1 got seq 7 and holds it.
  await expect(page.locator('#trace')).toContainText('s1 ticket:created #7');
  // The clock drives it.
  await page.evaluate(() => (window as any).natsPlayground.seek(3000));
  await expect(beside.locator('#js-clock')).toHaveText('3.000 s / 40.5 s');
  await expect(beside.locator('[data-id="sub:s1"]')).toContainText('running');
  await expect(beside.locator('#js-diffs')).toHaveCount(0);
  // A change of the STAN run is translated again: a new plain listener is an ephemeral consumer.
  await page.locator('#add-listener').click();
  await expect(beside.locator('[data-id="consumer:1"]')).toBeVisible();
  await expect(beside.locator('#js-log')).toContainText('ephemeral push consumer');
  // Open it in JetStream mode at the cursor, and back.
  await beside.locator('#js-open').click();
  await expect(page.locator('#jetstream')).toBeVisible();
  await expect(page.locator('#jetstream #js-clock')).toHaveText(/^3\.000 s \/ /);
  await page.locator('#js-back').click();
  await expect(page.locator('#jetstream-beside')).toBeVisible();
  await page.locator('#js-beside-close').click();
  await expect(page.locator('#jetstream-beside')).toHaveCount(0);
  await expect(page.locator('#beside-toggle')).toHaveAttribute('aria-pressed', 'false');
  expect(errors).toEqual([]);
});
