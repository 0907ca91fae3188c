// The set-up's real services: the provider guess (built-in table, else MX records), the checks
// and defaults of `account add email`, and signing in, testing and saving (app/email/account-setup.ts,
// which loads the sign-in and mail libraries only when they are used).
import { completeEmailAccount, setUpEmailAccount } from '../../app/email/account-setup.js';
import type { AppContext } from '../../app/context.js';
import { guessProvider } from '../../app/setup/provider-guess.js';
import type { SetupServices } from './SetupScreen.js';

/**
 * @param opts.verify false: save without testing IMAP and SMTP (`--no-verify`)
 * @param opts.signIn false: save an OAuth2 account without signing in (`--no-sign-in`; then `account login`)
 */
export function setupServices(ctx: AppContext, opts: { verify?: boolean; signIn?: boolean } = {}): SetupServices {
  return {
    guessProvider: (email) => guessProvider(email),
    takenNames: () => ctx.settings.get('accounts').map((a) => a.name),
    complete: (draft) => completeEmailAccount(draft),
    save: (account, io, signIn) => {
      const skipSignIn = opts.signIn === false && account.oauth2 !== undefined;
      // Without a sign-in there is no token to test IMAP and SMTP with.
      return setUpEmailAccount(ctx, account, io, { verify: opts.verify !== false && !skipSignIn, signIn: skipSignIn ? false : signIn });
    },
  };
}
