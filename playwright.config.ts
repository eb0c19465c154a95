import { defineConfig } from '@playwright/test';

// Runs against the release build in dist/ (build it first: `trunk build --release`).
// Uses Debian's Chromium: never `npx playwright install`.
export default defineConfig({
  testDir: 'e2e',
  timeout: 30_000,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: 'http://127.0.0.1:8082',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
    },
  },
  webServer: {
    command: 'python3 -m http.server 8082 --bind 127.0.0.1 --directory dist',
    url: 'http://127.0.0.1:8082/',
    reuseExistingServer: false,
    timeout: 20_000,
  },
});
