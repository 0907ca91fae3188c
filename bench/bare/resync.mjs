// Baseline for a re-sync: SELECT (QRESYNC enabled), the new UIDs if any (same FETCHes as attend),
// then FETCH 1:* (FLAGS) (CHANGEDSINCE modseq). argv: sinceUid modseq (the state of the last sync).
import { connect, done, fetchNew } from './common.mjs';

const sinceUid = Number(process.argv[2]);
const modseq = BigInt(process.argv[3] ?? '0');
const client = await connect({ qresync: true });
const box = await client.mailboxOpen('INBOX', { readOnly: true });
// Never "N:*" past the top: IMAP would answer with the last message.
const added = box.uidNext - 1 >= sinceUid ? await fetchNew(client, sinceUid, box.uidNext - 1) : 0;
let changed = 0;
for await (const _ of client.fetch('1:*', { uid: true, flags: true }, { changedSince: modseq })) changed++;
await client.logout();
done({ added, changed, highestModseq: String(box.highestModseq) });
