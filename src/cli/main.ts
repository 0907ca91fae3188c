#!/usr/bin/env node
// attend's entry point: parses argv, dispatches, and turns every failure into one clear line and an honest exit code.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerHome } from './commands/home.js';
import { CliError, EXIT } from './exit-codes.js';

function version(): string {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/**
 * With no command (the console, the common case) only `attend`'s own options are loaded: the
 * other commands' modules cost ~50 ms of start-up the console's first frame does not need.
 */
function wantsOnlyHome(argv: string[]): boolean {
  return argv.every((a) => a.startsWith('-') && !['-h', '--help', '-V', '--version'].includes(a));
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
channel live, with a chat relay on 127.0.0.1:7357 (demo page: /demo) when no chat account is set up.
Exit codes: 0 ok · 1 failed · 2 usage error · 3 no such conversation · 75 queued (sent when the server is reachable)
Settings and the store live in $ATTEND_HOME when set. Data goes to stdout (--json for JSON), messages to stderr.`,
    );
  if (!wantsOnlyHome(argv)) {
    const commands = await Promise.all([
      import('./commands/account.js').then((m) => m.registerAccount),
      import('./commands/sync.js').then((m) => m.registerSync),
      import('./commands/watch.js').then((m) => m.registerWatch),
      import('./commands/list.js').then((m) => m.registerList),
      import('./commands/show.js').then((m) => m.registerShow),
      import('./commands/reply.js').then((m) => m.registerReply),
      import('./commands/actions.js').then((m) => m.registerActions),
      import('./commands/template.js').then((m) => m.registerTemplate),
      import('./commands/stats.js').then((m) => m.registerStats),
      import('./commands/relay.js').then((m) => m.registerRelay),
    ]);
    for (const register of commands) register(program);
  }
  registerHome(program);
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
      process.stderr.write(`attend: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    const e = err as Error & { code?: string };
    if (e?.code === 'ENOSPC') process.stderr.write('attend: the disk is full; nothing was lost, try again when there is room\n');
    else process.stderr.write(`attend: ${e?.message ?? String(err)}\n`);
    if (process.env.ATTEND_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
    process.exitCode = EXIT.failed;
  }
}

await main();
