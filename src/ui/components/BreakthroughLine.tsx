import { Text } from 'ink';
import type { QueueFacts, Ranked } from '../../policy/queue.js';
import { getConversation } from '../../store/conversations.js';
import type { Db } from '../../store/db.js';
import { timeLeftLabel } from '../../app/queue-view.js';
import type { Theme } from '../theme.js';
import { clip, safeLine } from '../text.js';

/** Focus mode's one line for a conversation that must not wait: never switches by itself. */
export function BreakthroughLine(p: { item: Ranked<QueueFacts>; more: number; db: Db; width: number; now: number; theme: Theme }) {
  const c = getConversation(p.db, p.item.item.id);
  const who = c ? safeLine(c.customer.name || c.customer.email || 'visitor') : '';
  const why = [timeLeftLabel(p.item.dueAt, p.now), p.item.item.channel, p.item.vip ? 'VIP' : ''].filter(Boolean).join(' · ');
  const line = `! #${p.item.item.id} ${who} — ${why}${p.more ? ` (+${p.more} more)` : ''} — b jumps`;
  return (
    <Text bold color={p.theme.danger} wrap="truncate-end">
      {clip(line, p.width)}
    </Text>
  );
}
