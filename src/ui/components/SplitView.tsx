import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { FocusIdle } from '../../app/queue/focus-session.js';
import type { Theme } from '../theme.js';
import { safeLine } from '../text.js';

/** Two panes side by side with a rule between them; on a narrow terminal only the active one. */
export function SplitView(p: { left: ReactNode; right: ReactNode; showLeftOnly: boolean; twoPanes: boolean; height: number; theme: Theme }) {
  if (!p.twoPanes) return <>{p.showLeftOnly ? p.left : p.right}</>;
  return (
    <Box flexDirection="row" height={p.height}>
      {p.left}
      <Box width={1} height={p.height} flexDirection="column">
        <Text dimColor={p.theme.dim}>{'│\n'.repeat(p.height).trimEnd()}</Text>
      </Box>
      {p.right}
    </Box>
  );
}

/** Focus mode's top line: which conversation and who, and the keys that matter most. */
export function FocusBanner(p: { shown: string | null; label?: string | undefined; width: number }) {
  const who = p.label ? ` ${safeLine(p.label)}` : '';
  const text = ` FOCUS${p.shown !== null ? ` · ${p.shown}${who}` : ''} · r reply · R resolve · p pending · s snooze · N next · f leave `;
  return (
    <Text inverse bold wrap="truncate-end">
      {text.padEnd(p.width).slice(0, p.width)}
    </Text>
  );
}

/**
 * What focus says when it shows nothing — true to the status bar: "Nothing is waiting" only when
 * nothing is; otherwise how many wait and why none is shown (skipped or handled this session).
 */
export function focusIdleText(i: FocusIdle): string {
  if (i.claiming) return 'Claiming the next conversation at the team hub…';
  if (i.waiting === 0) return 'Nothing is waiting. Well done. (f leaves focus and shows the digest)';
  // In a team: what teammates hold is theirs, not "waiting" for me.
  if (i.held && i.held + i.skipped + i.handled >= i.waiting)
    return `${i.waiting} waiting: ${i.held} held by teammates${i.skipped + i.handled ? `, ${i.skipped + i.handled} skipped or handled` : ''} — N tries again · f leaves focus`;
  const aside = i.skipped + i.handled;
  // Some not put aside: one arrived this instant and is about to be shown.
  if (aside < i.waiting) return `${i.waiting} waiting — N shows the next · f leaves focus`;
  const why = i.skipped > 0 && i.handled > 0 ? 'skipped or handled' : i.skipped > 0 ? 'skipped' : 'handled';
  return `${i.waiting} waiting, all ${why} this session — N shows them again · f leaves focus`;
}
