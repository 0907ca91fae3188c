// A breakthrough in focus mode may ring the terminal's bell and raise a desktop notification
// (the OSC 9 sequence, for terminals that show it). Written straight to the terminal, outside
// Ink's frame, once per breakthrough (the focus session remembers which were announced).
import type { QueueFacts, Ranked } from '../../policy/queue.js';
import { shownRef } from '../../domain/conversation-ref.js';

export interface AlertSettings {
  bell: boolean;
  notify: boolean;
}

export function alertBreakthrough(settings: AlertSettings, b: Ranked<QueueFacts>, write: (s: string) => unknown = (s) => process.stdout.write(s)): void {
  if (settings.bell) write('\x07');
  if (settings.notify) write(`\x1b]9;attend: ${shownRef(b.item)} ${b.breached ? 'has breached' : 'is about to breach'} its target\x07`);
}
