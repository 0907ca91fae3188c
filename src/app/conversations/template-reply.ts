// `attend reply ID --template NAME`: everything that can go wrong (no such template, a bad front
// matter, an unknown variable, a snooze in the past) is found in prepare, before the reply is
// queued; the actions are applied only after it is safely in the outbox.
import { addTags, getConversation, setStatus } from '../../store/conversations.js';
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
 * Tags, then status or snooze. `statusOverride` (reply --status) replaces the template's status and
 * snooze: what the agent typed wins over the file. Returns a human line per action applied.
 */
export function applyTemplateActions(ctx: AppContext, conversationId: number, p: PreparedTemplateReply, statusOverride?: 'pending' | 'resolved'): string[] {
  const done: string[] = [];
  const now = ctx.now();
  const { tags, status } = p.template.actions;
  if (tags?.length) {
    addTags(ctx.db, conversationId, tags, now);
    done.push(`tagged ${tags.join(' ')}`);
  }
  if (statusOverride) return done;
  if (status) {
    setStatus(ctx.db, conversationId, status, now);
    done.push(status);
  } else if (p.snoozeUntil !== null) {
    setStatus(ctx.db, conversationId, 'snoozed', now, p.snoozeUntil);
    done.push(`snoozed until ${new Date(p.snoozeUntil).toISOString()}`);
  }
  return done;
}
