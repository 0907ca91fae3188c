// Fills a store with N conversations (email and chat, a spread of waiting times) for the console
// benchmark and for trying the console by hand:  tsx bench/seed-store.ts DIR [N]
import { openDb } from '../src/store/db.js';
import { ingestEmail } from '../src/store/ingest.js';
import { ingestChatEvent } from '../src/store/chat-ingest.js';
import path from 'node:path';
import { mkdirSync } from 'node:fs';

export function seedStore(dir: string, n: number, now = Date.now()): void {
  mkdirSync(dir, { recursive: true });
  const db = openDb(path.join(dir, 'attend.db'));
  const names = ['Ann Lee', 'Bob Stone', 'Chen Wu', 'Dana Ruiz', 'Eli Kaya', 'Fay Ono', 'Gus Hale', 'Hana Sato'];
  const topics = ['Refund for order', 'Where is my parcel', 'Cannot log in', 'Invoice question', 'Upgrade plan', 'Broken link on site'];
  const batch = 1000;
  for (let start = 0; start < n; start += batch) {
    db.transaction(() => {
      for (let i = start; i < Math.min(n, start + batch); i++) {
        const who = names[i % names.length] as string;
        const sentAt = now - ((i * 7919) % (3 * 86_400_000));
        if (i % 10 === 3) {
          ingestChatEvent(db, 'local', 'bench', i * 2 + 1, { kind: 'conversation.opened', conversation: i, visitor: { name: who } }, now);
          ingestChatEvent(
            db,
            'local',
            'bench',
            i * 2 + 2,
            { kind: 'message', conversation: i, message: { id: `m${i}`, from: 'visitor', author: who, body: `Hello, ${topics[i % topics.length]} #${i}?`, sentAt: new Date(sentAt).toISOString() } } as never,
            now,
          );
          continue;
        }
        ingestEmail(
          db,
          {
            account: 'mail',
            mailbox: 'INBOX',
            uidValidity: 1,
            uid: i + 1,
            messageId: `seed-${i}@example.test`,
            inReplyTo: [],
            references: [],
            subject: `${topics[i % topics.length]} ${i}`,
            from: { name: who, email: `${who.split(' ')[0]?.toLowerCase()}${i % 5000}@example.test` },
            to: [{ name: '', email: 'support@example.test' }],
            cc: [],
            sentAt,
            flags: [],
            text: `Hi,\n\nthis is message ${i} about ${topics[i % topics.length]}.\n\nThanks,\n${who}`,
            attachments: [],
            size: 800,
            fingerprint: `f${i}`,
          },
          'support@example.test',
          now,
        );
      }
    })();
  }
  db.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: tsx bench/seed-store.ts DIR [N]');
  seedStore(dir, Number(process.argv[3] ?? 1000));
}
