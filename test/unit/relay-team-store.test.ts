// The hub's team store (src/relay/team-store.ts) on a real relay.db schema: one sequence of
// numbers, the first registrant's state, states and answers kept, answers forgotten after 24 h.
// And the agent registry beside it (src/relay/agent-registry.ts).
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INITIAL_TEAM_STATE, type TeamState } from '../../src/domain/team.js';
import { AgentRegistry, agentNameProblem, openAgentRegistry, tokenHash } from '../../src/relay/agent-registry.js';
import { migrateRelayDb } from '../../src/relay/relay-migrations.js';
import { SqliteTeamStore, TEAM_CHANGE_TTL_MS, type TeamStore } from '../../src/relay/team-store.js';

const ASSIGNED: TeamState = { ...INITIAL_TEAM_STATE, assignee: 'sam', tags: ['vip'] };

describe('SqliteTeamStore', () => {
  let db: Database.Database;
  let team: TeamStore;
  beforeEach(() => {
    db = new Database(':memory:');
    migrateRelayDb(db);
    team = new SqliteTeamStore(db);
  });
  afterEach(() => db.close());

  it('numbers keys it does not know in one sequence, and gives a known key its number and state', () => {
    const first = team.register([{ key: 'email:a@x:1' }, { key: 'chat:5', state: ASSIGNED }, { key: 'email:a@x:1' }]);
    expect(first).toEqual([
      { number: 1, key: 'email:a@x:1', state: INITIAL_TEAM_STATE, seq: 0 },
      { number: 2, key: 'chat:5', state: ASSIGNED, seq: 0 },
      { number: 1, key: 'email:a@x:1', state: INITIAL_TEAM_STATE, seq: 0 },
    ]);
    // A later registrant's state does not replace the first one's.
    expect(team.register([{ key: 'chat:5', state: INITIAL_TEAM_STATE }, { key: 'chat:6' }])).toEqual([
      { number: 2, key: 'chat:5', state: ASSIGNED, seq: 0 },
      { number: 3, key: 'chat:6', state: INITIAL_TEAM_STATE, seq: 0 },
    ]);
  });

  it('keeps the state a change left, with the seq of its event', () => {
    const [e] = team.register([{ key: 'chat:1' }]);
    const resolved: TeamState = { ...INITIAL_TEAM_STATE, status: 'resolved' };
    team.setState(e?.number as number, resolved, 42);
    expect(team.register([{ key: 'chat:1' }])).toEqual([{ number: 1, key: 'chat:1', state: resolved, seq: 42 }]);
  });

  it('answers a change key per agent for 24 h, then forgets it', () => {
    const now = 1_000_000;
    const answer = { t: 'ok' as const, d: { seq: 3, number: 1, applied: true, state: INITIAL_TEAM_STATE } };
    team.recordAnswer('sam', 'k1', answer, now);
    expect(team.answerOf('sam', 'k1', now + 1000)).toEqual(answer);
    expect(team.answerOf('kim', 'k1', now + 1000)).toBeUndefined();
    expect(team.answerOf('sam', 'k1', now + TEAM_CHANGE_TTL_MS + 1)).toBeUndefined();
    expect(team.purgeAnswers(now + TEAM_CHANGE_TTL_MS - 1)).toBe(0);
    expect(team.purgeAnswers(now + TEAM_CHANGE_TTL_MS + 1)).toBe(1);
    expect(team.answerOf('sam', 'k1', now)).toBeUndefined();
  });

  it('a failing register inside a transaction leaves nothing behind (it is a savepoint)', () => {
    expect(() =>
      db.transaction(() => {
        team.register([{ key: 'chat:9' }]);
        throw new Error('boom');
      })(),
    ).toThrow('boom');
    expect(team.register([{ key: 'chat:10' }])[0]?.number).toBe(1);
  });
});

describe('AgentRegistry', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'attend-agents-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('adds agents with a fresh token each, stores only its hash, finds them by it, removes them', () => {
    const { registry, close } = openAgentRegistry(path.join(dir, 'relay.db'));
    try {
      expect(registry.isTeam()).toBe(false);
      const token = registry.add('sam', 5);
      expect(token).toMatch(/^[\w-]{43}$/);
      expect(registry.isTeam()).toBe(true);
      expect(registry.nameOf(tokenHash(token))).toBe('sam');
      expect(registry.nameOf(tokenHash(`${token}x`))).toBeUndefined();
      expect(registry.hashes()).toEqual(new Map([['sam', tokenHash(token)]]));
      expect(() => registry.add('Sam', 6)).toThrow(/exists/);
      expect(registry.add('kim', 7)).not.toBe(token);
      expect(registry.list()).toEqual([
        { name: 'kim', createdAt: 7 },
        { name: 'sam', createdAt: 5 },
      ]);
      expect(registry.remove('SAM')).toBe(true);
      expect(registry.remove('sam')).toBe(false);
      expect(registry.nameOf(tokenHash(token))).toBeUndefined();
      // Still a team: its state is the truth the owner follows.
      registry.remove('kim');
      expect(registry.isTeam()).toBe(true);
    } finally {
      close();
    }
  });

  it('a second connection (the relay) sees the CLI\'s changes', () => {
    const file = path.join(dir, 'relay.db');
    const cli = openAgentRegistry(file);
    const other = new Database(file);
    try {
      const relay = new AgentRegistry(other);
      const token = cli.registry.add('lee', 1);
      expect(relay.nameOf(tokenHash(token))).toBe('lee');
    } finally {
      other.close();
      cli.close();
    }
  });

  it('accepts short words as names, and refuses the reserved ones', () => {
    for (const ok of ['sam', 'Sam.K', 'kim_2', 'a-b', 'x'.repeat(32), '7']) expect(agentNameProblem(ok), ok).toBeNull();
    for (const bad of ['', 'two words', '-x', '.x', 'x'.repeat(33), 'é', 'a/b', 'a\nb']) expect(agentNameProblem(bad), bad).toMatch(/not an agent name/);
    for (const reserved of ['owner', 'ME', 'None', 'any']) expect(agentNameProblem(reserved)).toMatch(/reserved/);
  });
});
