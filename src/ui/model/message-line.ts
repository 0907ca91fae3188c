// The line under the panes: how to use the open input, else the last message, else — on a first
// run only — where the built-in relay's demo page is.
import type { ConsoleState } from '../state/console-state.js';

export function inputHint(s: Pick<ConsoleState, 'composer' | 'overlay' | 'mode'>): string | null {
  if (s.composer) return `enter sends${s.mode === 'focus' ? ' · tab sends and moves on' : ''} · esc keeps it as a draft · ctrl-c keeps it and stops`;
  if (s.overlay?.kind === 'prompt') return 'enter accepts · esc cancels';
  if (s.overlay?.kind === 'choice' && s.overlay.filter !== undefined) return 'type to filter · enter picks the first · esc cancels';
  return null;
}

/**
 * A new user's empty queue says where the demo page is — only when there really is nobody yet: an
 * empty search or filter is not a first run (the queue pane says "no match"). `storeIsEmpty` is
 * asked last, only when everything else says it may be a first run.
 */
export function firstRunHint(s: Pick<ConsoleState, 'mode' | 'filter'>, total: number, relayUrl: string | null, storeIsEmpty: () => boolean): string | null {
  const firstRun = s.mode === 'queue' && total === 0 && !s.filter.search && relayUrl !== null && storeIsEmpty();
  return firstRun ? `no customers yet: open ${relayUrl}/demo in a browser and write` : null;
}

export const NO_EMAIL_HINT = 'no email account yet — press A to add one';

/**
 * A first run (nothing in the queue, nothing stored) with no email account offers the set-up (A);
 * with the built-in relay it keeps the demo page's address beside it, shorter, so both fit 80
 * columns. Once conversations exist it stays quiet: `A` is in the help.
 */
export function setupHint(
  s: Pick<ConsoleState, 'mode' | 'filter'>,
  noEmailAccount: boolean,
  demoHint: string | null,
  relayUrl: string | null,
  total: number,
  storeIsEmpty: () => boolean,
): string | null {
  if (!noEmailAccount || s.mode !== 'queue' || total > 0 || s.filter.search || !storeIsEmpty()) return demoHint;
  return demoHint && relayUrl ? `press A to add an email account · or try the chat: ${relayUrl}/demo` : NO_EMAIL_HINT;
}

export function messageLine(s: ConsoleState, idleHint: () => string | null): string {
  return inputHint(s) ?? s.flash ?? idleHint() ?? '';
}
