// setUpEmailAccount: sign in, check, save — and when a step fails, nothing saved and no tokens
// left under a name no account has. The sign-in and the IMAP/SMTP check are stand-ins here
// (their real runs: test/integration/account-oauth-cli.test.ts).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Account, EmailAccount } from '../../src/config/settings.js';
import type { AppContext } from '../../src/app/context.js';

const calls: string[] = [];
let signInFails: Error | null = null;
let verifyFails: Error | null = null;
let onSignIn: (() => void) | null = null;

vi.mock('../../src/app/email/oauth-session.js', () => ({
  signIn: async (_ctx: AppContext, account: EmailAccount, io: { show(p: unknown): void }) => {
    calls.push(`signIn ${account.name}`);
    leaveTokens(account.name);
    io.show({ kind: 'device', verificationUri: 'https://provider.test/device', userCode: 'ABCD-EFGH', expiresAt: 0 });
    onSignIn?.();
    if (signInFails) throw signInFails;
    return { method: 'device', email: account.email };
  },
}));
vi.mock('../../src/app/email/email-account.js', () => ({
  verifyEmail: async (_ctx: AppContext, account: EmailAccount) => {
    calls.push(`verify ${account.name}`);
    if (verifyFails) throw verifyFails;
  },
}));

const { AccountExistsError, completeEmailAccount, setUpEmailAccount } = await import('../../src/app/email/account-setup.js');
const { SignInError } = await import('../../src/app/email/sign-in-errors.js');

const home = mkdtempSync(path.join(os.tmpdir(), 'attend-setup-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const oauthFile = (f: string) => path.join(home, 'oauth', f);
/** What a sign-in leaves: the token file and the status file (config/token-vault.ts). */
function leaveTokens(name: string): void {
  mkdirSync(path.join(home, 'oauth'), { recursive: true, mode: 0o700 });
  writeFileSync(oauthFile(`${name}.json`), '{"refreshToken":"r"}');
  writeFileSync(oauthFile(`${name}.status.json`), '{"method":"device","signedInAt":1}');
}
const tokensLeft = (name: string) => [`${name}.json`, `${name}.status.json`].filter((f) => existsSync(oauthFile(f)));

function fakeCtx(initial: Account[] = []): AppContext & { saved: () => Account[] } {
  let accounts = initial;
  const settings = {
    get: (key: string) => (key === 'accounts' ? accounts : undefined),
    set: (key: string, value: Account[]) => {
      if (key === 'accounts') accounts = value;
    },
  };
  return { settings, now: () => 0, log: (l: string) => calls.push(`log ${l}`), env: { ATTEND_HOME: home }, saved: () => accounts } as unknown as AppContext & { saved: () => Account[] };
}

const io = { show: () => calls.push('show'), step: (l: string) => calls.push(`step ${l}`) };
const oauth = completeEmailAccount({ name: 'support', email: 'support@contoso.com', oauth2: { provider: 'microsoft', clientId: 'c' } });

beforeEach(() => {
  rmSync(path.join(home, 'oauth'), { recursive: true, force: true });
  calls.length = 0;
  signInFails = null;
  verifyFails = null;
  onSignIn = null;
});

describe('setUpEmailAccount', () => {
  it('signs in, checks IMAP and SMTP, then saves', async () => {
    const ctx = fakeCtx();
    await setUpEmailAccount(ctx, oauth, io, { verify: true });
    expect(calls.filter((c) => !c.startsWith('step'))).toEqual(['signIn support', 'show', 'verify support']);
    expect(ctx.saved()).toEqual([oauth]);
    expect(tokensLeft('support')).toEqual(['support.json', 'support.status.json']);
  });

  it('a failed sign-in: nothing saved, the tokens forgotten, the error as it was', async () => {
    const ctx = fakeCtx();
    signInFails = new SignInError('the provider refused the client id');
    await expect(setUpEmailAccount(ctx, oauth, io, { verify: true })).rejects.toBe(signInFails);
    expect(ctx.saved()).toEqual([]);
    expect(tokensLeft('support')).toEqual([]);
    expect(calls).not.toContain('verify support');
  });

  it('a failed IMAP/SMTP check after signing in: nothing saved, the tokens forgotten', async () => {
    const ctx = fakeCtx();
    verifyFails = new Error('account support: IMAP login failed');
    await expect(setUpEmailAccount(ctx, oauth, io, { verify: true })).rejects.toBe(verifyFails);
    expect(ctx.saved()).toEqual([]);
    expect(tokensLeft('support')).toEqual([]);
  });

  it('a name taken before: nothing runs; taken while signing in: not saved over, the other account\'s tokens kept', async () => {
    const other = { ...oauth, email: 'other@contoso.com' };
    await expect(setUpEmailAccount(fakeCtx([other]), oauth, io, { verify: true })).rejects.toBeInstanceOf(AccountExistsError);
    expect(calls).toEqual([]);
    const ctx = fakeCtx();
    onSignIn = () => ctx.settings.set('accounts', [other]);
    await expect(setUpEmailAccount(ctx, oauth, io, { verify: true })).rejects.toBeInstanceOf(AccountExistsError);
    expect(ctx.saved()).toEqual([other]);
    expect(tokensLeft('support')).toHaveLength(2); // the other account's now
  });

  it('with a token command only the status file goes (the command has no "delete")', async () => {
    const ctx = fakeCtx();
    verifyFails = new Error('account cmd: IMAP login failed');
    const cmd = completeEmailAccount({ name: 'cmd', email: 'cmd@contoso.com', oauth2: { provider: 'microsoft', clientId: 'c', tokenCommand: 'my-vault' } });
    await expect(setUpEmailAccount(ctx, cmd, io, { verify: true })).rejects.toBe(verifyFails);
    expect(tokensLeft('cmd')).toEqual(['cmd.json']); // stands in for what the command keeps: untouched
  });

  it('password accounts never sign in; --no-verify skips the check; signIn:false saves an OAuth2 account unsigned', async () => {
    const pw = completeEmailAccount({ name: 'pw', email: 'me@fastmail.com', password: { env: 'P' } });
    const ctx = fakeCtx();
    await setUpEmailAccount(ctx, pw, io, { verify: false });
    await setUpEmailAccount(ctx, oauth, io, { verify: true, signIn: false });
    expect(calls.filter((c) => !c.startsWith('step'))).toEqual([]);
    expect(ctx.saved().map((a) => a.name)).toEqual(['pw', 'support']);
  });
});
