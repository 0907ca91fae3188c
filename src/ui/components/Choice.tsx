import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { Theme } from '../theme.js';
import { clip, safeLine, wrap } from '../text.js';

export interface ChoiceOption {
  key: string;
  label: string;
}

/**
 * A short menu answered with one key (snooze presets, priority), or — with a filter input in
 * `filterInput` — a list narrowed by typing, whose first entry Enter picks (templates).
 */
export function Choice(p: {
  title: string;
  /** Text shown between the title and the options (a teammate's reply before sending mine), cut to fit. */
  body?: string[];
  options: ChoiceOption[];
  width: number;
  height: number;
  theme: Theme;
  filterInput?: ReactNode;
}) {
  const shown = p.options.slice(0, Math.max(1, p.height - (p.filterInput ? 3 : 2)));
  const room = Math.max(0, p.height - 2 - shown.length - (p.filterInput ? 1 : 0));
  const body = (p.body ?? []).flatMap((l) => wrap(l, p.width - 4));
  const bodyShown = body.length > room ? [...body.slice(0, Math.max(0, room - 1)), '…'] : body;
  return (
    <Box flexDirection="column" paddingLeft={1} height={p.height}>
      <Text bold color={p.theme.accent}>
        {clip(`${p.title} (esc cancels)`, p.width - 2)}
      </Text>
      {bodyShown.map((l, i) => (
        <Text key={`b${i}`} wrap="truncate-end">
          {`  ${l}` || ' '}
        </Text>
      ))}
      {p.filterInput ?? null}
      {p.filterInput && p.options.length === 0 ? <Text>  nothing matches</Text> : null}
      {shown.map((o, i) => (
        <Text key={`${o.key}-${o.label}`} wrap="truncate-end" inverse={Boolean(p.filterInput) && i === 0}>
          {clip(p.filterInput ? `  ${safeLine(o.label)}` : `  ${o.key}  ${safeLine(o.label)}`, p.width - 2)}
        </Text>
      ))}
      {p.options.length > shown.length ? <Text dimColor={p.theme.dim}>{`  … ${p.options.length - shown.length} more: type to narrow`}</Text> : null}
    </Box>
  );
}
