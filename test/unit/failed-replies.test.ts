// A reply refused for good never reached the customer: the conversation counts as unanswered again,
// and a retry (the failed reply queued again) counts as an answer again. Real store, in memory.
import { expect, it } from 'vitest';
import { getConversation } from '../../src/store/conversations.js';
import { openDb } from '../../src/store/db.js';
import { deliveryErrors, recountReplies } from '../../src/store/failed-replies.js';
import { ingestEmail } from '../../src/store/ingest.js';
import { enqueueEmail, getOutboxItem, requeueFailed, setOutboxState } from '../../src/store/outbox.js';
import { incomingEmail, SUPPORT } from '../helpers/fixtures.js';

it('a failed reply makes the customer wait again (with its reason); queued again, it answers again', () => {
  const db = openDb(':memory:');
  const { conversationId: id } = ingestEmail(db, incomingEmail({ messageId: 'q1@cust.test', sentAt: 1000 }), SUPPORT, 1000);
  const mail = { messageId: 'r1@shop.test', from: { name: '', email: SUPPORT }, to: [{ name: 'Ann', email: 'ann@cust.test' }], subject: 'Re: Hello', text: 'Hi', inReplyTo: 'q1@cust.test', references: ['q1@cust.test'], date: 2000 };
  const item = enqueueEmail(db, id, 'support', mail, 2000);
  expect(getConversation(db, id)).toMatchObject({ waitingSince: null, firstResponseAt: new Date(2000).toISOString() });
  expect(recountReplies(db, id, 2500)).toBe(false); // nothing failed: nothing to count again

  setOutboxState(db, item, 'failed', 3000, '550 5.1.1 no such user');
  expect(recountReplies(db, id, 3000)).toBe(true);
  expect(getConversation(db, id)).toMatchObject({ waitingSince: new Date(1000).toISOString(), firstResponseAt: null });
  expect([...deliveryErrors(db, id).entries()]).toEqual([[item.messageRowId, '550 5.1.1 no such user']]);

  expect(requeueFailed(db, id, 4000)).toBe(1);
  expect(getOutboxItem(db, item.id)?.state).toBe('queued');
  expect(recountReplies(db, id, 4000)).toBe(true);
  expect(getConversation(db, id)).toMatchObject({ waitingSince: null, firstResponseAt: new Date(2000).toISOString() });
  expect(deliveryErrors(db, id).size).toBe(0);
});
