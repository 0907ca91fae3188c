// Team mode end to end (issue 14, "Done means"): three agents — three homes, three consoles in
// tmux plus the CLI — on one mailbox in a private Dovecot, one SMTP sink, and one relay process
// (the built `attend relay`) as the team's hub. What one agent does shows on the others' screens
// within a second; a claim has one winner; focus mode hands two agents different conversations;
// "A replying" shows on B; A's email reply reaches B's transcript through the Sent folder; the hub
// killed with SIGKILL under traffic and restarted leaves every store with the same team state,
// nothing lost and nothing applied twice; a removed agent is cut off and refused.
import { mkdtempSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { type DovecotInstance, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot, requireTmux } from '../helpers/e2e.js';
import { makeEmail } from '../helpers/mail.js';
import { type Client, connect, key, refusedStatus, visitor } from '../helpers/relay.js';
import { emailConversationKey } from '../../src/domain/team.js';
import { hubFinalStates, hubTeamChanges, registerKeys, startTeam, type Team, type TeamAgent, type TeamDump } from '../helpers/team.js';
import type { TmuxSession } from '../helpers/tmux.js';

const tmuxGate = requireTmux();
const describeE2E = tmuxGate.available ? requireDovecot() : tmuxGate;

/** "Within a second" (the issue), measured from the command's exit to the screen that shows it. */
const LIVE_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// One customer per conversation: a customer's other conversations would show in the pane's history
// line, and focus mode is read by which subject it shows.
const MAILS = {
  shared: { subject: 'Kettle arrived dented', from: 'Ann Lee <ann@customers.test>' },
  race: { subject: 'Refund for order 2002', from: 'Bo Chen <bo@customers.test>' },
  tags: { subject: 'Invoice address wrong', from: 'Cy Diaz <cyd@customers.test>' },
  notes: { subject: 'Cannot log in', from: 'Di Eng <di@customers.test>' },
  reply: { subject: 'Where is my parcel', from: 'Ed Fox <ed@customers.test>' },
  snooze: { subject: 'Change delivery date', from: 'Flo Gu <flo@customers.test>' },
} as const;
type MailName = keyof typeof MAILS;
const SUBJECTS = Object.values(MAILS).map((m) => m.subject);

interface Item {
  id: number | string;
  ref?: string;
  subject: string;
  assignee: string | null;
  tags: string[];
}

/** Polls `fn` until it returns a value other than undefined; fails after `ms` with `what` and the last value seen. */
async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined> | T | undefined, describeLast?: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${describeLast ? `; last: ${describeLast()}` : ''}`);
    await sleep(100);
  }
}

/**
 * Waits until every session shows `what`, and returns how long after `since` each one did. Waits
 * well past the budget, so a late screen is told apart from one that never shows it.
 */
async function shownOn(sessions: Array<[string, TmuxSession]>, what: RegExp, since: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await Promise.all(
    sessions.map(async ([name, t]) => {
      const deadline = since + 10_000;
      for (;;) {
        const screen = await t.capture();
        if (what.test(screen)) {
          out[name] = Date.now() - since;
          return;
        }
        if (Date.now() > deadline) throw new Error(`${name}'s console never showed ${what} (10 s). Screen:\n${screen}`);
        await sleep(20);
      }
    }),
  );
  return out;
}

function expectLive(latencies: Record<string, number>, what: string): void {
  console.log(`${what} shown after ${Object.entries(latencies).map(([name, ms]) => `${ms} ms (${name})`).join(', ')}`);
  for (const [name, ms] of Object.entries(latencies)) {
    expect(ms, `${what} reached ${name}'s screen ${ms} ms after the command exited (budget ${LIVE_MS} ms)`).toBeLessThanOrEqual(LIVE_MS);
  }
}

/**
 * Clears the queue's search: Esc, each time waiting for the screen to change (Esc goes back from
 * the pane first). A key sent right after Esc would reach the console as Alt+key.
 */
async function clearSearch(t: TmuxSession): Promise<void> {
  const searching = (screen: string) => /QUEUE \(\d+\)[^│\n]*“/.test(screen);
  for (let i = 0; i < 3; i++) {
    const before = await t.capture();
    if (!searching(before)) return;
    await t.sendKeys('Escape');
    await until('the console takes Esc', 5000, async () => ((await t.capture()) !== before ? true : undefined));
  }
  if (searching(await t.capture())) throw new Error(`the search stays after three Esc:\n${await t.capture()}`);
}

/** Selects the conversation with this text in the console's queue (search), so its pane shows it. */
async function select(t: TmuxSession, text: string): Promise<void> {
  await clearSearch(t);
  await t.sendKeys('/');
  await t.waitFor('search:');
  await t.type(text);
  // Enter only once the prompt shows the text: a loaded machine can hand the console the text and
  // the Enter in one read, and the prompt then takes the Enter as text.
  await t.waitFor(`search: ${text}`);
  await t.sendKeys('Enter');
  // The pane's first line (rows clip subjects and names; the queue's header repeats the search).
  await t.waitFor(new RegExp(`│ #\\S+ [^\\n]*${text}`));
}

/** Leaves focus mode and its digest, back to the queue (nothing to do when not in focus). */
async function leaveFocus(t: TmuxSession): Promise<void> {
  if (!/FOCUS ·/.test(await t.capture())) return;
  await t.sendKeys('f');
  await t.waitFor('Any key returns');
  await t.sendKeys('Escape');
  await t.waitFor(/QUEUE \(\d+\)/);
}

/** Text of a dump, for a failure message. */
const show = (d: TeamDump) => JSON.stringify(d, null, 1);

describeE2E('team mode: three agents, one mailbox, one hub', () => {
  let dovecot: DovecotInstance;
  let team: Team;
  let ana: TeamAgent;
  let ben: TeamAgent;
  let cy: TeamAgent;
  const consoles: Record<string, TmuxSession> = {};
  let tmp: string;
  /** What the hub answered when the owner registered the mails' keys first. */
  let hubNumbers: Map<string, number>;
  /** Team number (what the CLI takes) of each mail, as agent ana's `list` shows it. */
  const num: Partial<Record<MailName, string>> = {};
  const n = (m: MailName) => {
    const v = num[m];
    if (!v) throw new Error(`no number for ${m} (the numbering test failed)`);
    return v;
  };
  const others = (me: string) => Object.entries(consoles).filter(([name]) => name !== me);

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'attend-team-'));
    dovecot = await startDovecot();
    const now = Date.now();
    await dovecot.fillInbox(
      'agent',
      Object.entries(MAILS).map(([name, m], i) =>
        makeEmail({ from: m.from, to: dovecot.address('agent'), subject: m.subject, body: `About: ${m.subject}.`, messageId: `${name}@customers.test`, date: new Date(now - (10 - i) * 60_000) }),
      ),
    );
    team = await startTeam(['ana', 'ben', 'cy'], { dovecot });
    [ana, ben, cy] = team.agents as [TeamAgent, TeamAgent, TeamAgent];
    // The hub numbers these conversations before any agent has seen them, in the reverse of the
    // order the agents' stores get them: a store showing its own ids instead of the team's
    // numbers cannot pass for right. (The owner's token: it still works, as the owner's.)
    const keys = Object.keys(MAILS).map((name) => emailConversationKey(dovecot.address('agent'), `${name}@customers.test`));
    hubNumbers = await registerKeys(team, keys.reverse());
    // ana's editor writes the reply only once the test says so: while it waits, ana is replying.
    const editor = path.join(tmp, 'editor.sh');
    writeFileSync(
      editor,
      `#!/bin/sh\ntouch "${tmp}/editor-open"\nwhile [ ! -f "${tmp}/editor-go" ]; do sleep 0.05; done\n{ cat "${tmp}/reply.txt"; cat "$1"; } > "$1.new" && mv "$1.new" "$1"\n`,
    );
    chmodSync(editor, 0o755);
    writeFileSync(path.join(tmp, 'reply.txt'), 'Your parcel is with the courier, it arrives tomorrow.\n');
    // The consoles sync the mailbox themselves and register what they find with the hub.
    const opened = await Promise.all(team.agents.map((a) => a.openConsole(a.name === 'ana' ? { env: { EDITOR: editor } } : {})));
    team.agents.forEach((a, i) => {
      consoles[a.name] = opened[i] as TmuxSession;
    });
    // Rows clip subjects: the count says every mail is in.
    await Promise.all(Object.values(consoles).map((t) => t.waitFor(`QUEUE (${SUBJECTS.length})`, 20_000)));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(Object.values(consoles).map((t) => t.kill()));
    await team?.stop();
    await dovecot?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('numbers every conversation once for the team: the same number on every agent', async () => {
    const lists: Record<string, Item[]> = {};
    const numbered = (items: Item[]) => SUBJECTS.every((s) => items.some((i) => i.subject === s && /^\d+$/.test(String(i.id))));
    await until(
      'every agent lists all six conversations with a team number',
      15_000,
      async () => {
        for (const a of team.agents) lists[a.name] = await a.cli.json<Item[]>(['list', '--limit', '50']);
        return Object.values(lists).every(numbered) ? true : undefined;
      },
      () => JSON.stringify(Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, v.map((i) => `${i.id} ${i.subject}`)]))),
    );
    const bySubject = (items: Item[]) => Object.fromEntries(SUBJECTS.map((s) => [s, String(items.find((i) => i.subject === s)?.id)]));
    const anas = bySubject(lists.ana as Item[]);
    expect(bySubject(lists.ben as Item[])).toEqual(anas);
    expect(bySubject(lists.cy as Item[])).toEqual(anas);
    for (const [name, m] of Object.entries(MAILS)) {
      const hub = hubNumbers.get(emailConversationKey(dovecot.address('agent'), `${name}@customers.test`));
      expect(anas[m.subject], `“${m.subject}” is #${hub} for the hub`).toBe(String(hub));
    }
    for (const [name, m] of Object.entries(MAILS)) num[name as MailName] = anas[m.subject];
  });

  it('an assignment, a tag and a note made by one agent show on the other consoles within a second', async () => {
    await Promise.all(Object.values(consoles).map((t) => select(t, MAILS.shared.subject)));

    const assign = await ana.cli.run(['assign', n('shared'), 'me']);
    const assignedAt = Date.now();
    expect(assign.code, assign.stderr).toBe(0);
    expectLive(await shownOn(others('ana'), /assigned: ana\b/i, assignedAt), 'ana\'s assignment');

    const tag = await ben.cli.run(['tag', n('shared'), 'dented-box']);
    const taggedAt = Date.now();
    expect(tag.code, tag.stderr).toBe(0);
    expectLive(await shownOn(others('ben'), /dented-box/, taggedAt), 'ben\'s tag');

    const note = await cy.cli.run(['note', n('shared'), '--body', 'Asked for a photo of the box']);
    const notedAt = Date.now();
    expect(note.code, note.stderr).toBe(0);
    expectLive(await shownOn(others('cy'), /Asked for a photo of the box/, notedAt), 'cy\'s note');
  });

  it('two agents claiming the same conversation at once: one wins, the other exits 4 naming the holder', async () => {
    const started = Date.now();
    const timed = async (a: TeamAgent) => {
      const r = await a.cli.run(['assign', n('race'), 'me']);
      return { ...r, ms: Date.now() - started };
    };
    const [b, c] = await Promise.all([timed(ben), timed(cy)]);
    const codes = [b.code, c.code].sort();
    expect(codes, `ben: exit ${b.code} after ${b.ms} ms: ${b.stderr}\ncy: exit ${c.code} after ${c.ms} ms: ${c.stderr}`).toEqual([0, 4]);
    const [winner, loser] = b.code === 0 ? ['ben', c] : ['cy', b];
    expect(loser.stderr).toMatch(new RegExp(`#${n('race')} is assigned to ${winner}\\b`));
    // Everyone agrees on the holder.
    for (const a of team.agents) {
      await until(`${a.name} sees ${winner} holding #${n('race')}`, 5000, async () => {
        const items = await a.cli.json<Item[]>(['list', '--assignee', 'any', '--limit', '50']);
        return items.find((i) => String(i.id) === n('race'))?.assignee === winner ? true : undefined;
      });
    }
  });

  it('two agents in focus mode get different conversations, each claimed at the hub, released when they leave', async () => {
    const before = await cy.cli.json<Item[]>(['list', '--assignee', 'any', '--limit', '50']);
    const unassignedBefore = new Set(before.filter((i) => i.assignee === null).map((i) => String(i.id)));
    const [a, b] = [consoles.ana as TmuxSession, consoles.ben as TmuxSession];
    await Promise.all([clearSearch(a), clearSearch(b)]);
    onTestFinished(() => Promise.all([leaveFocus(a), leaveFocus(b)]).then(() => {}));
    await Promise.all([a.sendKeys('f'), b.sendKeys('f')]);
    const shownSubject = async (t: TmuxSession) =>
      until('focus shows one conversation', 10_000, async () => {
        const screen = await t.capture();
        const hits = SUBJECTS.filter((s) => screen.includes(s));
        return /FOCUS ·/.test(screen) && hits.length === 1 ? hits[0] : undefined;
      });
    const [sa, sb] = await Promise.all([shownSubject(a), shownSubject(b)]);
    expect(sa, `ana and ben both focus on “${sa}”`).not.toBe(sb);
    const numberOf = (s: string) => before.find((i) => i.subject === s)?.id;
    const claimed: Array<[string, string]> = [
      ['ana', String(numberOf(sa))],
      ['ben', String(numberOf(sb))],
    ];
    for (const [agent, id] of claimed) {
      await until(`cy sees #${id} claimed by ${agent}`, 5000, async () => {
        const items = await cy.cli.json<Item[]>(['list', '--assignee', 'any', '--limit', '50']);
        return items.find((i) => String(i.id) === id)?.assignee === agent ? true : undefined;
      });
    }
    // Leaving focus (nothing replied) gives back what focus claimed.
    await Promise.all([leaveFocus(a), leaveFocus(b)]);
    for (const [, id] of claimed.filter(([, id]) => unassignedBefore.has(id))) {
      await until(`#${id} is unassigned again after focus`, 5000, async () => {
        const items = await cy.cli.json<Item[]>(['list', '--assignee', 'any', '--limit', '50']);
        return items.find((i) => String(i.id) === id)?.assignee === null ? true : undefined;
      });
    }
  });

  it('B sees "A replying" within a second of A opening the chat composer', async () => {
    const { client } = await visitor(team.relay.url, { name: 'Vera Visitor' });
    try {
      client.send({ t: 'send', id: key('v'), d: { body: 'Is the blue kettle in stock?' } });
      await client.next('sent');
      const [a, b] = [consoles.ana as TmuxSession, consoles.ben as TmuxSession];
      await Promise.all([select(a, 'Vera Visitor'), select(b, 'Vera Visitor')]);
      onTestFinished(async () => {
        if ((await a.capture()).includes('enter sends')) await a.sendKeys('Escape');
      });
      await a.sendKeys('r');
      await a.waitFor('enter sends');
      const openedAt = Date.now();
      expectLive(await shownOn([['ben', b]], /ana\b[^\n]{0,40}replying/i, openedAt), 'ana replying');
      await a.sendKeys('Escape');
      await b.waitForGone(/ana\b[^\n]{0,40}replying/i, 5000);
    } finally {
      client.close();
    }
  });

  it("A's email reply (editor open: B sees A replying) appears in B's transcript, from the Sent folder", async () => {
    const [a, b] = [consoles.ana as TmuxSession, consoles.ben as TmuxSession];
    await Promise.all([select(a, MAILS.reply.subject), select(b, MAILS.reply.subject)]);
    onTestFinished(() => writeFileSync(path.join(tmp, 'editor-go'), '')); // never leave ana's console in the editor
    await a.sendKeys('r');
    const openedAt = await until('ana\'s editor starts', 10_000, () => (existsSync(path.join(tmp, 'editor-open')) ? Date.now() : undefined));
    const replyingOnB = await shownOn([['ben', b]], /ana\b[^\n]{0,40}replying/i, openedAt).catch((err: Error) => err);
    writeFileSync(path.join(tmp, 'editor-go'), '');
    // The customer gets it (SMTP), then ben's sync finds it in the Sent folder.
    await until('the reply reaches the customer', 15_000, () =>
      team.smtp.received.some((m) => m.to.includes('ed@customers.test') && m.raw.toString().includes('arrives tomorrow')) ? true : undefined,
    );
    await b.waitFor('arrives tomorrow', 20_000);
    const shown = await ben.cli.json<{ messages: Array<{ direction: string; text: string }> }>(['show', n('reply')]);
    expect(shown.messages.filter((m) => m.direction === 'out' && m.text.includes('arrives tomorrow'))).toHaveLength(1);
    if (replyingOnB instanceof Error) throw replyingOnB;
    expectLive(replyingOnB, 'ana replying (editor)');
  });

  it('the hub killed with SIGKILL under traffic and restarted: every store converges, nothing lost or doubled', async () => {
    const ROUNDS = 3;
    interface Issued {
      agent: string;
      what: 'tag' | 'note' | 'snooze';
      value: string;
      r: CliResult;
      ms: number;
    }
    const issued: Issued[] = [];
    const base = Date.now() + 86_400_000;
    let down = false;
    const whileDown: Issued[] = [];
    const [tagsN, notesN, snoozeN] = [n('tags'), n('notes'), n('snooze')];
    const loop = async (a: TeamAgent, idx: number) => {
      for (let i = 0; i < ROUNDS; i++) {
        const tag = `t-${a.name}-${i}`;
        const note = `note ${a.name} ${i}`;
        const until_ = new Date(base + (idx * 100 + i) * 60_000).toISOString();
        for (const [what, args, value] of [
          ['tag', ['tag', tagsN, tag], tag],
          ['note', ['note', notesN, '--body', note], note],
          ['snooze', ['snooze', snoozeN, '--until', until_], String(Date.parse(until_))],
        ] as Array<[Issued['what'], string[], string]>) {
          const wasDown = down;
          const t0 = Date.now();
          const one = { agent: a.name, what, value, r: await a.cli.run(args), ms: 0 };
          one.ms = Date.now() - t0;
          issued.push(one);
          if (wasDown && down) whileDown.push(one);
        }
      }
    };
    const loops = Promise.all(team.agents.map((a, i) => loop(a, i)));
    // Mid-traffic: once a few changes went through, kill; restart after each agent changed something while it was down.
    await until('some changes went through', 30_000, () => (issued.length >= 6 ? true : undefined));
    await team.relay.kill();
    down = true;
    const killedAt = Date.now();
    await until('changes made while the hub is down', 20_000, () =>
      new Set(whileDown.map((w) => w.agent)).size === 3 || issued.length === ROUNDS * 9 ? true : undefined,
    );
    await team.relay.start();
    down = false;
    const downMs = Date.now() - killedAt;
    await loops;
    const loopsDoneAt = Date.now();

    const failed = issued.filter((x) => x.r.code !== 0 && x.r.code !== 75);
    expect(failed.map((x) => `${x.agent} ${x.what} ${x.value}: exit ${x.r.code} ${x.r.stderr.trim()}`), 'a change failed instead of being applied or queued').toEqual([]);
    expect(whileDown.length, `no command ran in the ${downMs} ms the hub was down`).toBeGreaterThan(0);

    // Every store converges to the hub's order.
    let dumps: TeamDump[] = [];
    await until(
      'all three stores hold the same team state, which is the hub\'s',
      45_000, // agents reconnect with backoff after the hub comes back
      () => {
        dumps = team.agents.map((a) => a.dump());
        const [first, ...rest] = dumps.map((d) => JSON.stringify(d));
        if (!rest.every((d) => d === first)) return undefined;
        const notes = dumps[0]?.conversations.find((c) => String(c.number) === n('notes'))?.notes ?? [];
        return issued.filter((x) => x.what === 'note').every((x) => notes.includes(x.value)) ? true : undefined;
      },
      () => dumps.map((d, i) => `${team.agents[i]?.name}: ${show(d)}`).join('\n'),
    );
    const [d] = dumps as [TeamDump];
    const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
    console.log(
      `hub SIGKILL: ${issued.length} changes (${whileDown.length} while the hub was down ${downMs} ms); ` +
        `a command took ${med(issued.filter((x) => !whileDown.includes(x)).map((x) => x.ms))} ms (median) with the hub up, ` +
        `${med(whileDown.map((x) => x.ms))} ms with it down; the stores agreed ${Date.now() - loopsDoneAt} ms after the last command`,
    );
    const conv = (m: MailName) => d.conversations.find((c) => String(c.number) === n(m));

    // Nothing lost: every tag and note is there, once.
    const tags = conv('tags')?.tags ?? [];
    const notes = conv('notes')?.notes ?? [];
    for (const x of issued) {
      if (x.what === 'tag') expect(tags, x.value).toContain(x.value);
      if (x.what === 'note') expect(notes.filter((t) => t === x.value), `note “${x.value}”`).toHaveLength(1);
    }

    // The hub's log: each change exactly once, and the stores hold its final state.
    const log = hubTeamChanges(team.relay.dbPath);
    const count = (pred: (c: (typeof log)[number]) => boolean) => log.filter(pred).length;
    for (const x of issued) {
      const times =
        x.what === 'tag'
          ? count((c) => c.action.kind === 'tag' && c.action.add.includes(x.value))
          : x.what === 'note'
            ? count((c) => c.action.kind === 'note' && c.action.text === x.value)
            : count((c) => c.action.kind === 'snooze' && String(c.action.until) === x.value);
      expect(times, `${x.agent}'s ${x.what} ${x.value} in the hub's log`).toBe(1);
    }
    const final = hubFinalStates(log);
    for (const m of d.mirror) {
      const hub = final.get(m.number);
      if (hub) expect(m.state, `#${m.number}: the mirror holds the hub's last state`).toEqual(hub);
    }
    for (const c of d.conversations) {
      const hub = final.get(c.number);
      if (!hub) continue;
      expect({ status: c.status, assignee: c.assignee, priority: c.priority, snoozedUntil: c.snoozedUntil, tags: c.tags }, `#${c.number} in the store`).toEqual({
        status: hub.status,
        assignee: hub.assignee,
        priority: hub.priority,
        snoozedUntil: hub.snoozedUntil,
        tags: hub.tags,
      });
    }
  }, 120_000);

  it('a removed agent is disconnected at once and refused from then on', async () => {
    const spy: Client = await connect(team.relay.url, '/ws/agent', { token: cy.token });
    spy.send({ t: 'hello', d: { name: 'Cy' } });
    await spy.next('welcome');
    const r = await team.relay.run(['relay', 'agent', 'remove', 'cy']);
    expect(r.code, r.stderr).toBe(0);
    const removedAt = Date.now();
    expect((await spy.waitClose(5000)).code).toBe(4401);
    const cutMs = Date.now() - removedAt;
    expect(cutMs, 'the socket closed within a second of the removal').toBeLessThan(LIVE_MS);
    expect(await refusedStatus(team.relay.url, '/ws/agent', { token: cy.token })).toBe(401);
    // cy's console loses the hub; ana and ben keep it.
    await (consoles.cy as TmuxSession).waitForGone(/● team online/, 10_000);
    await (consoles.ana as TmuxSession).waitFor(/● team online/, 10_000);
    const sync = await cy.cli.run(['sync', '--account', 'team']);
    expect(sync.code, sync.stdout + sync.stderr).not.toBe(0);
  });
});
