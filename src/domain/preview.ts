// Pure: the one-line preview of a message shown in lists.
import { safeLine, safeText } from './sanitize.js';

/** Lines that start what is not the sender's own new text: signatures and quoted originals. */
const CUT_LINE = /^(--|-- |_{10,}|-{3,}\s*original message\s*-{3,}|-{3,}\s*forwarded message\s*-{3,})$/i;

/** One line of the first meaningful text: no quoted ">" lines, attributions or signature. */
export function previewOf(text: string, max = 140): string {
  const lines = safeText(text).split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (CUT_LINE.test(line)) break;
    if (line.startsWith('>')) continue;
    // "On Mon, 1 Jan 2024, Ann wrote:" introduces a quote; it may be wrapped over two lines.
    if (/wrote:$/i.test(line) || (/^on\s/i.test(line) && /wrote:$/i.test((lines[i + 1] ?? '').trim()))) continue;
    kept.push(line);
    if (kept.join(' ').length > max * 2) break; // enough for a preview: long bodies are not split further
  }
  let preview = safeLine(kept.join(' '));
  // Nothing but quotes: better the quoted text than an empty preview.
  if (!preview) preview = safeLine(lines.map((l) => l.replace(/^[>\s]+/, '')).join(' '));
  if (preview.length <= max) return preview;
  const cut = preview.slice(0, Math.max(0, max - 1)).replace(/[\ud800-\udbff]$/, '');
  return `${cut.trimEnd()}…`;
}
