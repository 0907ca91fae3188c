import { Box, Text } from 'ink';
import { type Context, KEYMAP } from '../keys/keymap.js';
import type { Theme } from '../theme.js';
import { clip, pad } from '../text.js';

/** In a team, what a row or pane says about teammates (collision detection). */
export const TEAM_LEGEND = 'team: "@sam" sam views it · "sam replying" sam writes a reply (r asks first)';

/** Every binding of the current context, generated from the keymap table (two columns when they fit). */
export function HelpOverlay(p: { context: Context; width: number; height: number; theme: Theme }) {
  const rows = KEYMAP[p.context].map((b) => `${pad(b.keys.join(' '), 14)} ${b.help}`);
  const avail = Math.max(1, p.height - 3); // the title, and the team legend at the bottom
  const columns = rows.length > avail && p.width >= 80 ? 2 : 1;
  const perCol = Math.ceil(rows.length / columns);
  const colW = Math.floor((p.width - 2) / columns);
  const lines: string[] = [];
  for (let i = 0; i < perCol; i++) {
    lines.push(Array.from({ length: columns }, (_, c) => pad(rows[c * perCol + i] ?? '', colW)).join(' ').trimEnd());
  }
  return (
    <Box flexDirection="column" width={p.width} height={p.height} paddingLeft={1}>
      <Text bold color={p.theme.accent}>
        {clip(`Keys — ${p.context} (any key closes)`, p.width - 2)}
      </Text>
      
      {lines.slice(0, avail).map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {l}
        </Text>
      ))}
      {lines.length > avail ? <Text dimColor={p.theme.dim}>{clip(`… ${lines.length - avail} more: widen the terminal`, p.width - 2)}</Text> : null}
      <Text dimColor={p.theme.dim} wrap="truncate-end">
        {clip(TEAM_LEGEND, p.width - 2)}
      </Text>
    </Box>
  );
}
