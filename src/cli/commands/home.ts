// `attend` with no command: the full-screen console on a terminal; a plain live feed of new customer
// messages when stdin/stdout are not a terminal (a pipe, a service). Either way every channel runs
// live, and with no chat account configured the relay starts in-process on 127.0.0.1:7357, so a new
// user can open the demo page and chat with themselves.
import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { chatAccounts, emailAccounts } from '../../config/accounts.js';
import { safeLine } from '../../domain/sanitize.js';
import { eventsSince } from '../../store/events.js';
import { getConversation } from '../../store/conversations.js';
import { openContext, closeContext } from '../../app/context.js';
import { CliError } from '../exit-codes.js';
import { stopOnSignals } from '../run.js';
import { chatHoursOf } from '../../app/chat-hours.js';

export function registerHome(program: Command, opts: { runsConsole: boolean; consoleOptions: boolean }): void {
  if (!opts.consoleOptions) return;
  program.option('--no-relay', 'do not start the built-in chat relay');
  program.option('--focus', 'start the console in focus mode (one conversation at a time)');
  program.option('--plain', 'print new customer messages as lines instead of the full-screen console');
  if (!opts.runsConsole) return;
  program.action(async (o: { relay: boolean; focus?: boolean; plain?: boolean }) => {
    const tty = !o.plain && process.stdin.isTTY && process.stdout.isTTY;
    // The console's first frame needs only the store; settings (conf) load right after it.
    // It runs until stopped: settings edited meanwhile take effect (liveSettings).
    const ctx = await openContext(process.env, undefined, { settings: !tty, liveSettings: true });
    try {
      if (tty) {
        const { runConsole } = await import('../../ui/run.js');
        process.exitCode = await runConsole(ctx, { focus: Boolean(o.focus), relay: o.relay });
      } else {
        await home(ctx, o.relay);
      }
    } finally {
      closeContext(ctx);
    }
  });
}

async function home(ctx: AppContext, startRelayToo: boolean): Promise<void> {
  const { builtinRelay, builtinChatAccount, watchChat } = await import('../../app/chat-account.js');
  const { watchAccount } = await import('../../app/email-account.js');
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const stopped = stopOnSignals();

  const BUILTIN_RELAY = builtinRelay(ctx.env);
  let chat = chatAccounts(ctx.settings);
  let relay: { url: string; close(): Promise<void> } | null = null;
  if (chat.length === 0 && startRelayToo) {
    const { startRelay } = await import('../../relay/server.js');
    try {
      const chatHours = chatHoursOf(ctx.settings);
      relay = await startRelay({ host: BUILTIN_RELAY.host, port: BUILTIN_RELAY.port, env: ctx.env, log: () => {}, ...(chatHours ? { chatHours } : {}) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw new CliError(`cannot start the chat relay: ${(err as Error).message}`);
      say(`port ${BUILTIN_RELAY.port} is in use: using the relay already running there`);
    }
    chat = [builtinChatAccount(ctx.env)];
    const base = `http://${BUILTIN_RELAY.host}:${BUILTIN_RELAY.port}`;
    say(`attend: chat relay on ${base} — open ${base}/demo in a browser and write a message.`);
  }
  const email = emailAccounts(ctx.settings);
  if (email.length === 0) say('attend: no email account yet (attend account add email --help).');
  say('attend: waiting for customers… new messages appear below; answer with `attend reply ID --body …`. Ctrl-C quits.');

  let seq = (ctx.db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM events').get() as { s: number }).s;
  const feed = setInterval(() => {
    for (const e of eventsSince(ctx.db, seq)) {
      seq = e.seq;
      if (e.type !== 'message.received' || e.conversationId === null) continue;
      const c = getConversation(ctx.db, e.conversationId);
      if (!c) continue;
      const last = ctx.db
        .prepare("SELECT text FROM messages WHERE conversation_id = ? AND direction = 'in' ORDER BY sent_at DESC, id DESC LIMIT 1")
        .get(c.id) as { text: string } | undefined;
      const who = safeLine(c.label);
      process.stdout.write(`#${c.id} ${c.channel.padEnd(5)} ${who}: ${safeLine(last?.text ?? '').slice(0, 100)}\n`);
    }
  }, 300);

  try {
    await Promise.all([
      ...email.map((a) => watchAccount(ctx, a, { signal: stopped })),
      ...chat.map((a) => watchChat(ctx, a, stopped)),
      new Promise<void>((resolve) => stopped.addEventListener('abort', () => resolve(), { once: true })),
    ]);
  } finally {
    clearInterval(feed);
    await relay?.close();
  }
}
