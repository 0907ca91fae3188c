// The built binary's command line itself: help, version, unknown commands, and that each command
// still runs when only its own module is loaded (src/cli/main.ts loads commands one at a time).
import { readFileSync, writeFileSync } from 'node:fs';
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
    // A command's unknown option is checked against that command's options only.
    const opt = await cli.run(['list', '--foucs']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toContain("unknown option '--foucs'");
    expect(opt.stderr).not.toContain('--focus');
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

  it('a store that is not a database: one line and exit 1; with ATTEND_DEBUG a stack trace that names src/ files', async () => {
    const broken = makeCli();
    try {
      writeFileSync(path.join(broken.home, 'attend.db'), 'not a database at all');
      const plain = await broken.run(['list']);
      expect(plain.code).toBe(1);
      expect(plain.stderr.trim()).toBe(
        `attend: the store ${path.join(broken.home, 'attend.db')} is not a readable attend database (file is not a database); move it aside to start a new one`,
      );
      expect(readFileSync(path.join(broken.home, 'attend.db'), 'utf8')).toBe('not a database at all'); // untouched
      const debug = await broken.run(['list'], { env: { ATTEND_DEBUG: '1' } });
      expect(debug.code).toBe(1);
      // Mapped through the source maps the build writes beside the bundle's chunks.
      expect(debug.stderr).toMatch(/at openDb \(.*src\/store\/db\.ts:\d+:\d+\)/);
    } finally {
      broken.cleanup();
    }
  });
});
