// Local hooks: settings map public event types to shell commands, run as `/bin/sh -c CMD` with the
// event as one line of JSON on stdin. Best effort by design: a hook that fails, hangs or cannot
// start is logged and killed — it never stops attend, and a slow one never holds up the others
// beyond the pool's few slots.
import { type ChildProcess, spawn } from 'node:child_process';
import { jsonStringify, safeLine } from '../../domain/sanitize.js';
import type { PublicEvent } from '../../domain/public-events.js';

/** As written in settings: `"hooks": { "message.received": "notify-send …", "sla.breached": { "command": "…", "timeoutSeconds": 30 } }`. */
export type HookSetting = string | { command: string; timeoutSeconds?: number };

export interface HookSpec {
  command: string;
  timeoutMs: number;
}

export const DEFAULT_HOOK_TIMEOUT_MS = 10_000;
/** The key whose command runs for every public event (besides the event's own hook). */
export const ANY_EVENT = '*';

/** The hooks table from the `hooks` setting; anything malformed is skipped (the settings schema rejects it on load). */
export function hookTable(raw: unknown): Map<string, HookSpec> {
  const table = new Map<string, HookSpec>();
  if (typeof raw !== 'object' || raw === null) return table;
  for (const [type, v] of Object.entries(raw)) {
    if (typeof v === 'string' && v.trim() !== '') table.set(type, { command: v, timeoutMs: DEFAULT_HOOK_TIMEOUT_MS });
    else if (typeof v === 'object' && v !== null && typeof v.command === 'string' && v.command.trim() !== '') {
      const s = typeof v.timeoutSeconds === 'number' && v.timeoutSeconds > 0 ? v.timeoutSeconds : DEFAULT_HOOK_TIMEOUT_MS / 1000;
      table.set(type, { command: v.command, timeoutMs: Math.round(s * 1000) });
    }
  }
  return table;
}

export function hooksFor(table: ReadonlyMap<string, HookSpec>, type: string): HookSpec[] {
  return [table.get(type), table.get(ANY_EVENT)].filter((h): h is HookSpec => h !== undefined);
}

export interface HookOutcome {
  ok: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The end of what the hook wrote to stderr (its stdout is discarded: it must never mix into attend's). */
  stderr: string;
  error: string | null;
}

const STDERR_KEEP = 4096;

/**
 * Runs one hook to its end, its timeout or `signal`. In its own process group, so a timeout also
 * ends whatever the shell started. Never rejects.
 */
export function runHook(spec: HookSpec, input: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<HookOutcome> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', spec.command], { stdio: ['pipe', 'ignore', 'pipe'], env, detached: true });
    } catch (err) {
      resolve({ ok: false, code: null, signal: null, timedOut: false, stderr: '', error: (err as Error).message });
      return;
    }
    let stderr = '';
    let timedOut = false;
    let error: string | null = null;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    };
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-STDERR_KEEP);
    });
    child.stdin?.on('error', () => {}); // a hook that never reads its input is fine
    child.stdin?.end(input);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, spec.timeoutMs);
    const onAbort = () => killGroup();
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      error = err.message;
    });
    // 'exit', not 'close': a hook that leaves a background job holding stderr is done when the shell is.
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      child.stderr?.destroy();
      resolve({ ok: code === 0 && !timedOut, code, signal: sig, timedOut, stderr, error });
    });
  });
}

/** One line for the log: why a hook failed. */
export function describeFailure(o: HookOutcome, spec: HookSpec): string {
  const last = safeLine(o.stderr.trim().split('\n').at(-1) ?? '').slice(0, 200);
  const why = o.timedOut
    ? `timed out after ${spec.timeoutMs / 1000}s`
    : o.error
      ? o.error
      : o.signal
        ? `killed by ${o.signal}`
        : `exit ${o.code}`;
  return last ? `${why}: ${last}` : why;
}

interface Job {
  event: PublicEvent;
  spec: HookSpec;
}

/** Runs hooks at most `limit` at once; the rest wait in order. */
export class HookPool {
  private running = 0;
  private readonly queue: Job[] = [];
  private readonly stop = new AbortController();
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly log: (line: string) => void,
    private readonly limit = 4,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Hooks running or waiting: callers stop feeding the pool while it is this busy. */
  get pending(): number {
    return this.running + this.queue.length;
  }

  submit(event: PublicEvent, spec: HookSpec): void {
    if (this.stop.signal.aborted) return;
    this.queue.push({ event, spec });
    this.pump();
  }

  private pump(): void {
    while (this.running < this.limit && this.queue.length > 0) {
      const job = this.queue.shift() as Job;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
        if (this.pending === 0) for (const f of this.idle) f();
      });
    }
  }

  private async run({ event, spec }: Job): Promise<void> {
    const env = {
      ...this.env,
      ATTEND_EVENT: event.type,
      ATTEND_EVENT_SEQ: String(event.seq),
      ATTEND_CONVERSATION_ID: event.conversation ? event.conversation.ref : '',
    };
    const o = await runHook(spec, `${jsonStringify(event)}\n`, env, this.stop.signal);
    if (!o.ok && !this.stop.signal.aborted) this.log(`hook for ${event.type} (seq ${event.seq}) failed: ${describeFailure(o, spec)}`);
  }

  /** Lets running and waiting hooks finish for up to `graceMs`, then kills what still runs. */
  async close(graceMs = 3000): Promise<void> {
    await this.whenIdle(graceMs);
    const dropped = this.pending;
    this.queue.length = 0;
    this.stop.abort();
    if (dropped > 0) this.log(`stopping: ${dropped} hook(s) did not finish`);
    await this.whenIdle(1000); // the killed ones exit
  }

  private whenIdle(ms: number): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.idle.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.idle.add(done);
    });
  }
}
