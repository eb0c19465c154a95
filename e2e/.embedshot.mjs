import { chromium } from '@playwright/test';
const [,, url, out, w, h] = process.argv;
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const p = await b.newPage({ viewport: { width: +w, height: +h } });
const errors = [];
p.on('pageerror', e => errors.push(e.message));
p.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
await p.goto(url);
await p.waitForTimeout(1500);
for (const id of (process.env.CLICKS || '').split(',').filter(Boolean)) { await p.click('#' + id); await p.waitForTimeout(700); }
await p.screenshot({ path: out, fullPage: true });
console.log('errors:', JSON.stringify(errors));
await b.close();
