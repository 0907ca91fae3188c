// Baseline for a login: connect, log in (BENCH_IMAP_TOKEN: an OAuth2 access token, OAUTHBEARER
// where offered; else BENCH_IMAP_PASS), STATUS INBOX, log out. What imapflow itself pays.
import { connect, done } from './common.mjs';

const token = process.env.BENCH_IMAP_TOKEN;
const client = await connect(token ? { auth: { user: process.env.BENCH_IMAP_USER, accessToken: token } } : {});
const status = await client.status('INBOX', { messages: true });
await client.logout();
done({ messages: status.messages });
