// The interactive set-up's question flow with ink-testing-library and fake services (no network):
// guessing the provider, defaults taken with Enter, esc going back, a failure that sends the person
// to the answer that caused it and keeps the others, the sign-in prompt, hostile text.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmailAccountDraft } from '../../src/app/email/account-setup.js';
import type { SignInIO } from '../../src/app/email/oauth-session.js';
import { guessProvider } from '../../src/app/setup/provider-guess.js';
import type { EmailAccount } from '../../src/config/settings.js';
import { type SetupOutcome, type SetupPrefill, SetupScreen, type SetupServices } from '../../src/ui/setup/SetupScreen.js';
import { makeTheme } from '../../src/ui/theme.js';

const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));
const ENTER = '\r';
const ESC = '\x1b';
const DOWN = '\x1b[B';

type Save = (account: EmailAccount, io: SignInIO & { step(line: string): void }) => Promise<void>;

function complete(d: EmailAccountDraft): EmailAccount {
  if (!d.imap?.host) throw new Error('no IMAP host');
  return {
    type: 'email',
    name: d.name,
    email: d.email,
    user: d.user ?? d.email,
    imap: d.imap as EmailAccount['imap'],
    smtp: d.smtp as EmailAccount['smtp'],
    ...(d.password ? { password: d.password } : {}),
    ...(d.oauth2 ? { oauth2: d.oauth2 } : {}),
    mailbox: 'INBOX',
    sentMailbox: 'Sent',
    allowInsecure: false,
  };
}

let ui: ReturnType<typeof render> | null = null;
afterEach(() => {
  ui?.unmount();
  ui = null;
});

function start(opts: { save?: Save; mx?: string[] | Error; taken?: string[]; prefill?: SetupPrefill } = {}) {
  const saves: EmailAccount[] = [];
  const drafts: EmailAccountDraft[] = [];
  let outcome: SetupOutcome | null = null;
  const services: SetupServices = {
    guessProvider: (email) =>
      guessProvider(email, {
        resolver: async () => {
          if (opts.mx instanceof Error) throw opts.mx;
          return (opts.mx ?? []).map((exchange, priority) => ({ exchange, priority }));
        },
      }),
    takenNames: () => opts.taken ?? [],
    complete: (d) => {
      drafts.push(d);
      return complete(d);
    },
    save: async (account, io) => {
      await (opts.save ?? (async () => {}))(account, io);
      saves.push(account);
    },
  };
  ui = render(<SetupScreen services={services} prefill={opts.prefill} theme={makeTheme({ NO_COLOR: '1' })} width={80} onDone={(o) => (outcome = o)} />);
  const r = ui;
  const frame = () => r.lastFrame() ?? '';
  const until = async (what: string | RegExp, ms = 3000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = frame();
      if (typeof what === 'string' ? f.includes(what) : what.test(f)) return f;
      if (Date.now() > deadline) throw new Error(`screen never showed ${String(what)}:\n${f}`);
      await settle(10);
    }
  };
  /** Waits for the question, then answers it (text and Enter apart: as a person types). */
  const answer = async (question: string | RegExp, text = '') => {
    await until(question);
    await settle();
    if (text) {
      r.stdin.write(text);
      await until(text);
    }
    r.stdin.write(ENTER);
    await settle();
  };
  const done = async () => {
    const deadline = Date.now() + 3000;
    while (outcome === null && Date.now() < deadline) await settle(10);
    return outcome;
  };
  return { ui: r, frame, until, answer, done, saves, drafts, outcome: () => outcome };
}

describe('the set-up', () => {
  it('guesses Microsoft 365 from the MX records, fills in the servers, and asks only for the client id', async () => {
    const t = start({ mx: ['acme-com.mail.protection.outlook.com'] });
    await t.answer('Email address', 'support@acme.com');
    const f = await t.until('Looks like Microsoft 365 / Outlook.com (from the domain\'s MX records)');
    expect(f).toContain('IMAP outlook.office365.com:993 tls · SMTP smtp.office365.com:587 starttls');
    expect(f).toContain('› 1. use these settings');
    await t.answer('use these settings');
    await t.answer('Microsoft directory (tenant)'); // default "common"
    await t.answer('Client id', 'abc-123');
    await t.answer(/short name.*\n.*\n\[support\]/); // default derived from the address
    const review = await t.until('Ready to ');
    expect(review).toContain('Ready to sign in, test IMAP and SMTP, and save:');
    expect(review).toContain('account support: support@acme.com');
    expect(review).toContain('OAuth2 Microsoft 365 / Outlook.com, client abc-123');
    t.ui.stdin.write(ENTER);
    await t.done();
    expect(t.saves).toHaveLength(1);
    expect(t.saves[0]).toMatchObject({
      name: 'support',
      email: 'support@acme.com',
      user: 'support@acme.com',
      imap: { host: 'outlook.office365.com', port: 993, security: 'tls' },
      smtp: { host: 'smtp.office365.com', port: 587, security: 'starttls' },
      oauth2: { provider: 'microsoft', clientId: 'abc-123' },
    });
    expect(t.saves[0]?.password).toBeUndefined();
    expect(t.outcome()).toEqual({ saved: t.saves[0] });
  });

  it("Google: asks for the client id and where Google's client secret comes from, never the secret", async () => {
    const t = start({ mx: new Error('must not be asked') });
    await t.answer('Email address', 'shop@gmail.com');
    await t.answer('use these settings');
    await t.answer('Client id', 'id.apps.googleusercontent.com');
    await t.until("Google's client secret comes from");
    t.ui.stdin.write('2');
    await t.answer('Command that prints the client secret', 'pass show google/secret');
    await t.answer('A short name');
    await t.answer('Ready to ');
    await t.done();
    expect(t.saves[0]?.oauth2).toEqual({ provider: 'google', clientId: 'id.apps.googleusercontent.com', clientSecret: { command: 'pass show google/secret' } });
    expect(t.saves[0]?.imap).toEqual({ host: 'imap.gmail.com', port: 993, security: 'tls' });
  });

  it('--oauth2 microsoft given: its preset fills the servers without asking DNS; only what is missing is asked', async () => {
    const t = start({ mx: new Error('must not be asked'), prefill: { answers: { email: 'help@contoso.com', method: 'oauth2', provider: 'microsoft', clientId: 'cid' } } });
    const f = await t.until('Microsoft 365 / Outlook.com: its servers and sign-in');
    expect(f).toContain('IMAP outlook.office365.com:993 tls');
    await t.answer('use these settings');
    await t.answer('Microsoft directory (tenant)', 'contoso.onmicrosoft.com');
    await t.answer('A short name');
    await t.answer('Ready to ');
    await t.done();
    expect(t.saves[0]).toMatchObject({ oauth2: { provider: 'microsoft', clientId: 'cid', tenant: 'contoso.onmicrosoft.com' }, smtp: { host: 'smtp.office365.com' } });
  });

  it('knows gmail.com without DNS, and says so', async () => {
    const t = start({ mx: new Error('must not be asked') });
    await t.answer('Email address', 'me@gmail.com');
    await t.until("Looks like Google (Gmail, Google Workspace) (from the address's domain)");
  });

  it('an unknown domain: asks the servers with defaults from the domain; a DNS failure says so in one line', async () => {
    const err = Object.assign(new Error('queryMx ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const t = start({ mx: err });
    await t.answer('Email address', 'help@shop.org');
    let f = await t.until('IMAP server');
    expect(f.replace(/\s+/g, ' ')).toContain("Could not tell who hosts shop.org's mail: DNS is not reachable from here. Enter the servers below.");
    expect(f).toContain('[imap.shop.org] ›');
    await t.answer('[imap.shop.org]');
    await t.answer('IMAP security (imap.shop.org)'); // tls
    f = await t.until('IMAP port (tls)');
    expect(f).toContain('[993]');
    await t.answer('IMAP port (tls)');
    await t.answer('SMTP server', 'mail.shop.org');
    // starttls: the port's default follows the security chosen.
    await t.until('SMTP security (mail.shop.org)');
    t.ui.stdin.write(DOWN);
    await t.until('› 2. starttls');
    t.ui.stdin.write(ENTER);
    f = await t.until('SMTP port (starttls)');
    expect(f).toContain('[587]');
    await t.answer('SMTP port (starttls)');
    f = await t.until('How do you sign in?');
    expect(f).toContain('› 2. password'); // no OAuth2 provider known here
    await t.answer('How do you sign in?');
    f = await t.until('The password comes from');
    expect(f).toContain('attend never asks for your password and never stores it');
    await t.answer('The password comes from');
    await t.answer('[HELP_PASSWORD]', 'SHOP_PW');
    await t.answer('Login name');
    await t.answer('A short name');
    await t.until('Ready to ');
    expect(t.frame()).toContain('password from $SHOP_PW, login help@shop.org');
    t.ui.stdin.write(ENTER);
    await t.done();
    expect(t.saves[0]).toMatchObject({
      imap: { host: 'imap.shop.org', port: 993, security: 'tls' },
      smtp: { host: 'mail.shop.org', port: 587, security: 'starttls' },
      password: { env: 'SHOP_PW' },
      user: 'help@shop.org',
    });
  });

  it('esc goes back with the answer kept; on the first question it cancels', async () => {
    const t = start();
    await t.answer('Email address', 'agent@example.test');
    await t.until('example.test is not a public domain');
    await t.answer('IMAP server', '127.0.0.1');
    await t.until('IMAP security (127.0.0.1)');
    t.ui.stdin.write(ESC);
    const f = await t.until('[127.0.0.1] ›');
    expect(f).toContain('IMAP server');
    t.ui.stdin.write(ESC);
    await t.until('[agent@example.test] ›');
    t.ui.stdin.write(ESC);
    await settle(50);
    expect(t.outcome()).toEqual({ cancelled: true });
  });

  it('refuses a bad answer in one line and stays on the question', async () => {
    const t = start();
    await t.answer('Email address', 'not-an-address');
    await t.until('✗ an address like support@example.com');
    expect(t.frame()).toContain('Email address');
  });

  it("after a failure, offers to change the answer that caused it, keeps the others, and retries", async () => {
    let tries = 0;
    const t = start({
      save: async (account, io) => {
        io.step('checking IMAP and SMTP…');
        tries++;
        if (account.smtp.port === 2525) throw new Error('SMTP 127.0.0.1:2525: connection refused');
      },
      prefill: { answers: { email: 'agent@example.test', imapHost: '127.0.0.1', imapSecurity: 'none', imapPort: '1143', smtpHost: '127.0.0.1', smtpSecurity: 'none', method: 'password', passwordFrom: 'env', password: 'PW', user: 'agent', name: 'support' } },
    });
    // Everything given but the SMTP port: the one question asked.
    await t.answer('SMTP port (none)', '2525');
    await t.answer('Ready to ');
    let f = await t.until('✗ SMTP 127.0.0.1:2525: connection refused');
    expect(f).toContain('› 1. change: SMTP server');
    // Down to the port? The culprit is the SMTP server; changing it asks nothing else.
    t.ui.stdin.write(ENTER);
    f = await t.until('[127.0.0.1] ›');
    t.ui.stdin.write('localhost');
    await t.until('localhost');
    t.ui.stdin.write(ENTER);
    f = await t.until('Ready to ');
    expect(f).toContain('SMTP localhost:2525 none');
    t.ui.stdin.write(ESC); // back: to the SMTP server question, then the port
    await t.until('[localhost] ›');
    await t.answer('[localhost] ›');
    await t.answer('SMTP port (none)', '25');
    await t.until('Ready to ');
    t.ui.stdin.write(ENTER);
    await t.done();
    expect(tries).toBe(2);
    expect(t.saves[0]).toMatchObject({ name: 'support', user: 'agent', imap: { host: '127.0.0.1', port: 1143 }, smtp: { host: 'localhost', port: 25 }, password: { env: 'PW' } });
  });

  it('shows the device code big and clear, and takes a pasted URL in the paste flow; hostile text is cleaned', async () => {
    let pasted = '';
    const t = start({
      save: async (_account, io) => {
        io.step('signing in…');
        io.show({ kind: 'device', verificationUri: 'http://127.0.0.1:9/device\x1b]0;pwned\x07', userCode: 'WXYZ-1234', expiresAt: Date.now() + 600_000 });
        await settle(100);
        io.show({ kind: 'browser', url: 'http://127.0.0.1:9/auth?x=1', listening: false, redirectUri: 'http://127.0.0.1/callback' });
        pasted = await (io.readPastedUrl as NonNullable<SignInIO['readPastedUrl']>)(new AbortController().signal);
        io.step('IMAP and SMTP ok');
      },
      prefill: { answers: { email: 'agent@example.test', useGuess: 'no', imapHost: '127.0.0.1', imapSecurity: 'none', imapPort: '1', smtpHost: '127.0.0.1', smtpSecurity: 'none', smtpPort: '2', method: 'oauth2', provider: 'generic', issuer: 'http://127.0.0.1:9', clientId: 'c', name: 'x' } },
    });
    await t.answer('Ready to ');
    const f = await t.until('WXYZ-1234');
    expect(f).toContain('http://127.0.0.1:9/device');
    expect(f).not.toContain('\x1b');
    expect(f).toMatch(/│ +WXYZ-1234 +│/);
    await t.until('Paste the address');
    t.ui.stdin.write('http://127.0.0.1/callback?code=abc&state=s\r');
    await t.until('IMAP and SMTP ok');
    expect(pasted).toBe('http://127.0.0.1/callback?code=abc&state=s');
  });

  it('fits 80 columns and 24 rows on every screen it shows', async () => {
    const t = start({ mx: ['aspmx.l.google.com'] });
    await t.answer('Email address', 'support@acme.com');
    const f = await t.until('Looks like Google');
    for (const l of f.split('\n')) expect([...l].length).toBeLessThanOrEqual(80);
    expect(f.split('\n').length).toBeLessThanOrEqual(24);
  });
});

describe('the set-up in the console', () => {
  it('with no email account the idle line offers it; A opens it over the console, esc on the first question returns', async () => {
    const { consoleHome } = await import('../helpers/console-home.js');
    const { Runtime } = await import('../../src/app/runtime.js');
    const { App } = await import('../../src/ui/App.js');
    const home = await consoleHome({ accounts: [] });
    const runtime = await Runtime.start(home.ctx, { relay: false, channels: false, pollMs: 20 });
    try {
      const r = render(<App runtime={runtime} theme={makeTheme({ NO_COLOR: '1' })} size={{ columns: 80, rows: 24 }} />);
      ui = r;
      const frame = () => r.lastFrame() ?? '';
      const until = async (what: string) => {
        const deadline = Date.now() + 4000;
        while (!frame().includes(what)) {
          if (Date.now() > deadline) throw new Error(`screen never showed ${what}:\n${frame()}`);
          await settle(15);
        }
        return frame();
      };
      await until('no email account yet — press A to add one');
      r.stdin.write('A');
      const f = await until('Email address (the one customers write to)');
      expect(f).toContain('Add an email account');
      expect(f).not.toContain('QUEUE');
      // Keys go to the set-up, not the console: "q" is text here, not quit.
      r.stdin.write('q');
      await until('› q');
      r.stdin.write('\x7f');
      await settle();
      r.stdin.write(ESC);
      await until('set-up cancelled: nothing was saved');
      expect(frame()).toContain('QUEUE');
    } finally {
      await runtime.close();
      home.cleanup();
    }
  });
});

describe('the idle line', () => {
  it('offers the set-up on a first run with no email account, keeping the demo page beside it', async () => {
    const { setupHint, NO_EMAIL_HINT } = await import('../../src/ui/model/message-line.js');
    const { initialState } = await import('../../src/ui/state/console-state.js');
    const empty = () => true;
    expect(setupHint(initialState, true, null, null, 0, empty)).toBe(NO_EMAIL_HINT);
    expect(setupHint(initialState, true, 'no customers yet: open http://r/demo in a browser and write', 'http://r', 0, empty)).toBe(
      'press A to add an email account · or try the chat: http://r/demo',
    );
    expect(setupHint(initialState, false, 'demo', 'http://r', 0, empty)).toBe('demo');
    expect(setupHint(initialState, false, null, null, 0, empty)).toBe(null);
    // Not a first run: conversations in the queue or the store, a search, focus mode.
    expect(setupHint(initialState, true, null, null, 2, empty)).toBe(null);
    expect(setupHint(initialState, true, null, null, 0, () => false)).toBe(null);
    expect(setupHint({ ...initialState, filter: { ...initialState.filter, search: 'x' } }, true, null, null, 0, empty)).toBe(null);
    expect(setupHint({ ...initialState, mode: 'focus' }, true, null, null, 0, empty)).toBe(null);
  });
});
