// Worker thread: the IMAP side of a long backfill (a first sync of a big mailbox), on its own
// connection. It fetches and parses; the main thread stores each batch (sync-sink.ts's in-process
// sink, asked over messages), so parsing and SQLite still run on two cores at once.
// Why a thread: parsing IMAP allocates heavily, and V8 sizes a thread's young generation once, at
// start: here it is kept small (resourceLimits in backfill.ts), so a 100,000-message sync stays
// within its memory budget; and the main thread (the console's UI) never parses.
import { parentPort, workerData } from 'node:worker_threads';
import { type ImapLogin, ImapSession } from '../../adapters/email/imap-session.js';
import { type SyncSink, type SyncTarget, syncMailbox } from '../../adapters/email/imap-sync.js';

const { login, target, batchUids } = workerData as { login: ImapLogin; target: SyncTarget; batchUids?: number };
const port = parentPort;
if (!port) throw new Error('backfill-worker must run as a worker thread');

const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let next = 0;
port.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
  const w = waiting.get(m.id);
  waiting.delete(m.id);
  if (m.ok) w?.resolve(m.value);
  else w?.reject(new Error(m.error));
});
const call = <T>(op: keyof SyncSink, ...args: unknown[]): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const id = ++next;
    waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    port.postMessage({ call: { id, op, args } });
  });
/** The main thread's store, over messages. */
const sink: SyncSink = {
  getCursor: () => call('getCursor'),
  dropCursor: () => call('dropCursor'),
  putCursor: (c) => call('putCursor', c),
  store: (batch, cursor) => call('store', batch, cursor),
  updateFlags: (changes) => call('updateFlags', changes),
};

let session: ImapSession | null = null;
try {
  session = await ImapSession.connect(login);
  const report = await syncMailbox(session, sink, target, {
    log: (line) => port.postMessage({ log: line }),
    batchUids,
    onBatch: (r) => port.postMessage({ progress: r }),
  });
  port.postMessage({ done: report });
} catch (err) {
  port.postMessage({ error: (session ? session.wrap(err) : (err as Error)).message });
} finally {
  await session?.logout().catch(() => {});
  // The listener above would keep the thread alive; unref lets it end once the report is out.
  port.unref();
}
