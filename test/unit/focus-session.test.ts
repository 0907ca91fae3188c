// A focus session over a real store: what it shows next, how it sorts new activity, the queue
// notice for waiting chat visitors (once, with their place), and the events kept for metrics.
import { afterEach, describe, expect, it } from 'vitest';
import { FocusSession } from '../../src/app/queue/focus-session.js';
import { prepareQueue } from '../../src/app/queue/policy.js';
import { policyFromSettings } from '../../src/config/policy-settings.js';
import { type ConsoleHome, consoleHome } from '../helpers/console-home.js';

const MIN = 60_000;
let home: ConsoleHome | null = null;
afterEach(() => {
  home?.cleanup();
  home = null;
});

describe('FocusSession', () => {
  it('starts on the most urgent, hides lower-channel activity, counts same-channel activity, and sends each waiting visitor one notice', async () => {
    home = await consoleHome();
    const now = Date.now();
    const first = home.chat({ relayId: 1, name: 'Ann', text: 'late order', at: now - 1.5 * MIN }); // due in 30 s
    await prepareQueue(home.ctx);
    const policy = policyFromSettings((k) => (k === 'focus' ? { queueNotice: { enabled: true } } : undefined));
    const s = new FocusSession(home.ctx.db, policy, () => Date.now());
    expect(s.currentId).toBe(first);

    home.email({ id: 'e1@x', from: 'eve@cust.test', subject: 'Email meanwhile', at: Date.now() });
    const second = home.chat({ relayId: 2, name: 'Ben', text: 'hello?', at: Date.now() });
    home.chat({ relayId: 2, name: 'Ben', text: 'anyone?', at: Date.now() });
    await prepareQueue(home.ctx);
    const notices = s.observe();
    expect(notices).toHaveLength(1);
    expect(notices[0]?.conversationId).toBe(second);
    expect(notices[0]?.text).toMatch(/number 2 in line/);
    expect(s.hidden.map((h) => h.conversationId)).toHaveLength(1); // the email: a lower channel than the focused chat
    expect(s.facts().deferredCount).toBe(1);
    expect(s.observe()).toHaveLength(0); // nothing new, nothing twice

    // The notice goes out like any chat reply but does not stop the visitor's response clock.
    const { queueReply } = await import('../../src/app/conversations/replies.js');
    const waitingBefore = home.ctx.db.prepare('SELECT waiting_since, first_response_at FROM conversations WHERE id = ?').get(second);
    queueReply(home.ctx, second, notices[0]?.text ?? '', { automatic: true });
    expect(home.ctx.db.prepare('SELECT waiting_since, first_response_at FROM conversations WHERE id = ?').get(second)).toEqual(waitingBefore);
    expect(home.ctx.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE conversation_id = ? AND kind = 'chat'").get(second)).toEqual({ n: 1 });

    expect(s.handle(second, 'resolved')).toBe(first); // not the one shown: nothing happens
    expect(s.handle(first, 'resolved')).toBe(second); // the next by policy
    // Handled, then the customer writes again: offered again once the current one is done.
    home.chat({ relayId: 1, name: 'Ann', text: 'one more thing', at: Date.now() });
    await prepareQueue(home.ctx);
    s.observe();
    expect(s.handle(second, 'replied')).toBe(first);
    const d = s.end();
    expect(d.handled.count).toBe(2);
    expect(d.byChannel.map((c) => c.channel).sort()).toEqual(['chat', 'email']);
    const types = (home.ctx.db.prepare("SELECT type FROM events WHERE type LIKE 'focus.%' ORDER BY seq").all() as Array<{ type: string }>).map((r) => r.type);
    expect(types).toEqual(['focus.started', 'focus.handled', 'focus.handled', 'focus.ended']);
  });

  it('does not notice anything when nothing waits, and says so', async () => {
    home = await consoleHome();
    const s = new FocusSession(home.ctx.db, policyFromSettings(() => undefined), () => Date.now());
    expect(s.currentId).toBeNull();
    expect(s.facts()).toMatchObject({ currentId: null, deferredCount: 0, breakthrough: null });
  });
});

describe('FocusSession when it shows nothing', () => {
  it('tells skipped from nothing waiting, offers them again on request, and picks up a newcomer by itself', async () => {
    home = await consoleHome();
    const now = Date.now();
    const a = home.chat({ relayId: 11, name: 'Ann', text: 'hello', at: now - 1.5 * MIN }); // due in 30 s
    const b = home.chat({ relayId: 12, name: 'Ben', text: 'hi', at: now - MIN });
    await prepareQueue(home.ctx);
    const s = new FocusSession(home.ctx.db, policyFromSettings(() => undefined), () => Date.now());
    expect(s.currentId).toBe(a);
    s.skip('later');
    expect(s.skip('later')).toBeNull();
    // Two still wait, both skipped: not "nothing is waiting".
    expect(s.idle()).toEqual({ waiting: 2, skipped: 2, handled: 0 });
    expect(s.reconsider()).toBe(a);
    expect(s.handle(a, 'resolved')).toBe(b);
    expect(s.skip('later')).toBeNull();
    // A new chat arrives while focus shows nothing: the next facts() shows it, and the status
    // bar's count does not include the one now on screen.
    const c = home.chat({ relayId: 13, name: 'Cai', text: 'anyone?', at: Date.now() });
    await prepareQueue(home.ctx);
    s.observe();
    const f = s.facts();
    expect(f.currentId).toBe(c);
    expect(s.currentId).toBe(c);
    expect(f.deferredCount).toBe(0);
    s.end();
  });
});
