// `attend` with no command: the full-screen console on a terminal; a plain live feed of new customer
// messages when stdin/stdout are not a terminal (a pipe, a service). Either way every channel runs
// live, and with no chat account configured the built-in relay starts in-process (app/chat/builtin-relay.ts), so a new
// user can open the demo page and chat with themselves.
import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { emailAccounts } from '../../config/accounts.js';
import { safeLine } from '../../domain/sanitize.js';
import { conversationLabel } from '../../app/queue/queue-view.js';
import { localIdOfRef } from '../../app/conversations/conversation-ref.js';
import { refText } from '../../domain/conversation-ref.js';
import { openContext, closeContext } from '../../app/context.js';
import { stopOnSignals } from '../run.js';

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
  const { ChannelSupervisor } = await import('../../app/channels/supervisor.js');
  const { EventFollower } = await import('../../app/automation/event-watch.js');
  const stopped = stopOnSignals();
  // The same channels and duties as the console (channel states, SLA alerts, hooks): only the screen differs.
  const channels = await ChannelSupervisor.start(ctx, { builtinRelay: startRelayToo ? 'start' : 'off', duties: true, stopReason: 'attend stopped' });
  const base = channels.relayUrl;
  if (base) ctx.log(`chat relay on ${base} — open ${base}/demo in a browser and write a message.`);
  if (emailAccounts(ctx.settings).length === 0) ctx.log('no email account yet (attend account add email --help).');
  ctx.log('waiting for customers… new messages appear below; answer with `attend reply ID --body …`. Ctrl-C quits.');

  // Each event's own message (not the conversation's latest: three quick messages are three lines).
  const follow = new EventFollower(ctx, 'end', (e) => {
    if (e.type !== 'message.received' || e.conversation === null || e.message === null) return;
    const id = localIdOfRef(ctx, e.conversation.ref);
    const who = safeLine((id === undefined ? undefined : conversationLabel(ctx, id)) ?? e.conversation.customer.name);
    process.stdout.write(`${refText(e.conversation.ref)} ${e.conversation.channel.padEnd(5)} ${who}: ${safeLine(e.message.text).slice(0, 100)}\n`);
  });
  const feed = setInterval(() => follow.tick(), 300);
  try {
    await new Promise<void>((resolve) => (stopped.aborted ? resolve() : stopped.addEventListener('abort', () => resolve(), { once: true })));
  } finally {
    clearInterval(feed);
    await channels.close();
  }
}
