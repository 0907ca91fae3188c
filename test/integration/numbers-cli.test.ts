// The built `attend` with conversation numbers: arguments by number ("41", "#41") or by local id
// ("~12", until the team's hub numbers it), `--json` id/ref, `list --assignee`, `assign … me` —
// alone (nothing visible changes) and with a store in a team (numbers set as the team link sets them).
import { afterEach, describe, expect, it } from 'vitest';
import { closeContext, openContext } from '../../src/app/context.js';
import { ingestEmail } from '../../src/store/ingest.js';
import { putMeta } from '../../src/store/ranks.js';
import { type Cli, makeCli } from '../helpers/cli.js';
import { incomingEmail, SUPPORT } from '../helpers/fixtures.js';
import { check } from '../helpers/schemas.js';

let cli: Cli | null = null;
afterEach(() => {
  cli?.cleanup();
  cli = null;
});

interface Row {
  id: number | null;
  ref: string;
  subject: string;
  assignee: string | null;
}

/** Fills the CLI's store through the real ingest; `team`: joined a team first (new conversations wait for a number). */
async function storeWith(c: Cli, subjects: string[], opts: { team?: string; numbers?: Record<string, number> } = {}): Promise<Record<string, number>> {
  const ctx = await openContext(c.env, () => {}, { settings: false });
  try {
    if (opts.team) putMeta(ctx.db, 'team.agent', opts.team);
    const ids: Record<string, number> = {};
    const now = Date.now();
    subjects.forEach((subject, i) => {
      const msg = incomingEmail({ messageId: `<${subject}@cust.test>`, subject, from: { name: subject, email: `${subject}@cust.test` }, sentAt: now - (10 - i) * 60_000 });
      ids[subject] = ingestEmail(ctx.db, msg, SUPPORT, now).conversationId;
    });
    for (const [subject, n] of Object.entries(opts.numbers ?? {})) ctx.db.prepare('UPDATE conversations SET number = ? WHERE id = ?').run(n, ids[subject]);
    return ids;
  } finally {
    closeContext(ctx);
  }
}

describe('conversation numbers in the CLI', () => {
  it('working alone: ids are numbers as before, # is accepted, unknown is exit 3, nonsense exit 2', async () => {
    cli = makeCli({ USER: 'casey' });
    const ids = await storeWith(cli, ['alpha', 'beta']);
    const list = await cli.json<Row[]>(['list']);
    check('list', list);
    expect(list.map((r) => [r.id, r.ref]).sort()).toEqual(Object.values(ids).map((id) => [id, String(id)]).sort());
    const text = await cli.run(['list']);
    expect(text.stdout).toMatch(new RegExp(`^\\s*${ids.alpha} email`, 'm'));
    const shown = await cli.json<{ conversation: Row }>(['show', `#${ids.beta}`]);
    check('show', shown);
    expect(shown.conversation).toMatchObject({ id: ids.beta, ref: String(ids.beta), subject: 'beta' });
    const resolved = await cli.run(['resolve', String(ids.alpha)]);
    expect(resolved.code).toBe(0);
    expect(resolved.stdout.trim()).toBe(`#${ids.alpha} resolved`);
    expect((await cli.run(['show', '99'])).code).toBe(3);
    expect((await cli.run(['show', '~99'])).code).toBe(3);
    const bad = await cli.run(['tag', 'x1', 'vip']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a conversation number: x1/);
  });

  it('in a team: by the hub’s number, ~id until numbered; JSON id null and ref ~id for those', async () => {
    cli = makeCli({ USER: 'casey' });
    const ids = await storeWith(cli, ['alpha', 'beta'], { team: 'sam', numbers: { alpha: 41 } });
    const alpha = ids.alpha as number;
    const beta = ids.beta as number;
    const list = await cli.json<Row[]>(['list']);
    check('list', list);
    expect(list.find((r) => r.subject === 'alpha')).toMatchObject({ id: 41, ref: '41' });
    expect(list.find((r) => r.subject === 'beta')).toMatchObject({ id: null, ref: `~${beta}` });
    const text = (await cli.run(['list'])).stdout;
    expect(text).toMatch(/^\s*41 email/m);
    expect(text).toMatch(new RegExp(`^\\s*~${beta} email`, 'm'));

    const byNumber = await cli.json<{ conversation: Row }>(['show', '#41']);
    expect(byNumber.conversation.subject).toBe('alpha');
    expect((await cli.run(['show', '41'])).stdout).toMatch(/^#41 alpha/);
    // Its local id is no number anyone uses: "alpha's id" names nothing (unless it is someone's number).
    if (alpha !== 41) expect((await cli.run(['show', String(alpha)])).code).toBe(3);
    expect((await cli.json<{ conversation: Row }>(['show', `~${alpha}`])).conversation.subject).toBe('alpha');

    const tagged = await cli.run(['tag', `~${beta}`, 'vip', '--json']);
    expect(tagged.code).toBe(0);
    const after = JSON.parse(tagged.stdout);
    check('conversation-action', after);
    expect(after).toMatchObject({ id: null, ref: `~${beta}`, tags: ['vip'] });
    expect((await cli.run(['pending', `~${beta}`])).stdout.trim()).toBe(`~${beta} is pending`);
    expect((await cli.run(['show', String(beta)])).code).toBe(3); // not numbered: only ~id names it
  });

  it('assign … me|NAME|none and list --assignee me|none|NAME|any', async () => {
    const c = makeCli({ USER: 'casey' }); // no settings file: "me" is the settings' default agent name, $USER
    cli = c;
    const ids = await storeWith(c, ['alpha', 'beta', 'gamma']);
    const mine = await cli.run(['assign', String(ids.alpha), 'me', '--json']);
    expect(mine.code).toBe(0);
    expect(JSON.parse(mine.stdout).assignee).toBe('casey');
    expect((await cli.run(['assign', `#${ids.beta}`, 'kim'])).stdout.trim()).toBe(`#${ids.beta} assigned to kim`);
    const subjects = async (...args: string[]) => {
      const rows = await c.json<Row[]>(['list', ...args]);
      check('list', rows);
      return rows.map((r) => r.subject).sort();
    };
    expect(await subjects('--assignee', 'me')).toEqual(['alpha']);
    expect(await subjects('--assignee', 'kim')).toEqual(['beta']);
    expect(await subjects('--assignee', 'none')).toEqual(['gamma']);
    expect(await subjects('--assignee', 'any')).toEqual(['alpha', 'beta', 'gamma']);
    expect(await subjects()).toEqual(['alpha', 'beta', 'gamma']);
    expect((await cli.run(['assign', String(ids.beta), 'none'])).stdout.trim()).toBe(`#${ids.beta} unassigned`);
    expect(await subjects('--assignee', 'none')).toEqual(['beta', 'gamma']);
    // In a team, me is the agent name at the hub.
    const ctx = await openContext(cli.env, () => {}, { settings: false });
    putMeta(ctx.db, 'team.agent', 'kim');
    closeContext(ctx);
    await cli.run(['assign', String(ids.gamma), 'me']);
    expect(await subjects('--assignee', 'me')).toEqual(['gamma']);
    expect((await cli.run(['list', '--assignee', ''])).code).toBe(2);
    const help = await cli.run(['--help']);
    expect(help.stdout).toMatch(/4 someone else holds it/);
  });
});
