/**
 * `attend account add email … --oauth2-issuer`, `account login` and `account list` as a person
 * runs them, against real parts on loopback: the built CLI, a real OpenID provider
 * (oauth-provider.ts), Dovecot and the SMTP sink checking the tokens by introspection, and
 * Chromium playing the person who reads the CLI's instructions on stderr and signs in.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { BIN, type Cli, makeCli } from '../helpers/cli.js';
import { type DovecotInstance, dovecotAvailable, startDovecot } from '../helpers/dovecot.js';
import { gate } from '../helpers/e2e.js';
import { freePort } from '../helpers/net.js';
import { completeBrowserSignIn, completeDeviceSignIn } from '../helpers/oauth-browser.js';
import { type OAuthProvider, startOAuthProvider } from '../helpers/oauth-provider.js';
import { check } from '../helpers/schemas.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

const describeOAuth = gate('Dovecot (dovecot-imapd) and Chromium', dovecotAvailable() && chromiumAvailable(), 'Install them: apt-get install -y dovecot-imapd chromium');

const AGENT = 'agent@example.test';
const CUSTOMER = 'customer@example.test';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** A running CLI whose stderr a test reads as a person would, and whose stdin it may type into. */
interface Running {
  child: ChildProcessWithoutNullStreams;
  stderr(): string;
  stdout(): string;
  /** Resolves with the first match of `re` in stderr (waits for it). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exit: Promise<number | null>;
}

function start(cli: Cli, args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...cli.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const exit = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve(code);
    }),
  );
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    exit,
    async waitFor(re, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = err.match(re);
        if (m) return m;
        if (child.exitCode !== null || Date.now() > until) throw new Error(`no ${re} on stderr (exit ${child.exitCode}):\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

describeOAuth('account add/login/list with OAuth2, through the built CLI', () => {
  let provider: OAuthProvider;
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  let browser: Browser;
  let cli: Cli;

  beforeAll(async () => {
    provider = await startOAuthProvider({ accessTokenTtlSeconds: 120 });
    dovecot = await startDovecot({ users: ['agent', 'customer'], oauth2: { introspectionUrl: provider.introspection.urlWithCredentials } });
    smtp = await startSmtpSink(dovecot, {
      oauth2: { introspectionUrl: provider.introspection.url, clientId: provider.introspection.clientId, clientSecret: provider.introspection.clientSecret },
    });
    browser = await launchChromium();
    // No display and no $BROWSER: nothing may try to open a browser unless a test asks.
    cli = makeCli({ DISPLAY: '', WAYLAND_DISPLAY: '', BROWSER: '', ATTEND_TEST_CLIENT_SECRET: provider.secretClient.clientSecret });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await smtp?.stop();
    await dovecot?.stop();
    await provider?.stop();
    cli?.cleanup();
  });

  /** The flags for an account on the test servers (plain text is allowed to loopback). */
  const servers = () => [
    '--imap-host', dovecot.host, '--imap-port', String(dovecot.port), '--imap-security', 'none',
    '--smtp-host', smtp.host, '--smtp-port', String(smtp.port), '--smtp-security', 'none',
  ];
  const generic = (name: string, email: string, extra: string[] = []) => [
    'account', 'add', 'email', name, '--email', email, '--oauth2-issuer', provider.issuer, '--client-id', provider.publicClient.clientId, ...servers(), ...extra,
  ];

  const tokenFile = (name: string) => path.join(cli.home, 'oauth', `${name}.json`);
  const listed = async () => {
    const r = await cli.run(['account', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    check('account-list', JSON.parse(r.stdout));
    return { raw: r.stdout, accounts: JSON.parse(r.stdout) as Array<{ name: string; signIn: string; oauth2: Record<string, unknown> | null }> };
  };

  /** Reads the device code off the CLI's stderr and signs in at the provider's page in Chromium. */
  const signInOnDevice = async (run: Running, email: string) => {
    const m = await run.waitFor(/To sign in, open (\S+) and enter the code (\S+)/);
    const r = await completeDeviceSignIn({ verificationUri: m[1], userCode: m[2], email, password: provider.users[email] as string, browser });
    expect(r.blocked).toEqual([]);
  };

  it('device flow: the code on stderr, signed in in the browser, IMAP and SMTP checked, saved; list shows how, never a token', { timeout: 120_000 }, async () => {
    const run = start(cli, generic('support', AGENT, ['--flow', 'device']));
    await signInOnDevice(run, AGENT);
    expect(await run.exit, run.stderr()).toBe(0);
    expect(run.stderr()).toMatch(/^signed in \(device\b/m);
    expect(run.stderr()).toMatch(/^IMAP and SMTP ok$/m);
    expect(run.stdout()).toBe('added account support (agent@example.test)\n');

    const tokens = JSON.parse(readFileSync(tokenFile('support'), 'utf8')) as { refreshToken: string; accessToken: string };
    expect(tokens.refreshToken.length).toBeGreaterThan(10);
    const { raw, accounts } = await listed();
    expect(accounts[0]).toMatchObject({ name: 'support', passwordFrom: null, oauth2: { provider: 'generic', issuer: provider.issuer, flow: 'device', signedIn: true, method: 'device', expired: null } });
    expect(accounts[0]?.signIn).toMatch(/^oauth2 http:\/\/127\.0\.0\.1:\d+, device, signed in just now$/);
    const text = await cli.run(['account', 'list']);
    expect(text.stdout).toMatch(/support\temail\tagent@example\.test\t.*\toauth2 http:\/\/127\.0\.0\.1:\d+, device, signed in just now/);
    for (const secret of [tokens.refreshToken, tokens.accessToken]) {
      expect(raw).not.toContain(secret);
      expect(text.stdout).not.toContain(secret);
      expect(run.stderr() + run.stdout()).not.toContain(secret);
      expect(readFileSync(path.join(cli.home, 'config.json'), 'utf8')).not.toContain(secret);
    }
    expect(raw).not.toContain(tokens.accessToken.slice(0, 12)); // sanity: a prefix would show too

    // The token works for mail: a sync logs in with it.
    const sync = await cli.run(['sync']);
    expect(sync.code, sync.stderr).toBe(0);
  });

  it('account login signs in again (a new device sign-in replaces the tokens)', { timeout: 120_000 }, async () => {
    const before = JSON.parse(readFileSync(tokenFile('support'), 'utf8')) as { refreshToken: string };
    const devices = provider.tokenRequests().filter((r) => r.grantType === DEVICE_GRANT && r.ok).length;
    const run = start(cli, ['account', 'login', 'support']);
    await signInOnDevice(run, AGENT);
    expect(await run.exit, run.stderr()).toBe(0);
    expect(run.stdout()).toMatch(/^signed in to support \(device\b/);
    expect(provider.tokenRequests().filter((r) => r.grantType === DEVICE_GRANT && r.ok).length).toBe(devices + 1);
    expect(JSON.parse(readFileSync(tokenFile('support'), 'utf8')).refreshToken).not.toBe(before.refreshToken);
  });

  it('loopback flow: the browser (via $BROWSER) comes back to the CLI\'s listener; a client secret from the environment never lands in a file', { timeout: 120_000 }, async () => {
    const opened = path.join(cli.home, 'opened-url');
    const fakeBrowser = path.join(cli.home, 'fake-browser');
    writeFileSync(fakeBrowser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    chmodSync(fakeBrowser, 0o755);
    const args = [
      'account', 'add', 'email', 'loop', '--email', CUSTOMER, '--oauth2-issuer', provider.issuer,
      '--client-id', provider.secretClient.clientId, '--client-secret-env', 'ATTEND_TEST_CLIENT_SECRET', ...servers(), '--flow', 'loopback',
    ];
    const run = start(cli, args, { BROWSER: fakeBrowser });
    const m = await run.waitFor(/Open this URL in a browser: (\S+)/);
    for (let i = 0; i < 100 && !existsSync(opened); i++) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(opened, 'utf8')).toBe(m[1]); // the CLI asked "the browser" to open the URL it printed
    expect(run.stderr()).not.toMatch(/paste/); // stdin is a pipe: no paste offered for loopback
    const r = await completeBrowserSignIn(m[1] as string, { email: CUSTOMER, password: provider.users[CUSTOMER] as string, browser });
    expect(r.blocked).toEqual([]);
    expect(await run.exit, run.stderr()).toBe(0);
    expect(run.stderr()).toMatch(/^signed in \(loopback\b/m);
    const settings = readFileSync(path.join(cli.home, 'config.json'), 'utf8');
    expect(settings).toContain('ATTEND_TEST_CLIENT_SECRET');
    expect(settings).not.toContain(provider.secretClient.clientSecret);
    expect(readFileSync(tokenFile('loop'), 'utf8')).not.toContain(provider.secretClient.clientSecret);
    const { accounts } = await listed();
    expect(accounts.find((a) => a.name === 'loop')?.oauth2).toMatchObject({ method: 'loopback', clientSecretFrom: 'env ATTEND_TEST_CLIENT_SECRET' });
  });

  it('paste flow: the redirected URL pasted on stdin (a pipe is accepted for --flow paste)', { timeout: 120_000 }, async () => {
    // Nothing listens on that port: the browser's page there fails, as it would on a laptop.
    const run = start(cli, ['account', 'login', 'loop', '--flow', 'paste', '--port', String(await freePort()), '--json']);
    const m = await run.waitFor(/Open this URL in a browser: (\S+)/);
    await run.waitFor(/your browser will fail to open a 127\.0\.0\.1 page; copy that page's address and paste it here:/);
    const r = await completeBrowserSignIn(m[1] as string, { email: CUSTOMER, password: provider.users[CUSTOMER] as string, browser, capture: true });
    expect(r.redirectUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?code=/);
    run.child.stdin.write(`${r.redirectUrl}\n`);
    expect(await run.exit, run.stderr()).toBe(0);
    const json = JSON.parse(run.stdout());
    check('account-login', json);
    expect(json).toMatchObject({ name: 'loop', oauth2: { method: 'paste', signedIn: true } });
    expect(run.stdout()).not.toContain(r.redirectUrl?.match(/code=([^&]+)/)?.[1] as string);
    expect((await listed()).accounts.find((a) => a.name === 'loop')?.oauth2).toMatchObject({ method: 'paste' });
  });

  it('in a terminal, a loopback sign-in also takes the pasted address (the browser on another machine)', { timeout: 120_000 }, async () => {
    // script(1) gives the CLI a real terminal (stdin, stdout and stderr on one pty); what we write
    // to script's stdin is typed into it.
    const line = [process.execPath, BIN, 'account', 'login', 'loop', '--flow', 'loopback'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', line, '/dev/null'], { env: cli.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 600; i++) {
        const m = out.match(re);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no ${re} in:\n${out}`);
    };
    try {
      const m = await waitFor(/Open this URL in a browser: (\S+)/);
      await waitFor(/If the browser runs elsewhere and shows an error page at 127\.0\.0\.1, copy that page's address and paste it here\./);
      const r = await completeBrowserSignIn(m[1] as string, { email: CUSTOMER, password: provider.users[CUSTOMER] as string, browser, capture: true });
      child.stdin.write(`${r.redirectUrl}\r`);
      expect(await exit, out).toBe(0);
      expect(out).toMatch(/signed in to loop \(\w+/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a wrong client id: one line, exit 1, nothing saved, no tokens', { timeout: 60_000 }, async () => {
    const args = generic('wrong', AGENT, ['--flow', 'device']).map((a) => (a === provider.publicClient.clientId ? 'no-such-client' : a));
    const r = await cli.run(args);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('attend:'))).toHaveLength(1);
    expect(r.stderr).toMatch(/^attend: account wrong: .*client/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect((await listed()).accounts.map((a) => a.name)).not.toContain('wrong');
    expect(existsSync(tokenFile('wrong'))).toBe(false);
  });

  it('a sign-in that ends before it completes (Ctrl-C) saves nothing and leaves no tokens', { timeout: 60_000 }, async () => {
    const run = start(cli, generic('quit', AGENT, ['--flow', 'device']));
    await run.waitFor(/enter the code/);
    run.child.kill('SIGINT');
    expect(await run.exit, run.stderr()).toBe(1);
    expect(run.stderr()).toMatch(/^attend: account quit: sign-in cancelled$/m);
    expect((await listed()).accounts.map((a) => a.name)).not.toContain('quit');
    expect(existsSync(tokenFile('quit'))).toBe(false);
  });

  it('a sign-in that works but an IMAP check that fails: nothing saved, the tokens removed', { timeout: 120_000 }, async () => {
    // Signed in as agent, but the IMAP login is "customer": Dovecot refuses the token for that user.
    const run = start(cli, generic('mismatch', AGENT, ['--flow', 'device', '--user', CUSTOMER]));
    await signInOnDevice(run, AGENT);
    expect(await run.exit).toBe(1);
    expect(run.stderr()).toMatch(/signed in/);
    expect((await listed()).accounts.map((a) => a.name)).not.toContain('mismatch');
    expect(existsSync(tokenFile('mismatch'))).toBe(false);
  });

  it('the provider down: one line, exit 75, nothing saved', { timeout: 60_000 }, async () => {
    await provider.kill();
    try {
      const r = await cli.run(generic('down', AGENT, ['--flow', 'device']));
      expect(r.code, r.stderr).toBe(75);
      const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('attend:'));
      expect(lines).toEqual([expect.stringMatching(/^attend: account down: cannot reach the sign-in provider \(127\.0\.0\.1:\d+\): connection refused$/)]);
      expect((await listed()).accounts.map((a) => a.name)).not.toContain('down');
      const login = await cli.run(['account', 'login', 'support']);
      expect(login.code).toBe(75);
      expect(login.stderr.trim()).toMatch(/^attend: account support: cannot reach the sign-in provider \(127\.0\.0\.1:\d+\): connection refused$/);
    } finally {
      await provider.restart();
    }
  });

  it('usage: login of a password account or of no account is exit 2; Google refuses the device flow before any network', async () => {
    cli.env.ATTEND_TEST_PASSWORD = dovecot.password('agent');
    const pw = await cli.run(['account', 'add', 'email', 'pw', '--email', AGENT, '--user', 'agent', ...servers(), '--password-env', 'ATTEND_TEST_PASSWORD', '--no-verify']);
    expect(pw.code, pw.stderr).toBe(0);
    const login = await cli.run(['account', 'login', 'pw']);
    expect(login.code).toBe(2);
    expect(login.stderr.trim()).toBe('attend: pw signs in with a password (env ATTEND_TEST_PASSWORD); login is for OAuth2 accounts');
    expect((await cli.run(['account', 'login', 'nobody'])).code).toBe(2);
    const google = await cli.run(['account', 'add', 'email', 'g', '--email', 'a@gmail.com', '--oauth2', 'google', '--client-id', 'x', '--client-secret-env', 'S', '--flow', 'device']);
    expect(google.code).toBe(2);
    expect(google.stderr.trim()).toMatch(/^attend: Google does not allow the device flow for mail/);
    const missing = await cli.run(['account', 'add', 'email', 'm', '--email', 'a@example.com', '--oauth2-issuer', provider.issuer]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('attend: missing: --client-id ID, --imap-host HOST, --smtp-host HOST (see attend account add email --help)');
    // --port is the loopback listener's: with the device flow it is a mistake, said before any network.
    const devicePort = await cli.run([...generic('dp', AGENT, ['--flow', 'device', '--port', '8765'])]);
    expect(devicePort.code).toBe(2);
    expect(devicePort.stderr.trim()).toMatch(/^attend: --port is for signing in with a browser/);
    // An unset client-secret variable is a setting mistake, told before "signing in to …".
    const noSecret = await cli.run(['account', 'add', 'email', 'ns', '--email', AGENT, '--oauth2-issuer', provider.issuer, '--client-id', provider.secretClient.clientId, '--client-secret-env', 'ATTEND_TEST_NO_SUCH_VAR', ...servers()]);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr.trim()).toBe('attend: --client-secret-env ATTEND_TEST_NO_SUCH_VAR: that environment variable is not set');
  });

  it('account remove takes the tokens with it', async () => {
    expect(existsSync(tokenFile('loop'))).toBe(true);
    expect((await cli.run(['account', 'remove', 'loop'])).code).toBe(0);
    expect(existsSync(tokenFile('loop'))).toBe(false);
    expect(existsSync(tokenFile('support'))).toBe(true);
  });
});
