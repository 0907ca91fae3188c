import { Box, Text } from 'ink';
import TextInput from 'ink-text-input';
import type { Theme } from '../theme.js';

/** A one-line input (search, tag, assign, note, skip reason, chat reply). Enter submits, esc cancels. */
export function Prompt(p: { label: string; value: string; onChange: (v: string) => void; onSubmit: (v: string) => void; width: number; theme: Theme }) {
  return (
    <Box width={p.width} height={1} overflow="hidden">
      <Box flexShrink={0}>
        <Text bold color={p.theme.accent}>
          {p.label}{' '}
        </Text>
      </Box>
      <Box flexGrow={1} overflow="hidden">
        <TextInput value={p.value} onChange={p.onChange} onSubmit={p.onSubmit} />
      </Box>
    </Box>
  );
}
