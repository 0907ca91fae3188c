import { Box, Text } from 'ink';
import type { Digest } from '../../policy/focus.js';
import { formatDuration, timeLeftLabel } from '../../policy/queue.js';
import type { Theme } from '../theme.js';
import { clip, safeLine } from '../text.js';

/** `labelOf` names a conversation's customer ("Ann", "visitor 7f3a · /pricing") beside its number (`refOf`: "#41", or "~12" not numbered yet). */
export function digestLines(
  d: Digest & { minutes: number },
  labelOf: (id: number) => string = () => '',
  refOf: (id: number) => string = (id) => `#${id}`,
): string[] {
  const lines = [`While you were focused (${d.minutes} min)`, ''];
  if (d.byChannel.length === 0) lines.push('Nothing arrived elsewhere.');
  for (const ch of d.byChannel) {
    const items = ch.items
      .slice(0, 5)
      .map((i) => {
        const who = safeLine(labelOf(i.conversationId));
        return `${refOf(i.conversationId)}${who ? ` ${who}` : ''}${i.timeLeft === null ? '' : ` ${timeLeftLabel(i.timeLeft)}`}`;
      });
    lines.push(`${ch.channel}: ${ch.conversations} conversation${ch.conversations === 1 ? '' : 's'}, ${ch.messages} message${ch.messages === 1 ? '' : 's'} — ${items.join(', ')}${ch.items.length > 5 ? ', …' : ''}`);
  }
  lines.push('');
  const median = d.handled.medianMs === null ? '' : ` · median handle time ${formatDuration(d.handled.medianMs)}`;
  lines.push(`You handled ${d.handled.count} conversation${d.handled.count === 1 ? '' : 's'}${median}.`);
  if (d.skipped.length) lines.push(`Skipped: ${d.skipped.map((s) => `${s.count} ${s.reason}`).join(', ')}.`);
  lines.push('', 'Any key returns to the queue.');
  return lines;
}

export function DigestView(p: {
  digest: Digest & { minutes: number };
  labelOf?: (id: number) => string;
  refOf?: (id: number) => string;
  width: number;
  height: number;
  theme: Theme;
}) {
  const lines = digestLines(p.digest, p.labelOf, p.refOf);
  return (
    <Box flexDirection="column" width={p.width} height={p.height} paddingLeft={1}>
      
      {lines.slice(0, p.height).map((l, i) => (
        <Text key={i} bold={i === 0} color={i === 0 ? p.theme.accent : undefined} wrap="truncate-end">
          {l === '' ? ' ' : clip(l, p.width - 2)}
        </Text>
      ))}
    </Box>
  );
}

/** A full-screen page of text (the stats report): any key returns. */
export function TextScreen(p: { title: string; lines: string[]; width: number; height: number; theme: Theme }) {
  return (
    <Box flexDirection="column" width={p.width} height={p.height} paddingLeft={1}>
      <Text bold color={p.theme.accent} wrap="truncate-end">
        {clip(p.title, p.width - 2)}
      </Text>
      {p.lines.slice(0, p.height - 1).map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {l === '' ? ' ' : clip(l, p.width - 2)}
        </Text>
      ))}
    </Box>
  );
}
