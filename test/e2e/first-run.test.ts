// A new user's first minute: `attend` with no configuration starts the relay, a visitor writes from
// the demo page in a real browser, `attend reply` answers, the visitor sees it; Ctrl-C ends it cleanly.
import { freePort } from '../helpers/net.js';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, requireChromium } from '../helpers/browser.js';
import { BIN, type Cli, makeCli } from '../helpers/cli.js';

const describeWithChromium = requireChromium();


async function waitFor(read: () => string, pattern: RegExp, ms = 20_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = read().match(pattern);
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${read()}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

describeWithChromium('first run: relay, demo page, reply from the terminal', () => {
  let browser: Browser;
  let cli: Cli;
  let attend: ChildProcessWithoutNullStreams;
  let out = '';
  let err = '';

  beforeAll(async () => {
    cli = makeCli({ ATTEND_RELAY_PORT: String(await freePort()) });
    browser = await launchChromium();
  });
  afterAll(async () => {
    if (attend && attend.exitCode === null) attend.kill('SIGKILL');
    await browser?.close();
    cli?.cleanup();
  });

  it('works end to end with no configuration', async () => {
    attend = spawn(process.execPath, [BIN], { env: cli.env });
    attend.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    attend.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    const [, demo] = await waitFor(() => err, /open (http:\/\/127\.0\.0\.1:\d+\/demo)/);

    const page = await browser.newPage();
    await page.goto(demo as string);
    await page.getByRole('button', { name: /^Chat with us/ }).click();
    await page.getByRole('textbox', { name: 'Message' }).fill('Hello from the browser');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    const [, id] = await waitFor(() => out, /#(\d+) chat\s+.*Hello from the browser/);

    const reply = await cli.run(['reply', id as string, '--body', 'Hi! How can I help?']);
    expect(reply.stderr).toBe('');
    expect(reply.code).toBe(0);
    await page.locator('.msg.them .b', { hasText: 'Hi! How can I help?' }).waitFor({ timeout: 10_000 });

    const shown = JSON.parse((await cli.run(['show', id as string, '--json'])).stdout);
    expect(shown.messages.map((m: { direction: string; text: string }) => [m.direction, m.text])).toEqual([
      ['in', 'Hello from the browser'],
      ['out', 'Hi! How can I help?'],
    ]);

    attend.kill('SIGINT');
    const code = await new Promise((res) => attend.once('close', res));
    expect(code).toBe(0);
  });
});
