import { test, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { api, open } from './helpers';

// The learner's path (issue: the learner's path): on a 390×844 phone by touch and at
// 1280×720 with the keyboard only, the course's queue-group step (the inspector's twin of
// the drag), the health-check experiment (restart a listener with a new id and watch the
// server's subscription count fall back at 0.17's deadline) and a lesson's checkpoint; and
// axe-core finds no serious or critical violation on the main views.

async function seek(page: Page, t: number) {
  await api(page, 'seek', t);
  await expect.poll(() => api(page, 'now')).toBe(t);
}

/** Subscriptions on ticket:created as `channelsz?subs=1` has them: client and queue_name. */
async function subs(page: Page): Promise<string[]> {
  const m = await api(page, 'monitor') as any;
  return (m.channelsz.channels[0]?.subscriptions ?? []).map((s: any) => `${s.client_id} ${s.queue_name ?? ""}`.trim()).sort();
}

const dockCount = (page: Page) => page.locator('#server-dock .dock__channel[data-channel="ticket:created"] .dock__count');
const GROUP = 'orders-service:orders-service-queue-group';

test.describe('on a 390×844 phone, by touch', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('the board is one column; a new listener joins the group from its inspector; a restart with a new id leaves a zombie until 30 s; a checkpoint asks', async ({ page }) => {
    const p = await open(page, '/?scenario=course-queue-kill-0.17');
    const board = page.locator('svg.board');
    await expect(board).toHaveClass(/board--tall/);
    // Nothing makes the page wider than the phone (a wide table once did, and cut the help).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(390);
    const box = (await board.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    // Publisher above the server above the listeners.
    const y = async (sel: string) => (await page.locator(sel).first().boundingBox())!.y;
    expect(await y('g.node[data-client="pub"]')).toBeLessThan(await y('.server__box'));
    expect(await y('.server__box')).toBeLessThan(await y('g.node[data-client="l1"]'));

    // The queue-group step without a drag: a new listener, its queue group and durable
    // name typed into its inspector, applied as one subscribe.
    await page.locator('#add-listener').tap();
    const id = await page.locator('.inspector__id').first().innerText();
    await page.locator('#opt-queue').fill('orders-service-queue-group');
    await page.locator('#opt-queue').blur();
    await page.locator('#opt-durable').fill('orders-service');
    await page.locator('#opt-durable').blur();
    await expect(page.locator('.inspector__code')).toContainText(`'orders-service-queue-group'`);
    await page.locator('#opt-apply').tap();
    await expect(page.locator('#notice')).toContainText(`Applied at 0.0 s: ${id}'s subscription s3 on ticket:created was closed and s4 made with the new options`);
    await expect(page.locator('#notice')).toContainText('Still scripted after it: pub publishes 20× to ticket:created at 1.0 s, kill l1 at 5.5 s.');
    await expect(page.locator('.group g.node, g.node')).toHaveCount(4);
    expect(await subs(page)).toEqual([`${id} ${GROUP}`, `l1 ${GROUP}`, `l2 ${GROUP}`]);
    await expect(dockCount(page)).toHaveText('3 subscriptions');

    // The health check: at 4 s l1 restarts with a new random id (a kill, then a new process).
    await seek(page, 4000);
    await page.locator('g.node[data-client="l1"] rect.node__box').tap();
    await expect(page.locator('.inspector__id').first()).toHaveText('l1');
    await page.getByRole('button', { name: 'Restart, new random id' }).tap();
    await expect(page.locator('#notice')).toContainText('Dropped, as they name a client or subscription this change ended: kill l1 at 5.5 s.');
    const fresh = await page.locator('.inspector__id').first().innerText();
    expect(fresh).not.toBe('l1');
    await expect(dockCount(page)).toHaveText('4 subscriptions');
    // 0.17: the kill at 4 s, the next heartbeat at 5 s, two more misses 10 s apart: gone at 30 s.
    await seek(page, 29999);
    await expect(dockCount(page)).toHaveText('4 subscriptions');
    expect(await subs(page)).toContain(`l1 ${GROUP}`);
    await seek(page, 30000);
    await expect(dockCount(page)).toHaveText('3 subscriptions');
    expect(await subs(page)).toEqual([`${fresh} ${GROUP}`, `${id} ${GROUP}`, `l2 ${GROUP}`].sort());
    await expect(page.locator('#server-dock')).not.toContainText(/^l1$/m);

    // A lesson's checkpoint, by touch.
    await page.locator('#lesson-pick').selectOption({ label: 'Manual ack mode — Auto ack loses an event when the work fails' });
    await expect(page.locator('#lesson')).toContainText('Auto ack loses an event when the work fails');
    await page.locator('#speed').fill('1');
    await page.locator('#play').tap();
    await expect(page.locator('#checkpoint')).toContainText('Paused at 2.400 s');
    await expect(page.locator('#clock')).toHaveText('2.400 s');
    await page.getByRole('button', { name: 'no, never' }).tap();
    await expect(page.locator('#checkpoint')).toContainText('Right. The answer: no, never');
    await page.screenshot({ path: 'test-results/learner-phone.png', fullPage: true });
    expect(p.errors).toEqual([]);
  });
});

test.describe('a touch drag on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('a finger drags a new listener into the queue group, and out of it again', async ({ page, context }) => {
    const p = await open(page, '/?scenario=course-queue-kill-0.17');
    await page.locator('#add-listener').tap();
    const id = await page.locator('.inspector__id').first().innerText();
    await page.locator('g.node[data-client="l1"]').scrollIntoViewIfNeeded();
    const cdp = await context.newCDPSession(page);
    const drag = async (from: { x: number, y: number }, to: { x: number, y: number }) => {
      const at = (k: number) => [{ x: from.x + (to.x - from.x) * k, y: from.y + (to.y - from.y) * k, id: 1 }];
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0) });
      const before = await page.evaluate(() => window.scrollY);
      for (let i = 1; i <= 10; i++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(i / 10) });
      // The finger moved on a listener: the page did not scroll under it.
      expect(await page.evaluate(() => window.scrollY)).toBe(before);
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    };
    const centre = async (sel: string) => { const b = (await page.locator(sel).first().boundingBox())!; return { x: b.x + b.width / 2, y: b.y + b.height / 2 }; };
    const group = (await page.locator('.group rect.group__box').boundingBox())!;
    await drag(await centre(`g.node[data-client="${id}"] rect.node__box`), { x: group.x + group.width / 2, y: group.y + 20 });
    await expect.poll(() => subs(page)).toEqual([`${id} ${GROUP}`, `l1 ${GROUP}`, `l2 ${GROUP}`].sort());
    await expect(page.locator('#notice')).toContainText(`made with queue group orders-service-queue-group`);
    // Out again: dropped below everything, it leaves the group.
    const zone = (await page.locator('.board__zone rect').boundingBox())!;
    await drag(await centre(`g.node[data-client="${id}"] rect.node__box`), { x: zone.x + zone.width / 2, y: zone.y + zone.height + 30 });
    await expect.poll(() => subs(page)).toEqual([`${id}`, `l1 ${GROUP}`, `l2 ${GROUP}`].sort());
    await expect(page.locator('#notice')).toContainText('made with no queue group');
    expect(p.errors).toEqual([]);
  });
});

/** Presses Tab until the focused element matches `selector` (at most 300 times). */
async function tabTo(page: Page, selector: string, text?: string) {
  for (let i = 0; i < 300; i++) {
    if (await page.evaluate(([s, t]) => !!document.activeElement?.matches(s!) && (!t || !!document.activeElement?.textContent?.includes(t)), [selector, text])) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

test.describe('at 1280×720, with the keyboard only', () => {
  test.use({ viewport: { width: 1280, height: 720 } });

  test('the queue-group twin, the health check and a checkpoint, all by keys', async ({ page }) => {
    const p = await open(page, '/?scenario=course-queue-kill-0.17');
    await page.locator('body').focus();
    await tabTo(page, '#add-listener');
    await page.keyboard.press('Enter');
    const id = await page.locator('.inspector__id').first().innerText();
    await tabTo(page, '#opt-queue');
    await page.keyboard.type('orders-service-queue-group');
    await tabTo(page, '#opt-durable');
    await page.keyboard.type('orders-service');
    await page.keyboard.press('Tab');
    await tabTo(page, '#opt-apply');
    await page.keyboard.press('Enter');
    await expect(page.locator('#notice')).toContainText(`${id}'s subscription s3 on ticket:created was closed and s4 made with the new options`);
    expect(await subs(page)).toEqual([`${id} ${GROUP}`, `l1 ${GROUP}`, `l2 ${GROUP}`]);

    // The health check: at 4 s (→ is the next event, ← one second back), l1 restarts with a new id.
    await page.keyboard.press('Escape');
    for (let i = 0; i < 40 && (await api(page, 'now')) < 4000; i++) await page.keyboard.press('ArrowRight');
    expect(await api(page, 'now')).toBe(4000);
    await tabTo(page, 'g.node[data-client="l1"]');
    await expect(page.locator(':focus')).toHaveAccessibleName(/^listener l1, running/);
    await page.keyboard.press('Enter');
    await tabTo(page, 'button[title^="randomBytes"]');
    await page.keyboard.press('Enter');
    await expect(dockCount(page)).toHaveText('4 subscriptions');
    await seek(page, 29999);
    await expect(dockCount(page)).toHaveText('4 subscriptions');
    await seek(page, 30000);
    await expect(dockCount(page)).toHaveText('3 subscriptions');

    // A lesson, picked and answered by keys; space plays and the checkpoint stops it.
    await tabTo(page, '#lesson-pick');
    // Type-ahead picks the option (a closed select changes at once).
    await page.keyboard.type('Manual ack mode — Auto', { delay: 20 });
    await expect(page.locator('#lesson')).toContainText('Auto ack loses an event when the work fails');
    await tabTo(page, '#speed');
    await page.keyboard.press('Home');
    for (let i = 0; i < 30 && (await page.locator('#speed').inputValue()) !== '0'; i++) await page.keyboard.press('ArrowRight');
    await expect(page.locator('#speed')).toHaveValue('0'); // 1×: the arrows moved the speed, not the clock
    await page.keyboard.press('Escape');
    await page.evaluate(() => (document.activeElement as HTMLElement)?.blur());
    await page.keyboard.press(' ');
    await expect(page.locator('#checkpoint')).toContainText('Paused at 2.400 s');
    await tabTo(page, '#checkpoint button', 'no, never');
    await page.keyboard.press('Enter');
    await expect(page.locator('#checkpoint')).toContainText('Right. The answer: no, never');
    // A timeline lane's name selects its client by keys too.
    await tabTo(page, '.timeline text.tl-label[role=button]');
    const lane = await page.evaluate(() => document.activeElement!.closest('[data-lane]')!.getAttribute('data-lane'));
    await page.keyboard.press('Enter');
    await expect(page.locator('.inspector__id').first()).toHaveText(lane!.split(' ')[0]);
    expect(p.errors).toEqual([]);
  });
});

/** Serious and critical axe-core violations on the page as it is now (id: nodes). */
async function axe(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
}

for (const scheme of ['light', 'dark'] as const) {
  for (const size of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
    test(`axe-core: no serious or critical violation on the main views, ${scheme}, ${size.width}×${size.height}`, async ({ page }) => {
      test.setTimeout(90_000);
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize(size);
      await open(page, '/?scenario=course-queue-kill-0.17');
      await seek(page, 8000);
      expect(await axe(page), 'the board with the server panel').toEqual([]);
      await page.locator('g.node[data-client="l2"] rect.node__box').click();
      expect(await axe(page), "a listener's inspector").toEqual([]);
      await page.locator('#lesson-pick').selectOption({ label: 'Manual ack mode — Auto ack loses an event when the work fails' });
      await expect(page.locator('#lesson')).toContainText('Auto ack loses an event when the work fails');
      await page.locator('#scrub').fill('8000');
      await expect(page.locator('#checkpoint')).toBeVisible();
      expect(await axe(page), 'a lesson asking').toEqual([]);
      await page.locator('#help').click();
      expect(await axe(page), 'help').toEqual([]);
    });
  }
}
