// The ways an OAuth2 sign-in or token refresh fails, each with the one line a user sees.

/** The provider refused the refresh token (revoked, expired, password changed): only a person can sign in again. */
export class SignInExpiredError extends Error {
  constructor(readonly account: string) {
    super(`account ${account}: sign-in expired — run \`attend account login ${account}\``);
  }
}

/** The provider could not be reached or answered with a server error: try again later; nothing is lost. */
export class ProviderUnavailableError extends Error {}

/** The sign-in itself failed (wrong client id, denied consent, timed out, bad pasted URL): one line, no token in it. */
export class SignInError extends Error {}

/**
 * No tokens are stored for the account (never signed in, or the token store is empty). A kind of
 * SignInExpiredError so that everything treating an expired sign-in (the one line, replies queued)
 * treats this alike; only the words differ.
 */
export class NotSignedInError extends SignInExpiredError {
  constructor(account: string) {
    super(account);
    this.message = `account ${account}: not signed in — run \`attend account login ${account}\``;
  }
}
