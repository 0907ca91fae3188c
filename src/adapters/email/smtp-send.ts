// The only module that imports nodemailer — on demand, so a sync with an empty outbox never loads it.
import type { ServerSettings } from '../../config/settings.js';
import type { OutgoingEmail } from '../../domain/outgoing-email.js';
import type { Address } from '../../domain/types.js';

export interface SmtpLogin {
  account: string;
  server: ServerSettings;
  user: string;
  /** At most one of password and tokenSource (OAuth2: XOAUTH2). */
  password?: string;
  /**
   * OAuth2 for a long-running process: asked for the token at each send (never one kept from a
   * loop's start), and once more with `force` when the server refuses it.
   */
  tokenSource?: (force: boolean) => Promise<string>;
}

/** Why a send did not complete: `transient` may succeed later; `ambiguous` means the server may have accepted it. */
export class SmtpError extends Error {
  constructor(
    message: string,
    readonly kind: 'transient' | 'permanent' | 'ambiguous',
    /** What failed before the server was even asked: the token source's own error (an expired sign-in). */
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

const fmt = (a: Address) => ({ name: a.name, address: a.email });

// A msg-id as RFC 5322 allows it (dot-atom-text "@" dot-atom-text or a domain literal), without
// the angle brackets. What a hostile message stored as its Message-ID (a folded " Bcc: …", spaces,
// CR/LF) must never reach our headers: anything else is dropped.
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const MSG_ID = new RegExp(`^${ATEXT}(?:\\.${ATEXT})*@(?:${ATEXT}(?:\\.${ATEXT})*|\\[[\\x21-\\x5a\\x5e-\\x7e]*\\])$`);
/** Ids longer than this are not real ones; keeps References well inside the 998-byte line limit once folded. */
const MAX_ID = 250;
/** The newest this many thread ids are enough for threading (RFC 5322 suggests trimming long References). */
const MAX_REFERENCES = 20;
/** A reply's subject, at most this long: a 1 MB subject must not go out as one 1 MB header line. */
export const MAX_SUBJECT = 250;

/** The id if it is a valid msg-id, else null. */
export function validMsgId(id: string): string | null {
  const t = id.trim().replace(/^<|>$/g, '');
  return t.length <= MAX_ID && MSG_ID.test(t) ? t : null;
}

/** Headers built only from valid tokens, each within the line limits. */
export function safeThreadHeaders(mail: Pick<OutgoingEmail, 'inReplyTo' | 'references' | 'subject'>): { inReplyTo?: string; references?: string; subject: string } {
  const parent = mail.inReplyTo === null ? null : validMsgId(mail.inReplyTo);
  const refs = mail.references.map(validMsgId).filter((r): r is string => r !== null).slice(-MAX_REFERENCES);
  const subject = [...mail.subject.replace(/[\r\n]+/g, ' ')].slice(0, MAX_SUBJECT).join('');
  return {
    ...(parent ? { inReplyTo: `<${parent}>` } : {}),
    ...(refs.length ? { references: refs.map((r) => `<${r}>`).join(' ') } : {}),
    subject,
  };
}

/** Builds the exact RFC 5322 bytes once, so the copy in Sent is the message that went out. */
export async function buildRaw(mail: OutgoingEmail): Promise<Buffer> {
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  const thread = safeThreadHeaders(mail);
  const composer = new MailComposer({
    messageId: `<${mail.messageId}>`,
    from: fmt(mail.from),
    to: mail.to.map(fmt),
    subject: thread.subject,
    text: mail.text,
    date: new Date(mail.date),
    inReplyTo: thread.inReplyTo,
    references: thread.references,
    headers: { 'Auto-Submitted': 'no', 'X-Mailer': 'attend' },
  });
  return composer.compile().build();
}

export async function sendRaw(login: SmtpLogin, mail: OutgoingEmail, raw: Buffer): Promise<void> {
  await withTransport(login, (transport) => transport.sendMail({ envelope: { from: mail.from.email, to: mail.to.map((a) => a.email) }, raw }));
}

/** Connects and logs in, sending nothing (`account add --verify`, the set-up's test). */
export async function verifySmtp(login: SmtpLogin): Promise<void> {
  await withTransport(login, (transport) => transport.verify());
}

type Transport = { sendMail(m: object): Promise<unknown>; verify(): Promise<unknown>; close(): void };
type ProvisionCallback = (user: string, renew: boolean, cb: (err: Error | null, token?: string) => void) => void;

/**
 * One transport per attempt. With a token source, nodemailer asks it for the token (its
 * provisionCallback) and, when the server answers XOAUTH2 with a challenge, once more with renew
 * set. A server that refuses with a plain 535 gets no such second try from nodemailer: then the
 * whole attempt runs once more here with a forced refresh. At most one refresh per send.
 */
async function withTransport(login: SmtpLogin, use: (t: Transport) => Promise<unknown>): Promise<void> {
  const { default: nodemailer } = await import('nodemailer');
  let renewed = false;
  // A refresh is forced at most once per send: on the second attempt the first request is forced,
  // and nodemailer's renew after a 334 challenge then gets that same fresh token, not another refresh
  // (a server that refuses valid tokens, e.g. SMTP AUTH disabled in the tenant, would cost two).
  let forced = false;
  let sourceError: unknown = null;
  const attempt = async (forceFirst: boolean) => {
    const { server } = login;
    const source = login.tokenSource;
    const provisionCallback: ProvisionCallback | undefined = source
      ? (_user, renew, cb) => {
          if (renew) renewed = true;
          const force = (renew || forceFirst) && !forced;
          if (force) forced = true;
          source(force).then(
            (token) => cb(null, token),
            (err: unknown) => {
              sourceError = err;
              cb(err instanceof Error ? err : new Error(String(err)));
            },
          );
        }
      : undefined;
    const transport = nodemailer.createTransport({
      host: server.host,
      port: server.port,
      secure: server.security === 'tls',
      requireTLS: server.security === 'starttls',
      ignoreTLS: server.security === 'none',
      auth: smtpAuth(login, provisionCallback),
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
    }) as unknown as Transport;
    try {
      await use(transport);
    } finally {
      transport.close();
    }
  };
  try {
    await attempt(false);
  } catch (err) {
    // A 4xx answer to AUTH (454: the server cannot check tokens now) is no refused token: no refresh.
    const e = err as { code?: string; responseCode?: number };
    if (sourceError === null && login.tokenSource && !renewed && e.code === 'EAUTH' && !isTemporary(e.responseCode)) {
      renewed = true;
      try {
        await attempt(true);
        return;
      } catch (again) {
        throw classify(login, again, sourceError);
      }
    }
    throw classify(login, err, sourceError);
  }
}

function smtpAuth(login: SmtpLogin, provisionCallback: ProvisionCallback | undefined) {
  if (provisionCallback) return { type: 'OAuth2' as const, user: login.user, provisionCallback };
  return login.user && login.password ? { user: login.user, pass: login.password } : undefined;
}

function classify(login: SmtpLogin, err: unknown, sourceError: unknown = null): SmtpError {
  const e = err as { code?: string; responseCode?: number; command?: string; message?: string; response?: string };
  const where = `${login.server.host}:${login.server.port}`;
  const prefix = `account ${login.account}: SMTP ${where}`;
  // The token could not be had (sign-in expired, provider down): nothing reached the server; the
  // reply waits, with the token source's own one line.
  if (sourceError !== null) return new SmtpError(sourceError instanceof Error ? sourceError.message : String(sourceError), 'transient', sourceError);
  if (/wrong version number|packet length too long|unknown protocol/i.test(e.message ?? '')) {
    // OpenSSL's words for a server that answered in plain text.
    return new SmtpError(`${prefix}: port ${login.server.port} does not speak TLS — try --smtp-security starttls or none (or the server's TLS port, usually 465)`, 'transient');
  }
  if (e.code === 'EAUTH' && isTemporary(e.responseCode)) {
    return new SmtpError(`${prefix} cannot check the login right now (${oneLine(e.response ?? e.message)})`, 'transient');
  }
  if (e.code === 'EAUTH' && login.tokenSource) {
    // Even a token refreshed just now was refused: the server or the provider is at fault, or the
    // scopes are wrong — a person has to look, but the reply is kept for when it works again.
    return new SmtpError(`${prefix} refused the access token (${oneLine(e.response ?? e.message)})`, 'transient');
  }
  if (e.code === 'EAUTH') return new SmtpError(`${prefix} rejected the login (wrong user or password?)`, 'permanent');
  if (typeof e.responseCode === 'number' && e.responseCode >= 500) {
    return new SmtpError(`${prefix} refused the message: ${e.response ?? e.message}`, 'permanent');
  }
  if (typeof e.responseCode === 'number' && e.responseCode >= 400) {
    return new SmtpError(`${prefix} deferred the message: ${e.response ?? e.message}`, 'transient');
  }
  // A connection lost after the data went out may still have been delivered: say so, and check Sent before retrying.
  if (e.command === 'DATA' || e.command === 'DATA-END' || e.code === 'ETIMEDOUT') {
    return new SmtpError(`${prefix}: connection lost during delivery (${e.message})`, 'ambiguous');
  }
  if (e.code === 'ECONNREFUSED' || e.code === 'ESOCKET' || e.code === 'ECONNECTION' || e.code === 'EDNS') {
    return new SmtpError(`${prefix} is unreachable (${e.message})`, 'transient');
  }
  if (e.code === 'ETLS') return new SmtpError(`${prefix}: TLS failed (${e.message})`, 'transient');
  return new SmtpError(`${prefix}: ${e.message ?? String(err)}`, 'transient');
}

const isTemporary = (code: number | undefined) => typeof code === 'number' && code >= 400 && code < 500;

const oneLine = (s: string | undefined) => (s ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
