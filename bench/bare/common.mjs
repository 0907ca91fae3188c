// Shared by the bare imapflow baselines: the same connection options and the same FETCH items
// as attend (src/adapters/email/imap-session.ts), with nothing stored. Connection comes from
// BENCH_IMAP_PORT / BENCH_IMAP_USER / BENCH_IMAP_PASS; output is one JSON line on stdout.
import imapflow from 'imapflow';

const { ImapFlow } = imapflow;

export const META_QUERY = { uid: true, flags: true, envelope: true, bodyStructure: true, internalDate: true, size: true, headers: ['references'] };
const MAX_TEXT_BYTES = 512 * 1024;
const BATCH_UIDS = 2000;
const FIRST_BATCH = 100;

export async function connect(opts = {}) {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: Number(process.env.BENCH_IMAP_PORT),
    secure: false,
    doSTARTTLS: false,
    auth: { user: process.env.BENCH_IMAP_USER, pass: process.env.BENCH_IMAP_PASS },
    logger: false,
    disableAutoIdle: true,
    ...opts,
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/**
 * The display part, simplified: a single-part root is "1", otherwise the first text/plain leaf
 * (else text/html). Enough for the bench mail (makeBulk: single-part text/plain); attend's
 * chooser also handles the odd cases, which cost nothing here.
 */
export function displayPart(node, path = '') {
  const type = (node.type || '').toLowerCase();
  if (!path && !type.startsWith('multipart/')) return type.startsWith('text/') ? '1' : null;
  if (!type.startsWith('multipart/')) {
    if (node.disposition === 'attachment') return null;
    return type === 'text/plain' || type === 'text/html' ? path : null;
  }
  let html = null;
  for (const [i, kid] of (node.childNodes ?? []).entries()) {
    const p = kid.part ?? (path ? `${path}.${i + 1}` : String(i + 1));
    const found = displayPart(kid, p);
    if (found && (kid.type || '').toLowerCase() !== 'text/html') return found;
    html ??= found;
  }
  return html;
}

/** "1:5,9" from UIDs, as attend's toUidSet. */
export function toUidSet(uids) {
  const s = [...uids].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i < s.length; i++) {
    const start = s[i];
    while (i + 1 < s.length && s[i + 1] <= s[i] + 1) i++;
    out.push(start === s[i] ? `${start}` : `${start}:${s[i]}`);
  }
  return out.join(',');
}

/** One batch as attend does it: metadata, then BODY.PEEK[part] grouped by part path. Returns counts. */
export async function fetchBatch(client, range, byUid) {
  const byPath = new Map();
  let messages = 0;
  let minUid = Number.MAX_SAFE_INTEGER;
  for await (const m of client.fetch(range, META_QUERY, { uid: byUid })) {
    messages++;
    minUid = Math.min(minUid, m.uid);
    const part = m.bodyStructure ? displayPart(m.bodyStructure) : null;
    if (!part) continue;
    if (!byPath.has(part)) byPath.set(part, []);
    byPath.get(part).push(m.uid);
  }
  let textBytes = 0;
  for (const [part, uids] of byPath) {
    const query = { uid: true, bodyParts: [{ key: part, maxLength: MAX_TEXT_BYTES }] };
    for await (const m of client.fetch(toUidSet(uids), query, { uid: true })) {
      textBytes += m.bodyParts?.get(part)?.length ?? 0;
    }
  }
  return { messages, textBytes, minUid };
}

/** A whole cold sync in attend's order: newest 100 by sequence number, then 2000-UID batches downwards. */
export async function fullSync(client) {
  const box = await client.mailboxOpen('INBOX', { readOnly: true });
  const total = { messages: 0, textBytes: 0 };
  const add = (r) => {
    total.messages += r.messages;
    total.textBytes += r.textBytes;
    return r;
  };
  if (box.exists === 0) return total;
  const first = Math.max(1, box.exists - FIRST_BATCH + 1);
  const newest = add(await fetchBatch(client, `${first}:*`, false));
  let low = first === 1 ? 1 : newest.minUid;
  while (low > 1) {
    const from = Math.max(1, low - BATCH_UIDS);
    add(await fetchBatch(client, `${from}:${low - 1}`, true));
    low = from;
  }
  return total;
}

/** New UIDs from..to in attend's new-mail order: 2000-UID batches upwards. */
export async function fetchNew(client, from, to) {
  let messages = 0;
  for (let lo = from; lo <= to; lo += BATCH_UIDS) {
    messages += (await fetchBatch(client, `${lo}:${Math.min(to, lo + BATCH_UIDS - 1)}`, true)).messages;
  }
  return messages;
}

export function done(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
