// Pure: builds the reply an agent sends from the conversation it answers.
import { normalizeSubject } from './threading.js';
import type { Address } from './types.js';

export interface ReplyContext {
  account: { email: string; name: string; domain: string };
  /** The customer message being answered (the newest inbound one). */
  parent: { messageId: string; from: Address; subject: string; sentAt: number; text: string };
  /** Message-IDs of the thread, oldest first (for References). */
  threadIds: string[];
}

export function replySubject(subject: string): string {
  const base = normalizeSubject(subject);
  return base === '' ? 'Re: (no subject)' : `Re: ${base}`;
}

/** "On Tue, 3 Mar 2026 10:00, Ann <ann@x> wrote:" followed by the original, each line prefixed with "> ". */
export function quoteOriginal(parent: ReplyContext['parent']): string {
  const who = parent.from.name ? `${parent.from.name} <${parent.from.email}>` : parent.from.email;
  const when = new Date(parent.sentAt).toUTCString().replace(' GMT', ' UTC');
  const body = parent.text.replace(/\s+$/, '');
  const quoted = body === '' ? '>' : body.split('\n').map((l) => (l === '' ? '>' : `> ${l}`)).join('\n');
  return `On ${when}, ${who} wrote:\n${quoted}\n`;
}

/** References: the thread's ids (capped, as long headers get mangled), ending with the parent. */
export function replyReferences(threadIds: string[], parentId: string): string[] {
  const ids = threadIds.filter((id) => id !== parentId && !id.endsWith('@attend.invalid'));
  const kept = ids.length > 20 ? [ids[0] as string, ...ids.slice(-19)] : ids;
  return [...kept, parentId];
}

export function composeReplyText(body: string, parent: ReplyContext['parent']): string {
  return `${body.replace(/\s+$/, '')}\n\n${quoteOriginal(parent)}`;
}
