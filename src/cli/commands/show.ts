import type { Command } from 'commander';
import { conversationDetail } from '../../app/conversations/conversation-detail.js';
import { safeFilename, safeLine, safeText } from '../../domain/sanitize.js';
import { CliError, EXIT } from '../exit-codes.js';
import { makeOutput } from '../output.js';
import { withContext } from '../run.js';
import { conversationArg, resolveConversation } from './ids.js';
import { conversationJson, historyJson } from '../conversation-json.js';
import { refInputLabel, shownRef } from '../../domain/conversation-ref.js';
import { claimLine, customerLine } from '../../domain/labels.js';

export function registerShow(program: Command): void {
  program
    .command('show')
    .description('show a conversation and its messages')
    .argument('<id>', 'conversation number (from attend list: 41, #41, or ~12 for one not numbered yet)')
    .option('--json', 'print JSON')
    .action(async (idArg: string, o: { json?: boolean }) => {
      const ref = conversationArg(idArg);
      await withContext(async (ctx) => {
        const detail = conversationDetail(ctx, resolveConversation(ctx, ref));
        if (!detail) throw new CliError(`no conversation ${refInputLabel(ref)}`, EXIT.noSuchConversation);
        const { conversation, messages, claimsToBe, customerHistory: history } = detail;
        const json = { conversation: conversationJson(conversation), messages, claimsToBe, customerHistory: history.map(historyJson) };
        makeOutput(Boolean(o.json)).data(json, () => {
          const c = conversation;
          const who = customerLine(c.customer, c.label);
          const head = [
            `${shownRef(c)} ${safeLine(c.subject || '(no subject)')}`,
            `${c.channel} · ${c.account} · ${c.status}${c.snoozedUntil ? ` until ${c.snoozedUntil}` : ''} · ${c.priority}` +
              `${c.assignee ? ` · assigned to ${safeLine(c.assignee)}` : ''}${c.tags.length ? ` · tags: ${c.tags.map(safeLine).join(', ')}` : ''}`,
            `customer: ${safeLine(who)}${c.page ? ` · wrote from ${safeLine(c.page)}` : ''}`,
            ...(claimsToBe ? [safeLine(claimLine(claimsToBe))] : []),
          ];
          if (c.status === 'history') head.push('history: imported from before the open window, not in the queue (a new message from the customer reopens it)');
          if (history.length) {
            head.push(`customer history: ${history.map((h) => `${h.channel} ${shownRef(h)} ${h.status} “${safeLine(h.subject || '…')}”`).join(', ')}`);
          }
          const body = messages.map((m) => {
            const label = m.direction === 'note' ? 'NOTE' : m.direction === 'out' ? 'OUT ' : 'IN  ';
            const from = person(m.from.name, m.from.email);
            const state = m.deliveryState && m.deliveryState !== 'sent' ? ` [${m.deliveryState}]` : '';
            const files = m.attachments.map((a) => `  📎 ${safeFilename(a.filename)} (${a.contentType}, ${formatSize(a.size)})`);
            // The reason goes right under the heading: the one line that says what to fix.
            const why = m.deliveryError === null ? [] : [`   not sent: ${safeLine(m.deliveryError)}`];
            return [`── ${label} ${m.sentAt} ${safeLine(from)}${state}`, ...why, safeText(m.text).trimEnd(), ...files].join('\n');
          });
          return `${head.join('\n')}\n\n${body.join('\n\n')}\n`;
        });
      }, { settings: false });
    });
}

/** "Ann <ann@x>", or whichever part exists. */
function person(name: string, email: string | null): string {
  if (name && email) return `${name} <${email}>`;
  return name || email || 'unknown';
}

function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
