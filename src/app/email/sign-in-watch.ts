// A long-running watcher whose OAuth2 sign-in expired (the provider refused the refresh token):
// it says so once — not at every retry — and resumes as soon as `attend account login` has run, in
// any terminal, by reading the account's sign-in status (a small local file, no network) every
// second. Without a status change it still tries again now and then: a token command's own store
// may have been fixed outside attend.
import type { SignInStatus } from '../../config/token-vault.js';

export type SignInStatusReader = () => Promise<SignInStatus | null>;

/** How often the sign-in status is read while it is expired. */
export const SIGN_IN_POLL_MS = Number(process.env.ATTEND_SIGNIN_POLL_MS) || 1000;
/** Tried again after this long even when the status shows no new sign-in. */
export const SIGN_IN_RETRY_MS = 5 * 60_000;

export class SignInWatch {
  private line: string | null = null;
  private atFailure: SignInStatus | null = null;
  private signedInAgain = false;

  /** @param tell the line when it expires; null when a login worked again after that. */
  constructor(
    private readonly read: SignInStatusReader,
    private readonly tell: (line: string | null) => void,
    private readonly pollMs = SIGN_IN_POLL_MS,
    private readonly retryMs = SIGN_IN_RETRY_MS,
  ) {}

  /** The line while the sign-in is expired, else null. */
  get expired(): string | null {
    return this.line;
  }

  /** While expired: the status showed a new sign-in since the last failure (worth trying a token again). */
  get newSignInSeen(): boolean {
    return this.signedInAgain;
  }

  /** The sign-in expired (again): told once until a login works; notes the status to compare with. */
  async failed(line: string): Promise<void> {
    if (this.line === null) {
      this.line = line;
      this.tell(line);
    }
    this.signedInAgain = false;
    this.atFailure = await this.read().catch(() => null);
  }

  /** A login with a token worked: clears the state (and says so if it had been told). */
  ok(): void {
    if (this.line === null) return;
    this.line = null;
    this.atFailure = null;
    this.signedInAgain = false;
    this.tell(null);
  }

  /** Resolves true when a new sign-in shows in the status; false after the retry time or on abort. */
  async renewed(signal: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + this.retryMs;
    while (!signal.aborted && Date.now() < deadline) {
      await sleep(this.pollMs, signal);
      if (signal.aborted) return false;
      const now = await this.read().catch(() => null);
      if (now && isNewSignIn(this.atFailure, now)) {
        this.signedInAgain = true;
        return true;
      }
    }
    return false;
  }
}

/** A sign-in newer than the one that expired, or the expiry mark cleared (or a status where there was none). */
export function isNewSignIn(before: SignInStatus | null, now: SignInStatus): boolean {
  if (before === null) return true;
  return now.signedInAt !== before.signedInAt || (before.expired !== null && now.expired === null);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // Not unref'd: while offline this timer is what keeps `sync --watch` alive.
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
