import { Box, Text } from 'ink';
import { type ReactNode, useMemo } from 'react';
import type { ConversationData } from '../../app/conversations/conversation-view.js';
import { type Line, transcriptLines } from '../model/transcript.js';
import type { Theme } from '../theme.js';
import { clip, safeLine } from '../text.js';
import { reasonsLine } from './QueuePane.js';
import { claimLine, customerLine, rowText } from '../../domain/labels.js';
import { shownRef } from '../../domain/conversation-ref.js';

export interface ConversationPaneProps {
  data: ConversationData | null;
  width: number;
  height: number;
  /** Lines scrolled up from the newest (0 = the end of the transcript is visible). */
  scroll: number;
  active: boolean;
  typing: boolean;
  now: number;
  theme: Theme;
  /** The composer or a prompt, shown under the transcript. */
  footer?: ReactNode;
  footerHeight?: number;
  /** Team mode: "sam is replying · kim is viewing" (sanitized), or null. */
  team?: string | null;
}

function toneColor(l: Line, t: Theme): string | undefined {
  if (l.tone === 'failed') return t.danger;
  if (l.tone === 'note') return t.warn;
  if (l.tone === 'out') return t.ok;
  return undefined;
}

export function headerLines(d: ConversationData, now: number, typing: boolean, team: string | null = null): string[] {
  const c = d.conversation;
  const who = customerLine(c.customer, c.label);
  const status = c.status === 'snoozed' && c.snoozedUntil ? `snoozed until ${new Date(c.snoozedUntil).toLocaleString()}` : c.status;
  // Chat: who and where from (an anonymous visitor's label already says where).
  const title = c.channel === 'chat' ? (c.page && !c.label.endsWith(` · ${c.page}`) ? `${c.label} · ${c.page}` : c.label) : rowText(c);
  const lines = [`${shownRef(c)} ${safeLine(title)}`, `${safeLine(who)} · ${status} · ${reasonsLine(c, now)}`];
  if (team) lines.push(team);
  if (d.claim) lines.push(safeLine(claimLine(d.claim)));
  const extra = [
    c.tags.length ? `tags: ${c.tags.map(safeLine).join(' ')}` : '',
    c.assignee ? `assigned: ${safeLine(c.assignee)}` : '',
    typing ? 'typing…' : '',
    d.failedReason ? 'reply FAILED (why: below) — X retries' : '',
  ].filter(Boolean);
  if (extra.length) lines.push(extra.join(' · '));
  if (d.history.length) {
    lines.push(`history: ${d.history.map((h) => `${h.channel} ${shownRef(h)} ${h.status} “${safeLine(h.subject || '…')}”`).join(', ')}`);
  }
  return lines;
}

export function ConversationPane(p: ConversationPaneProps) {
  const inner = Math.max(10, p.width - 2);
  const minute = Math.floor(p.now / 60_000);
  // biome-ignore lint/correctness/useExhaustiveDependencies: time labels change by the minute, not by the second tick
  const lines = useMemo(() => (p.data ? transcriptLines(p.data, inner, p.now) : []), [p.data, inner, minute]);
  if (!p.data) {
    return (
      <Box flexDirection="column" width={p.width} height={p.height} paddingLeft={1}>
        <Text dimColor={p.theme.dim}>No conversation selected.</Text>
      </Box>
    );
  }
  const header = headerLines(p.data, p.now, p.typing, p.team ?? null);
  const footerHeight = p.footer ? (p.footerHeight ?? 1) : 0;
  const bodyHeight = Math.max(1, p.height - header.length - 1 - footerHeight);
  const maxScroll = Math.max(0, lines.length - bodyHeight);
  const scroll = Math.min(p.scroll, maxScroll);
  const end = lines.length - scroll;
  const shown = lines.slice(Math.max(0, end - bodyHeight), end);
  const more = end - shown.length;
  return (
    <Box flexDirection="column" width={p.width} height={p.height} paddingLeft={1}>
      {header.map((h, i) => (
        <Text key={`h${i}`} bold={i === 0} color={i === 0 && p.active ? p.theme.accent : undefined} wrap="truncate-end">
          {clip(h, inner)}
        </Text>
      ))}
      <Text dimColor={p.theme.dim} wrap="truncate-end">
        {clip(`${'─'.repeat(2)} ${more > 0 ? `${more} more above · k/pgup` : 'start of conversation'} ${'─'.repeat(inner)}`, inner)}
      </Text>
      <Box flexDirection="column" height={bodyHeight}>
        
        {shown.map((l, i) => (
          <Text key={`l${end - shown.length + i}`} color={toneColor(l, p.theme)} bold={l.text.startsWith('── ')} wrap="truncate-end">
            {l.text === '' ? ' ' : l.text}
          </Text>
        ))}
      </Box>
      {p.footer ? <Box height={footerHeight}>{p.footer}</Box> : null}
    </Box>
  );
}
