// A one-line text input for the set-up. Not ink-text-input: a slow link or a paste hands the
// program text and Enter in one read ("imap.example.com\r"), and that must be the answer, not
// text with a line break in it. Backspace deletes, ctrl-u clears; the cursor stays at the end.
import { type Key, Text } from 'ink';
import { clip, safeLine } from '../text.js';

/** Applies one key press to a value; returns the new value, and the submitted one on Enter. */
export function editLine(value: string, input: string, key: Key): { value: string; submit?: string } {
  if (key.return) return { value, submit: value };
  if (key.backspace || key.delete) return { value: [...value].slice(0, -1).join('') };
  if (key.ctrl && input === 'u') return { value: '' };
  if (key.ctrl || key.meta || key.escape || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return { value };
  const cut = input.search(/[\r\n]/);
  // Control characters never become part of an answer (a pasted escape sequence, a stray tab).
  const typed = (text: string) => safeLine(text).replace(/[\t]/g, '');
  if (cut >= 0) {
    const done = value + typed(input.slice(0, cut));
    return { value: done, submit: done };
  }
  return { value: value + typed(input) };
}

/** The input as shown: the value (its end when it is too long) and a block cursor. */
export function LineView(p: { prefix: string; value: string; width: number; placeholder?: string }) {
  const room = Math.max(1, p.width - [...p.prefix].length - 1);
  const chars = [...p.value];
  const shown = chars.length > room ? `…${chars.slice(chars.length - room + 1).join('')}` : p.value;
  return (
    <Text>
      {p.prefix}
      {shown}
      <Text inverse> </Text>
      {p.value === '' && p.placeholder ? <Text dimColor>{` ${clip(p.placeholder, Math.max(0, room - 2))}`}</Text> : null}
    </Text>
  );
}
