import { expect, Page } from '@playwright/test';

// Shared by the specs that check the page keeps working: open it collecting every console
// and page error, call window.natsPlayground, and check it still answers.

export type Problems = { errors: string[] };

/** Opens `url`, collecting console errors and page errors; the `window.__pwned` flag catches executed input. */
export async function open(page: Page, url = '/'): Promise<Problems> {
  const p: Problems = { errors: [] };
  page.on('pageerror', e => p.errors.push(`pageerror: ${e.message}`));
  page.on('console', m => { if (m.type() === 'error') p.errors.push(`console: ${m.text()}`); });
  await page.goto(url);
  await page.waitForFunction(() => (window as any).natsPlayground);
  return p;
}

/** Calls `window.natsPlayground[f](...args)` in the page. */
export const api = (page: Page, f: string, ...args: unknown[]) =>
  page.evaluate(([f, args]) => (window as any).natsPlayground[f as string](...(args as unknown[])), [f, args] as const);

/** The page still answers: a seek moves the cursor, the board renders, nothing was executed
 * or injected, no crash panel, and no console or page error so far. */
export async function stillWorks(page: Page, p: Problems) {
  await api(page, 'pause');
  await api(page, 'seek', 1500);
  await expect.poll(() => api(page, 'now')).toBe(1500);
  await expect(page.locator('svg.board')).toBeVisible();
  await expect(page.locator('#crash')).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(await page.locator('img[src="x"], script:not([src]):not([type])').count()).toBe(0);
  expect(p.errors).toEqual([]);
}
