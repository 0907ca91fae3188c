// SMTP with an OAuth2 token source against a real smtp-server taking XOAUTH2 (issue 15): the token
// is asked for at the send; a refused token is refreshed once (nodemailer's renew after the
// XOAUTH2 challenge, or our own second attempt after a bare 535) and never more; an expired
// sign-in leaves the message unsent with its one line, `transient` (queued, not failed).
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SmtpError, type SmtpLogin, sendRaw, verifySmtp } from '../../src/adapters/email/smtp-send.js';
import { SignInExpiredError } from '../../src/app/email/sign-in-errors.js';
import type { OutgoingEmail } from '../../src/domain/outgoing-email.js';

let server: SMTPServer;
let port = 0;
/** Tokens the server takes; `challenge`: refuse with the XOAUTH2 334 challenge (Gmail, Microsoft) rather than a bare 535. */
let good = new Set<string>();
let challenge = true;
/** Refuse the first AUTH with a bare 535 and later ones with the challenge. */
let bareFirst = false;
/** Answer every AUTH with 454 (the server cannot reach its provider to check the token). */
let unavailable = false;
const tried: string[] = [];
const received: string[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    authMethods: ['XOAUTH2'],
    authOptional: false,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      const token = auth.accessToken ?? '';
      tried.push(token);
      if (unavailable) return cb(Object.assign(new Error('Temporary authentication failure'), { responseCode: 454 }));
      if (auth.method === 'XOAUTH2' && good.has(token)) return cb(null, { user: auth.username });
      if (challenge && !(bareFirst && tried.length === 1)) return cb(null, { data: { status: '401', schemes: 'bearer', scope: 'mail' } });
      return cb(Object.assign(new Error('Invalid token'), { responseCode: 535 }));
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks).toString());
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  good = new Set();
  challenge = true;
  bareFirst = false;
  unavailable = false;
  tried.length = 0;
  received.length = 0;
});

const mail: OutgoingEmail = {
  messageId: 'r1@attend.test',
  from: { name: 'Support', email: 'agent@example.test' },
  to: [{ name: '', email: 'customer@elsewhere.test' }],
  subject: 'Re: hi',
  text: 'hello',
  date: Date.UTC(2026, 0, 1),
  inReplyTo: null,
  references: [],
} as OutgoingEmail;
const raw = Buffer.from('From: agent@example.test\r\nTo: customer@elsewhere.test\r\nSubject: Re: hi\r\nMessage-ID: <r1@attend.test>\r\n\r\nhello\r\n');

function login(source: (force: boolean) => Promise<string>): SmtpLogin {
  return { account: 'support', server: { host: '127.0.0.1', port, security: 'none' }, user: 'agent@example.test', tokenSource: source };
}

/** Hands out old-1, then new-2, new-3 … on force; counts calls. */
function tokens() {
  const calls: boolean[] = [];
  let n = 1;
  return {
    calls,
    source: async (force: boolean) => {
      calls.push(force);
      return force ? `new-${++n}` : 'old-1';
    },
  };
}

describe('SMTP XOAUTH2 with a token source', () => {
  it('sends with the token the source gives now', async () => {
    good.add('old-1');
    const t = tokens();
    await sendRaw(login(t.source), mail, raw);
    expect(received).toHaveLength(1);
    expect(t.calls).toEqual([false]);
  });

  for (const mode of ['XOAUTH2 challenge then 535', 'bare 535'] as const) {
    it(`a refused token is refreshed once and the message goes out (${mode})`, async () => {
      challenge = mode === 'XOAUTH2 challenge then 535';
      good.add('new-2');
      const t = tokens();
      await sendRaw(login(t.source), mail, raw);
      expect(received).toHaveLength(1);
      expect(t.calls).toEqual([false, true]);
      expect(tried).toEqual(['old-1', 'new-2']);
    });

    it(`a refreshed token refused again: no third try, queued (transient), no token in the line (${mode})`, async () => {
      challenge = mode === 'XOAUTH2 challenge then 535';
      const t = tokens();
      const err = await sendRaw(login(t.source), mail, raw).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SmtpError);
      expect((err as SmtpError).kind).toBe('transient');
      expect((err as SmtpError).message).toMatch(/^account support: SMTP 127\.0\.0\.1:\d+ refused the access token/);
      expect((err as SmtpError).message).not.toMatch(/old-1|new-2/);
      expect(t.calls.filter((f) => f)).toHaveLength(1);
      expect(tried).toEqual(['old-1', 'new-2']);
      expect(received).toHaveLength(0);
    });
  }

  it('a bare 535, then the challenge on the second attempt: still one refresh for the send', async () => {
    // A server that refuses every token for another reason (SMTP AUTH disabled in the tenant).
    bareFirst = true;
    const t = tokens();
    const err = await sendRaw(login(t.source), mail, raw).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmtpError);
    expect((err as SmtpError).kind).toBe('transient');
    expect(t.calls.filter((f) => f)).toHaveLength(1);
    // The renew after the challenge is handed the token refreshed for this attempt.
    expect(t.calls).toEqual([false, true, false]);
    expect(received).toHaveLength(0);
  });

  it('454 (the server cannot check tokens now): no refresh, transient, one line', async () => {
    unavailable = true;
    const t = tokens();
    const err = await sendRaw(login(t.source), mail, raw).catch((e: unknown) => e);
    expect((err as SmtpError).kind).toBe('transient');
    expect((err as SmtpError).message).toMatch(/^account support: SMTP 127\.0\.0\.1:\d+ cannot check the login right now \(454/);
    expect(t.calls).toEqual([false]);
    expect(received).toHaveLength(0);
  });

  it('an expired sign-in: nothing reaches the server, the one line, transient with the cause', async () => {
    const expired = new SignInExpiredError('support');
    const err = await sendRaw(
      login(async () => {
        throw expired;
      }),
      mail,
      raw,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmtpError);
    expect((err as SmtpError).kind).toBe('transient');
    expect((err as SmtpError).cause).toBe(expired);
    expect((err as SmtpError).message).toBe('account support: sign-in expired — run `attend account login support`');
    expect(tried).toEqual([]);
    expect(received).toHaveLength(0);
  });

  it('an expired sign-in found only at the refresh (the server refused the old token): still the one line', async () => {
    const expired = new SignInExpiredError('support');
    const calls: boolean[] = [];
    const err = await sendRaw(
      login(async (force) => {
        calls.push(force);
        if (force) throw expired;
        return 'old-1';
      }),
      mail,
      raw,
    ).catch((e: unknown) => e);
    expect((err as SmtpError).cause).toBe(expired);
    expect((err as SmtpError).kind).toBe('transient');
    expect(calls).toEqual([false, true]);
    expect(received).toHaveLength(0);
  });

  it('verifySmtp logs in without sending, refreshing once the same way', async () => {
    good.add('new-2');
    const t = tokens();
    await verifySmtp(login(t.source));
    expect(t.calls).toEqual([false, true]);
    expect(received).toHaveLength(0);
  });
});
