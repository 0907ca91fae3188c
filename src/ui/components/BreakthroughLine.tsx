import { Text } from 'ink';
import type { QueueFacts, Ranked } from '../../policy/queue.js';
import { dueLabel } from '../../app/queue/queue-view.js';
import type { Theme } from '../theme.js';
import { shownRef } from '../../domain/conversation-ref.js';
import { clip, safeLine } from '../text.js';

/** Focus mode's one line for a conversation that must not wait: never switches by itself. */
export function BreakthroughLine(p: { item: Ranked<QueueFacts>; who: string; more: number; width: number; now: number; theme: Theme }) {
  const who = safeLine(p.who);
  const why = [dueLabel(p.item.dueAt, p.now), p.item.item.channel, p.item.vip ? 'VIP' : ''].filter(Boolean).join(' · ');
  const line = `! ${shownRef(p.item.item)} ${who} — ${why}${p.more ? ` (+${p.more} more)` : ''} — b jumps`;
  return (
    <Text bold color={p.theme.danger} wrap="truncate-end">
      {clip(line, p.width)}
    </Text>
  );
}
