/**
 * The widget outside chat hours, in a real headless Chromium against a real relay: a schedule that
 * is closed now → the widget says it is closed and when it opens, and offers the leave-an-email
 * form (as when nobody is online), even with an agent connected.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Calendar } from '../../src/policy/business-hours.js';
import { type Relay, startRelay } from '../../src/relay/server.js';
import { launchChromium, requireChromium } from '../helpers/browser.js';
import { agent } from '../helpers/relay.js';

const DAY = 86_400_000;
const dateOf = (t: number) => new Date(t).toISOString().slice(0, 10);

const describeBrowser = requireChromium();

describeBrowser('chat widget outside chat hours', () => {
  let dir: string;
  let relay: Relay;
  let browser: Browser;
  const today = Date.now();
  // Open 09:00-17:00 UTC every day, but today and tomorrow are holidays: closed now, whatever the
  // time, and open again the day after tomorrow at 09:00 UTC.
  const closedNow: Calendar = {
    timeZone: 'UTC',
    weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['09:00-17:00']])),
    holidays: [dateOf(today), dateOf(today + DAY)],
  };
  const opensAt = Date.parse(`${dateOf(today + 2 * DAY)}T09:00:00Z`);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attend-widget-hours-'));
    relay = await startRelay({ port: 0, dbPath: path.join(dir, 'relay.db'), env: { ATTEND_HOME: dir }, chatHours: closedNow });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says the chat is closed and when it opens, and takes an email instead', async () => {
    // An agent is connected: outside hours that does not make the chat "online".
    const ana = await agent(relay, { name: 'Ana' });
    const ctx = await browser.newContext({ locale: 'en-GB', timezoneId: 'UTC' });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    try {
      await page.goto(`${relay.url}/demo`);
      await page.getByRole('button', { name: /^Chat with us/ }).click();
      const when = new Date(opensAt).toLocaleString('en-GB', { timeZone: 'UTC', weekday: 'short', hour: '2-digit', minute: '2-digit' });
      expect(when).toMatch(/09:00/);
      await page.getByText(`We're closed right now — back ${when}. Leave your email and we'll reply there. You can still write below.`).waitFor();
      await page.getByText("We're closed", { exact: true }).waitFor();
      expect(await page.getByText("We're online").count()).toBe(0);

      const email = page.getByRole('textbox', { name: 'Your email' });
      await email.fill('kim@example.com');
      await email.press('Enter');
      await page.getByText("Thanks! We'll reply to kim@example.com.").waitFor();
      // The agent gets the address (and can answer by email when the shop opens).
      for (;;) {
        const f = await ana.client.next('event', 5000);
        const d = f.d as { kind: string; email?: string };
        if (d.kind === 'visitor.identified') {
          expect(d.email).toBe('kim@example.com');
          break;
        }
      }
      await page.screenshot({ path: '/tmp/attend-widget-closed.png' });
      expect(errors).toEqual([]);
    } finally {
      ana.client.close();
      await ctx.close();
    }
  });
});
