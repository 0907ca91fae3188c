// A throwaway attend home for console tests: settings with one email account (SMTP unreachable, so
// replies stay queued) and a store the test fills with conversations through the real ingest code.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type AppContext, openContext } from '../../src/app/context.js';
import type { IncomingEmail } from '../../src/domain/types.js';
import { ingestChatEvent } from '../../src/store/chat-ingest.js';
import { ingestEmail } from '../../src/store/ingest.js';

export const ME = 'support@shop.test';

export interface ConsoleHome {
  dir: string;
  env: NodeJS.ProcessEnv;
  ctx: AppContext;
  email(over: { id: string; from: string; subject: string; at: number; text?: string; inReplyTo?: string }): number;
  /** A visitor's chat; `email` is what they typed (identify), `page` where they wrote from. */
  chat(over: { relayId: number; name: string; text: string; at: number; email?: string; page?: string }): number;
  cleanup(): void;
}

let uid = 0;
let seq = 0;

/** The email account of a console home: its servers are at a port where nothing listens. */
export const UNREACHABLE_EMAIL_ACCOUNT = {
  type: 'email',
  name: 'support',
  email: ME,
  user: ME,
  imap: { host: '127.0.0.1', port: 1, security: 'none' },
  smtp: { host: '127.0.0.1', port: 1, security: 'none' },
  password: { env: 'ATTEND_TEST_PASSWORD' },
  mailbox: 'INBOX',
  sentMailbox: 'Sent',
  allowInsecure: false,
};

export async function consoleHome(settings: Record<string, unknown> = {}): Promise<ConsoleHome> {
  const dir = mkdtempSync(path.join(tmpdir(), 'attend-console-'));
  writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      accounts: [UNREACHABLE_EMAIL_ACCOUNT],
      agent: { name: 'Sam' },
      ...settings,
    }),
    { mode: 0o600 },
  );
  const env = { ...process.env, ATTEND_HOME: dir, ATTEND_TEST_PASSWORD: 'x', NO_COLOR: '1' };
  const ctx = await openContext(env, () => {});
  return {
    dir,
    env,
    ctx,
    email(o) {
      uid++;
      const msg: IncomingEmail = {
        account: 'support',
        mailbox: 'INBOX',
        uidValidity: 1,
        uid,
        messageId: o.id,
        inReplyTo: o.inReplyTo ? [o.inReplyTo] : [],
        references: o.inReplyTo ? [o.inReplyTo] : [],
        subject: o.subject,
        from: { name: o.from.split('@')[0] ?? '', email: o.from },
        to: [{ name: '', email: ME }],
        cc: [],
        sentAt: o.at,
        flags: [],
        text: o.text ?? `About ${o.subject}`,
        attachments: [],
        size: 100,
        fingerprint: `fp-${o.id}`,
      };
      return ingestEmail(ctx.db, msg, ME, o.at).conversationId;
    },
    chat(o) {
      seq++;
      const visitor = { ...(o.name ? { name: o.name } : {}), ...(o.page ? { page: o.page } : {}) };
      ingestChatEvent(ctx.db, 'local', 'test', seq, { kind: 'conversation.opened', conversation: o.relayId, visitor }, o.at);
      if (o.email) {
        seq++;
        ingestChatEvent(ctx.db, 'local', 'test', seq, { kind: 'visitor.identified', conversation: o.relayId, email: o.email }, o.at);
      }
      seq++;
      ingestChatEvent(
        ctx.db,
        'local',
        'test',
        seq,
        { kind: 'message', conversation: o.relayId, message: { id: `m-${seq}`, from: 'visitor', author: o.name, body: o.text, sentAt: new Date(o.at).toISOString() } },
        o.at,
      );
      const row = ctx.db.prepare("SELECT id FROM conversations WHERE account = 'local' AND external_ref = ?").get(String(o.relayId)) as { id: number };
      return row.id;
    },
    cleanup() {
      ctx.db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
