// The built binary's command line itself: help, version, unknown commands, and that each command
// still runs when only its own module is loaded (src/cli/main.ts loads commands one at a time).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCli } from '../helpers/cli.js';

const cli = makeCli();
afterAll(() => cli.cleanup());

const VERSION = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')).version as string;
const TOP_LEVEL = ['account', 'sync', 'watch', 'list', 'show', 'reply', 'resolve', 'reopen', 'pending', 'snooze', 'assign', 'tag', 'note', 'priority', 'template', 'stats', 'relay'];

describe('attend command line (built binary)', () => {
  it('--help lists every command and the console options; --version prints the package version', async () => {
    const help = await cli.run(['--help']);
    expect(help.code).toBe(0);
    for (const name of TOP_LEVEL) expect(help.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    expect(help.stdout).toContain('--focus');
    const version = await cli.run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);
  });

  it('an unknown command is a usage error that names the nearest command', async () => {
    const r = await cli.run(['lst']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'lst'");
    expect(r.stderr).toContain('list');
    expect(r.stdout).toBe('');
  });

  it('`help COMMAND` and `COMMAND --help` show that command', async () => {
    const viaHelp = await cli.run(['help', 'snooze']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toContain('Usage: attend snooze');
    const viaFlag = await cli.run(['tag', '--help']);
    expect(viaFlag.code).toBe(0);
    expect(viaFlag.stdout).toContain('Usage: attend tag');
  });

  it('each command runs with only its own module loaded', async () => {
    expect(await cli.json(['list'])).toEqual([]);
    expect((await cli.run(['show', '1'])).code).toBe(3);
    expect((await cli.run(['pending', '1'])).code).toBe(3);
    const templates = await cli.run(['template', 'list']);
    expect(templates.code).toBe(0);
    const stats = await cli.json<{ channels: Array<{ channel: string; opened: number }> }>(['stats']);
    expect(stats.channels.map((c) => [c.channel, c.opened])).toContainEqual(['email', 0]);
    const accounts = await cli.run(['account', 'list']);
    expect(accounts.code).toBe(0);
  });
});
