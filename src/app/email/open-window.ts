// An account's open window changed (`account set --open-window`): what is already stored is sorted
// again — mail inside the new window joins the queue, older mail becomes history.
import { openWindowMs } from '../../domain/open-window.js';
import { type Reclassified, reapplyOpenWindow as reclassify } from '../../store/history.js';
import type { AppContext } from '../context.js';

export function reapplyOpenWindow(ctx: Pick<AppContext, 'db' | 'now'>, account: string, window: string): Reclassified {
  const ms = openWindowMs(window);
  const now = ctx.now();
  return reclassify(ctx.db, account, ms === 0 ? null : now - ms, now);
}
