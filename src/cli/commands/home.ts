// `attend` with no command: the full-screen console on a terminal; a plain live feed of new customer
// messages when stdin/stdout are not a terminal (a pipe, a service). Either way every channel runs
// live, and with no chat account configured the relay starts in-process on 127.0.0.1:7357, so a new
// user can open the demo page and chat with themselves.
import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { chatAccounts, emailAccounts } from '../../config/accounts.js';
import { safeLine } from '../../domain/sanitize.js';
import { maxSeq, readPublicEvents } from '../../store/event-feed.js';
import { getConversation } from '../../store/conversations.js';
import { openContext, closeContext } from '../../app/context.js';
import { CliError } from '../exit-codes.js';
import { stopOnSignals } from '../run.js';
import { chatHoursOf } from '../../app/chat/chat-hours.js';

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
  const { builtinRelay, builtinChatAccount, watchChat } = await import('../../app/chat/chat-account.js');
  const { watchAccount } = await import('../../app/email/email-account.js');
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

  // Each event's own message (not the conversation's latest: three quick messages are three lines).
  let seq = maxSeq(ctx.db);
  const feed = setInterval(() => {
    for (let more = true; more; ) {
      const page = readPublicEvents(ctx.db, seq);
      seq = page.lastSeq;
      more = page.more;
      for (const e of page.events) {
        if (e.type !== 'message.received' || e.conversation === null || e.message === null) continue;
        const c = getConversation(ctx.db, e.conversation.id);
        const who = safeLine(c?.label ?? e.conversation.customer.name);
        process.stdout.write(`#${e.conversation.id} ${e.conversation.channel.padEnd(5)} ${who}: ${safeLine(e.message.text).slice(0, 100)}\n`);
      }
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
