/**
 * An SMTP server for tests that behaves like a submission server in front of the test Dovecot:
 * mail for a local user (user@example.test) is delivered into that user's INBOX by IMAP APPEND
 * (~270 messages/s; TESTBED.md); an unknown local user is refused (550); any other domain is
 * "relayed": accepted and recorded only, as customers live elsewhere.
 * Plain loopback SMTP: no STARTTLS, AUTH optional (when given, it must match a Dovecot user).
 * Without a Dovecot (null) every address lives elsewhere and any login is taken: a bare server for
 * tests that only need SMTP's answers (e.g. `rejectWith` a 550).
 * With opts.oauth2 it also offers AUTH XOAUTH2 and checks each token at the OpenID provider's
 * introspection endpoint (test/helpers/oauth-provider.ts), as Gmail or Office 365 would: a token
 * that is not active or belongs to another address gets Gmail's answer (334 with a JSON error,
 * then 535 5.7.8: nodemailer reports EAUTH); a provider that cannot be reached gets 454 4.7.0
 * (temporary).
 */
import { ImapFlow } from 'imapflow';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { type DovecotInstance, MAIL_DOMAIN } from './dovecot.js';

export interface ReceivedMessage {
  from: string;
  to: string[];
  /** The AUTH user, if the client logged in. */
  authUser?: string;
  /** The AUTH mechanism that logged in: 'PLAIN', 'LOGIN', 'XOAUTH2'. */
  authMethod?: string;
  raw: Buffer;
}

export interface SmtpSinkOptions {
  /** Listen on this port (default: a random free one). */
  port?: number;
  /** false: accept and record only, no IMAP delivery (~400–500/s). Default true. */
  deliver?: boolean;
  /** Also accept XOAUTH2, tokens checked by introspection. */
  oauth2?: SmtpSinkOAuth2Options;
}

export interface SmtpSinkOAuth2Options {
  /** http://127.0.0.1:PORT/token/introspection, without credentials (OAuthProvider.introspection.url) */
  introspectionUrl: string;
  clientId: string;
  clientSecret: string;
}

/** One AUTH attempt, as the sink judged it. */
export interface SmtpAuthAttempt {
  method: string;
  username: string;
  ok: boolean;
  /** The SMTP code of a refusal: 535 (bad credentials or token), 454 (provider unreachable). */
  code?: number;
}

export interface SmtpSink {
  readonly host: string;
  readonly port: number;
  /** Every accepted message, in order of acceptance (after delivery). */
  readonly received: ReceivedMessage[];
  /** Every AUTH attempt, in order (nodemailer retries a refused XOAUTH2 once). */
  readonly authAttempts: SmtpAuthAttempt[];
  /** While set, every DATA is answered with this error (e.g. 451 for a transient failure). */
  rejectWith: { code: number; message: string } | null;
  /** Closes the listener and drops connections: connecting is refused until resume(). */
  pause(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  /** Resolves once at least `count` messages were received. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  stop(): Promise<void>;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpSink(dovecot: DovecotInstance | null, opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const received: ReceivedMessage[] = [];
  const authAttempts: SmtpAuthAttempt[] = [];
  /** session id -> the mechanism it logged in with */
  const sessionAuth = new Map<string, string>();
  const imap = new Map<string, Promise<ImapFlow>>();

  /** The Dovecot user for a local address; undefined for other domains and unknown users. */
  const localUser = (address: string): string | undefined => {
    const [local, domain] = address.toLowerCase().split('@');
    return dovecot && domain === MAIL_DOMAIN && local && dovecot.users.includes(local) ? local : undefined;
  };
  const isLocalDomain = (address: string) => address.toLowerCase().endsWith(`@${MAIL_DOMAIN}`);

  /** One IMAP connection per recipient, reopened when it dropped (e.g. Dovecot restarted). */
  const client = async (user: string): Promise<ImapFlow> => {
    const cached = await imap.get(user)?.catch(() => undefined);
    if (cached?.usable) return cached;
    const fresh = (async () => {
      if (!dovecot) throw new Error('no Dovecot to deliver into');
      const c = new ImapFlow({
        host: dovecot.host,
        port: dovecot.port,
        secure: false,
        logger: false,
        auth: { user, pass: dovecot.password(user) },
      });
      c.on('error', () => {}); // surfaced through the failing append instead
      await c.connect();
      return c;
    })();
    imap.set(user, fresh);
    return fresh;
  };

  /** 'ok' when the token is an active access token of `username`; 'temporary' when the provider can't say. */
  const checkToken = async (o: SmtpSinkOAuth2Options, username: string, token: string): Promise<'ok' | 'refused' | 'temporary'> => {
    try {
      const res = await fetch(o.introspectionUrl, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${o.clientId}:${o.clientSecret}`).toString('base64')}` },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
        signal: AbortSignal.timeout(5000),
      });
      if (res.status >= 500) return 'temporary';
      const body = (await res.json()) as { active?: unknown; email?: unknown };
      return body.active === true && typeof body.email === 'string' && body.email.toLowerCase() === username.toLowerCase() ? 'ok' : 'refused';
    } catch {
      return 'temporary';
    }
  };

  const options: SMTPServerOptions = {
    ...(opts.oauth2 ? { authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'] } : {}),
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 50, // pause() should refuse at once, not wait 30 s for clients to leave
    onAuth(auth, session, callback) {
      const o = opts.oauth2;
      if (auth.method === 'XOAUTH2' && o) {
        const username = auth.username ?? '';
        checkToken(o, username, auth.accessToken ?? '').then((verdict) => {
          authAttempts.push({ method: 'XOAUTH2', username, ok: verdict === 'ok', code: verdict === 'ok' ? undefined : verdict === 'refused' ? 535 : 454 });
          if (verdict === 'temporary') return callback(smtpError(454, '4.7.0 Temporary authentication failure'));
          if (verdict === 'refused') {
            // Gmail's way: a JSON error in a 334 challenge, then 535 5.7.8 after the client's empty line.
            return callback(null, { data: { status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' } });
          }
          sessionAuth.set(session.id, 'XOAUTH2');
          callback(null, { user: localUser(username) ?? username });
        });
        return;
      }
      const user = localUser(auth.username ?? '') ?? auth.username ?? '';
      const ok = dovecot === null || (dovecot.users.includes(user) && auth.password === dovecot.password(user));
      authAttempts.push({ method: auth.method, username: auth.username ?? '', ok, code: ok ? undefined : 535 });
      if (ok) sessionAuth.set(session.id, auth.method);
      callback(ok ? null : smtpError(535, '5.7.8 Authentication failed'), ok ? { user } : undefined);
    },
    onRcptTo(address, _session, callback) {
      const unknownLocal = isLocalDomain(address.address) && !localUser(address.address);
      callback(unknownLocal ? smtpError(550, `5.1.1 <${address.address}>: no such user here`) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const msg: ReceivedMessage = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          authUser: session.user,
          authMethod: session.user ? sessionAuth.get(session.id) : undefined,
          raw: Buffer.concat(chunks),
        };
        if (sink.rejectWith) return callback(smtpError(sink.rejectWith.code, sink.rejectWith.message));
        const users = [...new Set(msg.to.map(localUser))].filter((u): u is string => u !== undefined);
        const delivered = opts.deliver === false ? [] : users.map(async (u) => (await client(u)).append('INBOX', msg.raw));
        Promise.all(delivered).then(
          () => {
            received.push(msg);
            callback(null, 'Delivered');
          },
          (e: Error) => callback(smtpError(451, `4.3.0 IMAP delivery failed: ${e.message}`)),
        );
      });
    },
  };

  let server: SMTPServer | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = new SMTPServer(options);
      s.once('error', reject); // EADDRINUSE on resume() when someone took the port meanwhile
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        s.on('error', () => {}); // client socket errors: the client sees them, not the test
        server = s;
        resolve((s.server.address() as AddressInfo).port);
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (s) s.close(() => resolve());
      else resolve();
    });

  const port = await listen(opts.port ?? 0);
  const sink: SmtpSink = {
    host: '127.0.0.1',
    port,
    received,
    authAttempts,
    rejectWith: null,
    pause: close,
    async resume() {
      if (!server) await listen(port);
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`SMTP sink: ${received.length} of ${count} messages after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received;
    },
    async stop() {
      await close();
      const clients = await Promise.all([...imap.values()].map((p) => p.catch(() => undefined)));
      imap.clear();
      await Promise.all(clients.map((c) => (c?.usable ? c.logout().catch(() => {}) : c?.close())));
    },
  };
  return sink;
}
