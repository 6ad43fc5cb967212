// The web trainer in a real browser (Debian's Chromium, headless, driven by playwright-core; no browser download): a
// trainee types forwarding-off-node-1's own fix into the xterm.js terminal and sees FIXED, the trainer's dashboard
// shows FIXED. Screenshots of both pages (web-trainee.png, web-dashboard.png) go to $TRACELAB_SCREENSHOTS (.ci/run
// sets docs/, the README's pictures) or a private temp dir, so a plain `npm test` leaves the checkout as it was.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findScenario } from '../cli/common.js';
import { loadClassFile } from '../lab/web/class-file.js';
import { fixLines } from '../lab/web/scripted-trainee.js';
import { startClassServer, type ClassServer } from '../lab/web/server.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(import.meta.dirname, '..');
const hasChromium = existsSync(CHROMIUM);
const shots = process.env.TRACELAB_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'tracelab-shots-'));

describe.skipIf(!hasChromium)('the web trainer in Chromium (needs /usr/bin/chromium, Debian\'s package)', () => {
  const profile = mkdtempSync(join(tmpdir(), 'tracelab-chromium-'));
  let browser: BrowserContext;
  let server: ClassServer;

  beforeAll(async () => {
    server = await startClassServer(loadClassFile(join(ROOT, 'docs', 'example-class.yaml')), { host: '127.0.0.1', port: 0 });
    // A fresh profile in a private temp dir (playwright passes it as --user-data-dir); nothing is downloaded.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('a trainee fixes forwarding-off-node-1 through the browser terminal; the dashboard shows FIXED', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1500, height: 1000 });
    await page.goto(`${server.url}/`);
    await page.getByLabel('Your name').fill('ada');
    await page.keyboard.press('Enter');
    const terminal = page.locator('#terminal .xterm-rows');
    await expect.poll(() => terminal.innerText(), { timeout: 20_000 }).toContain('Type `help`');
    const box = async () => JSON.stringify(await page.locator('#picture').boundingBox());
    const pictureBefore = await box();
    for (const line of fixLines(findScenario('forwarding-off-node-1'))) {
      await page.keyboard.type(line);
      await page.keyboard.press('Enter');
    }
    await expect.poll(() => terminal.innerText(), { timeout: 20_000 }).toContain('FIXED: all');
    await expect.poll(() => page.locator('#p-result').innerText()).toBe('FIXED');
    await page.keyboard.type('traceroute -n 10.244.1.3');
    await page.keyboard.press('Enter');
    // The picture draws the probe's path, and marks where the trainee stands (node-2 after the fix's `exit`).
    await expect.poll(() => page.locator('#svg polyline.path').count(), { timeout: 20_000 }).toBe(1);
    expect(await page.locator('#svg .here').getAttribute('data-device')).toBe('node-2');
    // Keyboard only: Esc then Tab leaves the terminal (Tab alone completes in the shell).
    const inTerminal = () => page.evaluate(() => document.activeElement?.classList.contains('xterm-helper-textarea') === true);
    expect(await inTerminal()).toBe(true);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    expect(await inTerminal()).toBe(false);
    await page.focus('.xterm-helper-textarea');
    // Output never moves the page around: the picture is where it was before the terminal printed.
    expect(await box()).toBe(pictureBefore);
    await page.screenshot({ path: join(shots, 'web-trainee.png') });
    // At 200% zoom (half the CSS width) the page reflows into one column without scrolling sideways.
    await page.setViewportSize({ width: 750, height: 500 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.screenshot({ path: join(shots, 'web-trainee-200.png'), fullPage: true });

    const token = server.room.cls.trainerToken;
    const dashboard = await browser.newPage();
    await dashboard.setViewportSize({ width: 1500, height: 900 });
    const refused = await dashboard.goto(`${server.url}/dashboard`);
    expect(refused?.status()).toBe(401);
    await dashboard.goto(`${server.url}/dashboard?token=${encodeURIComponent(token)}`);
    const row = dashboard.locator('tbody tr', { hasText: 'ada' });
    await expect.poll(() => row.innerText(), { timeout: 10_000 }).toContain('FIXED');
    expect(await row.innerText()).not.toContain('NOT FIXED');
    await row.click();
    await expect.poll(() => dashboard.locator('#terminal .xterm-rows').innerText(), { timeout: 10_000 }).toContain('FIXED: all');
    await dashboard.screenshot({ path: join(shots, 'web-dashboard.png') });
  }, 90_000);
});
