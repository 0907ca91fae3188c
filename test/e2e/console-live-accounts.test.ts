// The console picks up accounts added or removed while it runs, and retries a reply queued while
// SMTP was down by itself, with backoff (issue 12.4). The built binary in tmux, real Dovecot, the
// SMTP sink paused and resumed, accounts changed by `attend account` in another process.
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { addAccount, BIN, type Cli, makeCli } from '../helpers/cli.js';
import { type DovecotInstance, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot, requireTmux } from '../helpers/e2e.js';
import { makeEmail } from '../helpers/mail.js';
import { freePort } from '../helpers/net.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { startTmux } from '../helpers/tmux.js';

const tmuxGate = requireTmux();
const describeE2E = tmuxGate.available ? requireDovecot() : tmuxGate;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeE2E('the console and accounts that change while it runs', () => {
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  let cli: Cli;

  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpSink(dovecot);
    await dovecot.fillInbox('agent', [
      makeEmail({ from: `Ann <${dovecot.address('customer')}>`, to: dovecot.address('agent'), subject: 'Order 1001 not arrived', body: 'Where is it?', messageId: 'live1@cust' }),
    ]);
  });
  afterAll(async () => {
    await smtp?.stop();
    await dovecot?.stop();
    cli?.cleanup();
  });

  it('an account added in another terminal comes online; a queued reply goes out when SMTP is back; a removed account stops', async () => {
    const port = await freePort();
    cli = makeCli({ ATTEND_RELAY_PORT: String(port) });
    const t = await startTmux({
      command: [process.execPath, BIN],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: cli.home,
        ATTEND_HOME: cli.home,
        ATTEND_RELAY_PORT: String(port),
        ATTEND_TEST_PASSWORD: dovecot.password('agent'),
        ATTEND_OUTBOX_RETRY_MS: '500',
      },
    });
    onTestFinished(() => t.kill());
    await t.waitFor('● local online', 20_000);

    // Added while the console runs: online and its mail in the queue, without a restart.
    await addAccount(cli, dovecot, smtp);
    await t.waitFor(/● support online/, 20_000);
    await t.waitFor('Order 1001 not arrived', 20_000);

    // SMTP down: the reply is queued (exit 75). SMTP back: the console sends it by itself.
    const [c] = await cli.json<Array<{ id: number }>>(['list']);
    await smtp.pause();
    const r = await cli.run(['reply', String(c?.id), '--body', 'It ships today.']);
    expect(r.code).toBe(75);
    await smtp.resume();
    const deadline = Date.now() + 20_000;
    for (;;) {
      const shown = await cli.json<{ messages: Array<{ direction: string; deliveryState: string | null }> }>(['show', String(c?.id)]);
      if (shown.messages.some((m) => m.direction === 'out' && m.deliveryState === 'sent')) break;
      if (Date.now() > deadline) throw new Error(`the queued reply was never sent by the console: ${JSON.stringify(shown.messages)}`);
      await sleep(250);
    }

    // Removed: its status goes from the bar.
    expect((await cli.run(['account', 'remove', 'support'])).code).toBe(0);
    await t.waitForGone(/● support/, 20_000);
    await t.sendKeys('q');
  });
});
