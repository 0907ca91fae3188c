// The queue rows on screen and the selected one. The selection follows its conversation when the
// queue reorders under it — decided during the render, so no frame ever shows (or a key ever acts
// on) the row that slid under the cursor. The refs are a read model (what was last shown), not
// state: changing them never needs a new frame.
import { type Dispatch, useRef } from 'react';
import { type QueueWindow, queueWindowOf } from '../../app/queue/queue-window.js';
import type { ConversationSummary } from '../../domain/conversation.js';
import type { Runtime } from '../../app/runtime.js';
import { type ConsoleAction, type ConsoleState, clampCursor } from '../state/console-state.js';
import { windowTop } from '../state/layout.js';

export interface QueueSelection {
  total: number;
  rows: ConversationSummary[];
  /** Index of the first row shown, in the whole filtered queue. */
  first: number;
  selected: number;
  selectedId: number | null;
  /** No conversation at all, on any status or channel (a first run). */
  storeIsEmpty: () => boolean;
}

/** One queue window for the console's life: it caches a page of rows between renders. */
function useQueueWindow(runtime: Runtime): QueueWindow {
  const ref = useRef<QueueWindow | null>(null);
  ref.current ??= queueWindowOf(runtime);
  return ref.current;
}

export function useQueueSelection(
  runtime: Runtime,
  state: ConsoleState,
  dispatch: Dispatch<ConsoleAction>,
  version: number,
  visibleRows: number,
): QueueSelection {
  const win = useQueueWindow(runtime);
  const { filter } = state;
  const followedAt = useRef({ version, filter });
  const followId = useRef<number | null>(null);
  const shownCursor = useRef(state.cursor);
  const top = useRef(0);
  // Focus shows one conversation: the queue is not read at all while it lasts.
  const focus = state.mode === 'focus';
  const total = focus ? 0 : win.count(version, filter);
  let cursor = state.cursor;
  if (!focus && (followedAt.current.version !== version || followedAt.current.filter !== filter)) {
    const sameFilter = followedAt.current.filter === filter;
    followedAt.current = { version, filter };
    // A key that moved the cursor since the last frame wins: the agent aimed at what that frame
    // showed, and a store change landing in the same render must not undo the move.
    const moved = cursor !== shownCursor.current;
    const at = sameFilter && !moved && followId.current !== null ? win.indexOf(filter, followId.current) : null;
    if (at !== null && at !== cursor) {
      cursor = at;
      dispatch({ type: 'follow', at }); // a render-phase update: React re-renders before committing
    }
  }
  shownCursor.current = cursor;
  const selected = clampCursor(cursor, total);
  top.current = windowTop(top.current, selected, visibleRows, total);
  const rows = focus ? [] : win.rows(version, filter, top.current, visibleRows);
  const selectedId = rows[selected - top.current]?.id ?? null;
  if (!focus) followId.current = selectedId;
  return { total, rows, first: top.current, selected, selectedId, storeIsEmpty: () => win.storeIsEmpty() };
}
