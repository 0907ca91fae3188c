// The console end to end: the built binary in tmux against a private Dovecot (IMAP IDLE), an SMTP
// server delivering into it, and the relay the console starts itself, with visitors on real sockets.
// Every step is asserted on what the terminal shows (capture-pane), plus what customers received.
import { freePort } from '../helpers/net.js';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { addAccount, BIN, type Cli, makeCli } from '../helpers/cli.js';
import { type DovecotInstance, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot, requireTmux } from '../helpers/e2e.js';
import { peek } from '../helpers/imap-peek.js';
import { makeEmail } from '../helpers/mail.js';
import { type Client, key, visitor } from '../helpers/relay.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { startTmux, type TmuxSession } from '../helpers/tmux.js';

// Both tools are needed; whichever is missing is reported (and fails the run under ATTEND_E2E=1).
const tmuxGate = requireTmux();
const describeE2E = tmuxGate.available ? requireDovecot() : tmuxGate;

const IDLE_MS = 20_000; // IMAP IDLE arrivals, with room for a loaded machine
const REPLY = 'Thanks, it ships today.';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Item {
  id: number;
  channel: string;
  subject: string;
  priority: string;
  customer: { name: string; email: string | null };
}


/** Merges policy keys into $ATTEND_HOME/config.json (written first by `attend account add`, if at all). */
function writeSettings(cli: Cli, more: Record<string, unknown>): void {
  const file = path.join(cli.home, 'config.json');
  let current: Record<string, unknown> = { accounts: [], agent: { name: 'Sam' } };
  try {
    current = JSON.parse(readFileSync(file, 'utf8'));
  } catch {}
  writeFileSync(file, JSON.stringify({ ...current, ...more }, null, 2), { mode: 0o600 });
}

/**
 * `attend` with no command in an 80x24 tmux window, with exactly this environment; resolves at the
 * first screen. A shell waits for a key after it exits: tmux 3.3a hides the cursor of a dead pane,
 * so whether the console showed it again can only be read while the pane lives.
 */
async function openConsole(cli: Cli, env: Record<string, string>): Promise<TmuxSession> {
  const t = await startTmux({
    command: ['/bin/sh', '-c', '"$0" "$1"; s=$?; echo "[attend exited $s]"; read x; exit $s', process.execPath, BIN],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cli.home, ATTEND_HOME: cli.home, ...env },
  });
  onTestFinished(() => t.kill());
  await t.waitFor(/QUEUE \(\d+\) open/);
  return t;
}

/** q: the console ends with status 0 and gives the terminal back (main screen, cursor shown). */
async function quit(t: TmuxSession): Promise<void> {
  await t.sendKeys('q');
  await t.waitFor('[attend exited', 15_000);
  expect(await t.alternateOn()).toBe(false);
  expect(await t.cursorVisible()).toBe(true);
  await t.sendKeys('Enter');
  expect(await t.waitForExit()).toBe(0);
}

/** The queue row of a conversation: its line number, or -1 (rows start with the selection mark). */
const rowOf = (screen: string, id: number) => screen.split('\n').findIndex((l) => new RegExp(`^[ ▸]#${id} `).test(l));
/** Everything but the status bar (its clock ticks). */
const withoutStatusBar = (screen: string) => screen.split('\n').slice(0, -1).join('\n');

/** The screen without its status bar once it stopped changing (two captures 300 ms apart agree). */
async function steady(t: TmuxSession, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = withoutStatusBar(await t.capture());
  for (;;) {
    await sleep(300);
    const now = withoutStatusBar(await t.capture());
    if (now === last) return now;
    if (Date.now() > deadline) throw new Error(`the screen kept changing for ${timeoutMs} ms:\n${now}`);
    last = now;
  }
}

/** Opens a one-line prompt with `keys`, types `text` once the prompt is listening, and submits it. */
async function typeInto(t: TmuxSession, keys: string, label: string, text: string): Promise<void> {
  await t.sendKeys(keys);
  await t.waitFor(label);
  await sleep(100); // the text input subscribes to keys right after its first render
  await t.type(text);
  await t.waitFor(`${label} ${text}`);
  await t.sendKeys('Enter');
}

/** Whether any SGR sequence in the text sets a foreground colour (30–37, 90–97, 38;5;N, 38;2;R;G;B). */
function hasForeground(text: string): boolean {
  for (const m of text.matchAll(/\x1b\[([0-9;]*)m/g)) {
    const p = (m[1] || '0').split(';').map(Number);
    for (let i = 0; i < p.length; i++) {
      const n = p[i] as number;
      if (n === 38 || (n >= 30 && n <= 37) || (n >= 90 && n <= 97)) return true;
      if (n === 48) i += p[i + 1] === 5 ? 2 : 4; // a background colour's arguments
    }
  }
  return false;
}

/** The next message the agent sent, as the visitor's socket receives it. */
async function agentMessage(v: Client): Promise<{ body: string }> {
  for (;;) {
    const f = await v.next<{ kind: string; message?: { from: string; body: string } }>('event', 10_000);
    if (f.d?.kind === 'message' && f.d.message?.from === 'agent') return f.d.message;
  }
}

const sockets: Client[] = [];

/** A visitor who opens the chat on the console's relay and writes one message. */
async function visitorSays(port: number, who: { name: string; email?: string; page?: string }, body: string): Promise<Client> {
  const { client } = await visitor(`http://127.0.0.1:${port}`, who);
  sockets.push(client);
  client.send({ t: 'send', id: key('v'), d: { body } });
  await client.next('sent');
  return client;
}

describeE2E('the console in a terminal, against Dovecot and the relay', () => {
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  let tmp: string;
  const clis: Cli[] = [];

  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpSink(dovecot);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'attend-editor-'));
    // $EDITOR: writes the reply above whatever the console put in the file.
    writeFileSync(path.join(tmp, 'editor.sh'), `#!/bin/sh\nprintf '${REPLY}\\n%s' "$(cat "$1")" > "$1"\n`);
    chmodSync(path.join(tmp, 'editor.sh'), 0o755);
  });
  afterAll(async () => {
    for (const v of sockets) v.close();
    await smtp?.stop();
    await dovecot?.stop();
    for (const c of clis) c.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('queue, chat and email replies, focus with deferral and a breakthrough, digest, clean exit', async () => {
    const port = await freePort();
    const cli = makeCli({ ATTEND_RELAY_PORT: String(port) });
    clis.push(cli);
    await addAccount(cli, dovecot, smtp);
    // Chats are due in 90 min (so a due time on screen reads "1h" throughout), email in 4 h;
    // Cy writes from the checkout page, which a rule makes urgent: due in 1 min, inside the 1 min
    // lead, about to breach. (An address a visitor types is unverified: rules never match it.)
    writeSettings(cli, {
      sla: { chat: { firstMinutes: 90 }, email: { firstMinutes: 240 }, priorities: { urgent: { chat: { firstMinutes: 1 } } } },
      priority: { rules: [{ name: 'checkout trouble', subjectWords: ['checkout'], priority: 'urgent' }] },
      focus: { breakthrough: { leadMinutes: { chat: 1, email: 1 } } },
    });
    const list = () => cli.json<Item[]>(['list', '--status', 'all']);
    const find = async (match: (i: Item) => boolean, what: string) => {
      const deadline = Date.now() + IDLE_MS;
      for (;;) {
        const hit = (await list()).find(match);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`never stored: ${what}`);
        await sleep(250);
      }
    };
    await dovecot.fillInbox('agent', [
      makeEmail({ from: `Ann Customer <${dovecot.address('customer')}>`, to: dovecot.address('agent'), subject: 'Order 1001 not arrived', body: 'Where is my order?', messageId: 'ann1@cust' }),
    ]);

    // 1. The console syncs the email itself; a visitor's chat arrives live, above it (shorter target).
    const t = await openConsole(cli, { ATTEND_RELAY_PORT: String(port), ATTEND_TEST_PASSWORD: dovecot.password('agent'), EDITOR: path.join(tmp, 'editor.sh') });
    await t.waitFor('● local online', IDLE_MS);
    await t.waitFor('Order 1001 not arrived', IDLE_MS);
    const vera = await visitorSays(port, { name: 'Vera' }, 'Is the blue kettle in stock?');
    const chat = await find((i) => i.customer.name === 'Vera', 'Vera’s chat');
    const email = await find((i) => i.subject === 'Order 1001 not arrived', 'Ann’s email');
    let screen = await t.waitFor(new RegExp(`^[ ▸]#${chat.id} `, 'm'));
    expect(screen).toMatch(/^▌QUEUE \(2\) open/);
    expect(rowOf(screen, chat.id)).toBe(1);
    expect(rowOf(screen, email.id)).toBe(2);
    expect(screen.split('\n').at(-1)).toMatch(/● support online .*● local online · outbox 0 queued/);

    // 2. Open the chat, back to the queue, answer inline: the visitor gets it; the heading says sent.
    await t.sendKeys('g');
    await t.waitFor(`▸#${chat.id} `);
    await t.sendKeys('Enter');
    screen = await t.waitFor(/^ QUEUE/m); // the conversation pane has the keys now
    expect(screen).toContain('Is the blue kettle in stock?');
    await t.sendKeys('Tab');
    await t.waitFor(/^▌QUEUE/m);
    await typeInto(t, 'r', `reply #${chat.id}>`, 'Yes, 4 left!');
    await t.waitFor(`#${chat.id}: reply queued → sending`); // it went through the outbox…
    expect((await agentMessage(vera)).body).toBe('Yes, 4 left!');
    screen = await t.waitFor(/── .+ · \d\d:\d\d · sent/); // …and the relay confirmed it
    expect(screen).toContain('Yes, 4 left!');
    expect(screen).toContain('outbox 0 queued');

    // 3. Answer the email in $EDITOR: it goes out by SMTP and lands in the customer's mailbox.
    await t.waitFor(new RegExp(`^▌QUEUE.*\n[ ▸]#${email.id} `)); // the answered chat waits no more: the email leads
    await t.sendKeys('g');
    await t.waitFor(`▸#${email.id} `);
    await t.sendKeys('r');
    await t.waitFor(REPLY);
    const [sent] = await smtp.waitFor(1);
    expect(sent?.to).toEqual([dovecot.address('customer')]);
    const got = (await peek(dovecot, 'customer')).find((m) => m.subject === 'Re: Order 1001 not arrived');
    expect(got?.text).toContain(REPLY);
    expect(got?.inReplyTo).toBe('<ann1@cust>');
    expect(got?.text).toMatch(/wrote:\n> Where is my order\?/); // the original, quoted below the reply
    screen = await t.waitFor(/── Acme Support · \d\d:\d\d · sent/);
    expect(screen).toContain(REPLY);

    // 4. Focus on a waiting chat; an email (a lower channel) arrives meanwhile: nothing moves.
    await visitorSays(port, { name: 'Ben' }, 'Can I change my delivery address?');
    const ben = await find((i) => i.customer.name === 'Ben', 'Ben’s chat');
    await t.waitFor(new RegExp(`^[ ▸]#${ben.id} `, 'm'));
    await t.sendKeys('f');
    await t.waitFor(`FOCUS · #${ben.id}`);
    await t.waitFor('Can I change my delivery address?');
    const before = await steady(t);
    expect(before).not.toMatch(/QUEUE|blue kettle|Order 1001/); // one conversation, nothing else
    const mailer = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: false });
    await mailer.sendMail({
      envelope: { from: 'bob@elsewhere.test', to: [dovecot.address('agent')] },
      raw: makeEmail({ from: 'Bob <bob@elsewhere.test>', to: dovecot.address('agent'), subject: 'Invoice copy please', body: 'Could you resend the invoice?' }),
    });
    const bob = await find((i) => i.subject === 'Invoice copy please', 'Bob’s email (IMAP IDLE)');
    await sleep(1000); // the console noticed it (store poll: 200 ms) and re-rendered, if it were to
    screen = await t.capture();
    expect(withoutStatusBar(screen)).toBe(before);
    expect(screen.split('\n').at(-1)).toContain('· 0 waiting');

    // 5. A chat about to breach: one breakthrough line; focus stays where it is.
    await visitorSays(port, { name: 'Cy', email: 'cy@shop.test', page: '/checkout' }, 'My checkout page shows an error!');
    const cy = await find((i) => i.customer.name === 'Cy', 'Cy’s chat');
    expect(cy.priority).toBe('urgent');
    screen = await t.waitFor(new RegExp(`^! #${cy.id} Cy — due in \\d+s · chat — b jumps`, 'm'));
    expect(screen).toContain(`FOCUS · #${ben.id}`);
    expect(screen).not.toContain('My checkout page shows an error!');
    expect(screen.split('\n').at(-1)).toContain('· 1 waiting');

    // 6. Leaving focus shows what waited; any key returns to the queue, where all of it now is.
    await t.sendKeys('f');
    screen = await t.waitFor('While you were focused');
    expect(screen).toMatch(new RegExp(`chat: 1 conversation, 1 message — #${cy.id} Cy due in \\d+s`));
    expect(screen).toMatch(new RegExp(`email: 1 conversation, 1 message — #${bob.id} Bob due in 3h`));
    expect(screen).toContain('You handled 0 conversations.');
    await t.sendKeys('x');
    screen = await t.waitFor(/QUEUE \(5\) open/);
    for (const id of [chat.id, email.id, ben.id, cy.id, bob.id]) expect(rowOf(screen, id)).toBeGreaterThan(0);

    // 7. q quits with status 0 and gives the terminal back.
    await quit(t);
  }, 120_000);

  it('NO_COLOR drops colour, not meaning; a resize re-lays out the screen and leaves nothing behind', async () => {
    const port = await freePort();
    const cli = makeCli({ ATTEND_RELAY_PORT: String(port) });
    clis.push(cli);
    writeSettings(cli, { sla: { chat: { firstMinutes: 0.01 } } }); // chats breach within a second
    const env = { ATTEND_RELAY_PORT: String(port) };
    const eli = 'Eli from Midnight Blue Enamel Teapots and Kettles'; // the row's who: cut to fit
    const breachedRows = /^[ ▸]#\d+ +-\d+[sm] +chat .*\n[ ▸]#\d+ +-\d+[sm] +chat /m;

    let t = await openConsole(cli, env);
    await t.waitFor('● local online', IDLE_MS);
    await visitorSays(port, { name: 'Dora' }, 'First!');
    await visitorSays(port, { name: eli }, 'My teapot arrived with a chipped lid.');
    await t.waitFor(breachedRows);
    const rows = (await t.captureWithEscapes()).split('\n').filter((l) => /#\d+ /.test(l) && /-\d+[sm] /.test(l));
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(hasForeground(r)).toBe(true); // breached: red, the selected one too
    await quit(t);

    t = await openConsole(cli, { ...env, NO_COLOR: '1' });
    await t.waitFor(breachedRows);
    const narrow = await steady(t);
    const plain = await t.captureWithEscapes();
    expect(plain).toMatch(/\x1b\[(?:[0-9;]*;)?7(?:;[0-9;]*)?m/); // the selection is still inverse
    expect(hasForeground(plain)).toBe(false);

    // 80x24 → 120x40: the queue row shows more of the long name; back to 80x24: the same layout.
    expect(narrow).not.toContain('Eli from Midnight');
    await t.resize(120, 40);
    const wide = await t.waitFor('Eli from Midnight');
    expect(Math.max(...wide.split('\n').map((l) => [...l].length))).toBeGreaterThan(80);
    await t.resize(80, 24);
    await t.waitFor(/^[ ▸]#\d+ +-\d+[sm] +chat Eli from … My tea[^│]*│/m);
    const back = await steady(t);
    const lines = back.split('\n');
    expect(lines.length).toBeLessThanOrEqual(23); // and the status bar
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    const masked = (s: string) => s.replace(/-?\d+[smhd]\b */g, 'N'); // times left tick
    expect(masked(back)).toBe(masked(narrow));
    await quit(t);
  });
});
