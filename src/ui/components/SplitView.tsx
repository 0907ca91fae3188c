import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { Theme } from '../theme.js';

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

/** Focus mode's top line: which conversation, and the keys that matter most. */
export function FocusBanner(p: { id: number | null; width: number }) {
  const text = ` FOCUS${p.id !== null ? ` · #${p.id}` : ''} · r reply · R resolve · p pending · s snooze · N next · f leave `;
  return (
    <Text inverse bold wrap="truncate-end">
      {text.padEnd(p.width).slice(0, p.width)}
    </Text>
  );
}
