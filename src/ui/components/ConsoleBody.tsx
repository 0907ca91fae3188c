// The middle of the screen, by what is open: help, the focus digest, stats, a menu, focus's one
// conversation, or the queue beside the selected conversation.
import { Box, Text } from 'ink';
import type { ConversationData } from '../../app/conversations/conversation-view.js';
import type { Runtime } from '../../app/runtime.js';
import type { PromptHandlers } from '../commands/prompt-handlers.js';
import type { QueueSelection } from '../data/use-queue-selection.js';
import type { FocusControl } from '../effects/use-focus-session.js';
import type { TeamView } from '../effects/use-team.js';
import { paneLine, rowMark } from '../model/team-marks.js';
import { filtered } from '../model/overlays.js';
import { type ConsoleState, contextOf } from '../state/console-state.js';
import type { Layout } from '../state/layout.js';
import type { Theme } from '../theme.js';
import { Choice } from './Choice.js';
import { ConversationPane } from './ConversationPane.js';
import { DigestView, TextScreen } from './DigestView.js';
import { HelpOverlay } from './HelpOverlay.js';
import { InputLine } from './InputLine.js';
import { Prompt } from './Prompt.js';
import { QueuePane } from './QueuePane.js';
import { SplitView, focusIdleText } from './SplitView.js';

export interface ConsoleBodyProps {
  runtime: Runtime;
  state: ConsoleState;
  layout: Layout;
  queue: QueueSelection;
  data: ConversationData | null;
  shownId: number | null;
  focus: FocusControl;
  handlers: PromptHandlers;
  now: number;
  theme: Theme;
  /** Team mode: who views or replies where (collision detection). */
  team?: TeamView;
}

export function ConsoleBody(p: ConsoleBodyProps) {
  const { state, layout: l, theme, now, runtime } = p;
  const { overlay, mode } = state;
  const height = l.paneHeight;
  if (overlay?.kind === 'help') return <HelpOverlay context={contextOf(state)} width={l.width} height={height} theme={theme} />;
  if (mode === 'digest' && state.digest)
    return <DigestView digest={state.digest} labelOf={(id) => runtime.customerName(id)} refOf={(id) => runtime.refOf(id)} width={l.width} height={height} theme={theme} />;
  if (mode === 'stats' && state.statsLines)
    return <TextScreen title="Stats · last 7 days (any key returns; attend stats --help for more)" lines={state.statsLines} width={l.width} height={height} theme={theme} />;
  if (overlay?.kind === 'choice') {
    const filterInput =
      overlay.filter === undefined ? undefined : (
        <Prompt label="filter:" value={overlay.filter} onChange={(v) => p.handlers.overlayChange(overlay.token, v)} onSubmit={p.handlers.filterSubmit} width={l.width - 2} theme={theme} />
      );
    return (
      <Choice title={overlay.title} body={overlay.body} options={filtered(overlay.options, overlay.filter)} width={l.width} height={height} theme={theme} filterInput={filterInput} />
    );
  }
  const typing = p.shownId !== null && runtime.isTyping(p.shownId);
  // Only when something is typed there: the pane keeps its last line for a footer only then.
  const teamLine = p.shownId === null ? null : paneLine(p.team?.on.get(p.shownId));
  const footer = state.composer || overlay?.kind === 'prompt' ? <InputLine state={state} handlers={p.handlers} refOf={(id) => runtime.refOf(id)} width={l.footerWidth} theme={theme} /> : null;
  if (mode === 'focus') {
    if (state.focusId === null)
      return (
        <Box height={height} paddingLeft={1}>
          <Text>{focusIdleText(p.focus.idle())}</Text>
        </Box>
      );
    return <ConversationPane data={p.data} width={l.width} height={height} scroll={state.scroll} active typing={typing} now={now} theme={theme} footer={footer} team={teamLine} />;
  }
  const q = p.queue;
  const queue = (
    <QueuePane rows={q.rows} first={q.first} selected={q.selected} total={q.total} filter={state.filter} width={l.queueWidth} height={height} active={state.pane === 'queue'} now={now} theme={theme} markOf={(id) => rowMark(p.team?.on.get(id))} />
  );
  const conv = (
    <ConversationPane data={p.data} width={l.convWidth} height={height} scroll={state.scroll} active={state.pane === 'conversation'} typing={typing} now={now} theme={theme} footer={footer} team={teamLine} />
  );
  const leftOnly = state.pane === 'queue' && !state.composer && overlay?.kind !== 'prompt';
  return <SplitView left={queue} right={conv} showLeftOnly={leftOnly} twoPanes={l.twoPanes} height={height} theme={theme} />;
}
