import { stmt } from './statements.js';
import type { Db } from './db.js';

/** The same address is the same customer, across accounts and channels. */
export function customerIdFor(db: Db, email: string, name: string, now: number): number {
  const key = email.trim().toLowerCase();
  const found = stmt(db, 'SELECT customer_id FROM customer_emails WHERE email = ?').get(key) as { customer_id: number } | undefined;
  if (found) {
    if (name) stmt(db, "UPDATE customers SET name = ? WHERE id = ? AND name = ''").run(name, found.customer_id);
    return found.customer_id;
  }
  const id = Number(stmt(db, 'INSERT INTO customers (name, created_at) VALUES (?, ?)').run(name, now).lastInsertRowid);
  stmt(db, 'INSERT INTO customer_emails (email, customer_id) VALUES (?, ?)').run(key, id);
  return id;
}
