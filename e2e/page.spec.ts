import { test, expect } from '@playwright/test';

test('the wasm engine runs the course scenario and shows its trace and monitoring', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('#summary')).toContainText('20 published, 22 delivered (2 redelivered)');
  // seq 7 went to the killed l1 and came back to l2 one ack wait later (0.17).
  const redelivery = page.locator('#trace tr', { hasText: 's2 ticket:created #7 redelivered ×1' });
  await expect(redelivery.locator('td').first()).toHaveText('12.000 s');
  const removal = page.locator('#trace tr', { has: page.locator('td.trace__event', { hasText: /^client_closed$/ }) });
  await expect(removal).toContainText('35.000 s');
  await expect(removal).toContainText('heartbeat');
  await expect(page.locator('#monitor')).toContainText('"version": "0.17.0"');
  await page.screenshot({ path: 'test-results/course.png', fullPage: false });
});

test('picking an example with the keyboard runs it', async ({ page }) => {
  await page.goto('/');
  await page.locator('#example').focus();
  await page.keyboard.press('ArrowDown'); // the 0.25 variant
  await expect(page.locator('#title')).toHaveText('Course: durable queue group, one listener killed (0.25)');
  const removal = page.locator('#trace tr', { has: page.locator('td.trace__event', { hasText: /^client_closed$/ }) });
  await expect(removal).toContainText('20.000 s');
  await page.locator('#example').selectOption({ label: 'Auto ack loses an event when async work fails' });
  await expect(page.locator('#trace')).toContainText('manual ticket:created #2 redelivered ×1');
  await expect(page.locator('#trace')).toContainText('auto ticket:created #2 FAILED');
});

test('a broken scenario shows a clear message and the page keeps working', async ({ page }) => {
  await page.goto('/');
  const editor = page.locator('#scenario');
  await editor.fill('{"until_ms": 100, "actions": [{"at_ms": 0, "do": "explode"}]}');
  await page.locator('#run').click();
  await expect(page.locator('#error')).toHaveText(/actions\[0\]\.do: unknown verb "explode"/);
  await editor.fill('{"until_ms": 100, "actions": [');
  await page.locator('#run').click();
  await expect(page.locator('#error')).toHaveText(/1:30: EOF while parsing a list/);
  await editor.fill('{"until_ms": 100, "actions": [{"at_ms": 0, "do": "connect", "client": "<b>bold</b>"}]}');
  await page.locator('#run').click();
  await expect(page.locator('#trace')).toContainText('<b>bold</b>');
  await expect(page.locator('#trace b')).toHaveCount(0);
  await expect(page.locator('#trace')).toContainText('stan: invalid clientID');
});
