// Issue 12.3 in the console: a reply the SMTP server refuses for good (a real smtp-server answering
// 550) does not move focus on ("send and next"), leaves the customer waiting, and the whole reason
// is on screen — wrapped under the failed reply, not cut to one line.
import { render } from 'ink-testing-library';
import { afterEach, expect, it } from 'vitest';
import { Runtime } from '../../src/app/runtime.js';
import { App } from '../../src/ui/App.js';
import { makeTheme } from '../../src/ui/theme.js';
import { type ConsoleHome, ME, consoleHome } from '../helpers/console-home.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

const MIN = 60_000;
const settle = (ms = 60) => new Promise((r) => setTimeout(r, ms));
// Longer than any terminal line, in short words (wrapping splits at spaces).
const REASON = `5.7.1 Message refused: the recipient's domain has asked us not to accept mail from this sender; ${'see the postmaster page for details '.repeat(3)}END-OF-REASON`;

let home: ConsoleHome | null = null;
let runtime: Runtime | null = null;
let smtp: SmtpSink | null = null;
afterEach(async () => {
  await runtime?.close();
  runtime = null;
  home?.cleanup();
  home = null;
  await smtp?.stop();
  smtp = null;
});

it('focus: an email reply refused for good (550) stays on the conversation, which still waits, and shows the whole reason', async () => {
  smtp = await startSmtpSink(null, { deliver: false });
  smtp.rejectWith = { code: 550, message: REASON };
  home = await consoleHome({
    accounts: [
      {
        type: 'email',
        name: 'support',
        email: ME,
        user: ME,
        imap: { host: '127.0.0.1', port: 1, security: 'none' }, // no IMAP: sent without the Sent copy
        smtp: { host: smtp.host, port: smtp.port, security: 'none' },
        password: { env: 'ATTEND_TEST_PASSWORD' },
        mailbox: 'INBOX',
        sentMailbox: 'Sent',
        allowInsecure: false,
      },
    ],
  });
  const now = Date.now();
  const first = home.email({ id: 'f1@x', from: 'ann@cust.test', subject: 'Broken kettle', at: now - 40 * MIN, text: 'It leaks.' });
  const second = home.email({ id: 'f2@x', from: 'bob@cust.test', subject: 'Invoice copy', at: now - 20 * MIN });
  const waitingBefore = home.ctx.db.prepare('SELECT waiting_since FROM conversations WHERE id = ?').get(first);

  runtime = await Runtime.start(home.ctx, { relay: false, channels: false, pollMs: 20 });
  const editor = async () => 'A new one is on its way.';
  const ui = render(<App runtime={runtime} theme={makeTheme({ NO_COLOR: '1' })} size={{ columns: 80, rows: 24 }} editor={editor} />);
  const frame = () => ui.lastFrame() ?? '';
  const until = async (what: string, present = true, ms = 8000) => {
    const deadline = Date.now() + ms;
    while (frame().includes(what) !== present) {
      if (Date.now() > deadline) throw new Error(`screen ${present ? 'never showed' : 'still shows'} ${what}:\n${frame()}`);
      await settle(15);
    }
  };
  await until('QUEUE');
  await settle(50);
  ui.stdin.write('f');
  await until(`FOCUS · #${first}`);
  ui.stdin.write('r'); // the editor returns the text; in focus an email reply is "send and next"
  await until('reply FAILED');
  await until('END-OF-REASON');
  await settle(150); // what a move to the next conversation would have needed

  expect(frame()).toContain(`FOCUS · #${first}`);
  expect(frame()).not.toContain(`FOCUS · #${second}`);
  // The reason, whole: the wrapped lines from "not sent:" to its end give it back word for word.
  const lines = frame().split('\n').map((l) => l.trim());
  const from = lines.findIndex((l) => l.startsWith('not sent:'));
  const to = lines.findIndex((l) => l.includes('END-OF-REASON'));
  expect(from).toBeGreaterThanOrEqual(0);
  expect(to).toBeGreaterThan(from);
  const shown = lines.slice(from, to + 1).join(' ').replace(/\s+/g, ' ');
  const stored = (runtime.ctx.db.prepare('SELECT last_error FROM outbox WHERE conversation_id = ?').get(first) as { last_error: string }).last_error;
  expect(stored).toMatch(/550 5\.7\.1 Message refused: .* END-OF-REASON$/);
  expect(shown).toBe(`not sent: ${stored}`);
  for (const l of frame().split('\n')) expect([...l].length).toBeLessThanOrEqual(80);

  const db = runtime.ctx.db;
  expect(db.prepare("SELECT state FROM outbox WHERE conversation_id = ?").get(first)).toEqual({ state: 'failed' });
  expect(db.prepare('SELECT status FROM conversations WHERE id = ?').get(first)).toEqual({ status: 'open' });
  expect(db.prepare('SELECT waiting_since FROM conversations WHERE id = ?').get(first)).toEqual(waitingBefore);
  expect(smtp.received).toHaveLength(0);
  ui.unmount();
}, 20_000);
