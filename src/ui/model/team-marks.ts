// Collision detection, as text: which teammates look at or reply to a conversation, for its queue
// row (a few columns) and its pane (one line). Names come from the hub: sanitized, and cut short.
import type { TeammateActivity } from '../../app/team/port.js';
import { clip, safeLine } from '../text.js';

/** Online teammates on each conversation (by local id), replying ones first. */
export function teammatesByConversation(list: readonly TeammateActivity[]): Map<number, TeammateActivity[]> {
  const by = new Map<number, TeammateActivity[]>();
  for (const t of list) {
    if (!t.online || t.conversation === null) continue;
    const on = by.get(t.conversation) ?? [];
    on.push(t);
    by.set(t.conversation, on);
  }
  for (const on of by.values()) on.sort((a, b) => Number(b.replying) - Number(a.replying) || a.agent.localeCompare(b.agent));
  return by;
}

const name = (t: TeammateActivity, width = 12): string => clip(safeLine(t.agent).replace(/\s+/g, ' ').trim() || '?', width);

/** The queue row's marker: "sam replying", "@sam" (viewing), "+1" when more; "" when nobody. */
export function rowMark(on: readonly TeammateActivity[] | undefined): string {
  const first = on?.[0];
  if (!first) return '';
  const more = on.length > 1 ? `+${on.length - 1}` : '';
  // Short: on 80 columns the queue pane is 34 wide, and the customer keeps a few columns too.
  return first.replying ? `${name(first, 6)} replying${more}` : `@${name(first, 8)}${more}`;
}

/** The conversation pane's line: "sam is replying · kim is viewing"; null when nobody. */
export function paneLine(on: readonly TeammateActivity[] | undefined): string | null {
  if (!on?.length) return null;
  return on.map((t) => `${name(t)} is ${t.replying ? 'replying' : 'viewing'}`).join(' · ');
}

/** The first teammate replying to the conversation, by name (sanitized), or null. */
export function replyingTeammate(list: readonly TeammateActivity[], conversationId: number): string | null {
  const t = list.find((x) => x.online && x.replying && x.conversation === conversationId);
  return t ? name(t) : null;
}
