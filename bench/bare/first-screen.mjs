// Baseline for the first screen: connect, SELECT, FETCH the newest 50 envelopes.
import { connect, done } from './common.mjs';

const client = await connect();
const box = await client.mailboxOpen('INBOX', { readOnly: true });
let count = 0;
for await (const m of client.fetch(`${Math.max(1, box.exists - 49)}:*`, { uid: true, envelope: true })) {
  if (m.envelope) count++;
}
await client.logout();
done({ count });
