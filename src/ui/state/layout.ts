// Where things go on the terminal: two panes when there is room, else the active one; one line for
// messages and one status bar at the bottom; focus mode adds its banner and breakthrough line.
import type { Mode } from './console-state.js';

export interface Layout {
  width: number;
  height: number;
  paneHeight: number;
  twoPanes: boolean;
  queueWidth: number;
  convWidth: number;
  /** Queue rows that fit under the pane's heading. */
  visibleRows: number;
  /** How far a half-page key moves the cursor or the transcript. */
  page: number;
  /** The width of a prompt under the conversation pane (or the whole screen). */
  footerWidth: number;
}

export function layoutFor(term: { columns: number; rows: number }, mode: Mode): Layout {
  const width = term.columns;
  const height = Math.max(6, term.rows - 1);
  const paneHeight = height - 2 - (mode === 'focus' ? 2 : 0);
  const twoPanes = width >= 70;
  const queueWidth = twoPanes ? Math.max(34, Math.min(60, Math.floor(width * 0.42))) : width;
  const convWidth = twoPanes ? width - queueWidth - 1 : width;
  const visibleRows = Math.max(1, paneHeight - 1);
  const footerWidth = mode === 'focus' || !twoPanes ? width - 2 : convWidth - 2;
  return { width, height, paneHeight, twoPanes, queueWidth, convWidth, visibleRows, page: Math.max(1, Math.floor(visibleRows / 2)), footerWidth };
}

/** The first queue row shown: moved only as far as needed to keep the selected row on screen. */
export function windowTop(top: number, selected: number, visibleRows: number, total: number): number {
  let t = top;
  if (selected < t) t = selected;
  if (selected >= t + visibleRows) t = selected - visibleRows + 1;
  return Math.max(0, Math.min(t, total - visibleRows));
}
