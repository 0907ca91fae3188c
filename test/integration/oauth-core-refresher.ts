// A second attend process for oauth-core.test.ts: waits at a barrier, then asks for a forced
// access token refresh. Prints only a hash of the token (a token must never reach any output).
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { accessTokenFor } from '../../src/app/email/oauth-session.js';
import type { AppContext } from '../../src/app/context.js';
import type { EmailAccount } from '../../src/config/settings.js';

const account = JSON.parse(process.env.ATTEND_TEST_ACCOUNT ?? '{}') as EmailAccount;
const go = process.env.ATTEND_TEST_GO ?? '';
const ctx = { env: process.env, now: Date.now, log: () => {} } as unknown as AppContext;

writeFileSync(`${go}.ready.${process.pid}`, '');
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 2));
try {
  const token = await accessTokenFor(ctx, account, { force: true });
  process.stdout.write(`${JSON.stringify({ ok: true, hash: createHash('sha256').update(token).digest('hex') })}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ ok: false, error: (err as Error).message, kind: (err as Error).constructor.name })}\n`);
}
