import { test, expect, Page } from '@playwright/test';
import { api, open, stillWorks } from './helpers';

// Bad and hostile input (issue: a page that never dies). Each case: a clear message, no
// console error or page error, the page still works afterwards (a play/seek succeeds), and
// nothing rendered as HTML or executed.

/** The example course page with the playground framed, once it said ready. */
async function embedded(page: Page) {
  await page.goto('/embed-example.html');
  await expect.poll(() => page.frame({ name: 'playground' })?.url() ?? '').toContain('embed=1');
  const frame = page.frame({ name: 'playground' })!;
  await frame.waitForFunction(() => (window as any).natsPlayground);
  await expect(page.locator('#host-log')).toContainText('ready (API version 1)');
  return frame;
}

const XSS = '<img src=x onerror="window.__pwned=1">';

test('a panic shows the crash panel with the run to save and a reload, and tells the host', async ({ page }) => {
  const frame = await embedded(page);
  const thrown = await frame.evaluate(() => {
    try { (window as any).natsPlayground.simulateCrash(); return 'no'; } catch (e) { return String(e); }
  });
  expect(thrown).toContain('unreachable');
  const ui = page.frameLocator('#playground');
  await expect(ui.locator('#crash')).toBeVisible();
  await expect(ui.locator('#crash-title')).toHaveText('The playground stopped');
  await expect(ui.locator('#crash-what')).toContainText('simulateCrash() was called');
  await expect(ui.locator('#crash-reload')).toBeFocused();
  // The frozen page underneath is out of reach.
  await expect(ui.locator('body > :not(#crash)').first()).toHaveAttribute('inert', '');
  await expect(page.locator('#host-log')).toContainText('error: the playground stopped: simulateCrash() was called');
  // The run, as a scenario file that opens again.
  const href = await ui.locator('#crash-export').getAttribute('href');
  expect(href).toMatch(/^blob:/);
  const text = await frame.evaluate(async h => (await fetch(h!)).text(), href);
  const scenario = JSON.parse(text);
  expect(scenario.actions.length).toBeGreaterThan(3);
  expect(scenario.actions[0]).toMatchObject({ at_ms: 0, do: 'connect' });
});

test('a crash on the full page keeps the run the learner built', async ({ page }) => {
  await open(page, '/?example=account-lab');
  const connects = (text: string) => JSON.parse(text).actions.filter((a: any) => a.do === 'connect').length;
  const before = connects(await api(page, 'exportScenario') as string);
  await page.locator('#add-publisher').click();
  await page.evaluate(() => { try { (window as any).natsPlayground.simulateCrash(); } catch { } });
  await expect(page.locator('#crash')).toBeVisible();
  const href = await page.locator('#crash-export').getAttribute('href');
  expect(connects(await page.evaluate(async h => (await fetch(h!)).text(), href))).toBe(before + 1);
  // Reload brings the page back.
  await page.locator('#crash-reload').click();
  await page.waitForFunction(() => (window as any).natsPlayground);
  await expect(page.locator('#crash')).toHaveCount(0);
});

test('a heavy run loaded by the API, then a seek far past its end, keeps the page alive', async ({ page }) => {
  const p = await open(page);
  const heavy = JSON.stringify({
    until_ms: 20000,
    actions: [
      { at_ms: 0, do: 'connect', client: 'p' },
      { at_ms: 0, do: 'connect', client: 'l' },
      { at_ms: 1, do: 'subscribe', client: 'l', sub: 's', channel: 'c', queue: 'q', manual_ack: true, ack_wait_ms: 1000 },
      { at_ms: 10, do: 'publish', client: 'p', channel: 'c', count: 100000, every_ms: 0, data: 'x' },
    ],
  });
  expect(await api(page, 'load', heavy)).toBeNull();
  await api(page, 'seek', 600000);
  await api(page, 'seek', 600000);
  await api(page, 'play');
  await api(page, 'pause');
  await expect(page.locator('#progress')).toHaveCount(0, { timeout: 20000 });
  await stillWorks(page, p);
});

test('hostile names and payloads render as text, and the server\'s own errors are shown', async ({ page }) => {
  const p = await open(page);
  // Valid channel names (no whitespace, `/`, `*` or `>`) that start markup, script or a
  // javascript: URL, bidi tricks and a 10,000-character one; queue groups and payloads carry
  // whole tags.
  const names = ['<img', '"</script', 'javascript:window.__pwned=1', 'a\u202Eevil\u200B', 'x'.repeat(10000)];
  const actions: unknown[] = [{ at_ms: 0, do: 'connect', client: 'pub' }];
  names.forEach((n, i) => {
    actions.push({ at_ms: 0, do: 'connect', client: `c${i}` });
    actions.push({ at_ms: 1, do: 'subscribe', client: `c${i}`, sub: `s${i}`, channel: n, queue: `${XSS}${i}` });
    actions.push({ at_ms: 10, do: 'publish', client: 'pub', channel: n, data: XSS });
  });
  actions.push({ at_ms: 0, do: 'connect', client: 'bad.*>' });
  actions.push({ at_ms: 0, do: 'connect', client: 'l' });
  actions.push({ at_ms: 1, do: 'subscribe', client: 'l', sub: 'sp', channel: XSS });
  actions.push({ at_ms: 20, do: 'publish', client: 'pub', channel: 'a.*', data: 'x' });
  expect(await api(page, 'load', JSON.stringify({ until_ms: 3000, actions }))).toBeNull();
  await api(page, 'seek', 3000);
  // The server's refusals, with its own texts.
  const trace = await api(page, 'trace') as any[];
  expect(trace.find(e => e.event === 'connect_failed' && e.client === 'bad.*>')?.error).toBe('stan: invalid clientID: only alphanumeric and `-` or `_` characters allowed');
  expect(trace.find(e => e.event === 'subscribe_failed' && e.sub === 'sp')?.error).toBe('stan: invalid subject');
  expect(trace.find(e => e.event === 'publish_failed' && e.channel === 'a.*')?.error).toBe('stan: invalid publish request');
  expect(trace.filter(e => e.event === 'subscribe_failed').map(e => e.sub)).toEqual(['s1', 'sp']); // `/` is not allowed in a channel name
  expect(trace.filter(e => e.event === 'delivered').map(e => e.sub).sort()).toEqual(['s0', 's2', 's3', 's4']);
  // Names appear as text, never as markup.
  await expect(page.locator('svg.board')).toContainText('<img src=x onerror=');
  await expect(page.locator('svg.board')).toContainText('javascript:window.__pwned=1');
  await stillWorks(page, p);
});

test('bad imports and share links say what is wrong and keep the run', async ({ page }) => {
  const p = await open(page);
  const before = await api(page, 'exportScenario');
  const cases: [string, RegExp][] = [
    ['{"until_ms": 10, "actions": [', /^1:29: EOF while parsing/],
    ['[]', /^expected an object, found an array$/],
    ['{"until_ms": "10", "actions": []}', /^until_ms: expected an unsigned integer, found "10"$/],
    ['{"until_ms": 10, "actions": [{"at_ms": 0, "do": "format_disk"}]}', /^actions\[0\]\.do: unknown verb "format_disk"/],
    ['{"until_ms": 10, "actions": [{"at_ms": -1, "do": "kill", "client": "a"}]}', /^actions\[0\]\.at_ms: must not be negative, found -1$/],
    ['{"until_ms": 1e309, "actions": []}', /number out of range/],
    ['{"until_ms": 9007199254740993, "actions": []}', /^until_ms: must be at most 1000000000/],
    ['[' .repeat(10000), /recursion limit exceeded/],
    ['{"until_ms": 10, "actions": [{"at_ms": 0, "do": "connect", "client": "a"}, {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "s", "channel": "c"}, {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "s", "channel": "c"}]}', /actions\[2\]\.sub: .*"s"/],
  ];
  for (const [text, want] of cases) {
    const e = await api(page, 'load', text);
    expect(String(e), text.slice(0, 60)).toMatch(want);
  }
  expect(await api(page, 'exportScenario')).toBe(before);
  // A truncated and a garbage share link.
  for (const frag of ['#s=AAAA', '#s=%%%', '#s=' + 'A'.repeat(100)]) {
    await page.evaluate(f => { location.hash = f; }, frag);
    await expect(page.locator('[role=alert]').first()).toContainText('This share link could not be opened');
    expect(await api(page, 'exportScenario')).toBe(before);
  }
  await stillWorks(page, p);
});

test('host messages from a foreign origin are ignored and malformed ones answered with an error', async ({ page }) => {
  const frame = await embedded(page);
  const t0 = await frame.evaluate(() => (window as any).natsPlayground.now());
  // From the frame itself (an origin the page does not accept): nothing happens.
  await frame.evaluate(() => window.postMessage({ type: 'seek', t: 4321 }, '*'));
  await page.waitForTimeout(200);
  expect(await frame.evaluate(() => (window as any).natsPlayground.now())).toBe(t0);
  // From the host: malformed messages get an error each, and the page keeps working.
  const bad = [null, 42, 'play', [], { type: 7 }, { type: 'seek', t: 'soon' }, { type: 'speed', speed: 'NaN' }, { type: 'load', scenario: '{' }, { type: 'x'.repeat(10000) }];
  for (const m of bad) {
    await page.evaluate(m => (document.getElementById('playground') as HTMLIFrameElement).contentWindow!.postMessage(m, '*'), m);
  }
  await expect(page.locator('#host-log')).toContainText("error: seek: t must be a time in ms");
  await expect(page.locator('#host-log')).toContainText("error: a message must be an object with a type");
  await page.evaluate(() => (document.getElementById('playground') as HTMLIFrameElement).contentWindow!.postMessage({ type: 'seek', t: 2500 }, '*'));
  await expect.poll(() => frame.evaluate(() => (window as any).natsPlayground.now())).toBe(2500);
});

test('numbers typed into the inspector outside what they take say so and leave the run as it was', async ({ page }) => {
  const p = await open(page);
  await page.locator('#add-listener').click();
  await page.locator('#opt-manual').check();
  const before = await api(page, 'exportScenario');
  // What a number field hands over when a learner types -5, NaN, 1e309, 2^53+1 or nothing.
  const set = (sel: string, v: string) => page.evaluate(([sel, v]) => {
    const el = document.querySelector(sel) as HTMLInputElement;
    el.value = v;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, [sel, v]);
  const cases: [string, string, string][] = [
    ['#opt-process', '-5', "processing time (ms): expected a whole number from 0 to 1000000000, got '-5'"],
    ['#opt-process', 'NaN', 'processing time (ms): enter a whole number from 0 to 1000000000'],
    ['#opt-process', '9007199254740993', "processing time (ms): expected a whole number from 0 to 1000000000, got '9007199254740993'"],
    ['#opt-fail-times', '1e309', 'failing times: enter a whole number from 0 to 4294967295'],
    ['#opt-fail-seqs', '3, x', "fail seqs: expected a whole number from 1 to 18446744073709551615, got 'x'"],
    ['#opt-channel', '   ', 'channel: a listener needs a channel name'],
    ['Escape', '', ''],
    ['#srv-hbi', '0', "-hbi (ms): expected a whole number from 1 to 1000000000, got '0'"],
    ['#srv-hbi', '', '-hbi (ms): enter a whole number from 1 to 1000000000'],
    ['#srv-hbf', '-1', "-hbf: expected a whole number from 0 to 2147483647, got '-1'"],
    ['#srv-cid', '', '-cid: the cluster id cannot be empty'],
    ['#srv-cid', `tick'eting"; rm -rf /`, '-cid: the cluster id must be one NATS subject token (the server listens on _STAN.discover.<cluster id>), so it cannot contain white space'],
    ['#srv-cid', 'a.b', "so it cannot contain '.'"],
  ];
  for (const [sel, v, msg] of cases) {
    if (sel === 'Escape') { await page.keyboard.press('Escape'); continue; } // the server's panel
    await set(sel, v);
    await expect(page.locator('#error'), `${sel} = ${v}`).toContainText(msg);
    // The field itself is marked, with the message as its validity message.
    await expect(page.locator(sel), `${sel} = ${v}`).toHaveAttribute('aria-invalid', 'true');
    expect(await page.locator(sel).evaluate((el: HTMLInputElement) => el.validationMessage), `${sel} = ${v}`).toContain(msg);
    expect(await api(page, 'exportScenario')).toBe(before);
  }
  // A good number still goes through, and the field is valid again; the command line and
  // the Deployment quote what they generate.
  await set('#srv-hbi', '5000');
  await expect.poll(async () => JSON.parse(await api(page, 'exportScenario') as string).server?.hb_interval_ms).toBe(5000);
  await expect(page.locator('#srv-hbi')).not.toHaveAttribute('aria-invalid', 'true');
  await set('#srv-cid', "tick'eting");
  await expect(page.locator('#command-line')).toContainText("-cid 'tick'\\''eting' -hbi 5s");
  // A publisher's series: 10,000,000 at every_ms 0 is refused with the bound, not simulated.
  await page.locator('#add-publisher').click();
  await set('#pub-count', '10000000');
  await set('#pub-every-ms', '0');
  await page.locator('#publish-every').click();
  await expect(page.locator('#error')).toContainText("publish count (×): expected a whole number from 1 to 100000, got '10000000'");
  await stillWorks(page, p);
});

test('subscription values the server or stan.js refuses are simulated with their words; a 5 MB import reads and a 25 MB one is refused unread', async ({ page }) => {
  const p = await open(page);
  const subs = [['w0', { ack_wait_ms: 0 }], ['w999', { ack_wait_ms: 999 }], ['w1500', { ack_wait_ms: 1500 }], ['f0', { max_inflight: 0 }], ['ok', { ack_wait_ms: 1000, max_inflight: 1 }]] as const;
  const actions: unknown[] = [];
  subs.forEach(([c, o], i) => {
    actions.push({ at_ms: 0, do: 'connect', client: c });
    actions.push({ at_ms: 0, do: 'subscribe', client: c, sub: `s${i}`, channel: 'ticket:created', ...o });
  });
  expect(await api(page, 'load', JSON.stringify({ until_ms: 1000, actions }))).toBeNull();
  await api(page, 'seek', 500);
  const trace = await api(page, 'trace') as any[];
  const failed = Object.fromEntries(trace.filter(e => e.event === 'subscribe_failed').map(e => [e.client, e.error]));
  expect(failed).toEqual({
    w0: 'stan: invalid ack wait time, should be >= 1s',
    w999: 'Assertion failed', // google-protobuf: 0.999 is not an int32 (stan.js sends whole seconds)
    w1500: 'Assertion failed',
    f0: 'stan: invalid MaxInflight, should be >= 1',
  });
  for (const c of ['w0', 'w999', 'w1500', 'f0']) {
    await expect(page.locator(`g.node[data-client="${c}"]`)).toContainText('✕ not subscribed');
  }
  await expect(page.locator('g.node[data-client="f0"]')).toContainText('stan: invalid MaxInflight');
  await expect(page.locator('g.node[data-client="ok"]')).not.toContainText('✕');
  // 5 MB of JSON reads (a big run is a file's job); 25 MB is refused unread with the bound,
  // and the run is kept.
  const five = JSON.stringify({ until_ms: 10, description: 'x'.repeat(5_000_000), actions: [] });
  expect(await api(page, 'load', five)).toBeNull();
  await expect.poll(async () => (JSON.parse(await api(page, 'exportScenario') as string).description ?? '').length).toBe(5_000_000);
  const before = await api(page, 'exportScenario');
  expect(String(await page.evaluate(() => (window as any).natsPlayground.load(JSON.stringify({ until_ms: 10, description: 'x'.repeat(25_000_000), actions: [] })))))
    .toBe('the scenario has 25000045 characters, more than the 20000000 the page reads (natsim run reads any size)');
  expect(await api(page, 'exportScenario')).toBe(before);
  await stillWorks(page, p);
});
