// Focus mode's session: started and ended on the agent's keys, and on every store change or clock
// tick it sorts the new activity (current / deferred / hidden), sends the queue notices to chat
// visitors, and rings for a new breakthrough — in an effect, never during a render. The session
// object lives in a ref: it is the app layer's record of this session, not the view's state.
import { type Dispatch, useCallback, useEffect, useRef, useState } from 'react';
import type { FocusFacts, FocusIdle, FocusSession } from '../../app/queue/focus-session.js';
import { openFocusSession } from '../../app/queue/queue-window.js';
import type { Runtime } from '../../app/runtime.js';
import type { HandledItem } from '../../policy/focus.js';
import type { ConsoleAction, Mode } from '../state/console-state.js';
import { alertBreakthrough } from './terminal-alert.js';

export interface FocusControl {
  /** What the banner, the breakthrough line and the status bar show; null outside focus. */
  facts: FocusFacts | null;
  session: () => FocusSession | null;
  start: () => void;
  /** Ends the session and shows its digest. */
  leave: () => void;
  /** Ends the session without a digest (the console is closing). */
  close: () => void;
  /** After a status action or reply on `id`: the next conversation comes up (send-and-next). */
  handled: (id: number, outcome: HandledItem['outcome']) => void;
  idle: () => FocusIdle;
}

export function useFocusSession(
  runtime: Runtime,
  mode: Mode,
  clock: { version: number; now: number },
  dispatch: Dispatch<ConsoleAction>,
  startInFocus = false,
): FocusControl {
  const { version, now } = clock;
  const ref = useRef<FocusSession | null>(null);
  const [facts, setFacts] = useState<FocusFacts | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: version and the clock are the triggers
  useEffect(() => {
    const s = ref.current;
    if (mode !== 'focus' || !s) return;
    s.setPolicy(runtime.policy);
    for (const n of s.observe()) void runtime.notice(n.conversationId, n.text).catch((err) => runtime.log(`queue notice: ${(err as Error).message}`));
    const f = s.facts();
    setFacts(f);
    // facts() shows a newcomer when focus was idle: follow the session's choice.
    dispatch({ type: 'focus-shows', id: s.currentId });
    const b = f.breakthrough;
    if (b && s.announce(b.item.id)) alertBreakthrough(runtime.policy.focus.breakthrough, b);
  }, [mode, version, now, runtime]);

  const start = useCallback(() => {
    // In a team what focus shows is claimed at the hub first: the session says when it is.
    const s: FocusSession = openFocusSession(runtime, (id, note) => {
      if (ref.current !== s) return; // left meanwhile
      dispatch({ type: 'focus-shows', id });
      if (note) dispatch({ type: 'say', text: note });
    });
    ref.current = s;
    setFacts(null);
    dispatch({ type: 'focus-started', id: s.currentId });
    const nothing = s.currentId === null && !s.claiming;
    dispatch({ type: 'say', text: nothing ? 'focus: nothing is waiting — f leaves' : 'focus: one conversation at a time; the rest waits' });
  }, [runtime, dispatch]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: once, at start
  useEffect(() => {
    if (startInFocus) start();
  }, []);

  const leave = useCallback(() => {
    const s = ref.current;
    if (!s) return;
    ref.current = null;
    dispatch({ type: 'focus-ended', digest: s.end() });
  }, [dispatch]);

  const close = useCallback(() => {
    ref.current?.end();
    ref.current = null;
  }, []);

  const handled = useCallback(
    (id: number, outcome: HandledItem['outcome']) => {
      const s = ref.current;
      if (!s || s.currentId !== id) return; // the agent moved on (or left focus) meanwhile
      dispatch({ type: 'focus-shows', id: s.handle(id, outcome) });
    },
    [dispatch],
  );

  const session = useCallback(() => ref.current, []);
  const idle = useCallback(() => ref.current?.idle() ?? { waiting: 0, skipped: 0, handled: 0 }, []);
  return { facts: mode === 'focus' ? facts : null, session, start, leave, close, handled, idle };
}
