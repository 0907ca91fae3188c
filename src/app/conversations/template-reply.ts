// `attend reply ID --template NAME`: everything that can go wrong (no such template, a bad front
// matter, an unknown variable, a snooze in the past) is found in prepare, before the reply is
// queued; the actions are applied (by the reply sequence) only after it is safely in the outbox.
import { getConversation } from '../../store/conversations.js';
import type { ConversationAction } from './actions.js';
import type { AppContext } from '../context.js';
import { NotFoundError } from './replies.js';
import { type Template, TemplateError, conversationVars, findTemplate, renderTemplate, snoozeUntil, templatesDir } from './templates.js';

export interface PreparedTemplateReply {
  template: Template;
  body: string;
  /** The front-matter snooze as a time, fixed before queueing. */
  snoozeUntil: number | null;
}

export function prepareTemplateReply(ctx: AppContext, conversationId: number, name: string, extraVars: Record<string, string>): PreparedTemplateReply {
  const conv = getConversation(ctx.db, conversationId);
  if (!conv) throw new NotFoundError(`no conversation ${conversationId}`);
  const dir = templatesDir(ctx.env, ctx.settings.get('templates')?.dir);
  const template = findTemplate(dir, name);
  if (!template) throw new TemplateError(`no template ${name} in ${dir} (attend template list shows them)`);
  // --var wins over the conversation's own values, so a script can correct a customer's name.
  const body = renderTemplate(template, { ...conversationVars(conv, ctx.settings.get('agent').name), ...extraVars });
  return { template, body, snoozeUntil: snoozeUntil(template, ctx.now()) };
}

/**
 * What the template asks for after its reply: tags, then status or snooze. `statusOverride`
 * (reply --status) replaces the template's status and snooze: what the agent typed wins over the file.
 * Applied by the reply sequence (service.ts) through the same actions as everything else.
 */
export function templateActions(p: PreparedTemplateReply, statusOverride?: 'pending' | 'resolved'): ConversationAction[] {
  const planned: ConversationAction[] = [];
  const { tags, status } = p.template.actions;
  if (tags?.length) planned.push({ kind: 'tag', add: tags, remove: [] });
  if (statusOverride) return planned;
  if (status) planned.push({ kind: status === 'resolved' ? 'resolve' : 'pending' });
  else if (p.snoozeUntil !== null) planned.push({ kind: 'snooze', until: p.snoozeUntil });
  return planned;
}
