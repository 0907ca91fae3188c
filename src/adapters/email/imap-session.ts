// The only module that imports imapflow. It converts imapflow's objects to our own shapes at this edge.
import { ImapFlow, type FetchMessageObject, type MessageAddressObject, type MessageStructureObject } from 'imapflow';
import type { Address } from '../../domain/types.js';
import type { MimeNode } from './mime-types.js';
import type { ServerSettings } from '../../config/settings.js';

export interface ImapLogin {
  account: string;
  server: ServerSettings;
  user: string;
  /** Exactly one of password and accessToken (OAuth2: OAUTHBEARER where offered, else XOAUTH2). */
  password?: string;
  accessToken?: string;
}

export interface MailboxInfo {
  path: string;
  uidValidity: number;
  uidNext: number;
  exists: number;
  highestModseq: bigint | null;
}

/** A mailbox as LIST names it: its path and its RFC 6154 special use ("\\Sent"), if any. */
export interface MailboxListing {
  path: string;
  specialUse: string | null;
}

/** What STATUS tells of a mailbox that is not selected: enough to know whether it changed. */
export interface MailboxStatus {
  uidValidity: number;
  uidNext: number;
  messages: number;
  highestModseq: bigint | null;
}

/** What the list needs from one message, before its text is fetched. */
export interface MessageMeta {
  uid: number;
  flags: string[];
  size: number;
  internalDate: number | null;
  date: number | null;
  subject: string;
  messageId: string | null;
  inReplyTo: string | null;
  references: string | null;
  from: Address | null;
  to: Address[];
  cc: Address[];
  structure: MimeNode | null;
}

/** A connection problem described in one line, naming the account. */
export class ImapError extends Error {
  constructor(
    message: string,
    readonly kind: 'auth' | 'network' | 'tls' | 'protocol',
    /** The server's response code on a refused login (RFC 5530): AUTHENTICATIONFAILED, UNAVAILABLE, … */
    readonly responseCode: string | null = null,
  ) {
    super(message);
  }
}

function describe(account: string, server: ServerSettings, err: unknown, oauth2 = false): ImapError {
  const e = err as { code?: string; authenticationFailed?: boolean; serverResponseCode?: string; message?: string; responseText?: string; tlsFailed?: boolean };
  const where = `${server.host}:${server.port}`;
  if (e.authenticationFailed || e.code === 'AUTHENTICATIONFAILED') {
    const code = typeof e.serverResponseCode === 'string' ? e.serverResponseCode.toUpperCase() : null;
    // A server that checks tokens with the provider says UNAVAILABLE when it cannot reach it: the
    // sign-in is fine, so this is no reason to refresh or to tell the user it expired.
    if (code === 'UNAVAILABLE') return new ImapError(`account ${account}: IMAP server ${where} cannot check the sign-in right now (UNAVAILABLE)`, 'network', code);
    const why = oauth2 ? 'the access token was refused' : 'wrong user or password?';
    return new ImapError(`account ${account}: IMAP login failed at ${where} (${why})`, 'auth', code ?? 'AUTHENTICATIONFAILED');
  }
  if (e.code === 'ECONNREFUSED') return new ImapError(`account ${account}: IMAP server ${where} refused the connection`, 'network');
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return new ImapError(`account ${account}: IMAP host ${server.host} not found`, 'network');
  if (e.code === 'ETIMEDOUT' || e.code === 'CONNECT_TIMEOUT' || e.code === 'GREETING_TIMEOUT') {
    return new ImapError(`account ${account}: IMAP server ${where} did not answer in time`, 'network');
  }
  if (e.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long|unknown protocol/i.test(e.message ?? '')) {
    // What OpenSSL says when the other side answers in plain text: say that, not its internals.
    return new ImapError(
      `account ${account}: port ${server.port} of ${server.host} does not speak TLS — try --imap-security starttls or none (or the server's TLS port, usually 993)`,
      'tls',
    );
  }
  if (e.tlsFailed || /certificate|self.signed|TLS|SSL/i.test(e.message ?? '')) {
    return new ImapError(`account ${account}: TLS with ${where} failed: ${e.message}`, 'tls');
  }
  const text = e.responseText || e.message || String(err);
  return new ImapError(`account ${account}: IMAP error at ${where}: ${text}`, e.code === 'NoConnection' ? 'network' : 'protocol');
}

const toAddress = (a: MessageAddressObject | undefined): Address | null =>
  a?.address || a?.name ? { name: a.name ?? '', email: (a.address ?? '').trim() } : null;

const toAddresses = (list: MessageAddressObject[] | undefined): Address[] =>
  (list ?? []).map(toAddress).filter((a): a is Address => a !== null);

function toMime(node: MessageStructureObject): MimeNode {
  const out: MimeNode = { type: (node.type || 'application/octet-stream').toLowerCase() };
  if (node.part) out.part = node.part;
  if (node.parameters) out.parameters = node.parameters;
  if (node.disposition) out.disposition = node.disposition.toLowerCase();
  if (node.dispositionParameters) out.dispositionParameters = node.dispositionParameters;
  if (node.encoding) out.encoding = node.encoding.toLowerCase();
  if (typeof node.size === 'number') out.size = node.size;
  if (node.childNodes) out.childNodes = node.childNodes.map(toMime);
  return out;
}

const toTime = (d: Date | string | undefined): number | null => {
  if (d === undefined) return null;
  const t = new Date(d).getTime();
  return Number.isFinite(t) ? t : null;
};

const headerPatterns = new Map<string, RegExp>();

function headerValue(headers: Buffer | undefined, name: string): string | null {
  // A message without the header still gets the blank line that ends the block.
  if (!headers || headers.length <= name.length) return null;
  // Unfold continuation lines, then find "Name: value" case-insensitively.
  const text = headers.toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  let re = headerPatterns.get(name);
  if (!re) {
    re = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im');
    headerPatterns.set(name, re);
  }
  const m = re.exec(text);
  return m?.[1]?.trim() ?? null;
}

function toMeta(m: FetchMessageObject): MessageMeta {
  const env = m.envelope;
  return {
    uid: m.uid,
    flags: m.flags ? [...m.flags] : [],
    size: m.size ?? 0,
    internalDate: toTime(m.internalDate),
    date: toTime(env?.date),
    subject: env?.subject ?? '',
    messageId: env?.messageId ?? null,
    inReplyTo: env?.inReplyTo ?? null,
    references: headerValue(m.headers, 'references'),
    from: toAddress(env?.from?.[0]),
    to: toAddresses(env?.to),
    cc: toAddresses(env?.cc),
    structure: m.bodyStructure ? toMime(m.bodyStructure) : null,
  };
}

/** Compresses UIDs into an IMAP set ("1:5,9,12:14") so a fetch command stays short. */
export function toUidSet(uids: number[]): string {
  const sorted = [...uids].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i] as number;
    let end = start;
    while (i + 1 < sorted.length && (sorted[i + 1] as number) <= end + 1) end = sorted[++i] as number;
    parts.push(start === end ? `${start}` : `${start}:${end}`);
    i++;
  }
  return parts.join(',');
}

export class ImapSession {
  private constructor(
    private readonly client: ImapFlow,
    readonly login: ImapLogin,
  ) {}

  static async connect(login: ImapLogin, opts: { timeoutMs?: number } = {}): Promise<ImapSession> {
    const { server } = login;
    const client = new ImapFlow({
      host: server.host,
      port: server.port,
      secure: server.security === 'tls',
      doSTARTTLS: server.security === 'starttls' ? true : server.security === 'none' ? false : undefined,
      auth: login.accessToken !== undefined ? { user: login.user, accessToken: login.accessToken } : { user: login.user, pass: login.password ?? '' },
      logger: false,
      qresync: true,
      disableAutoIdle: true,
      connectionTimeout: opts.timeoutMs ?? 15_000,
      greetingTimeout: opts.timeoutMs ?? 15_000,
      clientInfo: { name: 'attend' },
    } as ConstructorParameters<typeof ImapFlow>[0]);
    // imapflow emits 'error' on socket failures; without a listener Node would crash the process.
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      throw describe(login.account, server, err, login.accessToken !== undefined);
    }
    return new ImapSession(client, login);
  }

  get usable(): boolean {
    return this.client.usable;
  }

  get capabilities(): Set<string> {
    return new Set([...this.client.capabilities.keys()].map((k) => String(k).toUpperCase()));
  }

  wrap(err: unknown): ImapError {
    return err instanceof ImapError ? err : describe(this.login.account, this.login.server, err, this.login.accessToken !== undefined);
  }

  async open(path: string, readOnly = true): Promise<MailboxInfo> {
    try {
      const mb = await this.client.mailboxOpen(path, { readOnly });
      return {
        path: mb.path,
        uidValidity: Number(mb.uidValidity),
        uidNext: mb.uidNext,
        exists: mb.exists,
        highestModseq: mb.highestModseq ?? null,
      };
    } catch (err) {
      throw this.wrap(err);
    }
  }

  /** Every mailbox of the account (one LIST, with SPECIAL-USE where the server has it). */
  async listMailboxes(): Promise<MailboxListing[]> {
    try {
      const boxes = await this.client.list();
      return boxes.map((b) => ({ path: b.path, specialUse: b.specialUse ?? null }));
    } catch (err) {
      throw this.wrap(err);
    }
  }

  /** STATUS of a mailbox without selecting it: one round trip, and the selected mailbox stays selected. */
  async status(path: string): Promise<MailboxStatus> {
    try {
      const st = await this.client.status(path, { uidNext: true, uidValidity: true, messages: true, highestModseq: true });
      if (!st) throw new Error(`STATUS ${path} failed`);
      return {
        uidValidity: Number(st.uidValidity ?? 0),
        uidNext: st.uidNext ?? 0,
        messages: st.messages ?? 0,
        highestModseq: st.highestModseq ?? null,
      };
    } catch (err) {
      throw this.wrap(err);
    }
  }

  /** UIDs in the open mailbox that reached the server on or after this day (IMAP SINCE: whole days). */
  async uidsSince(date: Date): Promise<number[]> {
    const found = await this.client.search({ since: date }, { uid: true });
    return found || [];
  }

  /** Streams message metadata for a UID or sequence range; the caller consumes it without holding the mailbox. */
  async *fetchMeta(range: string, byUid: boolean): AsyncGenerator<MessageMeta> {
    const query = { uid: true, flags: true, envelope: true, bodyStructure: true, internalDate: true, size: true, headers: ['references'] };
    for await (const m of this.client.fetch(range, query, { uid: byUid })) yield toMeta(m);
  }

  /** Fetches one body part (still transfer-encoded: BINARY would let one broken message fail the whole FETCH). */
  async *fetchPart(uidSet: string, part: string, maxLength: number): AsyncGenerator<{ uid: number; raw: Buffer }> {
    const query = { uid: true, bodyParts: [{ key: part, maxLength }] };
    for await (const m of this.client.fetch(uidSet, query, { uid: true })) {
      const raw = m.bodyParts?.get(part) ?? m.bodyParts?.values().next().value;
      if (raw) yield { uid: m.uid, raw };
    }
  }

  /** Whole messages, for the rare message whose structure the server could not give. */
  async *fetchSource(uidSet: string, maxLength: number): AsyncGenerator<{ uid: number; raw: Buffer }> {
    for await (const m of this.client.fetch(uidSet, { uid: true, source: { maxLength } }, { uid: true })) {
      if (m.source) yield { uid: m.uid, raw: m.source };
    }
  }

  async *changedFlags(sinceModseq: bigint): AsyncGenerator<{ uid: number; flags: string[] }> {
    for await (const m of this.client.fetch('1:*', { uid: true, flags: true }, { changedSince: sinceModseq })) {
      yield { uid: m.uid, flags: m.flags ? [...m.flags] : [] };
    }
  }

  /** UIDs in the open mailbox whose Message-ID header is exactly this id. */
  async findByMessageId(messageId: string): Promise<number[]> {
    const found = await this.client.search({ header: { 'message-id': `<${messageId}>` } }, { uid: true });
    return found || [];
  }

  async append(path: string, raw: Buffer, flags: string[]): Promise<void> {
    await this.client.append(path, raw, flags, new Date());
  }

  async addFlags(uidSet: string, flags: string[]): Promise<void> {
    await this.client.messageFlagsAdd(uidSet, flags, { uid: true });
  }

  /** Resolves when the server reports a change (or the connection ends); the caller re-syncs. */
  async idle(): Promise<void> {
    await this.client.idle();
  }

  onChange(listener: () => void): void {
    this.client.on('exists', listener);
    this.client.on('flags', listener);
  }

  onClose(listener: () => void): void {
    this.client.on('close', listener);
  }

  async logout(): Promise<void> {
    try {
      await this.client.logout();
    } catch {
      this.client.close();
    }
  }

  close(): void {
    this.client.close();
  }
}
