// Fills a Maildir INBOX for the benchmarks, like test/helpers' fillInbox (write files, then
// `doveadm force-resync`), but with file names shaped like Dovecot's own deliveries.
//
// Why not fillInbox: its names share one timestamp and a long constant tail
// ("1795611999.M123P17765Q124.attend-test,S=347:2,"). Dovecot hashes maildir base names with
// an ELF-style hash that keeps little more than the last characters, so 100k such names fall
// into ~10k buckets (chains up to ~5,800) and every uidlist load costs ~1.5e8 string compares:
// 7–30 s inside SELECT on this machine (perf: maildir_filename_base_cmp 72%), which drowned
// every client figure. Names whose seconds differ hash into ~100k buckets.
import fs from 'node:fs';
import path from 'node:path';
import type { DovecotInstance } from '../test/helpers/dovecot.js';

let nextSecond = Math.floor(Date.now() / 1000) - 200_000;

/** RFC 822 size with every bare LF counted as CRLF (Dovecot's ",W=" virtual size). */
function virtualSize(raw: Buffer): number {
  let bare = 0;
  for (let i = raw.indexOf(10); i !== -1; i = raw.indexOf(10, i + 1)) if (i === 0 || raw[i - 1] !== 13) bare++;
  return raw.length + bare;
}

function headerDate(raw: Buffer): Date | undefined {
  const head = raw.subarray(0, 8192).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const m = /^Date:[ \t]*(.+?)\r?$/im.exec(end >= 0 ? head.slice(0, end) : head);
  const t = m?.[1] ? Date.parse(m[1]) : Number.NaN;
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** Appends messages to user's INBOX (or another mailbox) in array order (UIDs follow it), then lets Dovecot index them. */
export async function fillMaildir(dv: DovecotInstance, user: string, messages: readonly string[], mailbox = 'INBOX'): Promise<void> {
  // Maildir++: a mailbox other than the inbox is a dot-directory inside it.
  const maildir = mailbox === 'INBOX' ? dv.maildirOf(user) : path.join(dv.maildirOf(user), `.${mailbox}`);
  // Dovecot reads the mail as the Maildir's owner (nobody when we run as root): files must match.
  const owner = fs.statSync(maildir);
  const asRoot = process.getuid?.() === 0;
  messages.forEach((m, i) => {
    const raw = Buffer.from(m, 'utf8');
    const second = nextSecond++;
    // Strictly increasing seconds keep Dovecot's UID order (it sorts new names by time).
    const name = `${second}.M${i % 1_000_000}P${process.pid}.bench,S=${raw.length},W=${virtualSize(raw)}:2,`;
    const file = path.join(maildir, 'cur', name);
    fs.writeFileSync(file, raw);
    if (asRoot) fs.chownSync(file, owner.uid, owner.gid);
    // INTERNALDATE is the file's mtime: make it the Date header, as a delivery would.
    const date = headerDate(raw);
    if (date) fs.utimesSync(file, date, date);
  });
  await dv.doveadm(['force-resync', '-u', user, mailbox]);
}
