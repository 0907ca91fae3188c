import { stmt } from './statements.js';
import type { Db } from './db.js';

/** The same address is the same customer, across accounts and channels. */
export function customerIdFor(db: Db, email: string, name: string, now: number): number {
  const key = email.trim().toLowerCase();
  const found = stmt(db, 'SELECT e.customer_id, c.name FROM customer_emails e JOIN customers c ON c.id = e.customer_id WHERE e.email = ?').get(key) as
    | { customer_id: number; name: string }
    | undefined;
  if (found) {
    // A name learnt later fills an empty one; a known name stays (no write per message).
    if (name && found.name === '') stmt(db, 'UPDATE customers SET name = ? WHERE id = ?').run(name, found.customer_id);
    return found.customer_id;
  }
  const id = Number(stmt(db, 'INSERT INTO customers (name, created_at) VALUES (?, ?)').run(name, now).lastInsertRowid);
  stmt(db, 'INSERT INTO customer_emails (email, customer_id) VALUES (?, ?)').run(key, id);
  return id;
}

export interface ClaimedIdentity {
  /** The address a chat visitor typed (unverified). */
  email: string;
  /** The customer whose email history that address has, or null when it has none here. */
  customerId: number | null;
  /** That customer's email conversations. */
  emailConversations: number;
  /** The newest of them (at most 5), to follow with `attend show ID`: their numbers, or "~12" while not numbered. */
  recent: Array<number | string>;
}

/**
 * Who a chat visitor *claims* to be: the address they typed and the email history it has. A link
 * for the agent to follow, never a merge — anyone can type anyone's address.
 */
export function claimedIdentity(db: Db, customerId: number | null): ClaimedIdentity | null {
  if (customerId === null) return null;
  const row = stmt(db, 'SELECT claimed_email FROM customers WHERE id = ?').get(customerId) as { claimed_email: string | null } | undefined;
  if (!row?.claimed_email) return null;
  const owner = stmt(db, 'SELECT customer_id FROM customer_emails WHERE email = ?').get(row.claimed_email) as { customer_id: number } | undefined;
  if (!owner || owner.customer_id === customerId) return { email: row.claimed_email, customerId: null, emailConversations: 0, recent: [] };
  const n = stmt(db, "SELECT COUNT(*) AS n FROM conversations WHERE customer_id = ? AND channel = 'email'").get(owner.customer_id) as { n: number };
  const recent = stmt(db, "SELECT id, number FROM conversations WHERE customer_id = ? AND channel = 'email' ORDER BY last_message_at DESC, id DESC LIMIT 5").all(
    owner.customer_id,
  ) as Array<{ id: number; number: number | null }>;
  // The numbers people use; "~12" for one the team's hub has not numbered yet (both name it in every command).
  return { email: row.claimed_email, customerId: owner.customer_id, emailConversations: n.n, recent: recent.map((r) => r.number ?? `~${r.id}`) };
}


/** The customer an address belongs to, without creating one (null: nobody we know). */
export function knownCustomerId(db: Db, email: string): number | null {
  const found = stmt(db, 'SELECT customer_id FROM customer_emails WHERE email = ?').get(email.trim().toLowerCase()) as { customer_id: number } | undefined;
  return found?.customer_id ?? null;
}
