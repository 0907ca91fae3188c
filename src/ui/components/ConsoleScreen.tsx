// The whole console screen: focus's banner, the body, focus's breakthrough line, the message line
// and the status bar.
import { Box, Text } from 'ink';
import { safeLine } from '../text.js';
import { BreakthroughLine } from './BreakthroughLine.js';
import { type ConsoleBodyProps, ConsoleBody } from './ConsoleBody.js';
import { FocusBanner } from './SplitView.js';
import { shownRef } from '../../domain/conversation-ref.js';
import { StatusBar } from './StatusBar.js';

export function ConsoleScreen(p: ConsoleBodyProps & { message: string }) {
  const { state, layout, runtime, theme, now } = p;
  const inFocus = state.mode === 'focus';
  const facts = p.focus.facts;
  const b = facts?.breakthrough;
  return (
    <Box flexDirection="column" width={layout.width} height={layout.height}>
      {inFocus ? (
        <FocusBanner
          // The shown conversation's own number; while its data loads, the store's (never the local id: in a team that is another's number).
          shown={state.focusId === null ? null : p.data?.conversation.id === state.focusId ? shownRef(p.data.conversation) : runtime.refOf(state.focusId)}
          label={p.data?.conversation.id === state.focusId ? p.data?.conversation.label : undefined}
          width={layout.width}
        />
      ) : null}
      <ConsoleBody {...p} />
      {inFocus ? (
        b ? (
          <BreakthroughLine item={b} who={runtime.customerName(b.item.id)} more={facts.moreBreakthroughs} width={layout.width} now={now} theme={theme} />
        ) : (
          <Text> </Text>
        )
      ) : null}
      <Text wrap="truncate-end" color={theme.accent}>
        {safeLine(p.message) || ' '}
      </Text>
      <StatusBar
        channels={[...runtime.channels.values()]}
        outbox={runtime.outbox()}
        waiting={inFocus ? (facts?.deferredCount ?? 0) : null}
        now={now}
        width={layout.width}
        theme={theme}
      />
    </Box>
  );
}
