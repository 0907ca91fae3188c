import { Box, Text } from 'ink';
import type { QueueFilter } from '../../app/queue/queue-window.js';
import type { ConversationSummary } from '../../domain/conversation.js';
import { dueLabel } from '../../app/queue/queue-view.js';
import { timeLeftCell } from '../../policy/queue.js';
import type { Theme } from '../theme.js';
import { clip, pad, safeLine } from '../text.js';
import { fitLabel, rowText } from '../../domain/labels.js';
import { shownRef } from '../../domain/conversation-ref.js';

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
  /** Team mode: a teammate viewing ("@sam") or replying ("sam replying") to the row's conversation. */
  markOf?: (id: number) => string;
}

/** Time left as a short cell: "4m", "-12m" (overdue), "" when nobody waits. */
function dueCell(c: ConversationSummary, now: number): string {
  return c.dueAt ? timeLeftCell(Date.parse(c.dueAt) - now) : '';
}

export function QueuePane(p: QueuePaneProps) {
  const filterText = [viewText(p.filter), p.filter.status, p.filter.channel ?? 'all channels', p.filter.search ? `“${safeLine(p.filter.search)}”` : ''].filter(Boolean).join(' · ');
  const head = `${p.active ? '▌' : ' '}QUEUE (${p.total}) ${filterText}`;
  const bodyHeight = Math.max(1, p.height - 1);
  const idW = Math.max(3, ...p.rows.map((r) => shownRef(r).length));
  return (
    <Box flexDirection="column" width={p.width} height={p.height}>
      <Text bold color={p.active ? p.theme.accent : undefined} wrap="truncate-end">
        {clip(head, p.width)}
      </Text>
      {p.total === 0 ? (
        <Text dimColor={p.theme.dim} wrap="truncate-end">
          {emptyText(p.filter)}
        </Text>
      ) : null}
      {p.rows.slice(0, bodyHeight).map((c, i) => {
        const index = p.first + i;
        const isSel = index === p.selected;
        const due = dueCell(c, p.now);
        const breached = due.startsWith('-');
        const subject = rowText(c);
        const chan = c.channel === 'chat' ? 'chat' : 'mail';
        const mark = isSel ? '▸' : ' ';
        const fixed = `${mark}${pad(shownRef(c), idW)} ${pad(due, 4)} ${chan} `;
        const rest = Math.max(0, p.width - [...fixed].length);
        const team = p.markOf?.(c.id) ?? '';
        const teamCell = team ? `${team} ` : ''; // before the customer: on 80 columns the subject is cut first
        const fullWhoW = Math.min(28, Math.floor(rest * 0.55));
        const whoW = Math.max(Math.min(5, fullWhoW), fullWhoW - [...teamCell].length);
        const line = `${fixed}${teamCell}${pad(whoCell(c, whoW), whoW)} ${subject}`;
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

/** What an empty queue says: a search that found nothing says so, with the query — not the first-run hint. */
/** The view in the header when it is not everyone's (v cycles it). */
const viewText = (f: QueueFilter): string => (f.view === 'mine' ? 'mine' : f.view === 'unassigned' ? 'unassigned' : '');

export function emptyText(f: QueueFilter): string {
  if (f.search) return ` no match for “${safeLine(f.search)}” — esc clears the search`;
  if (viewText(f)) return ` nothing ${f.view === 'mine' ? 'assigned to you' : 'unassigned'} — v shows all`;
  if (f.status !== 'open' || f.channel) return ' nothing matches these filters — F/c change them';
  return ' nothing waiting. New mail and chats appear here.';
}

/** The row's who, fitted to its cell (a typed address keeps its "unverified" marker). */
export function whoCell(c: ConversationSummary, width: number): string {
  return fitLabel(c, width);
}

/** "due in 3m · chat · high · VIP" / "overdue 2d · email · backlog": why the conversation sits where it does. */
export function reasonsLine(c: ConversationSummary, now: number): string {
  const priority = c.priority === 'normal' ? '' : c.priority;
  const why = c.reasons.filter((r) => r !== 'set' && r !== 'VIP').map(safeLine);
  return [dueLabel(c.dueAt, now), c.channel, c.backlog ? 'backlog' : '', priority, c.vip ? 'VIP' : '', ...why].filter((x) => x !== '').join(' · ');
}
