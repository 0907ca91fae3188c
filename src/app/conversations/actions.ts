// The actions an agent takes on a conversation, shared by the console (and shaped like the CLI's).
// Each returns the line to show. Chat status changes are also told to the visitor, best effort.
import type { Priority } from '../../domain/types.js';
import { appendEvent } from '../../store/events.js';
import { addNote, addTags, assign, getConversation, removeTags, setStatus } from '../../store/conversations.js';
import { setExplicitPriority } from '../../store/ranks.js';
import type { AppContext } from '../context.js';

export type Action =
  | { kind: 'resolve' }
  | { kind: 'reopen' }
  | { kind: 'pending' }
  | { kind: 'snooze'; until: number }
  | { kind: 'assign'; to: string | null }
  | { kind: 'tag'; add: string[]; remove: string[] }
  | { kind: 'note'; text: string }
  | { kind: 'priority'; priority: Priority | null };

export async function applyAction(ctx: AppContext, id: number, a: Action): Promise<string> {
  const before = getConversation(ctx.db, id);
  if (!before) return `no conversation ${id}`;
  const now = ctx.now();
  let line: string;
  let mirror: 'open' | 'resolved' | null = null;
  switch (a.kind) {
    case 'resolve':
      setStatus(ctx.db, id, 'resolved', now);
      line = `#${id} resolved`;
      mirror = 'resolved';
      break;
    case 'reopen':
      setStatus(ctx.db, id, 'open', now);
      line = `#${id} reopened`;
      mirror = 'open';
      break;
    case 'pending':
      setStatus(ctx.db, id, 'pending', now);
      line = `#${id} is pending`;
      break;
    case 'snooze':
      setStatus(ctx.db, id, 'snoozed', now, a.until);
      line = `#${id} snoozed until ${new Date(a.until).toLocaleString()}`;
      break;
    case 'assign':
      assign(ctx.db, id, a.to, now);
      line = a.to ? `#${id} assigned to ${a.to}` : `#${id} unassigned`;
      break;
    case 'tag':
      if (a.add.length) addTags(ctx.db, id, a.add, now);
      if (a.remove.length) removeTags(ctx.db, id, a.remove, now);
      line = `#${id} tags: ${[...a.add.map((t) => `+${t}`), ...a.remove.map((t) => `-${t}`)].join(' ')}`;
      break;
    case 'note':
      addNote(ctx.db, id, ctx.settings.get('agent').name, a.text, now);
      line = `note added to #${id}`;
      break;
    case 'priority':
      ctx.db.transaction(() => {
        setExplicitPriority(ctx.db, id, a.priority);
        appendEvent(ctx.db, 'conversation.priority', id, now, { priority: a.priority });
      }).immediate();
      line = a.priority ? `#${id} priority ${a.priority}` : `#${id} priority from the rules`;
      break;
  }
  if (mirror && before.channel === 'chat') {
    const { mirrorChatStatus } = await import('../chat/chat-account.js');
    const warning = await mirrorChatStatus(ctx, id, mirror);
    if (warning) ctx.log(warning);
  }
  return line;
}

/** "refund -spam vip" → add refund and vip, remove spam. Tags are single words. */
export function parseTagInput(input: string): { add: string[]; remove: string[] } {
  const add: string[] = [];
  const remove: string[] = [];
  for (const word of input.split(/[\s,]+/).filter(Boolean)) {
    if (word.startsWith('-') && word.length > 1) remove.push(word.slice(1));
    else if (!word.startsWith('-')) add.push(word.replace(/^\+/, ''));
  }
  return { add, remove };
}
