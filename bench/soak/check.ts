/**
 * The end-of-run accounting. The agent's store is read read-only (better-sqlite3), the replies are
 * counted where the customer gets them: the SMTP sink (what went to the mailbox) and the visitors'
 * sockets. Quoted copies ("> …") of an earlier reply are not a second delivery.
 */
import path from 'node:path';
import Database from 'better-sqlite3';

export interface Finding {
  what: string;
  detail: string;
}

export interface StoreCounts {
  /** external_id → rows, for the given account. */
  count(account: string, externalIds: readonly string[]): Map<string, number>;
  close(): void;
}

export function openStoreReadOnly(home: string): StoreCounts {
  const db = new Database(path.join(home, 'attend.db'), { readonly: true, fileMustExist: true });
  const stmt = db.prepare("SELECT COUNT(*) AS n FROM messages WHERE account = ? AND external_id IN (?, ?) AND direction = 'in'");
  return {
    count(account, ids) {
      const out = new Map<string, number>();
      for (const id of ids) {
        const bare = id.replace(/^<|>$/g, '');
        out.set(id, (stmt.get(account, bare, `<${bare}>`) as { n: number }).n);
      }
      return out;
    },
    close: () => db.close(),
  };
}

/** How many messages carry `token` as a line of its own (the reply itself, not a quote of it). */
export function copiesIn(raws: readonly string[], token: string): number {
  const line = new RegExp(`(?:^|\\n)${token}\\r?(?:\\n|$)`);
  return raws.filter((r) => line.test(r)).length;
}

/** Seqs seen more than once, and seqs of the full log the consumer never saw. */
export function compareSeqs(consumer: readonly number[], log: readonly number[]): { duplicated: number[]; missed: number[] } {
  const seen = new Map<number, number>();
  for (const s of consumer) seen.set(s, (seen.get(s) ?? 0) + 1);
  const duplicated = [...seen].filter(([, n]) => n > 1).map(([s]) => s);
  const missed = log.filter((s) => !seen.has(s));
  return { duplicated, missed };
}
