// Business hours through the built CLI: `attend list --json` shows an email that came in on Friday
// night as due on Monday (the queue ranks with the calendar), a bad schedule is a clear error, and
// `attend relay --hours FILE` checks its file before listening.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IncomingEmail } from '../../src/domain/types.js';
import { openDb } from '../../src/store/db.js';
import { ingestEmail } from '../../src/store/ingest.js';
import { type Cli, makeCli } from '../helpers/cli.js';
import { check } from '../helpers/schemas.js';

const ME = 'support@shop.test';
const officeWeek = { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'], sat: [], sun: [] };
// Fri 2026-12-04 23:00 in Berlin (22:00Z): with a 4 h target and 09:00-17:00, due Monday 13:00 (12:00Z).
const FRIDAY_NIGHT = Date.parse('2026-12-04T22:00:00Z');

let cli: Cli | undefined;
afterEach(() => {
  cli?.cleanup();
  cli = undefined;
});

function seedFridayNightEmail(c: Cli): void {
  const db = openDb(path.join(c.home, 'attend.db'));
  const mail: IncomingEmail = {
    account: 'support',
    mailbox: 'INBOX',
    uidValidity: 1,
    uid: 1,
    messageId: 'friday@cust.test',
    inReplyTo: [],
    references: [],
    subject: 'Where is my parcel?',
    from: { name: 'Ann', email: 'ann@cust.test' },
    to: [{ name: '', email: ME }],
    cc: [],
    sentAt: FRIDAY_NIGHT,
    flags: [],
    text: 'hi',
    attachments: [],
    size: 1,
    fingerprint: 'friday',
  };
  db.transaction(() => ingestEmail(db, mail, ME, FRIDAY_NIGHT))();
  db.close();
}

const settings = (c: Cli, value: unknown) => writeFileSync(path.join(c.home, 'config.json'), JSON.stringify(value));

describe('business hours in the CLI', () => {
  it('list --json: a Friday-night email is due Monday 13:00; without hours, 03:00 Saturday', async () => {
    cli = makeCli();
    seedFridayNightEmail(cli);
    settings(cli, { hours: { timeZone: 'Europe/Berlin', weekly: officeWeek } });
    const listed = await cli.json<Array<{ subject: string; dueAt: string | null }>>(['list']);
    check('list', listed);
    expect(listed.map((c) => [c.subject, c.dueAt])).toEqual([['Where is my parcel?', '2026-12-07T12:00:00.000Z']]);

    // Removing the hours re-ranks: around the clock again.
    settings(cli, {});
    const plain = await cli.json<Array<{ dueAt: string | null }>>(['list']);
    expect(plain[0]?.dueAt).toBe('2026-12-05T02:00:00.000Z');
  });

  it('a schedule with no open time is refused with a clear message', async () => {
    cli = makeCli();
    settings(cli, { hours: { timeZone: 'Europe/Berlin', weekly: { sat: [], sun: [] } } });
    const r = await cli.run(['list']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/hours\.weekly: email is never open/);
  });

  it('relay --hours FILE: a bad file is a usage error before anything listens', async () => {
    cli = makeCli();
    const file = path.join(cli.home, 'hours.json');
    writeFileSync(file, JSON.stringify({ timeZone: 'Europe/Berln', weekly: officeWeek }));
    const r = await cli.run(['relay', '--port', '0', '--hours', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--hours .*hours\.json: hours\.timeZone: "Europe\/Berln" is not a time zone/);
    const missing = await cli.run(['relay', '--port', '0', '--hours', path.join(cli.home, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);
  });
});
