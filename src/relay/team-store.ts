// What the hub stores for a team, behind one narrow interface: the keys that name conversations
// (never their mail or messages), the number each got (one sequence for the team), each one's
// team state, and the answers to team.change keys (24 h, like send's). Notes travel as team.change
// events in the event log and are not kept here. A PostgreSQL implementation for several relay
// nodes implements TeamStore; the SQLite one shares relay.db's connection, so a change, its state
// and its event commit in one transaction (the committer's batch).
import type Database from 'better-sqlite3';
import { INITIAL_TEAM_STATE, type TeamState } from '../domain/team.js';
import { KEY_TTL_MS } from './secrets.js';

/** Answers to a team.change key are repeated for this long (the same 24 h as send's keys). */
/** Team change keys are kept as long as `send`'s. */
export const TEAM_CHANGE_TTL_MS = KEY_TTL_MS;

export interface TeamEntry {
  number: number;
  key: string;
  state: TeamState;
  /** The last team.change event that changed the state (0: none yet). */
  seq: number;
}

/** The frame a team.change was answered with (without its id): sent again to a repeat of the key. */
export interface TeamAnswer {
  t: 'ok' | 'error';
  d: unknown;
}

export interface TeamStore {
  /** The entries for these keys, in order; a key not known yet gets the next number and `state` (or the initial state). */
  register(items: ReadonlyArray<{ key: string; state?: TeamState }>): TeamEntry[];
  /** Records a conversation's state after the change committed as event `seq`. */
  setState(number: number, state: TeamState, seq: number): void;
  /** The answer given to `agent`'s change key within the last 24 h. */
  answerOf(agent: string, changeKey: string, now: number): TeamAnswer | undefined;
  recordAnswer(agent: string, changeKey: string, answer: TeamAnswer, now: number): void;
  /** Forgets answers older than 24 h; returns how many. */
  purgeAnswers(now: number): number;
}

interface EntryRow {
  number: number;
  key: string;
  state: string;
  seq: number;
}

const toEntry = (r: EntryRow): TeamEntry => ({ number: r.number, key: r.key, state: JSON.parse(r.state) as TeamState, seq: r.seq });

export class SqliteTeamStore implements TeamStore {
  private readonly stmts;
  private readonly registerTx: (items: ReadonlyArray<{ key: string; state?: TeamState }>) => TeamEntry[];

  constructor(db: Database.Database) {
    this.stmts = {
      byKey: db.prepare('SELECT number, key, state, seq FROM team_conversations WHERE key = ?'),
      insert: db.prepare('INSERT INTO team_conversations (key, state, seq) VALUES (?, ?, 0)'),
      setState: db.prepare('UPDATE team_conversations SET state = ?, seq = ? WHERE number = ?'),
      answerOf: db.prepare('SELECT answer, created_at FROM team_changes WHERE agent = ? AND key = ?'),
      recordAnswer: db.prepare('INSERT OR REPLACE INTO team_changes (agent, key, answer, created_at) VALUES (?, ?, ?, ?)'),
      purge: db.prepare('DELETE FROM team_changes WHERE created_at < ?'),
    };
    // A savepoint inside the committer's batch: a failing register leaves no half of itself.
    this.registerTx = db.transaction((items: ReadonlyArray<{ key: string; state?: TeamState }>) =>
      items.map(({ key, state }) => {
        const known = this.stmts.byKey.get(key) as EntryRow | undefined;
        if (known) return toEntry(known);
        const initial = state ?? INITIAL_TEAM_STATE;
        const number = Number(this.stmts.insert.run(key, JSON.stringify(initial)).lastInsertRowid);
        return { number, key, state: initial, seq: 0 };
      }),
    );
  }

  register(items: ReadonlyArray<{ key: string; state?: TeamState }>): TeamEntry[] {
    return this.registerTx(items);
  }

  setState(number: number, state: TeamState, seq: number): void {
    this.stmts.setState.run(JSON.stringify(state), seq, number);
  }

  answerOf(agent: string, changeKey: string, now: number): TeamAnswer | undefined {
    const r = this.stmts.answerOf.get(agent, changeKey) as { answer: string; created_at: number } | undefined;
    if (!r || r.created_at < now - TEAM_CHANGE_TTL_MS) return undefined;
    return JSON.parse(r.answer) as TeamAnswer;
  }

  recordAnswer(agent: string, changeKey: string, answer: TeamAnswer, now: number): void {
    this.stmts.recordAnswer.run(agent, changeKey, JSON.stringify(answer), now);
  }

  purgeAnswers(now: number): number {
    return this.stmts.purge.run(now - TEAM_CHANGE_TTL_MS).changes;
  }
}
