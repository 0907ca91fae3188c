// OAuth2 for email accounts: signing in, and a valid access token for IMAP and SMTP.
// CONTRACT (issue 15): signatures fixed here; the "core" helper implements them.
import type { EmailAccount, OAuthFlow } from '../../config/settings.js';
import type { SignInStatus } from '../../config/token-vault.js';
import type { AppContext } from '../context.js';

/** How a sign-in talks to the person: the CLI writes to stderr and reads the terminal; the setup screen renders it. */
export interface SignInIO {
  /**
   * Instructions to show, never a token: the device flow's URL and code, or the URL to open for a
   * browser sign-in (and, for paste, what to copy back).
   */
  show(prompt: SignInPrompt): void;
  /** Reads the redirected URL the person pastes (paste flow; also accepted while a loopback listener waits). Absent: not interactive. */
  readPastedUrl?(signal: AbortSignal): Promise<string>;
  /** Opens a browser on this machine if there is one; false when there is none. */
  openBrowser?(url: string): Promise<boolean>;
}

export type SignInPrompt =
  | { kind: 'device'; verificationUri: string; verificationUriComplete?: string; userCode: string; expiresAt: number }
  | { kind: 'browser'; url: string; listening: boolean; redirectUri: string }
  | { kind: 'waiting' };

export interface SignInOptions {
  /** Overrides the account's flow; absent and unset: device where the provider allows it, else loopback (pasting accepted too). */
  flow?: OAuthFlow;
  /** The loopback listener's port (for an SSH forward `ssh -L PORT:127.0.0.1:PORT`); default: any free port. */
  port?: number;
  /** Give up after this long (default 10 min). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface SignInResult {
  method: OAuthFlow;
  /** The address the provider says was signed in, when it says (checked against the account's). */
  email: string | null;
}

/**
 * Runs a sign-in and stores the tokens (vault) and the status. Throws SignInError (one line) on
 * failure, ProviderUnavailableError when the provider cannot be reached.
 */
export async function signIn(_ctx: AppContext, _account: EmailAccount, _io: SignInIO, _opts: SignInOptions = {}): Promise<SignInResult> {
  throw new Error('not implemented yet (issue 15 core)');
}

/**
 * A valid access token for the account's IMAP and SMTP login. Refreshes first when it expires
 * within a minute, or always with `force` (a server just refused it). Refreshes are serialized
 * across this home's processes, and a process that waited uses the token the other one got.
 * Throws SignInExpiredError when the provider refuses the refresh token,
 * ProviderUnavailableError when it cannot be reached.
 */
export async function accessTokenFor(_ctx: AppContext, _account: EmailAccount, _opts: { force?: boolean } = {}): Promise<string> {
  throw new Error('not implemented yet (issue 15 core)');
}

/** How and when the account last signed in and refreshed; null when it never signed in. No network. */
export async function signInStatus(_ctx: AppContext, _account: EmailAccount): Promise<SignInStatus | null> {
  throw new Error('not implemented yet (issue 15 core)');
}
