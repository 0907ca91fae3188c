// A conversation laid out for the terminal: its transcript as toned lines, and the context the
// editor shows under a reply. Pure: the data comes from app/conversations/conversation-view.ts.
import type { ConversationData } from '../../app/conversations/conversation-view.js';
import type { MessageView } from '../../domain/message.js';
import { quoteOriginal } from '../../domain/reply.js';
import { humanSize, safeLine, safeText, when, wrap } from '../text.js';

export type Tone = 'in' | 'out' | 'note' | 'meta' | 'failed';

export interface Line {
  text: string;
  tone: Tone;
}

function heading(m: MessageView, now: number): Line {
  const at = when(m.sentAt, now);
  if (m.direction === 'note') return { text: `── note · ${safeLine(m.from.name || 'agent')} · ${at}`, tone: 'note' };
  if (m.direction === 'out') {
    const state = m.deliveryState === 'failed' ? 'FAILED' : (m.deliveryState ?? 'sent');
    return { text: `── ${safeLine(m.from.name || 'you')} · ${at} · ${state}`, tone: m.deliveryState === 'failed' ? 'failed' : 'out' };
  }
  const who = m.from.name && m.from.email ? `${safeLine(m.from.name)} <${safeLine(m.from.email)}>` : safeLine(m.from.name || m.from.email || 'visitor');
  return { text: `── ${who} · ${at}`, tone: 'in' };
}

/** Strips the quoted history an email client appends ("On … wrote:" and "> " lines at the end). */
function withoutTrailingQuote(text: string): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  let end = lines.length;
  while (end > 0 && (/^\s*>/.test(lines[end - 1] as string) || (lines[end - 1] as string).trim() === '')) end--;
  if (end < lines.length && end > 0 && /wrote:\s*$/.test(lines[end - 1] as string)) end--;
  return end === 0 ? text : lines.slice(0, end).join('\n');
}

export function transcriptLines(d: ConversationData, width: number, now: number): Line[] {
  const out: Line[] = [];
  for (const m of d.messages) {
    out.push(heading(m, now));
    const text = d.conversation.channel === 'email' ? withoutTrailingQuote(m.text) : m.text;
    const tone: Tone = m.direction === 'note' ? 'note' : m.direction === 'out' ? 'out' : 'in';
    for (const l of wrap(text, width)) out.push({ text: l, tone });
    for (const a of m.attachments) out.push({ text: `[attachment] ${safeLine(a.filename)} (${safeLine(a.contentType)}, ${humanSize(a.size)})`, tone: 'meta' });
    // A refused reply says why, whole (wrapped, never cut), after its text: a failed reply is
    // usually the newest message, so the reason is what the pane shows first.
    if (m.deliveryError !== null) for (const l of wrap(`not sent: ${m.deliveryError}`, width)) out.push({ text: l, tone: 'failed' });
    out.push({ text: '', tone: 'meta' });
  }
  if (out.length && out[out.length - 1]?.text === '') out.pop();
  return out;
}

/** What the editor shows under the scissors: the quoted original (email) or the last lines (chat). */
export function editorContext(d: ConversationData): string {
  const inbound = d.messages.filter((m) => m.direction === 'in');
  const last = inbound[inbound.length - 1];
  if (d.conversation.channel === 'email' && last) {
    return safeText(quoteOriginal({ messageId: last.externalId, from: last.from, subject: last.subject, sentAt: Date.parse(last.sentAt), text: last.text }));
  }
  return d.messages
    .filter((m) => m.direction !== 'note')
    .slice(-10)
    .map((m) => `> ${safeLine(m.direction === 'out' ? 'you' : m.from.name || m.from.email || 'visitor')}: ${safeLine(m.text)}`)
    .join('\n');
}
