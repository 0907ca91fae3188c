// Settings are schema-validated once per change of the file, and every change is validated.
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSettings } from '../../src/config/settings.js';
import { openSettingsFast, readTrustedSettings } from '../../src/config/settings-open.js';

const dirs: string[] = [];
const home = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'attend-settings-'));
  dirs.push(d);
  return { ATTEND_HOME: d };
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('openSettings', () => {
  it('rejects an invalid file, also after a valid one was trusted', () => {
    const env = home();
    expect(openSettings(env).get('accounts')).toEqual([]);
    expect(openSettings(env).get('accounts')).toEqual([]); // trusted by its stamp
    const file = path.join(env.ATTEND_HOME, 'config.json');
    writeFileSync(file, JSON.stringify({ accounts: [{ type: 'email', name: 'bad name!' }] }));
    utimesSync(file, new Date(), new Date(Date.now() + 5000)); // a different mtime even on coarse clocks
    expect(() => openSettings(env)).toThrow(/schema violation/);
  });

  it('a file that is not JSON is named, with what to do (issue 12.10)', () => {
    const env = home();
    const file = path.join(env.ATTEND_HOME, 'config.json');
    writeFileSync(file, '{"accounts": [');
    expect(() => openSettings(env)).toThrow(new RegExp(`the settings file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON \\(.*\\): fix it, or move it aside`));
    expect(readFileSync(file, 'utf8')).toBe('{"accounts": ['); // never rewritten
  });

  it('validates what is written when asked to', () => {
    const env = home();
    const s = openSettings(env, { validate: true });
    expect(() => s.set('accounts', [{ type: 'chat', name: 'x', url: 'http://not-ws', token: { env: 'T' } }] as never)).toThrow(/schema/);
  });

  it("checks an email account's open window", () => {
    const env = home();
    const s = openSettings(env, { validate: true });
    const account = {
      type: 'email', name: 'support', email: 's@x.test', user: 's', password: { env: 'P' }, mailbox: 'INBOX', sentMailbox: 'Sent',
      imap: { host: 'h', port: 993, security: 'tls' }, smtp: { host: 'h', port: 465, security: 'tls' },
    };
    for (const ok of ['14d', '36h', '0']) expect(() => s.set('accounts', [{ ...account, openWindow: ok }] as never), ok).not.toThrow();
    for (const bad of ['14', '2w', '-1d', '14 d', '']) expect(() => s.set('accounts', [{ ...account, openWindow: bad }] as never), bad).toThrow(/schema/);
  });

  it('trusts what a validating instance wrote, and only that', () => {
    const env = home();
    const file = path.join(env.ATTEND_HOME, 'config.json');
    const stamp = path.join(env.ATTEND_HOME, '.config.json.valid');
    const s = openSettings(env, { validate: true });
    s.set('agent', { name: 'Ann' });
    const st = statSync(file);
    // The stamp now names the file as written, so the next start skips compiling the schema.
    expect(readFileSync(stamp, 'utf8')).toMatch(new RegExp(`^v\\d+:${st.size}:${st.mtimeMs}$`));
    // A hand edit after that changes size/mtime: validated again, and rejected.
    writeFileSync(file, JSON.stringify({ accounts: [{ type: 'email', name: 'bad name!' }], agent: { name: 'Ann' } }));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(() => openSettings(env)).toThrow(/schema violation/);
  });

  it('reads a trusted file without conf, the same as conf does; anything else goes through the schema', async () => {
    const env = home();
    const file = path.join(env.ATTEND_HOME, 'config.json');
    expect(readTrustedSettings(env)).toBeNull(); // no file, no stamp
    const s = openSettings(env, { validate: true });
    s.set('agent', { name: 'Ann' });
    s.set('hooks', { 'message.received': 'true' });
    const fast = readTrustedSettings(env);
    expect(fast).not.toBeNull();
    for (const key of ['accounts', 'agent', 'hooks', 'sla'] as const) expect(fast?.get(key)).toEqual(openSettings(env).get(key));
    expect(() => fast?.set('agent', { name: 'Bo' })).toThrow(/read-only/);
    // A hand edit: not trusted any more, so openSettingsFast validates it, and rejects it.
    writeFileSync(file, JSON.stringify({ accounts: [{ type: 'email', name: 'bad name!' }], agent: { name: 'Ann' } }));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(readTrustedSettings(env)).toBeNull();
    await expect(openSettingsFast(env)).rejects.toThrow(/schema violation/);
  });

  it('live settings (console, watch, sync --watch) see edits made while they run; a one-shot snapshot need not', async () => {
    const env = home();
    openSettings(env, { validate: true }).set('agent', { name: 'Ann' });
    const live = await openSettingsFast(env, { live: true });
    const snapshot = await openSettingsFast(env);
    openSettings(env, { validate: true }).set('agent', { name: 'Bo' });
    expect(live.get('agent').name).toBe('Bo');
    expect(snapshot.get('agent').name).toBe('Ann');
  });

  it('business hours: a good schedule passes the schema; a bad one is a clear error', () => {
    const env = home();
    const file = path.join(env.ATTEND_HOME, 'config.json');
    const week = { mon: ['09:00-17:00'], tue: ['09:00-12:00', '13:00-17:00'], sat: [], sun: [] };
    writeFileSync(file, JSON.stringify({ hours: { timeZone: 'Europe/Berlin', weekly: week, holidays: ['2026-12-25', '01-01'], chat: { weekly: { ...week, sat: ['10:00-14:00'] } } } }));
    expect(openSettings(env).get('hours')?.timeZone).toBe('Europe/Berlin');
    const bad = (hours: unknown, message: RegExp) => {
      writeFileSync(file, JSON.stringify({ hours }));
      utimesSync(file, new Date(), new Date(Date.now() + Math.random() * 1e6));
      expect(() => openSettings(env)).toThrow(message);
    };
    bad({ timeZone: 'Europe/Berlin', weekly: { mon: ['18:00-09:00'] } }, /hours\.weekly\.mon: "18:00-09:00" ends before it starts/);
    bad({ timeZone: 'Mars/Olympus', weekly: week }, /"Mars\/Olympus" is not a time zone/);
    bad({ timeZone: 'Europe/Berlin', weekly: { sat: [], sun: [] } }, /never open/);
    bad({ weekly: week }, /hours\.timeZone: missing/);
  });
});
