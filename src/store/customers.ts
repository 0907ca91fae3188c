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
