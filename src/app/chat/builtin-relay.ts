// Where the built-in relay lives. Kept apart from the chat client so commands can ask without loading ws.
import path from 'node:path';
import { resolvePaths } from '../../config/paths.js';
import type { ChatAccount } from '../../config/settings.js';

/** The built-in relay's address: 127.0.0.1:7357, or the port in ATTEND_RELAY_PORT. */
export function builtinRelay(env: NodeJS.ProcessEnv): { host: string; port: number } {
  const port = Number(env.ATTEND_RELAY_PORT);
  return { host: '127.0.0.1', port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 7357 };
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

