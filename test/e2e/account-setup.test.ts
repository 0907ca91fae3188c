// The interactive set-up in a real terminal (tmux), the built binary: `attend account add email`
// with no flags asks one question at a time, tests IMAP and SMTP against a private Dovecot and the
// SMTP sink, and saves; `account list --json` then shows the account. Each answer is typed once its
// question is on screen, and Enter only once the typed text shows (a loaded machine can hand the
// program text and Enter in one read).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, requireChromium } from '../helpers/browser.js';
import { BIN, type Cli, makeCli } from '../helpers/cli.js';
import { type DovecotInstance, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot, requireTmux } from '../helpers/e2e.js';
import { makeEmail } from '../helpers/mail.js';
import { freePort } from '../helpers/net.js';
import { completeDeviceSignIn } from '../helpers/oauth-browser.js';
import { type OAuthProvider, startOAuthProvider } from '../helpers/oauth-provider.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { startTmux, type TmuxSession } from '../helpers/tmux.js';

const tmuxGate = requireTmux();
const describeE2E = tmuxGate.available ? requireDovecot() : tmuxGate;

/** Waits for the question, types the answer (if any) and waits to see it, then Enter. */
async function answer(t: TmuxSession, question: string | RegExp, text = ''): Promise<string> {
  const screen = await t.waitFor(question, 20_000);
  if (text) {
    await t.type(text);
    await t.waitFor(`› ${text}`, 10_000);
  }
  await t.sendKeys('Enter');
  return screen;
}

/** The main screens as seen, written to ATTEND_SCREENS_DIR when set (for a person to look at). */
const screens: Record<string, string> = {};

describeE2E('the interactive set-up of an email account', () => {
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  let cli: Cli;

  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpSink(dovecot);
  });
  afterAll(async () => {
    const dir = process.env.ATTEND_SCREENS_DIR;
    if (dir) for (const [name, screen] of Object.entries(screens)) writeFileSync(path.join(dir, `${name}.txt`), `${screen}\n`);
    await smtp?.stop();
    await dovecot?.stop();
    cli?.cleanup();
  });

  it('password sign-in for an unknown domain: asks the servers, tests IMAP and SMTP, saves', async () => {
    cli = makeCli();
    const t = await startTmux({
      command: [process.execPath, BIN, 'account', 'add', 'email'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cli.home, ATTEND_HOME: cli.home, NO_COLOR: '1', AGENT_PW: dovecot.password('agent') },
    });
    onTestFinished(() => t.kill());
    const address = dovecot.address('agent');
    expect(address).toMatch(/@example\.test$/);
    screens.email = await answer(t, 'Email address (the one customers write to)', address);
    screens.imapHost = await answer(t, /IMAP server[\s\S]*example\.test is not a public domain/, '127.0.0.1');
    // Security "none" is the third option.
    await t.waitFor('IMAP security (127.0.0.1)');
    await t.sendKeys('3');
    await answer(t, 'IMAP port (none)', String(dovecot.port));
    await answer(t, 'SMTP server', '127.0.0.1');
    await t.waitFor('SMTP security (127.0.0.1)');
    await t.sendKeys('3');
    await answer(t, 'SMTP port (none)', String(smtp.port));
    screens.method = await answer(t, /How do you sign in\?[\s\S]*› 2\. password/);
    screens.password = await answer(t, 'attend never asks for your password and never stores it');
    await answer(t, 'Environment variable with the password', 'AGENT_PW');
    await answer(t, 'Login name', 'agent');
    await answer(t, /A short name for this account[\s\S]*\[agent\]/, 'support');
    screens.review = await t.waitFor('Ready to test IMAP and SMTP, and save');
    expect(screens.review).toContain(`IMAP 127.0.0.1:${dovecot.port} none · SMTP 127.0.0.1:${smtp.port} none`);
    expect(screens.review).toContain('password from $AGENT_PW, login agent');
    await t.sendKeys('Enter');
    expect(await t.waitForExit(30_000)).toBe(0);
    screens.saved = await t.capture();
    expect(screens.saved).toContain('IMAP and SMTP ok');
    expect(screens.saved).toContain(`added account support (${address})`);

    const accounts = await cli.json<Array<Record<string, unknown>>>(['account', 'list']);
    expect(accounts).toEqual([
      expect.objectContaining({
        name: 'support',
        email: address,
        user: 'agent',
        imap: `127.0.0.1:${dovecot.port} none`,
        smtp: `127.0.0.1:${smtp.port} none`,
        passwordFrom: 'env AGENT_PW',
      }),
    ]);
  });

  it('a wrong answer fails in one line; changing just that answer and retrying saves', async () => {
    cli = makeCli();
    const t = await startTmux({
      // The flags given are answers already: only what is missing is asked.
      command: [process.execPath, BIN, 'account', 'add', 'email', 'support', '--email', dovecot.address('agent'), '--imap-host', '127.0.0.1', '--imap-port', String(dovecot.port), '--imap-security', 'none', '--smtp-host', '127.0.0.1', '--smtp-port', String(smtp.port), '--smtp-security', 'none', '--user', 'agent'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cli.home, ATTEND_HOME: cli.home, NO_COLOR: '1', AGENT_PW: dovecot.password('agent'), WRONG_PW: 'not-it' },
    });
    onTestFinished(() => t.kill());
    await answer(t, /How do you sign in\?[\s\S]*› 2\. password/);
    await answer(t, 'The password comes from');
    await answer(t, 'Environment variable with the password', 'WRONG_PW');
    await answer(t, 'Ready to ');
    screens.failed = await t.waitFor(/✗ .*IMAP/, 30_000);
    expect(screens.failed).toContain('› 1. change: Environment variable with the password');
    await t.sendKeys('Enter');
    await t.waitFor('[WRONG_PW] ›');
    await t.sendKeys('C-u');
    await answer(t, '[WRONG_PW] ›', 'AGENT_PW');
    const review = await t.waitFor('Ready to ');
    expect(review).toContain('password from $AGENT_PW, login agent');
    await t.sendKeys('Enter');
    expect(await t.waitForExit(30_000)).toBe(0);
    const accounts = await cli.json<Array<Record<string, unknown>>>(['account', 'list']);
    expect(accounts).toEqual([expect.objectContaining({ name: 'support', passwordFrom: 'env AGENT_PW' })]);
  });

  it('without a terminal it stays flags-only: a usage error lists what is missing', async () => {
    cli = makeCli();
    const r = await cli.run(['account', 'add', 'email', 'support', '--email', 'agent@example.test']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing: .*--password-env VAR.*--imap-host HOST.*--smtp-host HOST/);
    expect(r.stderr).not.toContain('Email address');
  });
});

const describeOAuth = tmuxGate.available ? (requireDovecot().available ? requireChromium() : requireDovecot()) : tmuxGate;

describeOAuth('the interactive set-up with OAuth2 (a real OpenID provider, the device flow in Chromium)', () => {
  let provider: OAuthProvider;
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  let browser: Browser;
  let cli: Cli;

  beforeAll(async () => {
    provider = await startOAuthProvider();
    dovecot = await startDovecot({ users: ['agent', 'customer'], oauth2: { introspectionUrl: provider.introspection.urlWithCredentials } });
    smtp = await startSmtpSink(dovecot, {
      oauth2: { introspectionUrl: provider.introspection.url, clientId: provider.introspection.clientId, clientSecret: provider.introspection.clientSecret },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    const dir = process.env.ATTEND_SCREENS_DIR;
    if (dir) for (const [name, screen] of Object.entries(screens)) writeFileSync(path.join(dir, `${name}.txt`), `${screen}\n`);
    await browser?.close();
    await smtp?.stop();
    await dovecot?.stop();
    await provider?.stop();
    cli?.cleanup();
  });

  it('generic issuer: asks issuer and client id, shows the device code, signs in, tests, saves; sync then works', async () => {
    cli = makeCli();
    const t = await startTmux({
      command: [process.execPath, BIN, 'account', 'add', 'email'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cli.home, ATTEND_HOME: cli.home, NO_COLOR: '1' },
    });
    onTestFinished(() => t.kill());
    await answer(t, 'Email address (the one customers write to)', 'agent@example.test');
    await answer(t, 'IMAP server', '127.0.0.1');
    await t.waitFor('IMAP security (127.0.0.1)');
    await t.sendKeys('3');
    await answer(t, 'IMAP port (none)', String(dovecot.port));
    await answer(t, 'SMTP server', '127.0.0.1');
    await t.waitFor('SMTP security (127.0.0.1)');
    await t.sendKeys('3');
    await answer(t, 'SMTP port (none)', String(smtp.port));
    await t.waitFor('How do you sign in?');
    await t.sendKeys('1'); // OAuth2
    screens.provider = await answer(t, /Which OAuth2 provider\?[\s\S]*› 3\. another OpenID provider/);
    await answer(t, 'Issuer URL', provider.issuer);
    await answer(t, 'Client id', provider.publicClient.clientId);
    await answer(t, /A short name for this account[\s\S]*\[agent\]/, 'support');
    await answer(t, 'Ready to ');

    screens.device = await t.waitFor(/and enter the code[\s\S]*│ +(\S+) +│/, 30_000);
    const uri = screens.device.match(/open\n +(http:\/\/127\.0\.0\.1:\d+\/\S+)/)?.[1];
    const code = screens.device.match(/│ +(\S+) +│/)?.[1];
    expect(uri?.startsWith(provider.issuer)).toBe(true);
    const signedIn = await completeDeviceSignIn({ verificationUri: uri, userCode: code, email: 'agent@example.test', password: 'secret', browser });
    expect(signedIn.blocked).toEqual([]);

    expect(await t.waitForExit(60_000)).toBe(0);
    screens.oauthSaved = await t.capture();
    expect(screens.oauthSaved).toContain('added account support (agent@example.test)');
    const [acc] = await cli.json<Array<Record<string, unknown>>>(['account', 'list']);
    expect(acc).toMatchObject({ name: 'support', email: 'agent@example.test', imap: `127.0.0.1:${dovecot.port} none` });
    expect(JSON.stringify(acc)).toContain(provider.issuer);
    const settings = readFileSync(path.join(cli.home, 'config.json'), 'utf8');
    expect(JSON.parse(settings).accounts[0].oauth2).toEqual({ provider: 'generic', issuer: provider.issuer, clientId: provider.publicClient.clientId });

    // The saved sign-in works: sync fetches mail over IMAP with the token.
    await dovecot.fillInbox('agent', [makeEmail({ from: 'customer@example.test', to: 'agent@example.test', subject: 'Set up and synced' })]);
    const sync = await cli.run(['sync']);
    expect(sync.code, sync.stderr).toBe(0);
    const list = await cli.json<Array<{ subject: string }>>(['list']);
    expect(list.map((c) => c.subject)).toContain('Set up and synced');
  });
});

describeE2E('the console offers the set-up on its first run with no email account', () => {
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  let cli: Cli;

  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpSink(dovecot);
    await dovecot.fillInbox('agent', [makeEmail({ from: 'Ann <customer@example.test>', to: dovecot.address('agent'), subject: 'Order 1001 not arrived' })]);
  });
  afterAll(async () => {
    const dir = process.env.ATTEND_SCREENS_DIR;
    if (dir) for (const [name, screen] of Object.entries(screens)) writeFileSync(path.join(dir, `${name}.txt`), `${screen}\n`);
    await smtp?.stop();
    await dovecot?.stop();
    cli?.cleanup();
  });

  it('A opens the set-up inside the console; once saved, the console syncs the account', async () => {
    const port = await freePort();
    cli = makeCli({ ATTEND_RELAY_PORT: String(port) });
    const t = await startTmux({
      command: [process.execPath, BIN],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cli.home, ATTEND_HOME: cli.home, ATTEND_RELAY_PORT: String(port), NO_COLOR: '1', AGENT_PW: dovecot.password('agent') },
    });
    onTestFinished(() => t.kill());
    screens.consoleFirstRun = await t.waitFor('press A to add an email account', 20_000);
    await t.sendKeys('A');
    screens.consoleSetup = await answer(t, 'Email address (the one customers write to)', dovecot.address('agent'));
    await answer(t, 'IMAP server', '127.0.0.1');
    await t.waitFor('IMAP security (127.0.0.1)');
    await t.sendKeys('3');
    await answer(t, 'IMAP port (none)', String(dovecot.port));
    await answer(t, 'SMTP server', '127.0.0.1');
    await t.waitFor('SMTP security (127.0.0.1)');
    await t.sendKeys('3');
    await answer(t, 'SMTP port (none)', String(smtp.port));
    await answer(t, 'How do you sign in?');
    await answer(t, 'The password comes from');
    await answer(t, 'Environment variable with the password', 'AGENT_PW');
    await answer(t, 'Login name', 'agent');
    await answer(t, 'A short name for this account', 'support');
    await answer(t, 'Ready to ');
    await t.waitFor('added account support', 30_000);
    screens.consoleSynced = await t.waitFor('Order 1001 not arrived', 30_000);
    expect(screens.consoleSynced).toMatch(/● support online/);
    await t.sendKeys('q');
    expect(await t.waitForExit(20_000)).toBe(0);
  });
});
