// attend's command line: parses argv, dispatches, and turns every failure into one clear line and an honest exit code.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerHome } from './commands/home.js';
import { CliError, EXIT } from './exit-codes.js';
import { DEFAULT_PORT } from '../protocol/transport.js';
import { safeText } from '../domain/sanitize.js';

function version(): string {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

type Register = (program: Command) => void;

/** Each command module, loaded only when needed, and the top-level command names it registers. */
const COMMANDS: Array<{ names: string[]; load: () => Promise<Register> }> = [
  { names: ['account'], load: () => import('./commands/account.js').then((m) => m.registerAccount) },
  { names: ['sync'], load: () => import('./commands/sync.js').then((m) => m.registerSync) },
  { names: ['watch'], load: () => import('./commands/watch.js').then((m) => m.registerWatch) },
  { names: ['list'], load: () => import('./commands/list.js').then((m) => m.registerList) },
  { names: ['show'], load: () => import('./commands/show.js').then((m) => m.registerShow) },
  { names: ['reply'], load: () => import('./commands/reply.js').then((m) => m.registerReply) },
  {
    names: ['resolve', 'reopen', 'pending', 'snooze', 'assign', 'tag', 'note', 'priority'],
    load: () => import('./commands/actions.js').then((m) => m.registerActions),
  },
  { names: ['template'], load: () => import('./commands/template.js').then((m) => m.registerTemplate) },
  { names: ['stats'], load: () => import('./commands/stats.js').then((m) => m.registerStats) },
  { names: ['relay'], load: () => import('./commands/relay.js').then((m) => m.registerRelay) },
  { names: ['team'], load: () => import('./commands/team.js').then((m) => m.registerTeam) },
];

/**
 * Which command modules this run needs. Start-up is part of every scripted call (and of the
 * console's first frame), so only the command being run is loaded: with no command (the
 * console, or --version) none; with a known command, its module; for help, a typo or anything
 * else, all of them, so help lists every command and commander can suggest the nearest name.
 * (A command missing from COMMANDS still works: it is found by loading them all.)
 */
function commandsFor(first: string | undefined, argv: string[]): Array<() => Promise<Register>> {
  if (first === undefined) {
    const wantsHelp = argv.some((a) => a === '-h' || a === '--help');
    return wantsHelp ? COMMANDS.map((c) => c.load) : [];
  }
  const one = COMMANDS.find((c) => c.names.includes(first));
  return one ? [one.load] : COMMANDS.map((c) => c.load);
}

export async function buildProgram(argv: string[] = process.argv.slice(2)): Promise<Command> {
  const program = new Command('attend')
    .description('One terminal for every customer conversation: email and chat in one queue.')
    .version(version(), '-V, --version')
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `
With no command, attend opens the console (--focus: in focus mode; ? lists the keys) and runs every
channel live, with a chat relay on 127.0.0.1:${DEFAULT_PORT} (demo page: /demo) when no chat account is set up.
Conversations are named by number (41 or #41), or ~12 for one the team's hub has not numbered yet.
Exit codes: 0 ok · 1 failed · 2 usage error · 3 no such conversation · 4 someone else holds it (assign without --take)
· 75 queued (sent when the server is reachable)
Settings and the store live in $ATTEND_HOME when set. Data goes to stdout (--json for JSON), messages to stderr.`,
    );
  const first = argv.find((a) => !a.startsWith('-'));
  for (const register of await Promise.all(commandsFor(first, argv).map((load) => load()))) register(program);
  // The console is what `attend` alone runs. With a word that is no command, no console: then
  // commander says "unknown command 'lst' (Did you mean list?)" and `attend help list` works.
  // With a command, the console's options are left out too, so `list --bogus` suggests only
  // list's own options.
  const isCommand = first !== undefined && COMMANDS.some((c) => c.names.includes(first));
  registerHome(program, { runsConsole: first === undefined, consoleOptions: !isCommand });
  // Usage errors exit 2 everywhere, not commander's default 1.
  const exitOverride = (cmd: Command) => {
    cmd.exitOverride();
    for (const sub of cmd.commands) exitOverride(sub);
  };
  exitOverride(program);
  return program;
}

async function main(): Promise<void> {
  // A closed pipe (`attend list | head`) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  try {
    await (await buildProgram()).parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      const quiet = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code);
      process.exitCode = quiet ? EXIT.ok : EXIT.usage;
      return;
    }
    if (err instanceof CliError) {
      // Last line of defence: a message may quote a provider or a server; newlines it has on purpose stay.
      process.stderr.write(`attend: ${safeText(err.message)}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    const e = err as Error & { code?: string };
    if (e?.code === 'ENOSPC') process.stderr.write('attend: the disk is full; nothing was lost, try again when there is room\n');
    else process.stderr.write(`attend: ${safeText(e?.message ?? String(err))}\n`);
    if (process.env.ATTEND_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
    process.exitCode = EXIT.failed;
  }
}

await main();
