// `attend template …`, `attend reply --template` and `attend stats` through the built binary, on a
// store seeded with the real ingest code (SMTP unreachable: replies stay queued, exit 75).
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTemplateText } from '../../src/app/conversations/templates.js';
import { getConversation } from '../../src/store/conversations.js';
import { appendEvent } from '../../src/store/events.js';
import { type Cli, makeCli } from '../helpers/cli.js';
import { type ConsoleHome, consoleHome } from '../helpers/console-home.js';

const ajv = new Ajv({ allErrors: true, strict: true });
const schema = (name: string) => ajv.compile(JSON.parse(readFileSync(path.resolve(import.meta.dirname, `../../schemas/${name}.schema.json`), 'utf8')));
const validTemplateList = schema('template-list');
const validTemplateShow = schema('template-show');
const validStats = schema('stats');
const MIN = 60_000;

let cli: Cli;
beforeAll(() => {
  cli = makeCli();
});
afterAll(() => cli.cleanup());

describe('attend template and reply --template', () => {
  let home: ConsoleHome;
  let dir: string;
  const attend = (args: string[]) => cli.run(args, { env: home.env });
  const outbox = (id: number) =>
    home.ctx.db.prepare('SELECT payload_json FROM outbox WHERE conversation_id = ?').all(id) as Array<{ payload_json: string }>;

  beforeAll(async () => {
    home = await consoleHome();
    dir = path.join(home.dir, 'templates');
  });
  afterAll(() => home.cleanup());

  it('list is empty at first; new creates NAME.md (0644) and refuses to overwrite or a bad name', async () => {
    const empty = await attend(['template', 'list']);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toMatch(/no templates yet/);
    expect(JSON.parse((await attend(['template', 'list', '--json'])).stdout)).toEqual([]);

    const created = await attend(['template', 'new', 'welcome']);
    expect(created.code).toBe(0);
    const file = path.join(dir, 'welcome.md');
    expect(created.stdout).toBe(`${file}\n`);
    expect(readFileSync(file, 'utf8')).toBe(newTemplateText('welcome'));
    expect(statSync(file).mode & 0o777).toBe(0o644);

    const again = await attend(['template', 'new', 'welcome']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    for (const bad of ['../evil', '.hidden', 'two words']) expect((await attend(['template', 'new', bad])).code).toBe(2);
  });

  it('list and show: actions, variables, problems; valid against the schemas', async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'refund.md'), '---\nstatus: resolved\ntags: [refund, billing]\n---\nHi {{customer.name}}, order {{order}} is refunded.\n{{agent.name}}\n');
    writeFileSync(path.join(dir, 'later.md'), '---\nsnooze: 2d\ntags:\n  - followup\n---\nWe will check back on #{{conversation.id}}.\n');
    writeFileSync(path.join(dir, 'broken.md'), 'Hi {{customer.nickname}}\n');
    writeFileSync(path.join(dir, 'typo.md'), '---\nstauts: resolved\n---\nHi\n');

    const list = JSON.parse((await attend(['template', 'list', '--json'])).stdout);
    expect(validTemplateList(list), JSON.stringify(validTemplateList.errors)).toBe(true);
    expect(list.map((t: { name: string }) => t.name)).toEqual(['broken', 'later', 'refund', 'typo', 'welcome']);
    expect(list[2]).toEqual({ name: 'refund', file: path.join(dir, 'refund.md'), actions: { status: 'resolved', tags: ['refund', 'billing'] }, problems: [] });
    expect(list[3].problems).toEqual(['unknown key "stauts" (known: status, tags, snooze)']);

    const text = await attend(['template', 'list']);
    expect(text.stdout).toMatch(/^NAME\s+ACTIONS\s+FILE\n/);
    expect(text.stdout).toMatch(/refund\s+resolved, tags refund billing\s+refund\.md\n/);
    expect(text.stdout).toContain(`\nin ${dir}\n`);
    expect(text.stdout).toMatch(/typo\s+! 1 problem/);

    const show = JSON.parse((await attend(['template', 'show', 'refund', '--json'])).stdout);
    expect(validTemplateShow(show), JSON.stringify(validTemplateShow.errors)).toBe(true);
    expect(show.variables).toEqual(['customer.name', 'order', 'agent.name']);
    expect(show.body).toBe('Hi {{customer.name}}, order {{order}} is refunded.\n{{agent.name}}\n');
    expect((await attend(['template', 'show', 'later'])).stdout).toMatch(/actions: snooze 2d, tags followup\nvariables: \{\{conversation\.id\}\}/);
    const missing = await attend(['template', 'show', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no template nope/);
  });

  it('reply --template queues the rendered body (exit 75), then applies the actions', async () => {
    const id = home.email({ id: 'a1@cust.test', from: 'ann@cust.test', subject: 'Refund please', at: Date.now() - 10 * MIN });
    const r = await attend(['reply', String(id), '--template', 'refund', '--var', 'order=A-17']);
    expect(r.code, r.stderr).toBe(75);
    const [item] = outbox(id);
    expect(JSON.parse(item?.payload_json ?? '{}').text).toMatch(/^Hi ann, order A-17 is refunded\.\nSam\n/);
    const c = getConversation(home.ctx.db, id);
    expect(c?.status).toBe('resolved');
    expect(c?.tags.sort()).toEqual(['billing', 'refund']);
    expect(r.stderr).toMatch(/tagged refund billing, resolved \(template refund\)/);
  });

  it('a snooze template snoozes; --status overrides the template', async () => {
    const a = home.email({ id: 'b1@cust.test', from: 'bob@cust.test', subject: 'Question', at: Date.now() - 5 * MIN });
    expect((await attend(['reply', String(a), '--template', 'later'])).code).toBe(75);
    const snoozed = getConversation(home.ctx.db, a);
    expect(snoozed?.status).toBe('snoozed');
    expect(Date.parse(snoozed?.snoozedUntil ?? '') - Date.now()).toBeGreaterThan(2 * 1440 * MIN - 5 * MIN);
    expect(snoozed?.tags).toEqual(['followup']);

    const b = home.email({ id: 'c1@cust.test', from: 'cy@cust.test', subject: 'Other', at: Date.now() - 5 * MIN });
    expect((await attend(['reply', String(b), '--template', 'later', '--status', 'pending'])).code).toBe(75);
    expect(getConversation(home.ctx.db, b)?.status).toBe('pending');
  });

  it('an unknown variable, a bad template or mixing --template with --body: exit 2, nothing queued, nothing changed', async () => {
    const id = home.email({ id: 'd1@cust.test', from: 'dee@cust.test', subject: 'Hello', at: Date.now() - MIN });
    const cases: Array<[string[], RegExp]> = [
      [['--template', 'broken'], /unknown variable \{\{customer\.nickname\}\}/],
      [['--template', 'refund'], /unknown variable \{\{order\}\}/],
      [['--template', 'typo'], /unknown key "stauts"/],
      [['--template', 'nope'], /no template nope/],
      [['--template', 'refund', '--var', 'order=1', '--body', 'x'], /either --template NAME or the text/],
      [['--template', 'refund', '--var', 'order'], /--var wants key=value/],
      [['--body', 'x', '--var', 'a=b'], /--var only works with --template/],
    ];
    for (const [args, message] of cases) {
      const r = await attend(['reply', String(id), ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(outbox(id)).toEqual([]);
    expect(getConversation(home.ctx.db, id)).toMatchObject({ status: 'open', tags: [] });
    expect((await attend(['reply', '999', '--template', 'refund', '--var', 'order=1'])).code).toBe(3);
  });

  it('a variable with no value and no fallback: exit 2, nothing queued; a fallback (or --var) fills it', async () => {
    writeFileSync(path.join(dir, 'bare.md'), '---\ntags: [greeted]\n---\nHi {{customer.name}}, how can we help?\n');
    writeFileSync(path.join(dir, 'kind.md'), '---\ntags: [greeted]\n---\nHi {{customer.name|there}}, how can we help?\n');
    const id = home.chat({ relayId: 21, name: '', text: 'hello?', at: Date.now() - MIN }); // a visitor who gave no name
    const bare = await attend(['reply', String(id), '--template', 'bare']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/no value for \{\{customer\.name\}\} in this conversation — give it a fallback \(\{\{customer\.name\|there\}\}\)/);
    expect(outbox(id)).toEqual([]);
    expect(getConversation(home.ctx.db, id)?.tags).toEqual([]);

    expect([0, 75]).toContain((await attend(['reply', String(id), '--template', 'kind'])).code);
    expect([0, 75]).toContain((await attend(['reply', String(id), '--template', 'bare', '--var', 'customer.name=Vera'])).code);
    const bodies = outbox(id).map((o) => (JSON.parse(o.payload_json) as { body: string }).body);
    expect(bodies).toEqual(['Hi there, how can we help?', 'Hi Vera, how can we help?']);
  });
});

describe('attend stats', () => {
  let home: ConsoleHome;
  const attend = (args: string[]) => cli.run(args, { env: home.env });
  const now = Date.now();

  beforeAll(async () => {
    home = await consoleHome();
    // Email A: first response 30m, resolved after 2h. Email B: unanswered. Chat: first response 1m.
    const a = home.email({ id: 'sa@cust.test', from: 'ann@cust.test', subject: 'A', at: now - 180 * MIN });
    appendEvent(home.ctx.db, 'reply.sent', a, now - 150 * MIN, { channel: 'email' });
    appendEvent(home.ctx.db, 'conversation.resolved', a, now - 60 * MIN, {});
    home.email({ id: 'sb@cust.test', from: 'bob@cust.test', subject: 'B', at: now - 120 * MIN });
    const chat = home.chat({ relayId: 1, name: 'Visitor', text: 'hello?', at: now - 50 * MIN });
    appendEvent(home.ctx.db, 'reply.sent', chat, now - 49 * MIN, { channel: 'chat' });
    appendEvent(home.ctx.db, 'focus.started', null, now - 40 * MIN, {});
    appendEvent(home.ctx.db, 'focus.skipped', chat, now - 39 * MIN, { reason: 'lunch' });
  });
  afterAll(() => home.cleanup());

  it('--json: the numbers, valid against the schema', async () => {
    const r = await attend(['stats', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(validStats(s), JSON.stringify(validStats.errors)).toBe(true);
    expect(s.channels[0]).toMatchObject({
      channel: 'email',
      opened: 2,
      resolved: 1,
      firstResponse: { count: 1, p50Ms: 30 * MIN, targetMs: 240 * MIN, withinTarget: 1, unanswered: 1 },
      resolution: { count: 1, p50Ms: 120 * MIN },
    });
    expect(s.channels[1]).toMatchObject({ channel: 'chat', opened: 1, firstResponse: { count: 1, p50Ms: MIN, withinTarget: 1 } });
    expect(s.gap).toEqual({ fastest: 'chat', slowest: 'email', ms: 29 * MIN });
    expect(s.focus).toEqual({ sessions: 1, handled: 0, medianHandleMs: null, skipped: [{ reason: 'lunch', count: 1 }] });

    const chatOnly = JSON.parse((await attend(['stats', '--since', '1d', '--channel', 'chat', '--json'])).stdout);
    expect(validStats(chatOnly)).toBe(true);
    expect(chatOnly.channels.map((c: { channel: string }) => c.channel)).toEqual(['chat']);
    expect(chatOnly.gap).toBeNull();
  });

  it('--csv: fixed columns, a row per channel and all', async () => {
    const r = await attend(['stats', '--csv']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^from,to,channel,opened,resolved,first_response_count,first_response_p50_ms,/);
    expect(lines[1]).toMatch(/,email,2,1,1,1800000,1800000,14400000,1,1,0,,,1,7200000,7200000$/);
    expect(lines[3]).toMatch(/,all,3,1,2,/);
  });

  it('text: a table and bars within 80 columns, no escape sequences', async () => {
    const r = await attend(['stats']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/within target\s+100%\s+100%\s+100%/);
    expect(r.stdout).toContain('gap: email is 29m slower than chat at the median');
    expect(r.stdout).toMatch(/ {2}email\s+█+\s+30m/);
    expect(r.stdout).not.toContain('\x1b');
    for (const line of r.stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
  });

  it('an empty store: zeros and "—", never NaN', async () => {
    const r = await cli.run(['stats']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('—');
    expect(r.stdout).not.toMatch(/NaN|undefined/);
    const s = JSON.parse((await cli.run(['stats', '--json'])).stdout);
    expect(validStats(s)).toBe(true);
    expect(s.overall).toMatchObject({ opened: 0, firstResponse: { count: 0, p50Ms: null, withinTarget: null } });
  });

  it('usage errors exit 2', async () => {
    for (const args of [['--since', 'soon'], ['--since', '2999-01-01'], ['--channel', 'sms'], ['--json', '--csv']]) {
      const r = await attend(['stats', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });
});
