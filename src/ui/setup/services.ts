// The set-up's real services: the provider guess (built-in table, else MX records), the checks
// and defaults of `account add email`, and signing in, testing and saving (app/email/account-setup.ts,
// which loads the sign-in and mail libraries only when they are used).
import { completeEmailAccount, setUpEmailAccount } from '../../app/email/account-setup.js';
import type { AppContext } from '../../app/context.js';
import { guessProvider } from '../../app/setup/provider-guess.js';
import type { SetupServices } from './SetupScreen.js';

/** @param opts.verify false: save without testing IMAP and SMTP (`--no-verify`). */
export function setupServices(ctx: AppContext, opts: { verify?: boolean } = {}): SetupServices {
  return {
    guessProvider: (email) => guessProvider(email),
    takenNames: () => ctx.settings.get('accounts').map((a) => a.name),
    complete: (draft) => completeEmailAccount(draft),
    save: (account, io, signIn) => setUpEmailAccount(ctx, account, io, { verify: opts.verify !== false, signIn }),
  };
}
