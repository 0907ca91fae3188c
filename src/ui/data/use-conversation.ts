// The conversation on screen, re-read when the store changed, and its transcript back at the
// newest message whenever another conversation comes up.
import { type Dispatch, useEffect, useMemo } from 'react';
import { type ConversationData, readConversation } from '../../app/conversations/conversation-view.js';
import type { Runtime } from '../../app/runtime.js';
import type { ConsoleAction } from '../state/console-state.js';

export function useConversation(runtime: Runtime, id: number | null, version: number, dispatch: Dispatch<ConsoleAction>): ConversationData | null {
  // biome-ignore lint/correctness/useExhaustiveDependencies: version is the trigger: re-read when the store changed
  const data = useMemo(() => (id === null ? null : readConversation(runtime, id)), [runtime, id, version]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a different conversation starts at its newest message
  useEffect(() => dispatch({ type: 'scroll-reset' }), [id]);
  return data;
}
