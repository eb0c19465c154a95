import { test, expect } from '@playwright/test';

// Lessons' JetStream variants (issue 13): a tab of the course lesson opens JetStream mode,
// which pauses at the variant's predict-then-reveal checkpoints; the answers are the
// lesson's (saved in the browser), and Back returns to the lesson's first tab.

test('health checks on JetStream: the run pauses at 2 s to ask when the killed member\'s seq 1 moves, and shows it at 5.101 s', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?lesson=health-checks');
  await expect(page.locator('#lesson')).toBeVisible();
  await page.locator('#lesson .lesson__variants button', { hasText: 'JetStream: a killed member' }).click();
  const lesson = page.locator('#js-lesson');
  await expect(lesson).toBeVisible();
  await expect(lesson.locator('h2')).toHaveText('Why channelsz?subs=1 shows three subscriptions for a while');
  await expect(lesson.locator('[role=tab][aria-selected=true]')).toHaveText('JetStream: a killed member');
  await expect(lesson.locator('.lesson__checkpoints li')).toHaveText(['○ at 2.0 s: l1 was killed at 1.5 s while working on seq 1, first sent at 0.1 s; the consumer\'s ack wait is 5 s. When does the server send seq 1 to l2?']);
  // Nothing is drawn ahead of the cursor: the timeline does not give the answer away.
  await expect(page.locator('#js-timeline .jst__item')).toHaveCount(0);
  await page.locator('#js-speed').selectOption('5');
  await page.locator('#js-play').click();
  const box = page.locator('#js-checkpoint');
  await expect(box).toContainText('Paused at 2.0 s: what do you predict?', { timeout: 5000 });
  await expect(page.locator('#js-clock')).toHaveText('2.000 s / 8.0 s');
  await expect(page.locator('#js-play')).toHaveText('Play');
  await expect(page.locator('#js-timeline .jst__item:has(.jst__dot--again)')).toHaveCount(0);
  // A wrong answer, then the right one.
  await box.locator('.checkpoint__choice', { hasText: 'after heartbeats fail, about 35 s' }).click();
  await expect(box.locator('h3')).toHaveText('Not quite.');
  await expect(box).toContainText('You answered: after heartbeats fail, about 35 s.');
  await page.locator('#js-checkpoint-retry').click();
  await box.locator('.checkpoint__choice', { hasText: 'at about 5.1 s: one ack wait after it was sent' }).click();
  await expect(box.locator('h3')).toHaveText('Right. at about 5.1 s: one ack wait after it was sent');
  await expect(box).toContainText('JetStream has no client heartbeats');
  await expect(page.locator('#js-lesson-done')).toBeVisible();
  await page.locator('#js-checkpoint-continue').click();
  // It plays on and shows the answer: seq 1 reaches l2 at 5.101 s, delivery 2.
  const moved = page.locator('#js-log li', { hasText: 'orders → s2 (l2): seq 1, consumer seq 2, delivery 2' });
  await expect(moved).toHaveCount(1, { timeout: 5000 });
  await expect(moved).toContainText('5.101');
  await expect(page.locator('#js-timeline .jst__item[data-seq="1"] .jst__wait--expired')).toHaveCount(1);
  // The answers are the lesson's: saved in this browser under its id.
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('nats-playground.progress') || '{}'));
  expect(saved['health-checks']).toEqual({ '1': 1 });
  // Back: the lesson's first tab, on the NATS Streaming board.
  await page.locator('#js-back').click();
  await expect(page.locator('#jetstream')).toHaveCount(0);
  await expect(page.locator('#lesson [role=tab][aria-selected=true]')).toHaveText('nats-streaming 0.17 (the course)');
  expect(errors).toEqual([]);
});

test('queue groups on JetStream: a queue on a consumer without deliver_group is refused, and the deliver_group tab shares the events', async ({ page }) => {
  await page.goto('/?lesson=queue-groups');
  await page.locator('#lesson .lesson__variants button', { hasText: 'JetStream: queue without deliver_group' }).click();
  await expect(page.locator('#js-lesson')).toBeVisible();
  await page.locator('#js-play').click();
  const box = page.locator('#js-checkpoint');
  await expect(box).toContainText('Paused at 0.6 s', { timeout: 5000 });
  await box.locator('.checkpoint__choice', { hasText: 'nothing: both subscriptions were refused' }).click();
  await expect(box).toContainText('Right.');
  await expect(page.locator('#js-log li', { hasText: 'durable requires no queue group' })).toHaveCount(2);
  // The fix is the next tab (still in JetStream mode).
  await page.locator('#js-lesson [role=tab]', { hasText: 'JetStream: deliver_group' }).click();
  await expect(page.locator('#js-lesson [role=tab][aria-selected=true]')).toHaveText('JetStream: deliver_group');
  await page.locator('#js-scrub').fill('2400');
  await page.locator('#js-scrub').dispatchEvent('input');
  await expect(page.locator('#js-log li', { hasText: 'orders → s1 (l1): seq 1, consumer seq 1, delivery 1' })).toHaveCount(1);
  await expect(page.locator('#js-log li', { hasText: 'orders → s2 (l2): seq 2, consumer seq 2, delivery 1' })).toHaveCount(1);
});

test('a JetStream-only lesson: the retried publish with the same Nats-Msg-Id is stored once; Back leaves the lesson', async ({ page }) => {
  await page.goto('/');
  await page.waitForFunction(() => (window as any).natsPlayground);
  await page.locator('#lesson-pick').selectOption({ label: 'JetStream only — A retried publish stored once: Nats-Msg-Id' });
  await expect(page.locator('#js-lesson h2')).toHaveText('A retried publish stored once: Nats-Msg-Id');
  await page.locator('#js-speed').selectOption('5');
  await page.locator('#js-play').click();
  const box = page.locator('#js-checkpoint');
  await expect(box).toContainText('Paused at 1.4 s', { timeout: 5000 });
  await box.locator('.checkpoint__choice', { hasText: 'does not store it' }).click();
  await expect(box.locator('h3')).toHaveText('Right. does not store it: the ack says duplicate, seq 1');
  await page.locator('#js-checkpoint-continue').click();
  await expect(page.locator('#js-clock')).toHaveText('3.000 s / 3.0 s', { timeout: 5000 });
  await expect(page.locator('#js-log li', { hasText: 'api published orders.created → orders seq 1 (a duplicate: nothing stored)' })).toHaveCount(1);
  await expect(page.locator('#js-log li', { hasText: 'payments → p1 (pay): seq' })).toHaveText([/seq 2, consumer seq 2, delivery 1/, /seq 1, consumer seq 1, delivery 1/]);
  await page.locator('#js-back').click();
  await expect(page.locator('#jetstream')).toHaveCount(0);
  await expect(page.locator('#lesson')).toHaveCount(0);
});

test('versions on JetStream: the run pauses before two writers update t1 with the same expected seq; the second is refused with the server\'s words', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?lesson=versions');
  await page.locator('#lesson .lesson__variants button', { hasText: 'JetStream: the server checks the version' }).click();
  await expect(page.locator('#js-lesson')).toBeVisible();
  await page.locator('#js-speed').selectOption('5');
  await page.locator('#js-play').click();
  const box = page.locator('#js-checkpoint');
  await expect(box).toContainText('Paused at 1.9 s', { timeout: 5000 });
  await expect(page.locator('#js-log li', { hasText: 'wrong last sequence' })).toHaveCount(0);
  await box.locator('.checkpoint__choice', { hasText: "stores api-1's as seq 2 and refuses api-2's" }).click();
  await expect(box.locator('h3')).toContainText('Right.');
  await page.locator('#js-checkpoint-continue').click();
  await expect(page.locator('#js-log li', { hasText: 'api-2' }).filter({ hasText: 'wrong last sequence: 2' })).toHaveCount(1, { timeout: 5000 });
  await expect(page.locator('#js-log li', { hasText: 'wrong last sequence: 2' })).toContainText('2.000');
  // The nats.js code of api-2 catches the refusal.
  await page.locator('#js-files summary', { hasText: 'api-2.ts' }).click();
  await expect(page.locator('#js-files')).toContainText('{ expect: { lastSubjectSequence: 1 } }');
  await expect(page.locator('#js-files')).toContainText('refused: ');
  expect(errors).toEqual([]);
});

test('publishing on JetStream: a second subscriber with the default consumerOpts() gets the messages from before it subscribed', async ({ page }) => {
  await page.goto('/?lesson=publish-listen');
  await page.locator('#lesson .lesson__variants button', { hasText: 'JetStream: a second subscriber, deliver all' }).click();
  await page.locator('#js-speed').selectOption('5');
  await page.locator('#js-play').click();
  const box = page.locator('#js-checkpoint');
  await expect(box).toContainText('Paused at 2.5 s', { timeout: 5000 });
  await box.locator('.checkpoint__choice', { hasText: 'only #3' }).click();
  await expect(box.locator('h3')).toHaveText('Not quite.');
  await page.locator('#js-checkpoint-retry').click();
  await box.locator('.checkpoint__choice', { hasText: '#1, #2 and #3' }).click();
  await page.locator('#js-checkpoint-continue').click();
  await expect(page.locator('#js-log li', { hasText: 'sub-456 → s2 (456): seq 1, consumer seq 1, delivery 1' })).toContainText('2.500');
  await expect(page.locator('#js-log li', { hasText: 'sub-456 → s2 (456)' })).toHaveCount(3, { timeout: 5000 });
});

test('a server restart on JetStream: the file stream goes on at #5, the memory stream is gone (503); the timeline marks the restart', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?lesson=memory-store-restart');
  await page.locator('#lesson .lesson__variants button', { hasText: 'JetStream: file storage (the default)' }).click();
  await expect(page.locator('#js-lesson')).toBeVisible();
  await page.locator('#js-speed').selectOption('10');
  await page.locator('#js-play').click();
  const box = page.locator('#js-checkpoint');
  await expect(box).toContainText('Paused at 10.5 s', { timeout: 8000 });
  // What came before the question: the restart at 5.5 s and nats.js's reconnect about 2 s later.
  await expect(page.locator('#js-log li', { hasText: 'the server restarts' })).toContainText('5.500');
  await expect(page.locator('#js-log li', { hasText: "l1's connection drops" })).toHaveCount(1);
  await expect(page.locator('#js-log li', { hasText: 'l1 reconnected' })).toContainText('7.5');
  await expect(page.locator('#js-timeline .jst__flag--restart')).toHaveCount(1);
  await expect(page.locator('#js-log li', { hasText: 'def published' })).toHaveCount(0);
  await box.locator('.checkpoint__choice', { hasText: "#1, like NATS Streaming's memory store" }).click();
  await expect(box.locator('h3')).toHaveText('Not quite.');
  await page.locator('#js-checkpoint-retry').click();
  await box.locator('.checkpoint__choice').first().click();
  await expect(box.locator('h3')).toHaveText('Right. #5');
  await page.locator('#js-checkpoint-continue').click();
  await expect(page.locator('#js-log li', { hasText: 'def published ticket.created → ticket seq 5' })).toContainText('11.000', { timeout: 5000 });
  await expect(page.locator('#js-log li', { hasText: 'accounting-service → s1 (l1): seq 5, consumer seq 5, delivery 1' })).toHaveCount(1);
  // Back to real code: the server's config and a manifest whose store outlives the pod.
  await page.locator('#js-files summary', { hasText: 'nats-js.yaml' }).click();
  await expect(page.locator('#js-files')).toContainText('kind: StatefulSet');
  await expect(page.locator('#js-files')).toContainText('volumeClaimTemplates:');
  // The memory tab: the stream is gone after the restart.
  await page.locator('#js-lesson [role=tab]', { hasText: 'JetStream: storage: "memory"' }).click();
  await expect(page.locator('#js-lesson [role=tab][aria-selected=true]')).toHaveText('JetStream: storage: "memory"');
  await page.locator('#js-speed').selectOption('10');
  await page.locator('#js-play').click();
  await expect(box).toContainText('Paused at 10.5 s', { timeout: 8000 });
  await box.locator('.checkpoint__choice', { hasText: 'js.publish fails' }).click();
  await expect(box.locator('h3')).toContainText('Right.');
  await page.locator('#js-checkpoint-continue').click();
  await expect(page.locator('#js-log li', { hasText: 'no responders (503)' })).toContainText('11.000', { timeout: 5000 });
  expect(errors).toEqual([]);
});
