// The console's flows with ink-testing-library over a real store (channels off: no network here;
// the end-to-end run against Dovecot and the relay is test/e2e/console.test.ts).
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Runtime } from '../../src/app/runtime.js';
import { getDraft } from '../../src/store/drafts.js';
import { App } from '../../src/ui/App.js';
import { makeTheme } from '../../src/ui/theme.js';
import { type ConsoleHome, consoleHome } from '../helpers/console-home.js';

const MIN = 60_000;
const settle = (ms = 60) => new Promise((r) => setTimeout(r, ms));

let home: ConsoleHome | null = null;
let runtime: Runtime | null = null;
afterEach(async () => {
  await runtime?.close();
  runtime = null;
  home?.cleanup();
  home = null;
});

async function start(
  h: ConsoleHome,
  props: { editor?: (a: string, b: string) => Promise<string | null>; onQuit?: () => void; startInFocus?: boolean; size?: { columns: number; rows: number } } = {},
) {
  runtime = await Runtime.start(h.ctx, { relay: false, channels: false, pollMs: 20 });
  const ui = render(<App runtime={runtime} theme={makeTheme({ NO_COLOR: '1' })} size={{ columns: 80, rows: 24 }} {...props} />);
  const frame = () => ui.lastFrame() ?? '';
  /** Waits until the screen shows (or stops showing) something: input handlers attach after a render. */
  const until = async (what: string | RegExp, present = true, ms = 4000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = frame();
      const has = typeof what === 'string' ? f.includes(what) : what.test(f);
      if (has === present) return f;
      if (Date.now() > deadline) throw new Error(`screen ${present ? 'never showed' : 'still shows'} ${String(what)}:\n${f}`);
      await settle(15);
    }
  };
  await until('QUEUE');
  await settle(50);
  return { ui, rt: runtime, frame, until };
}

/** The transcript region: everything but the status bar's clock, for "nothing moved" comparisons. */
const body = (frame: string) => frame.split('\n').slice(0, -1).join('\n');

describe('the queue', () => {
  it('fits 80x24, ranks by time to breach with backlog behind what is due soon, and moves with j/k', async () => {
    home = await consoleHome();
    const now = Date.now();
    const oldEmail = home.email({ id: 'a@x', from: 'ann@cust.test', subject: 'Invoice question', at: now - 5 * 3600_000 }); // email overdue 1h: backlog
    const newEmail = home.email({ id: 'b@x', from: 'bob@cust.test', subject: 'Where is my parcel', at: now - 10 * MIN }); // due in 3h50
    const chat = home.chat({ relayId: 1, name: 'Cleo', text: 'Hello?', at: now - 1 * MIN }); // due in 1m
    const { ui, frame, until } = await start(home);
    const lines = frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    // The chat can still make its target; the email that breached an hour ago is backlog and waits
    // behind what is due within the hour, before the email that has hours left.
    const order = [chat, oldEmail, newEmail].map((id) => frame().indexOf(`#${id} `));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order[0]).toBeLessThan(order[1] as number);
    expect(order[1]).toBeLessThan(order[2] as number);
    expect(frame()).toContain(`▸#${chat}`);
    expect(frame()).toContain('Hello?');
    ui.stdin.write('j');
    await until(`▸#${oldEmail}`);
    expect(frame()).toContain('overdue 1h');
    const { reasonsLine } = await import('../../src/ui/components/QueuePane.js');
    const { getConversation } = await import('../../src/store/conversations.js');
    expect(reasonsLine(getConversation(home.ctx.db, oldEmail) as never, Date.now())).toMatch(/^overdue 1h · email · backlog$/);
    ui.stdin.write('G');
    await until(`▸#${newEmail}`);
    ui.stdin.write('kk'); // one chunk, two keys
    await until(`▸#${chat}`);
    ui.unmount();
  });

  it('a key that lands with a store change still moves the cursor (the queue re-read does not undo it)', async () => {
    home = await consoleHome();
    const now = Date.now();
    const first = home.chat({ relayId: 1, name: 'Cleo', text: 'Hello?', at: now - 1 * MIN });
    const second = home.email({ id: 'b@x', from: 'bob@cust.test', subject: 'Where is my parcel', at: now - 10 * MIN });
    const { ui, frame, until, rt } = await start(home);
    expect(frame()).toContain(`▸#${first}`);
    // The key and a store change (another process wrote, the clock moved backlog) in one batch.
    ui.stdin.write('j');
    rt.version++;
    rt.emit('change', rt.version);
    await until(`▸#${second}`);
    await settle(100);
    expect(frame()).toContain(`▸#${second}`);
    ui.unmount();
  });

  it('shows every key from the keymap on ?', async () => {
    home = await consoleHome();
    const { ui, frame, until } = await start(home);
    ui.stdin.write('?');
    await until('Keys — queue');
    expect(frame()).toContain('focus mode');
    expect(frame()).toContain('resolve');
    ui.stdin.write('x');
    await until('Keys — queue', false);
    ui.unmount();
  });

  it('never lets a subject or name reach the terminal with escape sequences', async () => {
    home = await consoleHome();
    home.email({ id: 'evil@x', from: 'eve@cust.test', subject: 'Hi \x1b]0;pwned\x07 \x1b[2J\x1b[31mred \u202Eevil', at: Date.now() - MIN, text: 'body \x1b[1A\x1b[2K up' });
    const { ui, frame } = await start(home);
    expect(frame()).toContain('Hi');
    expect(frame()).toContain('body');
    expect(frame()).not.toMatch(/\x1b\]|\x1b\[2J|\x1b\[1A|\x1b\[31m|\u202E/);
    ui.unmount();
  });

  it('searches, filters by status and resolves with R', async () => {
    home = await consoleHome();
    const now = Date.now();
    const a = home.email({ id: 'a@x', from: 'ann@cust.test', subject: 'Refund please', at: now - 30 * MIN });
    const b = home.email({ id: 'b@x', from: 'bob@cust.test', subject: 'Login broken', at: now - 20 * MIN });
    const { ui, frame, until, rt } = await start(home);
    ui.stdin.write('/');
    await until('search:');
    await settle(50); // the text input subscribes to keys after its first render
    ui.stdin.write('login');
    await until('search: login');
    ui.stdin.write('\r');
    await until('(1)');
    expect(frame()).toContain(`▸#${b} `);
    expect(frame()).not.toContain('Refund please');
    ui.stdin.write('R');
    await until('(0)');
    expect(rt.ctx.db.prepare('SELECT status FROM conversations WHERE id = ?').get(b)).toEqual({ status: 'resolved' });
    ui.stdin.write('\x1b'); // esc clears the search
    await until(`▸#${a} `);
    expect(frame()).not.toContain('Login broken');
    ui.stdin.write('F'); // open → pending → snoozed → resolved
    await until('QUEUE (0) pending');
    ui.stdin.write('F');
    await until('QUEUE (0) snoozed');
    ui.stdin.write('F');
    await until('QUEUE (1) resolved');
    expect(frame()).toContain('Login broken');
    ui.unmount();
  });

  it('history stays out of the queue, shows under the history filter and in search, and the first sync says what it did', async () => {
    home = await consoleHome();
    const now = Date.now();
    const fresh = home.email({ id: 'f@x', from: 'ann@cust.test', subject: 'Parcel missing', at: now - 30 * MIN });
    const old = home.email({ id: 'o@x', from: 'ann@cust.test', subject: 'Spring order', at: now - 90 * 24 * 60 * MIN });
    // As a first sync imports what predates the open window.
    home.ctx.db.prepare("UPDATE conversations SET status = 'history', waiting_since = NULL WHERE id = ?").run(old);
    const { ui, frame, until, rt } = await start(home);
    await until('QUEUE (1) open');
    const row = (id: number) => new RegExp(`^[▸ ]#${id} `, 'm');
    expect(frame()).toMatch(row(fresh));
    expect(frame()).not.toMatch(row(old));
    // The conversation pane names the customer's history.
    expect(frame()).toContain(`history: email #${old} history`);
    rt.emit('notice', 'support: 2 conversations, 1 open, 1 history older than 14 days');
    await until('1 history older than 14 days');
    for (const status of ['pending', 'snoozed', 'resolved', 'history']) {
      ui.stdin.write('F');
      await until(`QUEUE (${status === 'history' ? 1 : 0}) ${status}`);
    }
    expect(frame()).toMatch(row(old));
    ui.stdin.write('F');
    await until('QUEUE (2) all');
    ui.stdin.write('/');
    await until('search:');
    await settle(50);
    ui.stdin.write('spring');
    await until('search: spring');
    ui.stdin.write('\r');
    await until('(1)');
    expect(frame()).toContain(`▸#${old} `);
    ui.unmount();
  });

  it('snoozes with a preset and tags, assigns and notes through prompts', async () => {
    home = await consoleHome();
    const id = home.email({ id: 'a@x', from: 'ann@cust.test', subject: 'Refund please', at: Date.now() - 30 * MIN });
    const { ui, until, rt } = await start(home);
    ui.stdin.write('t');
    await until('tags (-tag removes):');
    await settle(50); // the text input subscribes to keys after its first render
    ui.stdin.write('refund vip');
    await until('refund vip');
    ui.stdin.write('\r');
    await until('tags: refund vip');
    ui.stdin.write('a');
    await until('assign to');
    await settle(50); // the text input subscribes to keys after its first render
    ui.stdin.write('dana');
    await until('assign to (empty unassigns): dana');
    ui.stdin.write('\r');
    await until('assigned: dana');
    ui.stdin.write('n');
    await until('internal note:');
    await settle(50); // the text input subscribes to keys after its first render
    ui.stdin.write('called her back');
    await until('called her back');
    ui.stdin.write('\r');
    await until('── note · Sam');
    ui.stdin.write('s');
    await until('Snooze until');
    ui.stdin.write('2');
    await until('(0)');
    const row = rt.ctx.db.prepare('SELECT status, snoozed_until, assignee FROM conversations WHERE id = ?').get(id) as { status: string; snoozed_until: number; assignee: string };
    expect(row.status).toBe('snoozed');
    expect(row.assignee).toBe('dana');
    expect(Math.abs(row.snoozed_until - (Date.now() + 4 * 3600_000))).toBeLessThan(60_000);
    ui.unmount();
  });
});

describe('replies', () => {
  it('chat: the inline composer queues the reply; Ctrl-C keeps a typed reply as a draft', async () => {
    home = await consoleHome();
    const chat = home.chat({ relayId: 7, name: 'Cleo', text: 'Is anyone there?', at: Date.now() - MIN });
    const onQuit = vi.fn();
    const { ui, frame, until, rt } = await start(home, { onQuit });
    ui.stdin.write('r');
    await until(`reply #${chat}>`);
    await settle(50);
    ui.stdin.write('Yes, I am here');
    await until(`reply #${chat}> Yes, I am here`);
    ui.stdin.write('\r');
    await until('· queued');
    const out = rt.ctx.db.prepare("SELECT payload_json, state FROM outbox WHERE conversation_id = ? AND kind = 'chat'").get(chat) as { payload_json: string; state: string };
    expect(JSON.parse(out.payload_json).body).toBe('Yes, I am here');
    expect(out.state).toBe('queued');
    expect(frame()).toContain('outbox 1 queued');

    ui.stdin.write('r');
    await until(`reply #${chat}>`);
    await settle(50);
    ui.stdin.write('half a thought');
    await until('half a thought');
    ui.stdin.write('\x03'); // Ctrl-C
    await until('draft kept');
    expect(getDraft(rt.ctx.db, chat)).toBe('half a thought');
    expect(onQuit).not.toHaveBeenCalled();
    ui.stdin.write('r');
    await until(`reply #${chat}> half a thought`); // the draft comes back
    ui.stdin.write('\x1b');
    await until(`reply #${chat}>`, false);
    ui.stdin.write('\x03');
    await settle(100);
    expect(onQuit).toHaveBeenCalledTimes(1);
    ui.unmount();
  });

  it('email: the reply is written in the editor with the quoted original below the scissors', async () => {
    home = await consoleHome();
    const id = home.email({ id: 'q@x', from: 'ann@cust.test', subject: 'Order 42', at: Date.now() - MIN, text: 'Where is order 42?' });
    const editor = vi.fn(async (_initial: string, below: string) => {
      expect(below).toContain('wrote:');
      expect(below).toContain('> Where is order 42?');
      return 'It ships today.';
    });
    const { ui, until, rt } = await start(home, { editor });
    ui.stdin.write('r');
    await until('It ships today.');
    expect(editor).toHaveBeenCalledTimes(1);
    const out = rt.ctx.db.prepare("SELECT payload_json FROM outbox WHERE conversation_id = ? AND kind = 'email'").get(id) as { payload_json: string };
    const payload = JSON.parse(out.payload_json);
    expect(payload.text.startsWith('It ships today.')).toBe(true);
    expect(payload.subject).toBe('Re: Order 42');
    ui.unmount();
  });
});

describe('stats screen', () => {
  it('S shows the same report as attend stats; any key returns', async () => {
    home = await consoleHome();
    home.email({ id: 'a@x', from: 'ann@cust.test', subject: 'Refund', at: Date.now() - MIN });
    const { ui, frame, until } = await start(home);
    ui.stdin.write('S');
    await until('Stats · last 7 days');
    expect(frame()).toMatch(/opened\s+1/);
    expect(frame()).toContain('first response p50');
    ui.stdin.write('x');
    await until('QUEUE (1)');
    ui.unmount();
  });
});

describe('canned replies', () => {
  it('T inserts a template, variables filled, into the chat composer', async () => {
    home = await consoleHome();
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(`${home.dir}/templates`);
    writeFileSync(`${home.dir}/templates/thanks.md`, '---\ntags: [thanks]\n---\nHi {{customer.name}}, this is {{agent.name}} about #{{conversation.id}}.\n');
    writeFileSync(`${home.dir}/templates/broken.md`, 'Hi {{customer.nickname}}');
    const chat = home.chat({ relayId: 4, name: 'Cleo', text: 'hello', at: Date.now() - MIN });
    const { ui, until, frame } = await start(home);
    ui.stdin.write('T');
    await until('Insert a canned reply');
    await settle(50);
    ui.stdin.write('brok'); // the filter narrows the list; Enter picks the first
    await until('filter: brok');
    expect(frame()).not.toContain('  thanks');
    ui.stdin.write('\r');
    await until('unknown variable {{customer.nickname}}');
    ui.stdin.write('T');
    await until('Insert a canned reply');
    await settle(50);
    ui.stdin.write('than');
    await until('filter: than');
    ui.stdin.write('\r');
    await until(`reply #${chat}> Hi Cleo, this is Sam about #${chat}.`);
    ui.unmount();
  });
});

describe('focus mode', () => {
  it('shows one conversation, defers the rest quietly, breaks through for a near breach, and ends with a digest', async () => {
    // A 1-minute chat lead (the default, 2, makes every new chat a breakthrough at once): a new chat
    // is then "far from breach" for its first minute.
    home = await consoleHome({ focus: { breakthrough: { leadMinutes: { chat: 1 } } } });
    const now = Date.now();
    const first = home.chat({ relayId: 1, name: 'Ann', text: 'My order is late', at: now - 3 * MIN }); // overdue: picked first
    home.email({ id: 'o@x', from: 'olga@cust.test', subject: 'Old question', at: now - 30 * MIN });
    const { ui, frame, until, rt } = await start(home);
    ui.stdin.write('f');
    await until(`FOCUS · #${first}`);
    expect(frame()).toContain('My order is late');
    expect(frame()).not.toContain('Old question');
    const before = body(frame());

    // A lower channel (email) writes: hidden — the screen does not change, the count stays 0.
    home.email({ id: 'o2@x', from: 'olga@cust.test', subject: 'Re: Old question', inReplyTo: 'o@x', at: Date.now(), text: 'Any news?' });
    rt.check();
    await settle(150);
    expect(body(frame())).toBe(before);
    expect(frame()).toContain('0 waiting');

    // Another chat (same channel) writes, far from breach: counted quietly, nothing else moves.
    const calm = home.chat({ relayId: 2, name: 'Ben', text: 'No rush', at: Date.now() });
    rt.check();
    await until('1 waiting');
    expect(body(frame())).toBe(before);
    expect(calm).toBeGreaterThan(0);

    // A chat about to breach: one breakthrough line; focus does not switch by itself.
    const hot = home.chat({ relayId: 3, name: 'Cy', text: 'Hello???', at: Date.now() - 90_000 });
    rt.check();
    await until(`! #${hot} Cy`);
    expect(frame()).toContain(`FOCUS · #${first}`);

    ui.stdin.write('b');
    await until(`FOCUS · #${hot}`);
    ui.stdin.write('R'); // resolve and advance
    await until(`FOCUS · #${hot}`, false);
    expect(rt.ctx.db.prepare('SELECT status FROM conversations WHERE id = ?').get(hot)).toEqual({ status: 'resolved' });

    ui.stdin.write('N'); // still waiting: asks why
    await until('skip — one word why:');
    await settle(50); // the text input subscribes to keys after its first render
    ui.stdin.write('billing');
    await until('why: billing');
    ui.stdin.write('\r');
    await until('skip — one word why:', false);

    ui.stdin.write('f');
    await until('While you were focused');
    expect(frame()).toMatch(/chat: 2 conversations/);
    expect(frame()).toMatch(/email: 1 conversation, 1 message/);
    expect(frame()).toContain('You handled 1 conversation');
    expect(frame()).toContain('Skipped: 1 billing');
    const events = rt.ctx.db.prepare("SELECT type FROM events WHERE type LIKE 'focus.%' ORDER BY seq").all() as Array<{ type: string }>;
    expect(events.map((e) => e.type)).toEqual(['focus.started', 'focus.handled', 'focus.skipped', 'focus.ended']);
    ui.stdin.write('x');
    await until('QUEUE');
    ui.unmount();
  });
});

describe('telling conversations apart', () => {
  const wide = { size: { columns: 160, rows: 30 } };

  it('a chat row shows who (visitor tag and page, or name) and what they said last — never "Chat with visitor N"', async () => {
    home = await consoleHome();
    const { visitorTag } = await import('../../src/domain/labels.js');
    const now = Date.now();
    const anon = home.chat({ relayId: 4, name: '', text: 'Ship to Oslo?', at: now - MIN, page: '/faq' });
    const named = home.chat({ relayId: 5, name: 'Vera', text: 'In stock?', at: now - 1.5 * MIN }); // due first (in 30 s)
    const { ui, frame, until } = await start(home, wide);
    const tag = visitorTag('local', '4');
    await until(new RegExp(`#${anon} .*${tag} · /faq +Ship to Oslo\\?`));
    expect(frame()).toMatch(new RegExp(`#${named} .*Vera +In stock\\?`));
    expect(frame()).not.toMatch(/Chat with visitor/);
    // Focus mode's header names the customer too.
    ui.stdin.write('f');
    await until(`FOCUS · #${named} Vera`);
    ui.unmount();
  });

  it('an address a visitor typed is marked unverified in the row and the pane, and linked only as "claims to be"', async () => {
    home = await consoleHome();
    const now = Date.now();
    const mail = home.email({ id: 'm1@x', from: 'ann@shop.io', subject: 'Invoice', at: now - 3 * 86_400_000 });
    const chat = home.chat({ relayId: 6, name: '', email: 'ann@shop.io', text: 'It is Ann, about my invoice', at: now - MIN });
    const { ui, frame, until, rt } = await start(home, wide);
    await until(new RegExp(`#${chat} .*ann@shop\\.io \\(unverified\\) +It is Ann`));
    ui.stdin.write('j');
    await until(`▸#${chat}`);
    await until(`claims to be ann@shop.io (unverified) — 1 email conversation: #${mail}`);
    expect(frame()).toContain('ann@shop.io (unverified) · open');
    // Never merged: the chat's customer is not the email's.
    const owner = (id: number) => (rt.ctx.db.prepare('SELECT customer_id FROM conversations WHERE id = ?').get(id) as { customer_id: number }).customer_id;
    expect(owner(chat)).not.toBe(owner(mail));
    expect(frame()).not.toMatch(/\x1b\[/);
    ui.unmount();
  });

  it('an empty search says "no match" with the query, not the first-run hint', async () => {
    home = await consoleHome();
    home.email({ id: 'a@x', from: 'ann@cust.test', subject: 'Refund please', at: Date.now() - MIN });
    const { ui, frame, until, rt } = await start(home);
    rt.relayUrl = 'http://127.0.0.1:7357'; // as with the built-in relay, whose first-run hint names its demo page
    ui.stdin.write('/');
    await until('search:');
    await settle(50);
    ui.stdin.write('norway');
    await until('search: norway');
    ui.stdin.write('\r');
    await until('no match for “norway”');
    expect(frame()).not.toContain('no customers yet');
    expect(frame()).not.toContain('/demo');
    ui.unmount();
  });

  it('focus never says "Nothing is waiting" while conversations wait: it says they were skipped, and N brings them back', async () => {
    home = await consoleHome();
    const chat = home.chat({ relayId: 7, name: 'Ann', text: 'Hello?', at: Date.now() - MIN });
    const { ui, frame, until } = await start(home);
    ui.stdin.write('f');
    await until(`FOCUS · #${chat}`);
    ui.stdin.write('N');
    await until('skip — one word why:');
    await settle(50);
    ui.stdin.write('later');
    await until('why: later');
    ui.stdin.write('\r');
    await until('1 waiting, all skipped this session — N shows them again');
    expect(frame()).not.toContain('Nothing is waiting');
    ui.stdin.write('N');
    await until(`FOCUS · #${chat}`);
    ui.unmount();
  });

  it('a template variable without a value is an error before anything is inserted; a fallback fills it', async () => {
    home = await consoleHome();
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(`${home.dir}/templates`);
    writeFileSync(`${home.dir}/templates/bare.md`, 'Hi {{customer.name}}, thanks!\n');
    writeFileSync(`${home.dir}/templates/kind.md`, 'Hi {{customer.name|there}}, thanks!\n');
    const chat = home.chat({ relayId: 8, name: '', text: 'hello', at: Date.now() - MIN });
    const { ui, frame, until, rt } = await start(home);
    ui.stdin.write('T');
    await until('Insert a canned reply');
    await settle(50);
    ui.stdin.write('bare');
    await until('filter: bare');
    ui.stdin.write('\r');
    await until('no value for {{customer.name}}');
    expect(frame()).not.toContain(`reply #${chat}>`);
    expect(getDraft(rt.ctx.db, chat)).toBeFalsy();
    ui.stdin.write('T');
    await until('Insert a canned reply');
    await settle(50);
    ui.stdin.write('kind');
    await until('filter: kind');
    ui.stdin.write('\r');
    await until(`reply #${chat}> Hi there, thanks!`);
    ui.unmount();
  });
});
