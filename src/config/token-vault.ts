// Where an OAuth2 account's tokens are kept: a 0600 file in the attend home (default) or the
// user's own command (`tokenCommand`, e.g. around `pass`). Implemented by the sign-in work; this
// is the contract the rest of attend builds on.

/** What is kept per account. Refresh tokens rotate: every refresh saves the new one (atomically). */
export interface StoredTokens {
  refreshToken: string;
  /** The current access token and when it expires (ms since the epoch), shared by every process of this home. */
  accessToken?: string;
  accessExpiresAt?: number;
}

/** What `account list` may show: how and when, never a token. Kept beside the tokens, also 0600. */
export interface SignInStatus {
  /** The flow of the last sign-in. */
  method: 'device' | 'loopback' | 'paste';
  signedInAt: number;
  /** The last refresh of the access token; null before the first. */
  refreshedAt: number | null;
  /** Set when the provider refused the refresh token (revoked, expired): the one line the user sees. */
  expired: string | null;
}

export interface TokenVault {
  /** The stored tokens, or null when there are none (never signed in, or signed out). */
  load(): Promise<StoredTokens | null>;
  /** Replaces the stored tokens atomically: a crash leaves the old ones or the new ones, never half. */
  save(tokens: StoredTokens): Promise<void>;
}
