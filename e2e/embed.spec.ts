import { test, expect, Page, Frame } from '@playwright/test';

// The playground's own origin (playwright.config.ts serves dist/ there).
const PLAYGROUND = 'http://127.0.0.1:8082';

async function playgroundFrame(page: Page): Promise<Frame> {
  await expect.poll(() => page.frame({ name: 'playground' })?.url() ?? '').toContain('embed=1');
  const frame = page.frame({ name: 'playground' })!;
  await frame.waitForFunction(() => (window as any).natsPlayground);
  return frame;
}

const now = (f: Frame) => f.evaluate(() => (window as any).natsPlayground.now());
const actions = (f: Frame) => f.evaluate(() => JSON.parse((window as any).natsPlayground.exportScenario()).actions.length);

test('embed mode on the example host page: the lesson opens, controls are locked, the page drives it by postMessage', async ({ page }) => {
  await page.goto('/embed-example.html');
  const frame = await playgroundFrame(page);
  const ui = page.frameLocator('#playground');
  await expect(ui.locator('#lesson')).toContainText('Auto ack loses an event when the work fails');
  await expect(page.locator('#host-log')).toContainText('ready (API version 1)');

  // Embed defaults: time controls only, no header; lock=board,lab: the board is read-only.
  await expect(ui.locator('#play')).toBeEnabled();
  await expect(ui.locator('#example')).toHaveCount(0);
  await expect(ui.locator('#import')).toHaveCount(0);
  await expect(ui.locator('h1')).toHaveCount(0);
  // The server panel shows its command line, without forms nobody may use.
  await expect(ui.locator('#command-line')).toContainText('-cid ticketing -hbi 5s -hbt 5s -hbf 2 -SD');
  await expect(ui.locator('#add-publisher')).toHaveCount(0);
  await expect(ui.locator('#restart-server')).toHaveCount(0);
  const before = await actions(frame);
  // A drag on the locked board selects the listener but does not move it into a group.
  const box = (await ui.locator('g.node[data-client="l1"] rect.node__box').boundingBox())!;
  await expect(ui.locator('.board__zone')).toHaveCount(0); // no "new queue group" drop zone
  await page.mouse.move(box.x + 30, box.y + 12);
  await page.mouse.down();
  await page.mouse.move(box.x + 30, box.y + 90, { steps: 10 }); // where the zone would be
  await page.mouse.up();
  await expect(ui.locator('.group')).toHaveCount(0);
  await ui.locator('g.node[data-client="l1"] rect.node__box').click();
  await expect(ui.locator('.inspector__id')).toHaveText('l1');
  await expect(ui.getByRole('button', { name: 'Kill (crash)' })).toBeDisabled();
  expect(await actions(frame)).toBe(before);
  // The time controls are not locked: the learner's space bar plays.
  await ui.locator('#clock').click();
  await page.keyboard.press(' ');
  await expect.poll(() => now(frame)).toBeGreaterThan(0);
  await page.keyboard.press(' ');

  // Commands in: watch, seek; events out: trace events and the time, shown by the host page.
  await page.locator('#host-watch').click();
  await page.locator('#host-seek').click();
  await expect(page.locator('#host-time')).toHaveText('2.400 s');
  expect(await now(frame)).toBe(2400);
  await expect(page.locator('#host-log')).toContainText('1000 ms delivered ticket:created seq 1 l1\n1000 ms acked ticket:created seq 1 l1\n2000 ms delivered ticket:created seq 2 l1');
  await page.locator('#host-get').click();
  await expect(page.locator('#host-log')).toContainText('state: {"t":2400,"playing":false,"speed":1,"horizon":2400,"lesson":{"id":"manual-ack","variant":0,"asking":null}}');

  // The checkpoint answer goes out: back to 2 s, play at 1×, the run stops at 2.4 s and asks.
  await page.evaluate(() => (document.getElementById('playground') as HTMLIFrameElement).contentWindow!.postMessage({ type: 'seek', t: 2000 }, '*'));
  await expect(page.locator('#host-time')).toHaveText('2.000 s');
  await page.locator('#host-play').click();
  await expect(ui.locator('#checkpoint')).toContainText('Paused at 2.400 s');
  await expect(page.locator('#host-time')).toHaveText('2.400 s');
  await ui.getByRole('button', { name: 'yes, after the ack wait' }).click();
  await expect(page.locator('#host-log')).toContainText('checkpoint 0 of manual-ack: chose "yes, after the ack wait" (wrong)');

  // Load by message; a bad message is answered with an error naming the problem.
  await page.locator('#host-lab').click();
  await expect(page.locator('#host-log')).toContainText(/loaded \(request \d+\)/);
  await expect(page.locator('#host-time')).toHaveText('1.400 s');
  await expect(ui.locator('#lab')).toContainText('−$60');
  await page.evaluate((o) => (document.getElementById('playground') as HTMLIFrameElement).contentWindow!.postMessage({ type: 'eval', id: 99 }, o), PLAYGROUND);
  await expect(page.locator('#host-log')).toContainText("error: unknown message type 'eval' (load, play, pause, seek, speed, watch, get)");
  await page.screenshot({ path: 'test-results/embed-host.png', fullPage: true });
});

// A course page on one origin embeds the playground served from another (both public
// names, so Chromium's local-network rules stay out of it; the files are dist/'s), with a
// second frame from a third origin that tries to drive the playground.
const HOSTED = 'http://playground.test';
const COURSE = (query: string) => `<!DOCTYPE html><html><body>
<iframe name="playground" src="${HOSTED}/?embed=1&${query}" style="width:1000px;height:600px"></iframe>
<iframe name="evil" src="http://evil.test/attack.html"></iframe>
<script>
  window.got = [];
  addEventListener('message', (e) => {
    if (e.origin !== '${HOSTED}') return;
    window.got.push(e.data);
    if (e.data.type === 'resize') document.querySelector('[name=playground]').style.height = e.data.height + 'px';
  });
</script></body></html>`;

async function courseOn(page: Page, query: string) {
  await page.route(`${HOSTED}/**`, (r) => {
    const path = new URL(r.request().url()).pathname;
    return r.fulfill({ path: `dist${path.endsWith('/') ? path + 'index.html' : path}` });
  });
  await page.route('http://course.test/**', (r) => r.fulfill({ contentType: 'text/html', body: COURSE(query) }));
  await page.route('http://evil.test/**', (r) => r.fulfill({ contentType: 'text/html', body: '<!DOCTYPE html><p>evil</p>' }));
  await page.goto('http://course.test/lesson.html');
  return playgroundFrame(page);
}

const got = (page: Page, type: string) => page.evaluate((t) => (window as any).got.filter((m: any) => m.type === t), type);

test('a page on another origin drives its frame; a message from a third origin is ignored', async ({ page }) => {
  const frame = await courseOn(page, 'scenario=account-lab');
  await expect.poll(async () => (await got(page, 'ready')).length).toBe(1);
  expect((await got(page, 'ready'))[0]).toEqual({ type: 'ready', version: 1, t: 0, source: 'nats-playground' });

  // evil.test posts to the playground frame with a wildcard target: ignored.
  const evil = page.frame({ name: 'evil' })!;
  await evil.evaluate(() => (parent as any).frames.playground.postMessage({ type: 'seek', t: 9000 }, '*'));
  await evil.evaluate(() => (parent as any).frames.playground.postMessage({ type: 'load', example: 'empty' }, '*'));
  await page.waitForTimeout(400);
  expect(await now(frame)).toBe(0);
  await expect(page.frameLocator('[name=playground]').locator('g.node[data-client="l2"]')).toHaveCount(1);

  // The embedding page (course.test) is obeyed, and told the time.
  await page.evaluate((o) => (window as any).frames.playground.postMessage({ type: 'seek', t: 1400, id: 'a' }, o), HOSTED);
  await expect.poll(() => now(frame)).toBe(1400);
  await expect.poll(async () => (await got(page, 'time')).at(-1)).toEqual({ type: 'time', t: 1400, playing: false, source: 'nats-playground' });
  await page.evaluate((o) => (window as any).frames.playground.postMessage({ type: 'get', what: 'monitor', id: 'm' }, o), HOSTED);
  await expect.poll(async () => (await got(page, 'reply'))[0]?.id).toBe('m');
  expect((await got(page, 'reply'))[0].value.channelsz.channels[0].name).toBe('account:updated');

  // No height option: the frame reports its content's height, the host sizes the frame to
  // it, and nothing scrolls inside.
  await expect.poll(async () => (await got(page, 'resize')).at(-1)?.height ?? 0).toBeGreaterThan(500);
  await expect.poll(() => frame.evaluate(() => document.documentElement.scrollHeight - innerHeight)).toBeLessThanOrEqual(0);
});

test('origin= restricts who may drive the frame: the embedding page itself is refused when not listed', async ({ page }) => {
  const frame = await courseOn(page, 'scenario=account-lab&origin=https://other.example');
  await page.evaluate((o) => (window as any).frames.playground.postMessage({ type: 'seek', t: 5000 }, o), HOSTED);
  await page.waitForTimeout(400);
  expect(await now(frame)).toBe(0);
  // Nothing is posted to a page that is not allowed (the browser drops it: wrong target origin).
  expect(await page.evaluate(() => (window as any).got.length)).toBe(0);
});

test('copy embed code: the snippet opens the same run embedded, with the chosen options; bad options are named', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/');
  await page.waitForFunction(() => (window as any).natsPlayground);
  await page.locator('#example').selectOption({ label: 'Concurrency lab: +$70, +$40, −$100 on two instances' });
  await page.evaluate(() => (window as any).natsPlayground.seek(3000));
  const trace = await page.evaluate(() => JSON.stringify((window as any).natsPlayground.trace()));
  await page.locator('#share').click();
  await page.locator('#embed-lock').check();
  await page.locator('#embed-theme').selectOption('dark');
  await page.locator('#embed-height').fill('480');
  await page.locator('#embed-height').dispatchEvent('change');
  const code = await page.locator('#embed-code').inputValue();
  expect(code).toMatch(/^<iframe src="http:\/\/127\.0\.0\.1:8082\/\?embed=1&amp;lock=board,lab&amp;theme=dark&amp;height=480#s=[A-Za-z0-9+$-]+&amp;t=3000" width="100%" height="480" /);
  await page.locator('#embed-copy').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);

  // The snippet in a page of its own: the same run at the same moment, board locked.
  await page.setContent(`<!DOCTYPE html><body style="margin:0">${code.replace('<iframe ', '<iframe name="playground" ')}</body>`);
  const frame = await playgroundFrame(page);
  expect(await now(frame)).toBe(3000);
  expect(await frame.evaluate(() => JSON.stringify((window as any).natsPlayground.trace()))).toBe(trace);
  await expect(page.frameLocator('[name=playground]').locator('#fix-version')).toBeDisabled();
  await expect(page.frameLocator('[name=playground]').locator('#open-full')).toBeVisible();

  // In a lesson, the snippet opens the lesson (or, unticked, this exact run).
  const teacher = await context.newPage();
  await teacher.goto('/');
  await teacher.waitForFunction(() => (window as any).natsPlayground);
  await teacher.locator('#lesson-pick').selectOption({ label: 'Manual ack mode — Auto ack loses an event when the work fails' });
  await teacher.getByRole('tab', { name: 'manual ack' }).click();
  await teacher.evaluate(() => (window as any).natsPlayground.seek(7000));
  await teacher.locator('#share').click();
  await expect(teacher.locator('#embed-code')).toHaveValue(/src="http:\/\/127\.0\.0\.1:8082\/\?embed=1&amp;lesson=manual-ack&amp;variant=1&amp;t=7000&amp;height=560"/);
  await teacher.locator('#embed-as-lesson').uncheck();
  await expect(teacher.locator('#embed-code')).toHaveValue(/\?embed=1&amp;height=560#s=[A-Za-z0-9+$-]+&amp;t=7000"/);

  const bad = await context.newPage();
  await bad.goto('/?embed=1&lock=bord&height=9');
  await bad.waitForFunction(() => (window as any).natsPlayground);
  await expect(bad.locator('#error')).toContainText("lock: unknown name 'bord'");
  await expect(bad.locator('#error')).toContainText("height: expected pixels from 200 to 4000, got '9'");
  await expect(bad.locator('#play')).toBeEnabled();

  // theme= wins over the reader's system setting, both ways.
  const bg = (p: Page) => p.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const dark = await context.newPage();
  await dark.emulateMedia({ colorScheme: 'light' });
  await dark.goto('/?embed=1&theme=dark');
  await dark.waitForFunction(() => (window as any).natsPlayground);
  expect(await bg(dark)).toBe('rgb(13, 17, 23)');
  await dark.emulateMedia({ colorScheme: 'dark' });
  await dark.goto('/?embed=1&theme=light');
  await dark.waitForFunction(() => (window as any).natsPlayground);
  expect(await bg(dark)).toBe('rgb(246, 247, 249)');
  await dark.goto('/?embed=1');
  await dark.waitForFunction(() => (window as any).natsPlayground);
  expect(await bg(dark)).toBe('rgb(13, 17, 23)');

  // A lesson by URL: its variant, at its time, playing; the lesson tabs locked.
  const lesson = await context.newPage();
  await lesson.goto('/?embed=1&lesson=04-manual-ack&variant=1&t=7s&lock=lesson&speed=0.1&play=1');
  await lesson.waitForFunction(() => (window as any).natsPlayground);
  await expect(lesson.getByRole('tab', { name: 'manual ack', exact: true })).toHaveAttribute('aria-selected', 'true');
  await expect(lesson.getByRole('tab', { name: 'auto ack', exact: true })).toBeDisabled();
  await expect(lesson.locator('#play')).toHaveText('❚❚ Pause');
  await expect(lesson.locator('#speed + output')).toHaveText('0.1×');
  await expect.poll(() => lesson.evaluate(() => (window as any).natsPlayground.now())).toBeGreaterThan(7000);
  const redelivered = await lesson.evaluate(() => (window as any).natsPlayground.trace().filter((e: any) => e.event === 'delivered' && e.redelivered).map((e: any) => [e.t, e.seq]));
  expect(redelivered).toEqual([[7000, 2]]);
});

test('JetStream mode in a frame: the host page seeks, plays and reads it, and hears its time', async ({ page }) => {
  await courseOn(page, 'scenario=jetstream-group-kill');
  await expect.poll(async () => (await got(page, 'ready')).length).toBe(1);
  const js = page.frameLocator('[name=playground]').locator('#jetstream');
  await expect(js).toBeVisible();
  const post = (m: any) => page.evaluate(([m, o]) => (window as any).frames.playground.postMessage(m, o), [m, HOSTED] as const);
  await post({ type: 'seek', t: 2150 });
  await expect(page.frameLocator('[name=playground]').locator('#js-clock')).toHaveText('2.150 s / 3.2 s');
  await expect.poll(async () => (await got(page, 'time')).at(-1)).toEqual({ type: 'time', t: 2150, playing: false, source: 'nats-playground' });
  await post({ type: 'get', what: 'state', id: 's' });
  await expect.poll(async () => (await got(page, 'reply')).find((r: any) => r.id === 's')?.value).toEqual({ t: 2150, playing: false, speed: 1, horizon: 3200, lesson: null, server: 'jetstream' });
  // The trace at the cursor: l1's seven messages came to s2 again, as deliveries 2.
  await post({ type: 'get', what: 'trace', id: 't' });
  await expect.poll(async () => (await got(page, 'reply')).find((r: any) => r.id === 't')?.value?.length ?? 0).toBeGreaterThan(0);
  const trace = (await got(page, 'reply')).find((r: any) => r.id === 't').value;
  expect(trace.filter((e: any) => e.event === 'delivered' && e.num_delivered === 2 && e.sub === 's2').map((e: any) => e.seq)).toEqual([1, 3, 4, 5, 7, 9, 12]);
  expect(trace.every((e: any) => e.t <= 2150)).toBe(true);
  await post({ type: 'get', what: 'monitor', id: 'm' });
  await expect.poll(async () => (await got(page, 'reply')).find((r: any) => r.id === 'm')?.value?.jsz?.streams).toBe(1);
  // Play, at 10×, to the end.
  await post({ type: 'speed', factor: 10 });
  await post({ type: 'play' });
  await expect.poll(async () => (await got(page, 'time')).some((m: any) => m.playing)).toBe(true);
  await expect(page.frameLocator('[name=playground]').locator('#js-clock')).toHaveText('3.200 s / 3.2 s', { timeout: 5000 });
  await expect.poll(async () => (await got(page, 'time')).at(-1)).toEqual({ type: 'time', t: 3200, playing: false, source: 'nats-playground' });
});

test('a lesson\'s JetStream tab in a frame: the checkpoint answered there is reported to the host page', async ({ page }) => {
  await courseOn(page, 'lesson=health-checks&variant=2');
  const f = page.frameLocator('[name=playground]');
  await expect(f.locator('#js-lesson [role=tab][aria-selected=true]')).toHaveText('JetStream: a killed member');
  const post = (m: any) => page.evaluate(([m, o]) => (window as any).frames.playground.postMessage(m, o), [m, HOSTED] as const);
  await post({ type: 'speed', factor: 5 });
  await post({ type: 'play' });
  await expect(f.locator('#js-checkpoint')).toContainText('Paused at 2.0 s', { timeout: 5000 });
  await expect.poll(async () => (await got(page, 'time')).at(-1)).toEqual({ type: 'time', t: 2000, playing: false, source: 'nats-playground' });
  await f.locator('#js-checkpoint .checkpoint__choice', { hasText: 'at about 5.1 s' }).click();
  await expect.poll(async () => (await got(page, 'checkpoint')).length).toBe(1);
  const c = (await got(page, 'checkpoint'))[0];
  expect([c.lesson, c.variant, c.checkpoint, c.at_ms, c.choice, c.correct]).toEqual(['health-checks', 2, 1, 2000, 1, true]);
});
