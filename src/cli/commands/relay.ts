// `attend relay` runs the chat relay in the foreground until SIGINT/SIGTERM; `attend relay token`
// prints the agent token (the owner's); `attend relay agent add|list|remove` manage a team's other
// agents. The relay module is loaded lazily: other commands never pay for ws.
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { makeOutput } from '../output.js';
import type { AgentRegistry } from '../../relay/agent-registry.js';
import { AGENT_PATH, DEFAULT_PORT } from '../../protocol/transport.js';

interface RelayFlags {
  host: string;
  port: string;
  allowedOrigin: string[];
  publicUrl?: string;
  hours?: string;
  trustProxy: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

function parsePort(s: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${s}"`);
  return n;
}

function parsePublicUrl(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return u.href.replace(/\/+$/, '');
  } catch {
    throw new UsageError(`--public-url must be an http(s) URL, e.g. https://chat.example.com, not "${s}"`);
  }
}

/** One clear line for the ways listen() fails. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): CliError {
  switch (err.code) {
    case 'EADDRINUSE':
      return new CliError(`port ${port} is in use (another relay? pick one with --port)`);
    case 'EACCES':
      return new CliError(`not allowed to listen on port ${port}${port < 1024 ? ' (ports below 1024 need privileges)' : ''}`);
    case 'EADDRNOTAVAIL':
      return new CliError(`cannot listen on ${host}: this machine has no such address`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CliError(`cannot listen on ${host}: unknown host name`);
    default:
      return new CliError(err.message);
  }
}

const stamp = () => new Date().toISOString().slice(11, 19);

export function registerRelay(program: Command): void {
  const relay = program
    .command('relay')
    .description('run the chat relay: the website widget and the WebSocket endpoints for visitors and agents (Ctrl-C stops)')
    .option('--host <host>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--port <port>', 'port to listen on', String(DEFAULT_PORT))
    .option('--allowed-origin <url>', 'a website allowed to embed the chat, e.g. https://shop.example (repeatable; http://host:* for any port)', collect, [])
    .option('--public-url <url>', 'the address websites reach the relay at, when it is behind a proxy (https://chat.example.com)')
    .option('--trust-proxy <addr>', 'a reverse proxy whose X-Forwarded-For names the visitor (repeatable; e.g. 127.0.0.1): limits then count per visitor, not per proxy', collect, [])
    .option('--hours <file>', 'chat hours: a JSON file with the `hours` setting (default: the settings file\'s); outside them visitors see "closed"')
    .action(async (o: RelayFlags) => {
      const port = parsePort(o.port);
      const publicUrl = parsePublicUrl(o.publicUrl);
      const { chatHoursForRelay, describeChatHours } = await import('../../app/chat/chat-hours.js');
      let chatHours: Awaited<ReturnType<typeof chatHoursForRelay>>;
      try {
        chatHours = await chatHoursForRelay(o.hours, process.env);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const { startRelay } = await import('../../relay/server.js');
      const { normalizeOriginPattern } = await import('../../relay/origin.js');
      for (const origin of o.allowedOrigin) {
        try {
          normalizeOriginPattern(origin);
        } catch (err) {
          throw new UsageError(`--allowed-origin: ${(err as Error).message}`);
        }
      }
      let relayServer: Awaited<ReturnType<typeof startRelay>>;
      try {
        relayServer = await startRelay({
          host: o.host,
          port,
          allowedOrigins: o.allowedOrigin,
          publicUrl,
          trustProxy: o.trustProxy,
          ...(chatHours ? { chatHours } : {}),
          log: (line) => process.stderr.write(`${stamp()} ${line}\n`),
        });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.syscall === 'listen' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') throw listenError(e, o.host, port);
        throw err;
      }
      // relay.db and relay-token are private (0600) whatever the folder; say so if others can read it.
      const { exposedFolder, resolvePaths } = await import('../../config/paths.js');
      const exposed = exposedFolder(resolvePaths(process.env).data);
      if (exposed) process.stderr.write(`${stamp()} ${exposed}\n`);
      // Listening on every interface: the bound address is no URL a website can use.
      const wildcard = ['0.0.0.0', '::', '[::]'].includes(o.host);
      const base = publicUrl ?? (wildcard ? `http://${hostname()}:${relayServer.port}` : relayServer.url);
      const lines = [
        `widget:  ${base}/widget.js`,
        `demo:    ${base}/demo`,
        `paste this before </body> on your website:`,
        `  <script src="${base}/widget.js" async></script>`,
        `agents connect to ${base.replace(/^http/, 'ws')}${AGENT_PATH} with the token from \`attend relay token\``,
        describeChatHours(chatHours, Date.now()),
      ];
      if (!publicUrl && !['127.0.0.1', 'localhost', '::1'].includes(o.host)) {
        lines.push('note: websites served over https need the relay behind https too (a reverse proxy; then pass --public-url)');
      }
      process.stderr.write(`${lines.join('\n')}\n`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          // Signals can arrive twice: when-exit (loaded with conf) re-raises the one it saw.
          // Closing is bounded anyway (a grace period, then sockets are cut), so repeats are ignored.
          if (stopping) return;
          stopping = true;
          process.stderr.write(`${stamp()} ${signal}: closing connections…\n`);
          setTimeout(() => process.exit(1), 10_000).unref();
          relayServer.close().then(resolve, (err: Error) => {
            process.stderr.write(`attend: ${err.message}\n`);
            resolve();
          });
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
      });
    });

  relay
    .command('token')
    .description('print the agent token (created on first use, stored with mode 0600)')
    .action(async () => {
      const { loadOrCreateAgentToken } = await import('../../relay/agent-token.js');
      process.stdout.write(`${loadOrCreateAgentToken()}\n`);
    });

  registerAgentCommands(relay);
}

/** Opens relay.db for an agent command (beside a running relay or none), runs `fn`, closes it. */
async function withAgents<T>(fn: (registry: AgentRegistry) => T): Promise<T> {
  const { openAgentRegistry } = await import('../../relay/agent-registry.js');
  const { relayDbPath } = await import('../../relay/relay-store.js');
  const { registry, close } = openAgentRegistry(relayDbPath(process.env));
  try {
    return fn(registry);
  } finally {
    close();
  }
}

function registerAgentCommands(relay: Command): void {
  const agent = relay
    .command('agent')
    .description("a team's agents: each gets their own token for the relay (the relay token is the owner's)");

  agent
    .command('add')
    .description('add an agent and print their token (shown once, stored hashed): they connect with it like with the relay token')
    .argument('<name>', 'one word: letters, digits, ".", "_", "-" (at most 32)')
    .action(async (name: string) => {
      const { agentNameProblem } = await import('../../relay/agent-registry.js');
      const problem = agentNameProblem(name);
      if (problem) throw new UsageError(problem);
      const token = await withAgents((registry) => {
        try {
          return registry.add(name, Date.now());
        } catch (err) {
          if ((err as { code?: string }).code === 'exists') throw new CliError(`agent ${name} exists (attend relay agent remove ${name} first to give them a new token)`);
          throw err;
        }
      });
      process.stdout.write(`${token}
`);
      process.stderr.write(
        `added agent ${name}. Give them the token above (it is not shown again); they connect with
` +
          `  attend account add chat NAME --url ws://…  --token-env VAR   (VAR holding the token)
`,
      );
    });

  agent
    .command('list')
    .description('list the agents: the owner (the relay token) and the added ones')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { OWNER } = await import('../../relay/agent-registry.js');
      const added = await withAgents((registry) => registry.list());
      const rows = [{ name: OWNER, created: null as string | null }, ...added.map((a) => ({ name: a.name, created: new Date(a.createdAt).toISOString() }))];
      makeOutput(Boolean(o.json)).data(rows, () => rows.map((r) => `${r.name}\t${r.created ?? 'the relay token (attend relay token)'}`).join('\n'));
    });

  agent
    .command('remove')
    .description('remove an agent: their token is refused from now on, and a running relay closes their connections at once')
    .argument('<name>')
    .action(async (name: string) => {
      const { OWNER } = await import('../../relay/agent-registry.js');
      if (name.toLowerCase() === OWNER) throw new UsageError('the owner cannot be removed (the relay token is theirs; delete the relay-token file to make a new one)');
      const removed = await withAgents((registry) => registry.remove(name));
      if (!removed) throw new CliError(`no agent ${name} (attend relay agent list)`, EXIT.noSuchConversation);
      process.stderr.write(`removed agent ${name}: their token is refused, and their connections close now\n`);
    });
}
