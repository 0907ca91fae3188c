// The --template / --var side of `attend reply`: option checks up front, as usage errors (exit 2);
// the template itself is rendered by the conversation service, before anything is queued.
import { TemplateError, parseVarAssignments } from '../../app/conversations/templates.js';
import { UsageError } from '../exit-codes.js';
import type { BodyOptions } from './body.js';

/** --template replaces the body options (mixing them would leave it unclear what is sent); --var needs --template. */
export function templateOptions(o: BodyOptions & { template?: string; var?: string[] }): Record<string, string> {
  const pairs = o.var ?? [];
  if (o.template === undefined) {
    if (pairs.length) throw new UsageError('--var only works with --template NAME');
    return {};
  }
  if (o.body !== undefined || o.bodyFile !== undefined || o.stdin) throw new UsageError('give either --template NAME or the text (--body, --body-file, --stdin), not both');
  return asUsageError(() => parseVarAssignments(pairs));
}

function asUsageError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TemplateError) throw new UsageError(err.message);
    throw err;
  }
}
