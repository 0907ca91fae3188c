import { type AppContext, closeContext, openContext } from '../app/context.js';

/** Opens settings + store for one command and always closes the store (WAL checkpoint on clean exit). */
export async function withContext<T>(fn: (ctx: AppContext) => Promise<T>, opts: { settings?: boolean; validateSettings?: boolean } = {}): Promise<T> {
  const ctx = await openContext(process.env, undefined, opts);
  try {
    return await fn(ctx);
  } finally {
    closeContext(ctx);
  }
}
