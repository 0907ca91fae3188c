// Baseline for a cold sync: the same FETCHes as attend, streamed, nothing kept.
import { connect, done, fullSync } from './common.mjs';

const client = await connect({ qresync: true });
const total = await fullSync(client);
await client.logout();
done(total);
