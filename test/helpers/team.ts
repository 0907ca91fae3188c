/**
 * A support team for end-to-end tests: one private Dovecot, one SMTP sink, one real relay process
 * (the team's hub) and one attend home per agent. Every agent has the same email account (the
 * same mailbox user) and a chat account pointing at the relay with its own token from
 * `attend relay agent add NAME` (read from an environment variable, --token-env, never written
 * into the settings). Helpers run the CLI as an agent, open its console in tmux, and dump a home's
 * team state straight from its store (read-only) so stores can be compared.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import type { TeamChangeEvent, TeamState } from '../../src/domain/team.js';
import type { TeamRegistered } from '../../src/protocol/frames.js';
import { addAccount, BIN, type Cli, makeCli } from './cli.js';
import { type DovecotInstance, startDovecot } from './dovecot.js';
import { connect } from './relay.js';
import { type RelayProcess, startRelayProcess } from './relay-process.js';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';
import { startTmux, type TmuxSession } from './tmux.js';

/** The environment variable each agent's chat account reads its token from. */
export const TOKEN_ENV = 'ATTEND_TEAM_TOKEN';
/** The chat account's name in every agent's settings. */
export const CHAT_ACCOUNT = 'team';
/** The email account's name (the same mailbox for everyone). */
export const EMAIL_ACCOUNT = 'support';

export interface TeamAgent {
  /** The agent's name at the hub (the one `relay agent add` was given). */
  readonly name: string;
  readonly token: string;
  readonly cli: Cli;
  /** Opens the console (`attend --no-relay`: the team's relay is the hub) in tmux; resolves at its first screen. */
  openConsole(opts?: { env?: Record<string, string>; width?: number; height?: number }): Promise<TmuxSession>;
  /** This home's team state, read from its store. */
  dump(): TeamDump;
}

export interface Team {
  readonly dovecot: DovecotInstance;
  readonly smtp: SmtpSink;
  readonly relay: RelayProcess;
  readonly agents: TeamAgent[];
  agent(name: string): TeamAgent;
  stop(): Promise<void>;
}

/** One numbered conversation as a store holds it. */
export interface DumpedConversation {
  number: number;
  key: string | null;
  status: string;
  assignee: string | null;
  priority: string | null;
  snoozedUntil: number | null;
  tags: string[];
  /** Internal notes, by text, sorted (a doubled note shows up twice). */
  notes: string[];
}

export interface TeamDump {
  /** The hub's state as mirrored here (team_state), by number: key and state. */
  mirror: Array<{ number: number; key: string; state: TeamState }>;
  conversations: DumpedConversation[];
}

const sortKeys = (s: TeamState): TeamState => ({
  status: s.status,
  snoozedUntil: s.snoozedUntil ?? null,
  assignee: s.assignee ?? null,
  priority: s.priority ?? null,
  tags: [...(s.tags ?? [])].sort(),
});

/** Reads a home's store (read-only, WAL: never blocks the agent's own writer). */
export function dumpTeamState(home: string): TeamDump {
  const db = new Database(path.join(home, 'attend.db'), { readonly: true, fileMustExist: true });
  try {
    const mirror = (db.prepare('SELECT number, key, state_json FROM team_state ORDER BY number').all() as Array<{ number: number; key: string; state_json: string }>).map(
      (r) => ({ number: r.number, key: r.key, state: sortKeys(JSON.parse(r.state_json) as TeamState) }),
    );
    const rows = db
      .prepare(
        `SELECT id, number, team_key AS key, status, assignee, priority_set AS priority, snoozed_until AS snoozedUntil
           FROM conversations WHERE number IS NOT NULL ORDER BY number`,
      )
      .all() as Array<Omit<DumpedConversation, 'tags' | 'notes'> & { id: number }>;
    const tags = db.prepare('SELECT tag FROM conversation_tags WHERE conversation_id = ? ORDER BY tag');
    const notes = db.prepare("SELECT text FROM messages WHERE conversation_id = ? AND direction = 'note' ORDER BY text");
    const conversations = rows.map(({ id, ...c }) => ({
      ...c,
      tags: (tags.all(id) as Array<{ tag: string }>).map((t) => t.tag),
      notes: (notes.all(id) as Array<{ text: string }>).map((n) => n.text),
    }));
    return { mirror, conversations };
  } finally {
    db.close();
  }
}

/** Every team.change the hub committed, in its order (its durable event log, relay.db). */
export function hubTeamChanges(relayDbPath: string): Array<TeamChangeEvent & { seq: number }> {
  const db = new Database(relayDbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT seq, data FROM events WHERE kind = 'team.change' ORDER BY seq").all() as Array<{ seq: number; data: string }>;
    return rows.map((r) => ({ ...(JSON.parse(r.data) as TeamChangeEvent), seq: r.seq }));
  } finally {
    db.close();
  }
}

/** The newest state per number in the hub's log: what every store must converge to. */
export function hubFinalStates(changes: Array<TeamChangeEvent & { seq: number }>): Map<number, TeamState> {
  const out = new Map<number, TeamState>();
  for (const c of changes) out.set(c.number, sortKeys(c.state));
  return out;
}

/** Starts everything; each agent gets its token, both accounts, and nothing synced yet. */
export async function startTeam(names: string[], opts: { dovecot?: DovecotInstance } = {}): Promise<Team> {
  const dovecot = opts.dovecot ?? (await startDovecot());
  const smtp = await startSmtpSink(dovecot);
  const relay = await startRelayProcess();
  const agents: TeamAgent[] = [];
  try {
    for (const name of names) {
      const token = await relay.addAgent(name);
      const cli = makeCli({ [TOKEN_ENV]: token });
      await addAccount(cli, dovecot, smtp, EMAIL_ACCOUNT, 'agent');
      const display = name.charAt(0).toUpperCase() + name.slice(1);
      const r = await cli.run(['account', 'add', 'chat', CHAT_ACCOUNT, '--url', relay.wsUrl, '--token-env', TOKEN_ENV, '--agent-name', display]);
      if (r.code !== 0) throw new Error(`account add chat for ${name} exited ${r.code}: ${r.stderr}`);
      agents.push({
        name,
        token,
        cli,
        async openConsole(o = {}) {
          const t = await startTmux({
            command: [process.execPath, BIN, '--no-relay'],
            width: o.width ?? 120,
            height: o.height ?? 30,
            env: {
              PATH: process.env.PATH ?? '/usr/bin:/bin',
              HOME: cli.home,
              ATTEND_HOME: cli.home,
              ATTEND_TEST_PASSWORD: dovecot.password('agent'),
              [TOKEN_ENV]: token,
              ...o.env,
            },
          });
          try {
            await t.waitFor(/QUEUE \(\d+\)/, 20_000);
          } catch (err) {
            await t.kill();
            throw err;
          }
          return t;
        },
        dump: () => dumpTeamState(cli.home),
      });
    }
  } catch (err) {
    for (const a of agents) a.cli.cleanup();
    await relay.stop();
    await smtp.stop();
    if (!opts.dovecot) await dovecot.stop();
    throw err;
  }
  return {
    dovecot,
    smtp,
    relay,
    agents,
    agent(name) {
      const a = agents.find((x) => x.name === name);
      if (!a) throw new Error(`no agent ${name}`);
      return a;
    },
    async stop() {
      await relay.stop();
      await smtp.stop();
      if (!opts.dovecot) await dovecot.stop();
      for (const a of agents) a.cli.cleanup();
    },
  };
}

/**
 * Registers conversation keys at the hub over a raw agent socket with the owner's token (the
 * relay's original `relay-token`): returns the number the hub gave each key.
 */
export async function registerKeys(team: Team, keys: string[]): Promise<Map<string, number>> {
  const owner = (await team.relay.run(['relay', 'token'])).stdout.trim();
  const c = await connect(team.relay.url, '/ws/agent', { token: owner });
  try {
    c.send({ t: 'hello', d: { name: 'Owner' } });
    await c.next('welcome');
    const id = `register-${Date.now()}`;
    c.send({ t: 'team.register', id, d: { conversations: keys.map((key) => ({ key })) } });
    const f = await c.next<TeamRegistered>('team.registered', 5000);
    if (f.id !== id) throw new Error(`team.registered answered ${f.id}, not ${id}`);
    return new Map((f.d?.conversations ?? []).map((x) => [x.key, x.number]));
  } finally {
    c.close();
  }
}
