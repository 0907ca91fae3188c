import { type AppContext, closeContext, openContext } from '../app/context.js';

/** Opens settings + store for one command and always closes the store (WAL checkpoint on clean exit). */
export async function withContext<T>(
  fn: (ctx: AppContext) => Promise<T>,
  opts: { settings?: boolean; validateSettings?: boolean; liveSettings?: boolean } = {},
): Promise<T> {
  const ctx = await openContext(process.env, undefined, opts);
  try {
    return await fn(ctx);
  } finally {
    closeContext(ctx);
  }
}

/**
 * A signal that aborts on SIGINT or SIGTERM, for commands that run until stopped.
 * `on`, not `once`: a repeated signal (conf's exit hook re-raises them) must not kill the
 * process mid-shutdown.
 */
export function stopOnSignals(): AbortSignal {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return stop.signal;
}
