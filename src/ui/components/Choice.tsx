import { Box, Text } from 'ink';
import type { Theme } from '../theme.js';
import { clip } from '../text.js';

export interface ChoiceOption {
  key: string;
  label: string;
}

/** A short menu answered with one key (snooze presets, priority, templates). */
export function Choice(p: { title: string; options: ChoiceOption[]; width: number; theme: Theme }) {
  return (
    <Box flexDirection="column" paddingLeft={1}>
      <Text bold color={p.theme.accent}>
        {clip(`${p.title} (esc cancels)`, p.width - 2)}
      </Text>
      {p.options.map((o) => (
        <Text key={o.key} wrap="truncate-end">
          {clip(`  ${o.key}  ${o.label}`, p.width - 2)}
        </Text>
      ))}
    </Box>
  );
}
