// Logging in with OAuth2 tokens (issue 15): a refused token is refreshed once and the login tried
// again; a server that cannot check tokens (UNAVAILABLE) is not a refused token; an expired
// sign-in is found behind the SMTP adapter's error; a watcher says "sign-in expired" once and
// notices a new sign-in from the status alone.
import { describe, expect, it } from 'vitest';
import { ImapError } from '../../src/adapters/email/imap-session.js';
import { SmtpError } from '../../src/adapters/email/smtp-send.js';
import type { AppContext } from '../../src/app/context.js';
import { mailLogins, signInExpired, tokenRefused, tokenUnavailable, withTokenRetry } from '../../src/app/email/mail-login.js';
import type { EmailAccount } from '../../src/config/settings.js';
import { ProviderUnavailableError, SignInExpiredError } from '../../src/app/email/sign-in-errors.js';
import { isNewSignIn, SignInWatch } from '../../src/app/email/sign-in-watch.js';
import type { SignInStatus } from '../../src/config/token-vault.js';

/** A token source that hands out t1, t2, … and counts the forced refreshes. */
function fakeSource(fail?: Error) {
  const calls: Array<{ force: boolean }> = [];
  let n = 0;
  const source = async (o: { force?: boolean }) => {
    calls.push({ force: o.force === true });
    if (fail) throw fail;
    return `t${++n}`;
  };
  return { source, calls };
}

const refusedImap = () => new ImapError('account a: IMAP login failed at h:1 (the access token was refused)', 'auth', 'AUTHENTICATIONFAILED');
const unavailableImap = () => new ImapError('account a: IMAP server h:1 cannot check the sign-in right now (UNAVAILABLE)', 'network', 'UNAVAILABLE');

describe('withTokenRetry', () => {
  it('uses the token as it is when the server takes it: no refresh', async () => {
    const { source, calls } = fakeSource();
    const used: string[] = [];
    const r = await withTokenRetry(
      source,
      async (t) => {
        used.push(t);
        return 'ok';
      },
      tokenRefused,
    );
    expect(r).toBe('ok');
    expect(used).toEqual(['t1']);
    expect(calls).toEqual([{ force: false }]);
  });

  it('refreshes once (force) and logs in again when the server refuses the token', async () => {
    const { source, calls } = fakeSource();
    const used: string[] = [];
    const r = await withTokenRetry(
      source,
      async (t) => {
        used.push(t);
        if (t === 't1') throw refusedImap();
        return 'in';
      },
      tokenRefused,
    );
    expect(r).toBe('in');
    expect(used).toEqual(['t1', 't2']);
    expect(calls).toEqual([{ force: false }, { force: true }]);
  });

  it('refreshes at most once: a second refusal is the error', async () => {
    const { source, calls } = fakeSource();
    let tries = 0;
    await expect(
      withTokenRetry(
        source,
        async () => {
          tries++;
          throw refusedImap();
        },
        tokenRefused,
      ),
    ).rejects.toThrow(/access token was refused/);
    expect(tries).toBe(2);
    expect(calls.filter((c) => c.force)).toHaveLength(1);
  });

  it('does not refresh when the server cannot check tokens (provider down: UNAVAILABLE) or the network fails', async () => {
    for (const err of [unavailableImap(), new ImapError('account a: IMAP server h:1 refused the connection', 'network')]) {
      const { source, calls } = fakeSource();
      await expect(
        withTokenRetry(
          source,
          async () => {
            throw err;
          },
          tokenRefused,
        ),
      ).rejects.toBe(err);
      expect(calls).toEqual([{ force: false }]);
    }
  });

  it("passes the token source's own errors through untouched (an expired sign-in is no server refusal)", async () => {
    const expired = new SignInExpiredError('support');
    const { source } = fakeSource(expired);
    let used = false;
    await expect(withTokenRetry(source, async () => (used = true), tokenRefused)).rejects.toBe(expired);
    expect(used).toBe(false);
  });
});

describe('classifying token failures', () => {
  it('tells a refused token from a server that cannot reach its provider', () => {
    expect(tokenRefused(refusedImap())).toBe(true);
    expect(tokenRefused(unavailableImap())).toBe(false);
    expect(tokenRefused(new Error('x'))).toBe(false);
    expect(tokenUnavailable(unavailableImap())).toBe(true);
    expect(tokenUnavailable(refusedImap())).toBe(false);
    expect(tokenUnavailable(new ProviderUnavailableError('account a: the sign-in provider cannot be reached'))).toBe(true);
  });

  it('finds the expired sign-in behind the SMTP adapter error, with the one line', () => {
    const expired = new SignInExpiredError('support');
    const smtp = new SmtpError(expired.message, 'transient', expired);
    expect(signInExpired(smtp)).toBe(expired);
    expect(tokenUnavailable(smtp)).toBe(true);
    expect(smtp.message).toBe('account support: sign-in expired — run `attend account login support`');
    expect(signInExpired(new SmtpError('account support: SMTP h:1 is unreachable', 'transient'))).toBeNull();
  });
});

describe('mailLogins with a token source', () => {
  const account = {
    type: 'email',
    name: 'support',
    email: 'agent@example.test',
    user: 'agent@example.test',
    // Nothing listens here: a test that reached the network would fail with "refused the connection".
    imap: { host: '127.0.0.1', port: 1, security: 'none' },
    smtp: { host: '127.0.0.1', port: 1, security: 'none' },
    oauth2: { provider: 'generic', issuer: 'http://127.0.0.1:1', clientId: 'c' },
    mailbox: 'INBOX',
    sentMailbox: 'Sent',
    allowInsecure: true,
  } as unknown as EmailAccount;

  it('any failure of the token source (a wrong client, a broken token store) is a token problem: SMTP would fail alike', async () => {
    const logins = await mailLogins({} as AppContext, account, async () => {
      throw new Error('account support: the provider does not know client id c');
    });
    expect(logins.oauth2).toBe(true);
    const err = await logins.connectImap().catch((e: unknown) => e);
    expect((err as Error).message).toBe('account support: the provider does not know client id c');
    expect(tokenUnavailable(err)).toBe(true);
    expect(tokenUnavailable(new Error('account support: the provider does not know client id c'))).toBe(false);
  });

  it('SMTP carries the source, not a token: each send asks it', async () => {
    const { source, calls } = fakeSource();
    const logins = await mailLogins({} as AppContext, account, source);
    expect('accessToken' in logins.smtp).toBe(false);
    expect(await logins.smtp.tokenSource?.(false)).toBe('t1');
    expect(await logins.smtp.tokenSource?.(true)).toBe('t2');
    expect(calls).toEqual([{ force: false }, { force: true }]);
  });
});

describe('SignInWatch', () => {
  const status = (signedInAt: number, expired: string | null): SignInStatus => ({ method: 'device', signedInAt, refreshedAt: null, expired });

  it('says the line once however often it fails, and once that it works again', async () => {
    const told: Array<string | null> = [];
    const w = new SignInWatch(async () => status(1, 'x'), (l) => told.push(l), 5, 1000);
    await w.failed('account s: sign-in expired — run `attend account login s`');
    await w.failed('account s: sign-in expired — run `attend account login s`');
    await w.failed('account s: sign-in expired — run `attend account login s`');
    expect(w.expired).toMatch(/sign-in expired/);
    w.ok();
    w.ok();
    expect(told).toEqual(['account s: sign-in expired — run `attend account login s`', null]);
    expect(w.expired).toBeNull();
  });

  it('resumes as soon as the status shows a new sign-in', async () => {
    let current = status(1000, 'expired');
    const w = new SignInWatch(async () => current, () => {}, 10, 60_000);
    await w.failed('line');
    const started = Date.now();
    setTimeout(() => {
      current = status(2000, null);
    }, 100);
    expect(await w.renewed(new AbortController().signal)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('keeps waiting while the status is unchanged, and gives up at the retry time', async () => {
    const w = new SignInWatch(async () => status(1000, 'expired'), () => {}, 10, 200);
    await w.failed('line');
    const started = Date.now();
    expect(await w.renewed(new AbortController().signal)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('stops waiting on abort', async () => {
    const w = new SignInWatch(async () => status(1000, 'expired'), () => {}, 10, 60_000);
    await w.failed('line');
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    expect(await w.renewed(stop.signal)).toBe(false);
  });

  it('isNewSignIn: a later sign-in, or the expiry mark cleared', () => {
    expect(isNewSignIn(status(1, 'x'), status(1, 'x'))).toBe(false);
    expect(isNewSignIn(status(1, 'x'), status(2, null))).toBe(true);
    expect(isNewSignIn(status(1, 'x'), status(1, null))).toBe(true);
    expect(isNewSignIn(status(1, null), status(1, null))).toBe(false);
    expect(isNewSignIn(null, status(1, null))).toBe(true);
  });
});
