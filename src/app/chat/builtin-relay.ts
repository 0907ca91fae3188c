// The built-in relay: where it lives, its account, and starting it in this process. Where it lives
// is kept apart from the chat client so commands can ask without loading ws; the relay server
// itself is loaded only when it starts.
import path from 'node:path';
import { resolvePaths } from '../../config/paths.js';
import type { ChatAccount } from '../../config/settings.js';
import { DEFAULT_PORT } from '../../protocol/transport.js';
import type { AppContext } from '../context.js';
import { chatHoursOf } from './chat-hours.js';

/** The built-in relay's address: 127.0.0.1 on the protocol's default port, or the port in ATTEND_RELAY_PORT. */
export function builtinRelay(env: NodeJS.ProcessEnv): { host: string; port: number } {
  const port = Number(env.ATTEND_RELAY_PORT);
  return { host: '127.0.0.1', port: Number.isInteger(port) && port > 0 && port < 65536 ? port : DEFAULT_PORT };
}

/** When no chat account is configured, the console runs a relay in-process and talks to it as "local". */
export function builtinChatAccount(env: NodeJS.ProcessEnv): ChatAccount {
  const relay = builtinRelay(env);
  return {
    type: 'chat',
    name: 'local',
    url: `ws://${relay.host}:${relay.port}`,
    token: { file: path.join(resolvePaths(env).config, 'relay-token') },
  };
}

export interface BuiltinRelay {
  /** Where visitors and the demo page reach it, e.g. http://127.0.0.1:7357 (ATTEND_RELAY_PORT moves it). */
  url: string;
  /** Stops it; a no-op when another process's relay was already listening there. */
  close(): Promise<void>;
}

/**
 * Starts the built-in relay in this process. A relay already listening on its port (another
 * console, `attend relay`) is used as it is; any other failure is said once and gives null: chat
 * stays offline while email works — it never stops the process.
 */
export async function startBuiltinRelay(ctx: AppContext, log: (line: string) => void): Promise<BuiltinRelay | null> {
  const where = builtinRelay(ctx.env);
  const url = `http://${where.host}:${where.port}`;
  const { startRelay } = await import('../../relay/server.js');
  try {
    const chatHours = chatHoursOf(ctx.settings);
    const relay = await startRelay({ host: where.host, port: where.port, env: ctx.env, log: () => {}, ...(chatHours ? { chatHours } : {}) });
    return { url, close: () => relay.close() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
      log(`cannot start the chat relay: ${(err as Error).message}`);
      return null;
    }
    log(`port ${where.port} is in use: using the relay already running there`);
    return { url, close: async () => {} };
  }
}
