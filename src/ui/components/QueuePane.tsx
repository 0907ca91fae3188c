import { Box, Text } from 'ink';
import type { ConversationSummary } from '../../store/conversations.js';
import { dueLabel } from '../../app/queue-view.js';
import { timeLeftCell } from '../../policy/queue.js';
import type { QueueFilter } from '../model/queue-window.js';
import type { Theme } from '../theme.js';
import { clip, pad, safeLine } from '../text.js';

export interface QueuePaneProps {
  rows: ConversationSummary[];
  /** Index of the first row shown, in the whole filtered queue. */
  first: number;
  selected: number;
  total: number;
  filter: QueueFilter;
  width: number;
  height: number;
  active: boolean;
  now: number;
  theme: Theme;
}

/** Time left as a short cell: "4m", "-12m" (overdue), "" when nobody waits. */
function dueCell(c: ConversationSummary, now: number): string {
  return c.dueAt ? timeLeftCell(Date.parse(c.dueAt) - now) : '';
}

export function QueuePane(p: QueuePaneProps) {
  const filterText = [p.filter.status, p.filter.channel ?? 'all channels', p.filter.search ? `“${safeLine(p.filter.search)}”` : ''].filter(Boolean).join(' · ');
  const head = `${p.active ? '▌' : ' '}QUEUE (${p.total}) ${filterText}`;
  const bodyHeight = Math.max(1, p.height - 1);
  const idW = Math.max(3, ...p.rows.map((r) => String(r.id).length + 1));
  return (
    <Box flexDirection="column" width={p.width} height={p.height}>
      <Text bold color={p.active ? p.theme.accent : undefined} wrap="truncate-end">
        {clip(head, p.width)}
      </Text>
      {p.total === 0 ? (
        <Text dimColor={p.theme.dim} wrap="truncate-end">
          {p.filter.search || p.filter.status !== 'open' ? ' nothing matches — esc clears, F/c change filters' : ' nothing waiting. New mail and chats appear here.'}
        </Text>
      ) : null}
      {p.rows.slice(0, bodyHeight).map((c, i) => {
        const index = p.first + i;
        const isSel = index === p.selected;
        const due = dueCell(c, p.now);
        const breached = due.startsWith('-');
        const who = safeLine(c.customer.name || c.customer.email || 'visitor');
        const subject = safeLine(c.subject || c.preview || '(no subject)');
        const chan = c.channel === 'chat' ? 'chat' : 'mail';
        const mark = isSel ? '▸' : ' ';
        const fixed = `${mark}${pad(`#${c.id}`, idW)} ${pad(due, 4)} ${chan} `;
        const rest = Math.max(0, p.width - [...fixed].length);
        const whoW = Math.min(16, Math.floor(rest * 0.4));
        const line = `${fixed}${pad(who, whoW)} ${subject}`;
        return (
          <Text
            key={c.id}
            inverse={isSel && p.active}
            bold={isSel}
            color={breached ? p.theme.danger : undefined}
            dimColor={(c.status === 'resolved' || c.status === 'history') && p.theme.dim}
            wrap="truncate-end"
          >
            {clip(line, p.width)}
          </Text>
        );
      })}
    </Box>
  );
}

/** "due in 3m · chat · high · VIP": why the conversation sits where it does. */
export function reasonsLine(c: ConversationSummary, now: number): string {
  const priority = c.priority === 'normal' ? '' : c.priority;
  const why = c.reasons.filter((r) => r !== 'set' && r !== 'VIP').map(safeLine);
  return [dueLabel(c.dueAt, now), c.channel, priority, c.vip ? 'VIP' : '', ...why].filter((x) => x !== '').join(' · ');
}
