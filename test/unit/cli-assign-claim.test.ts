// `attend assign ID me|NAME|none [--take]` at the CLI's boundary: what it asks the app for, and a
// refusal because a teammate holds the conversation (failure 'claimed', simulated here at the app
// boundary; the real claim at the hub is tested end to end) → exit 4 naming the holder, with the
// refusal as JSON on stdout under --json.
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ActionResult, ConversationAction } from '../../src/app/conversations/actions.js';
import { CliError, EXIT } from '../../src/cli/exit-codes.js';
import { type ConsoleHome, consoleHome } from '../helpers/console-home.js';
import { check } from '../helpers/schemas.js';

const calls: Array<{ id: number; action: ConversationAction }> = [];
let answer: ((id: number) => ActionResult) | null = null;

vi.mock('../../src/app/conversations/actions.js', async (original) => {
  const real = await original<typeof import('../../src/app/conversations/actions.js')>();
  return {
    ...real,
    applyAction: async (ctx: Parameters<typeof real.applyAction>[0], id: number, action: ConversationAction) => {
      calls.push({ id, action });
      return answer ? answer(id) : real.applyAction(ctx, id, action);
    },
  };
});

let home: ConsoleHome | null = null;
let out = '';
let restoreEnv: string | undefined;
beforeEach(async () => {
  home = await consoleHome(); // agent.name: Sam
  restoreEnv = process.env.ATTEND_HOME;
  process.env.ATTEND_HOME = home.dir;
  calls.length = 0;
  answer = null;
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  if (restoreEnv === undefined) delete process.env.ATTEND_HOME;
  else process.env.ATTEND_HOME = restoreEnv;
  home?.cleanup();
  home = null;
});

function h(): ConsoleHome {
  if (!home) throw new Error('no home');
  return home;
}

async function attend(...args: string[]): Promise<void> {
  const { registerActions } = await import('../../src/cli/commands/actions.js');
  const program = new Command('attend').exitOverride();
  registerActions(program);
  for (const c of program.commands) c.exitOverride();
  await program.parseAsync(args, { from: 'user' });
}

describe('assign', () => {
  it('"me" is my agent name, "none" unassigns, a name is that name; --take goes with the action', async () => {
    const id = h().email({ id: 'a@x', from: 'ann@cust.test', subject: 'A', at: Date.now() });
    await attend('assign', String(id), 'me');
    await attend('assign', `#${id}`, 'kim', '--take');
    await attend('assign', `~${id}`, 'none');
    await attend('assign', String(id), '--to', '');
    expect(calls.map((c) => [c.id, c.action])).toEqual([
      [id, { kind: 'assign', to: 'Sam' }],
      [id, { kind: 'assign', to: 'kim', take: true }],
      [id, { kind: 'assign', to: null }],
      [id, { kind: 'assign', to: '' }],
    ]);
    const { getConversation } = await import('../../src/store/conversations.js');
    expect(getConversation(h().ctx.db, id)?.assignee).toBe(null);
  });

  it('someone else holds it: exit 4 with "#41 is assigned to sam", and the refusal as JSON with --json', async () => {
    const id = h().email({ id: 'a@x', from: 'ann@cust.test', subject: 'A', at: Date.now() });
    answer = (n) => ({ ok: false, failure: 'claimed', holder: 'sam', message: `#${n} is assigned to sam` });
    const text = await attend('assign', String(id), 'me').catch((e: unknown) => e);
    expect(text).toBeInstanceOf(CliError);
    expect((text as CliError).exitCode).toBe(EXIT.claimed);
    expect(EXIT.claimed).toBe(4);
    expect((text as CliError).message).toBe(`#${id} is assigned to sam`);
    expect(out).toBe(''); // text mode: the message goes to stderr (main prints it), nothing on stdout

    const json = await attend('assign', String(id), 'me', '--json').catch((e: unknown) => e);
    expect((json as CliError).exitCode).toBe(4);
    const printed = JSON.parse(out);
    expect(printed).toEqual({ error: 'claimed', holder: 'sam', message: `#${id} is assigned to sam` });
    check('conversation-action', printed);
  });

  it('an unknown number is exit 3, a malformed one exit 2, before anything is applied', async () => {
    const unknown = await attend('assign', '999', 'me').catch((e: unknown) => e);
    expect((unknown as CliError).exitCode).toBe(EXIT.noSuchConversation);
    expect((unknown as CliError).message).toBe('no conversation #999');
    const notNumbered = await attend('resolve', '~999').catch((e: unknown) => e);
    expect((notNumbered as CliError).exitCode).toBe(3);
    expect((notNumbered as CliError).message).toBe('no conversation ~999');
    const bad = await attend('assign', 'forty-one', 'me').catch((e: unknown) => e);
    expect((bad as CliError).exitCode).toBe(EXIT.usage);
    const nobody = await attend('assign', '1').catch((e: unknown) => e);
    expect((nobody as CliError).exitCode).toBe(EXIT.usage);
    expect(calls).toEqual([]);
  });
});
