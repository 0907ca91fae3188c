// Adding an email account, shared by `attend account add email` (flags) and the interactive set-up.
// CONTRACT (issue 15): signatures fixed here; the "cli" helper implements them, the "setup" helper uses them.
import type { EmailAccount, OAuth2Settings, SecretSource, ServerSettings } from '../../config/settings.js';
import type { AppContext } from '../context.js';
import type { SignInIO, SignInOptions } from './oauth-session.js';

/** A problem with what the person gave (a bad port, no way to sign in): one line; the CLI exits 2 with it. */
export class SetupError extends Error {}

/** What a person gives; everything else comes from the provider preset and the defaults. */
export interface EmailAccountDraft {
  name: string;
  email: string;
  displayName?: string;
  user?: string;
  imap?: Partial<ServerSettings>;
  smtp?: Partial<ServerSettings>;
  password?: SecretSource;
  oauth2?: OAuth2Settings;
  mailbox?: string;
  sentMailbox?: string;
  allowInsecure?: boolean;
  openWindow?: string;
}

/** Fills in the preset's servers (google, microsoft) and the defaults, and checks the result. Throws SetupError. */
export function completeEmailAccount(_draft: EmailAccountDraft): EmailAccount {
  throw new Error('not implemented yet (issue 15 cli)');
}

/** Progress lines for a person watching ("signing in…", "IMAP ok", "SMTP ok"). */
export interface SetupProgress {
  step(line: string): void;
}

/**
 * Signs in (OAuth2 accounts), tests IMAP and SMTP unless `verify` is false, then saves the account.
 * Nothing is saved when a step fails; the error says which step, in one line.
 */
export async function setUpEmailAccount(
  _ctx: AppContext,
  _account: EmailAccount,
  _io: SignInIO & SetupProgress,
  _opts: { verify: boolean; signIn?: SignInOptions },
): Promise<void> {
  throw new Error('not implemented yet (issue 15 cli)');
}
