// Issue 11's "done means", end to end: a real Dovecot mailbox with months of old mail plus three
// fresh emails, and one live chat through the relay the console runs. After the first sync the old
// mail is history and the chat is first in `attend list` and in focus mode; with the open window at
// 0 (every old email open and long overdue) the chat still comes before every one of them.
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { addAccount, BIN, type Cli, makeCli } from '../helpers/cli.js';
import { type DovecotInstance, type MailInput, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot, requireTmux } from '../helpers/e2e.js';
import { makeEmail } from '../helpers/mail.js';
import { freePort } from '../helpers/net.js';
import { type Client, key, visitor } from '../helpers/relay.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { startTmux, type TmuxSession } from '../helpers/tmux.js';

const tmuxGate = requireTmux();
const describeE2E = tmuxGate.available ? requireDovecot() : tmuxGate;

const DAY = 86_400_000;
const MIN = 60_000;
const OLD = 12; // emails whose customers wrote 20 to 350 days ago
const FRESH = ['Parcel not here', 'Wrong size', 'Invoice copy'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Item {
  id: number;
  channel: 'email' | 'chat';
  subject: string;
  status: string;
  backlog: boolean;
  dueAt: string | null;
  customer: { name: string };
}

function mailbox(now: number): MailInput[] {
  const old = Array.from({ length: OLD }, (_, i) =>
    makeEmail({ from: `Old ${i} <old${i}@cust.test>`, to: 'agent@example.test', subject: `Old question ${i}`, body: `Long ago ${i}`, messageId: `old${i}@cust`, date: new Date(now - (20 + 30 * i) * DAY) }),
  );
  const fresh = FRESH.map((subject, i) =>
    makeEmail({ from: `New ${i} <new${i}@cust.test>`, to: 'agent@example.test', subject, body: 'Just now', messageId: `new${i}@cust`, date: new Date(now - (5 + i) * MIN) }),
  );
  return [...old, ...fresh];
}

describeE2E('a fair queue on a mailbox with history (Dovecot, relay, console in tmux)', () => {
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  const clis: Cli[] = [];
  const sockets: Client[] = [];

  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpSink(dovecot);
    await dovecot.fillInbox('agent', mailbox(Date.now()));
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await smtp?.stop();
    await dovecot?.stop();
    for (const c of clis) c.cleanup();
  });

  /** A home with the account (and `extra` flags), synced once, and the console running in tmux with its own relay. */
  async function setUp(extra: string[]): Promise<{ cli: Cli; t: TmuxSession; port: number; firstSync: string }> {
    const port = await freePort();
    const cli = makeCli({ ATTEND_RELAY_PORT: String(port) });
    clis.push(cli);
    await addAccount(cli, dovecot, smtp, 'support', 'agent', extra);
    const sync = await cli.run(['sync']);
    expect(sync.code).toBe(0);
    const t = await startTmux({
      command: [process.execPath, BIN],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cli.home, ATTEND_HOME: cli.home, ATTEND_RELAY_PORT: String(port), ATTEND_TEST_PASSWORD: dovecot.password('agent') },
    });
    onTestFinished(() => t.kill());
    await t.waitFor('● local online', 20_000);
    return { cli, t, port, firstSync: sync.stderr };
  }

  /** A website visitor writes on the console's relay; resolves with the chat as `attend list` has it. */
  async function chatArrives(cli: Cli, port: number): Promise<Item> {
    const { client } = await visitor(`http://127.0.0.1:${port}`, { name: 'Vera' });
    sockets.push(client);
    client.send({ t: 'send', id: key('v'), d: { body: 'Is the blue kettle in stock?' } });
    await client.next('sent');
    const deadline = Date.now() + 15_000;
    for (;;) {
      const chat = (await cli.json<Item[]>(['list', '--limit', '500'])).find((i) => i.channel === 'chat');
      if (chat) return chat;
      if (Date.now() > deadline) throw new Error('the chat never reached the store');
      await sleep(200);
    }
  }

  it('imports the old mail as history; the live chat is first in list and is what focus opens', async () => {
    const { cli, t, port, firstSync } = await setUp([]);
    expect(firstSync).toMatch(new RegExp(`${OLD + FRESH.length} conversations, ${FRESH.length} open, ${OLD} history older than 14 days`));
    const chat = await chatArrives(cli, port);

    const open = await cli.json<Item[]>(['list', '--limit', '500']);
    expect(open[0]?.id).toBe(chat.id);
    expect(open.filter((i) => i.channel === 'email').map((i) => i.subject).sort()).toEqual([...FRESH].sort());
    const all = await cli.json<Item[]>(['list', '--status', 'all', '--limit', '500']);
    const history = all.filter((i) => i.status === 'history');
    expect(history.map((i) => i.subject).sort()).toEqual(Array.from({ length: OLD }, (_, i) => `Old question ${i}`).sort());
    expect(history.every((i) => i.dueAt === null)).toBe(true);

    await t.sendKeys('f');
    await t.waitFor(new RegExp(`FOCUS · #${chat.id} `));
    await t.sendKeys('f', 'q');
  });

  it('with the open window at 0, the chat still comes before every email breached long ago, and focus opens it', async () => {
    const { cli, t, port, firstSync } = await setUp(['--open-window', '0']);
    expect(firstSync).toMatch(new RegExp(`${OLD + FRESH.length} conversations, ${OLD + FRESH.length} open`));
    const chat = await chatArrives(cli, port);

    const open = await cli.json<Item[]>(['list', '--limit', '500']);
    expect(open).toHaveLength(OLD + FRESH.length + 1);
    expect(open[0]?.id).toBe(chat.id);
    const old = open.filter((i) => i.subject.startsWith('Old question'));
    expect(old).toHaveLength(OLD);
    // Every old email missed its 4 h target by far more than 4 h: backlog, oldest first, after the
    // chat and before the fresh mail that still has hours to go.
    expect(old.every((i) => i.backlog && Date.parse(i.dueAt as string) < Date.now() - 4 * 3_600_000)).toBe(true);
    expect(old.map((i) => i.subject)).toEqual(Array.from({ length: OLD }, (_, i) => `Old question ${OLD - 1 - i}`));
    expect(open.slice(OLD + 1).map((i) => i.subject).sort()).toEqual([...FRESH].sort());

    await t.sendKeys('f');
    await t.waitFor(new RegExp(`FOCUS · #${chat.id} `));
    await t.sendKeys('f', 'q');
  });
});
