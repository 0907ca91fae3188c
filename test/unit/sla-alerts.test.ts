// sla.warning / sla.breached: once per waiting message and due time, on a fake clock; a restart or
// a second watcher never announces again; due times from before the store was first watched never.
import { describe, expect, it } from 'vitest';
import { refreshRanks } from '../../src/app/queue/ranks.js';
import { announceSlaAlerts, slaAlertFor } from '../../src/app/automation/sla-alerts.js';
import { policyFromSettings } from '../../src/config/policy-settings.js';
import type { IncomingEmail } from '../../src/domain/types.js';
import { type Db, openDb } from '../../src/store/db.js';
import { readPublicEvents } from '../../src/store/event-feed.js';
import { eventsSince } from '../../src/store/events.js';
import { ingestEmail } from '../../src/store/ingest.js';
import { pruneSlaMemory, recordSlaAlerts } from '../../src/store/sla-alerts.js';

const MIN = 60_000;
const T0 = Date.UTC(2030, 0, 1, 9, 0, 0);
const ME = 'support@shop.test';
// Email: first response within 60 minutes; warn 10 minutes before.
const policy = policyFromSettings((k) => (k === 'sla' ? { email: { firstMinutes: 60, nextMinutes: 60 } } : undefined));
const LEAD = { email: 10, chat: 1 };

let uid = 0;
function customerMail(db: Db, sentAt: number, messageId: string, direction: 'in' | 'out' = 'in', inReplyTo: string[] = []): number {
  uid++;
  const from = direction === 'in' ? { name: 'Ann', email: 'ann@cust.test' } : { name: 'Us', email: ME };
  const to = direction === 'in' ? [{ name: '', email: ME }] : [{ name: 'Ann', email: 'ann@cust.test' }];
  const mail: IncomingEmail = {
    account: 'support',
    mailbox: 'INBOX',
    uidValidity: 1,
    uid,
    messageId,
    inReplyTo,
    references: inReplyTo,
    subject: 'Order',
    from,
    to,
    cc: [],
    sentAt,
    flags: [],
    text: 'hi',
    attachments: [],
    size: 1,
    fingerprint: messageId,
  };
  const r = db.transaction(() => ingestEmail(db, mail, ME, sentAt))();
  refreshRanks(db, policy);
  return r.conversationId;
}

const slaEvents = (db: Db) => eventsSince(db, 0).filter((e) => e.type.startsWith('sla.'));

describe('slaAlertFor', () => {
  const c = { conversationId: 1, channel: 'email' as const, dueAt: T0 + 60 * MIN, announced: null };
  it('warns within the lead, then reports the breach, each once per due time', () => {
    expect(slaAlertFor(c, 10, T0 + 49 * MIN)).toBeNull();
    expect(slaAlertFor(c, 10, T0 + 50 * MIN)?.kind).toBe('sla.warning');
    expect(slaAlertFor({ ...c, announced: `sla.warning@${c.dueAt}` }, 10, T0 + 55 * MIN)).toBeNull();
    expect(slaAlertFor({ ...c, announced: `sla.warning@${c.dueAt}` }, 10, T0 + 60 * MIN)?.kind).toBe('sla.breached');
    expect(slaAlertFor({ ...c, announced: `sla.breached@${c.dueAt}` }, 10, T0 + 90 * MIN)).toBeNull();
    // A new due time (the customer wrote again after an answer) is announced afresh.
    expect(slaAlertFor({ ...c, announced: `sla.breached@${c.dueAt - MIN}` }, 10, T0 + 90 * MIN)?.kind).toBe('sla.breached');
  });
  it('with a lead of 0 only breaches; a warning missed while nobody watched is not sent late', () => {
    expect(slaAlertFor(c, 0, T0 + 59 * MIN)).toBeNull();
    expect(slaAlertFor(c, 10, T0 + 61 * MIN)?.kind).toBe('sla.breached');
  });
});

describe('announceSlaAlerts', () => {
  it('appends each alert once, also across restarts, and again for the next waiting message', () => {
    const db = openDb(':memory:');
    const id = customerMail(db, T0, 'a@cust');
    expect(announceSlaAlerts(db, LEAD, T0)).toBe(0); // the first watch: the horizon is now
    expect(announceSlaAlerts(db, LEAD, T0 + 49 * MIN)).toBe(0);
    expect(announceSlaAlerts(db, LEAD, T0 + 50 * MIN)).toBe(1);
    expect(announceSlaAlerts(db, LEAD, T0 + 51 * MIN)).toBe(0);
    expect(announceSlaAlerts(db, LEAD, T0 + 60 * MIN)).toBe(1);
    expect(announceSlaAlerts(db, LEAD, T0 + 61 * MIN)).toBe(0);
    // Nothing is remembered in memory: a restarted watcher reads the same store and stays quiet.
    expect(announceSlaAlerts(db, LEAD, T0 + 70 * MIN)).toBe(0);
    const events = readPublicEvents(db, 0).events.filter((e) => e.type.startsWith('sla.'));
    expect(events).toMatchObject([
      { type: 'sla.warning', conversation: { id }, dueAt: new Date(T0 + 60 * MIN).toISOString(), leadMinutes: 10 },
      { type: 'sla.breached', conversation: { id }, dueAt: new Date(T0 + 60 * MIN).toISOString() },
    ]);

    // Answered: nobody waits, the memory is pruned; the customer writes again: a new due time.
    customerMail(db, T0 + 80 * MIN, 'r1@us', 'out', ['a@cust']);
    expect(pruneSlaMemory(db)).toBe(1);
    customerMail(db, T0 + 90 * MIN, 'a2@cust', 'in', ['r1@us']);
    expect(announceSlaAlerts(db, LEAD, T0 + 150 * MIN)).toBe(1);
    expect(slaEvents(db).map((e) => [e.type, e.data.dueAt])).toEqual([
      ['sla.warning', T0 + 60 * MIN],
      ['sla.breached', T0 + 60 * MIN],
      ['sla.breached', T0 + 150 * MIN],
    ]);
  });

  it('does not announce what was overdue before the store was first watched', () => {
    const db = openDb(':memory:');
    customerMail(db, T0 - 10 * 24 * 60 * MIN, 'old@cust');
    expect(announceSlaAlerts(db, LEAD, T0)).toBe(0);
    expect(announceSlaAlerts(db, LEAD, T0 + 60 * MIN)).toBe(0);
    expect(slaEvents(db)).toEqual([]);
  });

  it('two watchers recording the same alert append it once', () => {
    const db = openDb(':memory:');
    const id = customerMail(db, T0, 'a@cust');
    const alert = { kind: 'sla.breached' as const, conversationId: id, channel: 'email' as const, dueAt: T0 + 60 * MIN, leadMinutes: 10 };
    expect(recordSlaAlerts(db, [alert], T0 + 61 * MIN)).toBe(1);
    expect(recordSlaAlerts(db, [alert], T0 + 61 * MIN)).toBe(0);
    expect(recordSlaAlerts(db, [{ ...alert, kind: 'sla.warning' }], T0 + 61 * MIN)).toBe(0);
  });

  it('does not alert for conversations that are not open', async () => {
    const db = openDb(':memory:');
    const { setStatus } = await import('../../src/store/conversations.js');
    const id = customerMail(db, T0, 'a@cust');
    announceSlaAlerts(db, LEAD, T0);
    setStatus(db, id, 'pending', T0 + MIN);
    refreshRanks(db, policy);
    expect(announceSlaAlerts(db, LEAD, T0 + 61 * MIN)).toBe(0);
  });
});
