// What the rest of the app sees of team mode: who I am at the hub, what teammates are doing,
// claims for focus mode and `assign … me`. Working alone, `SOLO_TEAM` answers: no team, every
// claim succeeds at once. The real one (app/team/team-link.ts) rides on the chat account's
// connection to the relay, which is the team's hub.

/** What a teammate is doing, as the hub last told it. `conversation` is the local id (null: none or not stored here). */
export interface TeammateActivity {
  agent: string;
  online: boolean;
  conversation: number | null;
  replying: boolean;
  /** Epoch ms of the last change. */
  since: number;
}

export type ClaimResult =
  | { ok: true }
  /** Someone else holds it (exit code 4 in the CLI). */
  | { ok: false; holder: string }
  /** The hub could not be asked: the change was applied here and waits in the team outbox. */
  | { ok: true; queued: true };

export interface TeamPort {
  /** In a team (the relay said so in its welcome, now or earlier). */
  readonly enabled: boolean;
  /** My agent name at the hub (from my token), or null working alone. */
  readonly me: string | null;
  /** Teammates (not me), online first. */
  teammates(): TeammateActivity[];
  /** Tells the team what I look at (local id or null) and whether my composer or editor is open. */
  setActivity(conversationId: number | null, replying: boolean): void;
  /** Assigns the conversation to `to` (default me) if nobody else holds it, atomically at the hub. */
  claim(conversationId: number, opts?: { take?: boolean; to?: string | null }): Promise<ClaimResult>;
  /** Unassigns it if it is still mine (focus mode's skip or leave). */
  release(conversationId: number): Promise<void>;
  /** Called whenever teammates() changes. Returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}

export const SOLO_TEAM: TeamPort = {
  enabled: false,
  me: null,
  teammates: () => [],
  setActivity: () => {},
  claim: async () => ({ ok: true }),
  release: async () => {},
  onChange: () => () => {},
};
