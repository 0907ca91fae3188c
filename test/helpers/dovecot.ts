/**
 * A private, throwaway Dovecot for integration tests: its own config, sockets, logs and
 * mailboxes in one short temp dir (on /dev/shm when there is one: the disk gets slow after mass
 * deletes), an IMAP listener on a random 127.0.0.1 port, no TLS, plain passwords.
 * Facts behind the choices: /work/shared/TESTBED.md.
 */
import { freePort } from './net.js';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export const MAIL_DOMAIN = 'example.test';
export const DEFAULT_USERS: readonly string[] = ['agent', 'customer'];
const PASSWORD = 'secret';
const SPECIAL_USE = { Sent: '\\Sent', Drafts: '\\Drafts', Trash: '\\Trash', Archive: '\\Archive' };
// Maildir info letters must be written in ASCII order (D F R S T).
const MAILDIR_FLAGS: Record<string, string> = {
  '\\Draft': 'D',
  '\\Flagged': 'F',
  '\\Answered': 'R',
  '\\Seen': 'S',
  '\\Deleted': 'T',
};

/** A message for fillInbox: raw RFC 822 bytes, or raw bytes plus flags / INTERNALDATE. */
export type MailInput = string | Buffer | { raw: string | Buffer; flags?: string[]; internalDate?: Date };

export interface MailboxStatus {
  messages: number;
  unseen: number;
  uidnext: number;
  uidvalidity: number;
}

export interface DovecotInstance {
  readonly host: string;
  readonly port: number;
  /** The instance dir: config, run/, state/, homes, dovecot.log. */
  readonly dir: string;
  readonly configPath: string;
  readonly logPath: string;
  readonly users: readonly string[];
  /** Accepts `agent` or `agent@example.test`. */
  password(user: string): string;
  /** `user@example.test` */
  address(user: string): string;
  homeOf(user: string): string;
  maildirOf(user: string): string;
  /** Writes raw messages straight into the maildir (UIDs follow array order), then resyncs. */
  fillInbox(user: string, messages: readonly MailInput[], mailbox?: string): Promise<void>;
  /** Runs `doveadm -c CONF ...args` and returns stdout. */
  doveadm(args: string[]): Promise<string>;
  mailboxStatus(user: string, mailbox?: string): Promise<MailboxStatus>;
  /**
   * Gives the mailbox a new UIDVALIDITY and new UIDs (numbering continues from the old UIDNEXT,
   * so stale UIDs match nothing). Dovecot drops a session that has the mailbox selected on its
   * next command ("IMAP session state is inconsistent, please relogin"). Returns the new value.
   */
  changeUidValidity(user: string, mailbox?: string): Promise<number>;
  /**
   * Resolves once an IMAP session of `user` is in IDLE — from then on new mail is pushed to it —
   * or fails after `ms`. A readiness signal for watchers, instead of a guessed pause.
   */
  waitForIdle(user: string, ms?: number): Promise<void>;
  /** SIGKILL the whole process group (a crash). Mail stays; restart() brings it back. */
  kill(): Promise<void>;
  /** Stops (or finds stopped) and starts again on the same port with the same mail. */
  restart(): Promise<void>;
  /** SIGTERM, SIGKILL after a grace period, then removes the instance dir. */
  stop(): Promise<void>;
}

let binaries: { dovecot: string; doveadm: string } | null | undefined;

function findExecutable(name: string, extraDirs: string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

function findBinaries() {
  if (binaries === undefined) {
    const sbin = ['/usr/sbin', '/usr/local/sbin', '/sbin'];
    const dovecot = findExecutable('dovecot', sbin);
    const doveadm = findExecutable('doveadm', sbin);
    // dovecot-core alone has no IMAP server; dovecot-imapd adds libexec/dovecot/imap.
    const imap = ['/usr/lib/dovecot', '/usr/libexec/dovecot', '/usr/local/libexec/dovecot'].some((d) =>
      fs.existsSync(path.join(d, 'imap')),
    );
    binaries = dovecot && doveadm && imap ? { dovecot, doveadm } : null;
  }
  return binaries;
}

/** True when dovecot, doveadm and the imap service binary are installed. */
export function dovecotAvailable(): boolean {
  return findBinaries() !== null;
}

interface Identity {
  /** uid/gid that owns the mail (written into passwd-file and onto every maildir file). */
  uid: number;
  gid: number;
  loginUser: string;
  internalUser: string;
  internalGroup?: string;
  root: boolean;
}

/** Fields of the /etc/passwd or /etc/group line whose field `key` equals `value`. */
function dbLine(file: string, key: number, value: string): string[] | undefined {
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[key] === value) return f;
  }
  return undefined;
}

function passwdEntry(name: string): { uid: number; gid: number } | undefined {
  const f = dbLine('/etc/passwd', 0, name);
  return f ? { uid: Number(f[2]), gid: Number(f[3]) } : undefined;
}

/** Dovecot wants group names, not numbers. */
function groupName(gid: number): string {
  const name = dbLine('/etc/group', 2, String(gid))?.[0];
  if (!name) throw new Error(`no group name for gid ${gid}: Dovecot needs one`);
  return name;
}

function identity(): Identity {
  if (process.getuid?.() === 0) {
    // Dovecot refuses root for login and mail, and passwd-file rejects uid 0. The Debian package
    // creates dovenull and dovecot; the mail belongs to nobody.
    const nobody = passwdEntry('nobody') ?? { uid: 65534, gid: 65534 };
    return { root: true, ...nobody, loginUser: 'dovenull', internalUser: 'dovecot' };
  }
  // Unprivileged: everything runs as the caller; Dovecot cannot switch users anyway.
  const me = os.userInfo();
  return {
    root: false,
    uid: me.uid,
    gid: me.gid,
    loginUser: me.username,
    internalUser: me.username,
    internalGroup: groupName(me.gid),
  };
}

/**
 * Token sign-in (XOAUTH2, OAUTHBEARER) checked by Dovecot's oauth2 passdb against an OpenID
 * provider's introspection endpoint (test/helpers/oauth-provider.ts). Plain passwords keep working.
 */
export interface DovecotOAuth2Options {
  /**
   * http://CLIENT:SECRET@127.0.0.1:PORT/token/introspection — Dovecot sends the user:password part
   * as Basic auth (OAuthProvider.introspection.urlWithCredentials).
   */
  introspectionUrl: string;
}

export interface DovecotOptions {
  users?: string[];
  oauth2?: DovecotOAuth2Options;
}

/**
 * The oauth2 passdb's settings (TESTBED): POST the token to introspection, the login name must
 * equal the token's `email`, and `active` must be true. No tokeninfo_url, no debug (it would log
 * the URL with the secret).
 */
function renderOAuth2Args(o: DovecotOAuth2Options): string {
  return `introspection_url = ${o.introspectionUrl}
introspection_mode = post
username_attribute = email
active_attribute = active
active_value = true
`;
}

function renderConfig(dir: string, port: number, id: Identity, oauth2?: DovecotOAuth2Options): string {
  const mailboxes = Object.entries(SPECIAL_USE)
    .map(([name, use]) => `  mailbox ${name} {\n    special_use = ${use}\n    auto = subscribe\n  }`)
    .join('\n');
  // Without root the master cannot chroot; anvil and imap-login chroot by default.
  const noChroot = id.root ? '' : '  chroot =\n';
  // With token sign-in: a token passdb for XOAUTH2/OAUTHBEARER before the password one, which then
  // serves only PLAIN/LOGIN. Failed logins are answered at once and not penalised (tests fail
  // tokens on purpose; Dovecot would otherwise wait 2 s growing to 17 s per retry from 127.0.0.1),
  // and no auth cache, so an expired or revoked token is refused at once.
  const oauthPassdb = oauth2
    ? `passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${dir}/dovecot-oauth2.conf.ext
}
`
    : '';
  const oauthSettings = oauth2 ? 'auth_failure_delay = 0 secs\nauth_cache_size = 0\n' : '';
  const noPenalty = oauth2 ? '  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n' : '';
  return `# Generated by test/helpers/dovecot.ts: a private instance for tests.
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login${oauth2 ? ' xoauth2 oauthbearer' : ''}
${oauthSettings}login_greeting = Dovecot (attend test) ready.
default_login_user = ${id.loginUser}
default_internal_user = ${id.internalUser}
${id.internalGroup ? `default_internal_group = ${id.internalGroup}\n` : ''}first_valid_uid = 1
# Test suites open many connections (default: 10 per user and IP).
mail_max_userip_connections = 200
mail_location = maildir:~/Maildir
mail_fsync = never
# The imap processes' titles name the command running ("dovecot/imap [agent 127.0.0.1 IDLE]"): waitForIdle reads them.
verbose_proctitle = yes
verbose_proctitle = yes
${oauthPassdb}passdb {
  driver = passwd-file
${oauth2 ? '  mechanisms = plain login\n' : ''}  args = scheme=PLAIN username_format=%n ${dir}/users
}
userdb {
  driver = passwd-file
  args = username_format=%n ${dir}/users
}
namespace inbox {
  inbox = yes
  separator = /
${mailboxes}
}
service imap-login {
${noChroot}  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
${noChroot}${noPenalty}}
`;
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once the server sends its real greeting (not "Waiting for authentication"). */
function greeting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (/^\* OK .*ready\.\r?$/m.test(buf)) done(true);
    });
  });
}

/** Every instance this process started, killed on exit so none outlive a crashed test run. */
const live = new Set<Dovecot>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const cleanup = () => {
    for (const d of live) d.killSync(true);
  };
  process.once('exit', cleanup);
  // Vitest ends its fork workers with SIGTERM, which skips 'exit' handlers. Clean up, then let
  // the signal do what it would have done without us.
  process.once('SIGTERM', () => {
    cleanup();
    if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
  });
}

class Dovecot implements DovecotInstance {
  readonly host = '127.0.0.1';
  readonly configPath: string;
  readonly logPath: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private seq = 0;

  constructor(
    readonly dir: string,
    readonly port: number,
    readonly users: readonly string[],
    private readonly id: Identity,
    private readonly bin: { dovecot: string; doveadm: string },
    private readonly oauth2?: DovecotOAuth2Options,
  ) {
    this.configPath = path.join(dir, 'dovecot.conf');
    this.logPath = path.join(dir, 'dovecot.log');
  }

  /** The bare user name for `agent` or `agent@example.test` (Dovecot accepts both: %n). */
  private userName(user: string): string {
    const name = user.replace(`@${MAIL_DOMAIN}`, '');
    if (!this.users.includes(name)) throw new Error(`no such test user: ${user}`);
    return name;
  }

  password(user: string): string {
    this.userName(user);
    return PASSWORD;
  }

  address(user: string): string {
    return `${user}@${MAIL_DOMAIN}`;
  }

  homeOf(user: string): string {
    return path.join(this.dir, 'home', this.userName(user));
  }

  maildirOf(user: string): string {
    return path.join(this.homeOf(user), 'Maildir');
  }

  /** Writes users, homes and config. */
  setup(): void {
    const lines = this.users.map((u) => `${u}:{PLAIN}${PASSWORD}:${this.id.uid}:${this.id.gid}::${this.homeOf(u)}::`);
    fs.writeFileSync(path.join(this.dir, 'users'), `${lines.join('\n')}\n`, { mode: 0o644 });
    fs.mkdirSync(path.join(this.dir, 'home'));
    for (const u of this.users) {
      this.mkdirOwned(this.homeOf(u));
      this.mkdirMaildir(this.maildirOf(u));
    }
    if (this.oauth2) {
      // Readable by Dovecot's auth process, which as root runs as another user (TESTBED: with an
      // unreadable file every token login is "Internal login failure"). A throwaway test secret.
      fs.writeFileSync(path.join(this.dir, 'dovecot-oauth2.conf.ext'), renderOAuth2Args(this.oauth2), { mode: 0o644 });
    }
    fs.writeFileSync(this.configPath, renderConfig(this.dir, this.port, this.id, this.oauth2));
  }

  /** mkdir -p, owned by the mail user (Dovecot runs mail access as that uid). */
  private mkdirOwned(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    if (this.id.root) fs.chownSync(dir, this.id.uid, this.id.gid);
  }

  private mkdirMaildir(dir: string): void {
    for (const d of [dir, `${dir}/cur`, `${dir}/new`, `${dir}/tmp`]) this.mkdirOwned(d);
  }

  async start(): Promise<void> {
    const errFd = fs.openSync(path.join(this.dir, 'stderr.log'), 'a');
    // -F: stay in the foreground as our child, so Node reaps it (PID 1 here does not reap
    // orphans). detached: own process group, so kill() can take all of Dovecot at once.
    const child = spawn(this.bin.dovecot, ['-F', '-c', this.configPath], {
      detached: true,
      stdio: ['ignore', 'ignore', errFd],
    });
    fs.closeSync(errFd);
    child.unref();
    this.child = child;
    let dead = false;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    }).then(() => {
      dead = true;
    });
    live.add(this);
    const deadline = Date.now() + 10_000;
    while (!dead && Date.now() < deadline) {
      if (await greeting(this.port)) return;
      await sleep(20);
    }
    await this.kill();
    throw new Error(`Dovecot did not start on port ${this.port}:\n${this.logTail()}`);
  }

  logTail(): string {
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
    return (read(path.join(this.dir, 'stderr.log')) + read(this.logPath)).split('\n').slice(-15).join('\n');
  }

  private masterPid(): number | undefined {
    try {
      return Number(fs.readFileSync(path.join(this.dir, 'run', 'master.pid'), 'utf8').trim()) || undefined;
    } catch {
      return this.child?.pid;
    }
  }

  private running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL the process group (pgid = master pid); also reaps children left by a dead master. */
  killSync(removeDir = false): void {
    const pid = this.child?.pid;
    if (pid) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
    }
    if (removeDir) {
      live.delete(this);
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }

  async kill(): Promise<void> {
    this.killSync();
    await this.exited;
  }

  private async terminate(graceMs: number): Promise<void> {
    const pid = this.masterPid();
    if (this.running() && pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {}
      await Promise.race([this.exited, sleep(graceMs)]);
    }
    await this.kill();
  }

  async restart(): Promise<void> {
    await this.terminate(3000);
    await this.start();
  }

  async stop(): Promise<void> {
    // Takes ~1.1 s: on SIGTERM the master sleeps a fixed 1 s to let its log process flush.
    await this.terminate(3000);
    this.killSync(true);
  }

  async doveadm(args: string[]): Promise<string> {
    try {
      const { stdout } = await execFileP(this.bin.doveadm, ['-c', this.configPath, ...args], {
        maxBuffer: 256 * 1024 * 1024,
      });
      return stdout;
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`doveadm ${args.join(' ')} failed: ${err.stderr || err.message}`);
    }
  }

  /** Maildir++ layout: INBOX is the root, "A/B" lives in ".A.B". */
  private mailboxDir(user: string, mailbox: string): string {
    if (mailbox.toUpperCase() === 'INBOX') return this.maildirOf(user);
    if (!/^[\x20-\x7e]+$/.test(mailbox) || /[.&]/.test(mailbox)) {
      throw new Error(`fillInbox supports plain ASCII mailbox names without . or &: ${mailbox}`);
    }
    return path.join(this.maildirOf(user), `.${mailbox.split('/').join('.')}`);
  }

  async fillInbox(user: string, messages: readonly MailInput[], mailbox = 'INBOX'): Promise<void> {
    const box = this.mailboxDir(user, mailbox);
    this.mkdirMaildir(box);
    // Dovecot assigns UIDs to new files sorted by the time in their names (seconds, then .M
    // microseconds), so a strictly increasing time keeps UIDs in array order. One second per
    // message, not one shared second: Dovecot hashes base names by their last characters, and
    // names that differ only early collide (100k messages: ~10 s inside every SELECT).
    const base = Math.floor(Date.now() / 1000) - messages.length - 1;
    messages.forEach((m, i) => {
      const item = typeof m === 'string' || Buffer.isBuffer(m) ? { raw: m } : m;
      const raw = Buffer.isBuffer(item.raw) ? item.raw : Buffer.from(item.raw, 'utf8');
      const letters = (item.flags ?? []).map((f) => {
        const l = MAILDIR_FLAGS[f];
        if (!l) throw new Error(`fillInbox: unsupported flag ${f}`);
        return l;
      });
      const time = `${base + i}.M${i % 1e6}P${process.pid}Q${++this.seq}`;
      const name = `${time}.attend-test,S=${raw.length}:2,${letters.sort().join('')}`;
      const file = path.join(box, 'cur', name);
      fs.writeFileSync(file, raw);
      if (this.id.root) fs.chownSync(file, this.id.uid, this.id.gid);
      // Maildir INTERNALDATE is the file's mtime: make it match the Date header, as delivery would.
      const date = item.internalDate ?? headerDate(raw);
      if (date) fs.utimesSync(file, date, date);
    });
    await this.doveadm(['force-resync', '-u', user, mailbox]);
  }

  async mailboxStatus(user: string, mailbox = 'INBOX'): Promise<MailboxStatus> {
    const out = await this.doveadm(['-f', 'flow', 'mailbox', 'status', '-u', user, 'messages unseen uidnext uidvalidity', mailbox]);
    const field = (k: string) => Number(new RegExp(`\\b${k}=(\\d+)`).exec(out)?.[1] ?? Number.NaN);
    return { messages: field('messages'), unseen: field('unseen'), uidnext: field('uidnext'), uidvalidity: field('uidvalidity') };
  }

  async changeUidValidity(user: string, mailbox = 'INBOX'): Promise<number> {
    const box = this.mailboxDir(user, mailbox);
    const before = await this.mailboxStatus(user, mailbox);
    // Move the files out, let Dovecot see an empty mailbox (UIDNEXT stays), set the new
    // UIDVALIDITY, move them back: they get fresh UIDs under the new UIDVALIDITY.
    const hold = fs.mkdtempSync(path.join(this.dir, 'hold-'));
    const moved: Array<[string, string]> = [];
    for (const sub of ['cur', 'new']) {
      for (const f of fs.readdirSync(path.join(box, sub))) {
        const to = path.join(hold, `${sub}-${f}`);
        fs.renameSync(path.join(box, sub, f), to);
        moved.push([to, path.join(box, sub, f)]);
      }
    }
    await this.doveadm(['force-resync', '-u', user, mailbox]);
    const next = before.uidvalidity >= 0xfffffffe ? 1 : before.uidvalidity + 1;
    await this.doveadm(['mailbox', 'update', '-u', user, '--uid-validity', String(next), mailbox]);
    for (const [from, to] of moved) fs.renameSync(from, to);
    fs.rmSync(hold, { recursive: true, force: true });
    await this.doveadm(['force-resync', '-u', user, mailbox]);
    const after = await this.mailboxStatus(user, mailbox);
    if (after.uidvalidity === before.uidvalidity) throw new Error('UIDVALIDITY did not change');
    return after.uidvalidity;
  }

  async waitForIdle(user: string, ms = 15_000): Promise<void> {
    const name = user.split('@')[0] ?? user;
    const deadline = Date.now() + ms;
    while (!this.idling(name)) {
      if (Date.now() > deadline) throw new Error(`no IMAP session of ${name} entered IDLE within ${ms} ms`);
      await sleep(20);
    }
  }

  /** Whether one of this instance's imap processes (children of its master) is serving IDLE for `user`. */
  private idling(user: string): boolean {
    const master = this.masterPid();
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        // "pid (comm) state ppid ...": comm may contain spaces, so count from its closing paren.
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid !== master) continue;
        const title = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (title.includes(`[${user} `) && title.includes(' IDLE]')) return true;
      } catch {} // the process ended meanwhile
    }
    return false;
  }
}

/** The Date header of a raw message (first physical line only), if it parses. */
function headerDate(raw: Buffer): Date | undefined {
  const head = raw.subarray(0, 16 * 1024).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const m = /^Date:[ \t]*(.+?)\r?$/im.exec(end >= 0 ? head.slice(0, end) : head);
  const t = m?.[1] ? Date.parse(m[1]) : Number.NaN;
  return Number.isNaN(t) ? undefined : new Date(t);
}

function instanceDir(): string {
  let parent = os.tmpdir();
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    parent = '/dev/shm';
  } catch {}
  const dir = fs.mkdtempSync(path.join(parent, 'dv-'));
  // Unix socket paths (base_dir/...) must stay under ~107 bytes.
  if (dir.length > 60) throw new Error(`temp dir too long for Dovecot's sockets: ${dir}`);
  // As root, the mail and login users must be able to traverse it.
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** opts.oauth2: also accept XOAUTH2/OAUTHBEARER tokens, checked by introspection (DovecotOAuth2Options). */
export async function startDovecot(opts: DovecotOptions = {}): Promise<DovecotInstance> {
  const bin = findBinaries();
  if (!bin) throw new Error('Dovecot is not installed (apt-get install -y dovecot-imapd)');
  const users = opts.users ?? [...DEFAULT_USERS];
  const id = identity();
  installExitHook();
  let lastError: unknown;
  // The free port can be taken between probing and Dovecot binding it: retry with another.
  for (let attempt = 0; attempt < 3; attempt++) {
    const d = new Dovecot(instanceDir(), await freePort(), users, id, bin, opts.oauth2);
    try {
      d.setup();
      await d.start();
      return d;
    } catch (e) {
      lastError = e;
      d.killSync(true);
    }
  }
  throw lastError;
}
