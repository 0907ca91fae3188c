// A TeamPort double for console tests: the console's boundary to team mode. It records what the
// console tells the team (activity, claims, releases) and lets a test say what teammates do and
// who holds what at the hub. The real port against a real relay is tested end to end (test/e2e/team*).
import type { ClaimResult, TeammateActivity, TeamPort } from '../../src/app/team/port.js';
import type { Runtime } from '../../src/app/runtime.js';

export class FakeTeam implements TeamPort {
  readonly enabled = true;
  readonly me = 'me';
  private mates: TeammateActivity[] = [];
  private readonly listeners = new Set<() => void>();
  /** Every setActivity call, in order. */
  readonly activity: Array<[number | null, boolean]> = [];
  readonly claims: number[] = [];
  readonly releases: number[] = [];
  /** Conversations a teammate holds at the hub: claims are refused naming them. */
  readonly holders = new Map<number, string>();

  teammates(): TeammateActivity[] {
    return this.mates;
  }
  setActivity(conversationId: number | null, replying: boolean): void {
    this.activity.push([conversationId, replying]);
  }
  async claim(conversationId: number): Promise<ClaimResult> {
    this.claims.push(conversationId);
    const holder = this.holders.get(conversationId);
    return holder === undefined ? { ok: true } : { ok: false, holder };
  }
  async release(conversationId: number): Promise<void> {
    this.releases.push(conversationId);
  }
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What the hub says teammates do now (then tells the listeners, as the real port does). */
  set(mates: Array<Partial<TeammateActivity> & { agent: string }>): void {
    this.mates = mates.map((m) => ({ online: true, conversation: null, replying: false, since: Date.now(), ...m }));
    for (const l of this.listeners) l();
  }

  /** The last activity told to the team. */
  last(): [number | null, boolean] | undefined {
    return this.activity.at(-1);
  }

  /** Makes `runtime.team` answer with this double. */
  install(runtime: Runtime): this {
    Object.defineProperty(runtime, 'team', { get: () => this, configurable: true });
    return this;
  }
}
