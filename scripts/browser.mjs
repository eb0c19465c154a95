// What the browser measurement scripts share (bench-browser.mjs, seek-trace.mjs,
// measure.mjs): the built page served on 127.0.0.1, Debian's Chromium headless, and the page
// helper that times a seek the same way in every script.
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';

/** Serves `dir` on a free-ish port of 127.0.0.1; returns its URL and a `close()`. */
export async function serve(dir) {
  const port = 8100 + Math.floor(Math.random() * 800);
  const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 700));
  return { url: `http://127.0.0.1:${port}/`, close: () => server.kill() };
}

/** Debian's Chromium, headless (never a downloaded browser). */
export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/**
 * Defines `window.__seek(t)` in the page: seeks, waits until the cursor is there (long seeks
 * run in slices) and two frames drew, and returns the milliseconds that took.
 */
export function installSeek(page) {
  return page.evaluate(() => {
    window.__seek = async (t) => {
      const p = window.natsPlayground;
      const t0 = performance.now();
      p.seek(t);
      while (p.now() !== t) await new Promise((r) => setTimeout(r, 0));
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - t0;
    };
  });
}
