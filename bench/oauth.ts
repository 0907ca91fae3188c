// What OAuth2 sign-in costs a user: `attend sync` of an OAuth2 account against the same sync of a
// password account, on one Dovecot that takes both (passwords, and tokens checked by introspection
// at a real OpenID provider), and the same pair for bare imapflow logging in (the library's own
// cost of a token login). Whole processes, alternated, medians.
//   npx tsx bench/oauth.ts        (OAUTH_BENCH_N=2000 messages, OAUTH_BENCH_RUNS=7)
//   OAUTH_BENCH_HOLD=1            after the first syncs, print both homes and keep the servers up
//                                 until Ctrl-C (to time the commands with another tool)
// Rows:
//   - sync, token fresh: the stored access token is used as it is (every command within its hour);
//   - sync, token expired: each run first refreshes it at the provider (once an hour in real use);
//   - bare imapflow: connect, log in, STATUS INBOX, log out — with the token and with the password.
// Needs Dovecot and Chromium (a person signs in once, in the device flow). Run `npm run build` first.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { addAccount, BIN, makeCli } from '../test/helpers/cli.js';
import { startDovecot } from '../test/helpers/dovecot.js';
import { makeEmail } from '../test/helpers/mail.js';
import { completeDeviceSignIn } from '../test/helpers/oauth-browser.js';
import { startOAuthProvider } from '../test/helpers/oauth-provider.js';
import { startSmtpSink } from '../test/helpers/smtp-sink.js';
import { fillMaildir } from './maildir.js';
import { fmtMs, loadAvg, median, mustRun } from './lib.js';

const N = Number(process.env.OAUTH_BENCH_N) || 2000;
const RUNS = Number(process.env.OAUTH_BENCH_RUNS) || 7;
const AGENT = 'agent@example.test';

/** Thrown when a hold ends: skips the timed runs, not the clean-up. */
class Held extends Error {}

const provider = await startOAuthProvider({ accessTokenTtlSeconds: 3600 });
const dv = await startDovecot({ users: ['agent'], oauth2: { introspectionUrl: provider.introspection.urlWithCredentials } });
const smtp = await startSmtpSink(dv, { oauth2: { introspectionUrl: provider.introspection.url, clientId: provider.introspection.clientId, clientSecret: provider.introspection.clientSecret } });
const oauthHome = makeCli({ DISPLAY: '', WAYLAND_DISPLAY: '', BROWSER: '' });
const passwordHome = makeCli();
try {
  const now = Date.now();
  await fillMaildir(
    dv,
    'agent',
    Array.from({ length: N }, (_, i) =>
      makeEmail({ from: `Customer ${i} <c${i}@cust.test>`, to: AGENT, subject: `Question ${i}`, body: `Question number ${i}.`, messageId: `q${i}@cust`, date: new Date(now - (N - i) * 60_000) }),
    ),
  );
  await addAccount(passwordHome, dv, smtp);

  // The OAuth2 account, added as a person would: the CLI shows a code, the person signs in.
  const add = spawn(
    process.execPath,
    [BIN, 'account', 'add', 'email', 'support', '--email', AGENT, '--oauth2-issuer', provider.issuer, '--client-id', provider.publicClient.clientId, '--flow', 'device',
      '--imap-host', dv.host, '--imap-port', String(dv.port), '--imap-security', 'none', '--smtp-host', smtp.host, '--smtp-port', String(smtp.port), '--smtp-security', 'none'],
    { env: oauthHome.env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  add.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const added = new Promise<number | null>((resolve) => add.on('close', resolve));
  for (let i = 0; !/enter the code/.test(err); i++) {
    if (i > 600) throw new Error(`no device code from account add:\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = err.match(/To sign in, open (\S+) and enter the code (\S+)/);
  if (!m) throw new Error(`unexpected sign-in text:\n${err}`);
  await completeDeviceSignIn({ verificationUri: m[1], userCode: m[2], email: AGENT, password: provider.users[AGENT] as string });
  if ((await added) !== 0) throw new Error(`account add failed:\n${err}`);

  const sync = (env: NodeJS.ProcessEnv) => mustRun('sync', [BIN, 'sync', '--json'], { env });
  // First syncs (not timed): both stores hold the mailbox; from here a sync finds nothing new.
  await sync(oauthHome.env);
  await sync(passwordHome.env);

  if (process.env.OAUTH_BENCH_HOLD) {
    console.log(`oauth home: ${oauthHome.home}\npassword home: ${passwordHome.home}\nholding; Ctrl-C ends it`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    throw new Held(); // past the timed runs, to the clean-up
  }
  const tokenFile = path.join(oauthHome.home, 'oauth', 'support.json');
  const expire = () => {
    const t = JSON.parse(fs.readFileSync(tokenFile, 'utf8')) as { accessExpiresAt?: number };
    t.accessExpiresAt = 0;
    fs.writeFileSync(tokenFile, JSON.stringify(t), { mode: 0o600 });
  };
  const refreshesBefore = provider.tokenRequests().filter((r) => r.grantType === 'refresh_token').length;

  const bareEnv = (auth: Record<string, string>) => ({ ...process.env, BENCH_IMAP_PORT: String(dv.port), ...auth });
  const bare = path.join(import.meta.dirname, 'bare', 'login.mjs');
  const token = () => (JSON.parse(fs.readFileSync(tokenFile, 'utf8')) as { accessToken: string }).accessToken;

  const pairs = { fresh: { a: [] as number[], b: [] as number[] }, expired: { a: [] as number[], b: [] as number[] }, bare: { a: [] as number[], b: [] as number[] } };
  for (let run = 0; run < RUNS; run++) {
    // A B, B A in turn, so drift hits both sides alike.
    const order = run % 2 === 0;
    const fresh = async () => pairs.fresh.a.push((await sync(oauthHome.env)).ms);
    const pw = async () => pairs.fresh.b.push((await sync(passwordHome.env)).ms);
    for (const f of order ? [fresh, pw] : [pw, fresh]) await f();
    const expired = async () => {
      expire();
      pairs.expired.a.push((await sync(oauthHome.env)).ms);
    };
    const fresh2 = async () => pairs.expired.b.push((await sync(oauthHome.env)).ms);
    for (const f of order ? [expired, fresh2] : [fresh2, expired]) await f();
    const bareToken = async () => pairs.bare.a.push((await mustRun('bare token', [bare], { env: bareEnv({ BENCH_IMAP_USER: AGENT, BENCH_IMAP_TOKEN: token() }) })).ms);
    const barePw = async () => pairs.bare.b.push((await mustRun('bare password', [bare], { env: bareEnv({ BENCH_IMAP_USER: 'agent', BENCH_IMAP_PASS: dv.password('agent') }) })).ms);
    for (const f of order ? [bareToken, barePw] : [barePw, bareToken]) await f();
  }
  const refreshes = provider.tokenRequests().filter((r) => r.grantType === 'refresh_token').length - refreshesBefore;
  const row = (what: string, p: { a: number[]; b: number[] }, vs: string) =>
    `${what.padEnd(34)} ${fmtMs(median(p.a)).padStart(8)}  vs ${vs.padEnd(22)} ${fmtMs(median(p.b)).padStart(8)}  ${(median(p.a) / median(p.b)).toFixed(2)}x`;
  console.log(`OAuth2 bench: ${N} messages, ${RUNS} runs each, medians, load ${loadAvg()}`);
  console.log(row('attend sync, OAuth2 (token fresh)', pairs.fresh, 'attend sync, password'));
  console.log(row('attend sync, OAuth2 (refresh first)', pairs.expired, 'token fresh'));
  console.log(row('imapflow login, token', pairs.bare, 'imapflow login, password'));
  console.log(`refreshes at the provider during the timed runs: ${refreshes} (expected ${RUNS})`);
  if (refreshes !== RUNS) process.exitCode = 1;
} catch (err) {
  if (!(err instanceof Held)) throw err;
} finally {
  oauthHome.cleanup();
  passwordHome.cleanup();
  await smtp.stop();
  await dv.stop();
  await provider.stop();
}
