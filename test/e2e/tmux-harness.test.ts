/**
 * The tmux harness (test/helpers/tmux.ts) proved on plain programs every Debian box has (sh, tput,
 * od), so a failure in the console's terminal tests points at the console, not at the harness.
 */
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { requireTmux } from '../helpers/e2e.js';
import { startTmux, type TmuxOptions, type TmuxSession } from '../helpers/tmux.js';

const describeWithTmux = requireTmux();

/** A minimal environment: only what is listed here reaches the program. */
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

async function start(command: string, opts: Partial<TmuxOptions> = {}): Promise<TmuxSession> {
  const t = await startTmux({ command: ['sh', '-c', command], env: ENV, ...opts });
  onTestFinished(() => t.kill());
  return t;
}

describeWithTmux('tmux harness', () => {
  it('sees the alternate screen come and go, types into the program, reads exit status and last screen', async () => {
    const t = await start(
      'echo before; printf "\\033[?1049h"; echo inside; read x; printf "\\033[?1049l"; echo "done:$x"; exit 7',
    );
    expect(await t.waitFor('inside')).not.toContain('before');
    expect(await t.alternateOn()).toBe(true);
    expect(await t.exitStatus()).toBeNull();

    await t.type('semi;colon;'); // a trailing ';' is tmux's command separator: the helper escapes it
    await t.sendKeys('Enter');
    expect(await t.waitForExit()).toBe(7);
    // tmux may report the pane's screen mode a moment after the exit status (seen under load).
    let alternate = await t.alternateOn();
    for (let i = 0; alternate && i < 40; i++) {
      await new Promise((r) => setTimeout(r, 50));
      alternate = await t.alternateOn();
    }
    expect(alternate).toBe(false);
    expect(await t.capture()).toBe('before\ndone:semi;colon;');
    expect(await t.exitStatus()).toBe(7);
  });

  it('captures exactly the visible screen; after exit the last one, top line kept, no "Pane is dead" line', async () => {
    const scrolled = await start('i=1; while [ $i -le 30 ]; do echo l$i; i=$((i+1)); done; printf end; read x', { height: 5 });
    expect(await scrolled.waitFor('end')).toBe('l27\nl28\nl29\nl30\nend');
    // Fills every row and exits: tmux scrolls the screen up one line to write "Pane is dead". (Not
    // at once after starting: tmux 3.3a sometimes loses what a program prints in its first ms.)
    const t = await start('sleep 0.1; printf "row1\\nrow2\\nrow3\\nrow4\\nrow5\\nrow6"', { width: 20, height: 6 });
    expect(await t.waitForExit()).toBe(0);
    expect(await t.capture()).toBe('row1\nrow2\nrow3\nrow4\nrow5\nrow6');
    // A program killed by a signal: 128 + N, like a shell reports it.
    const killed = await start('kill -TERM $$');
    expect(await t.exitStatus()).toBe(0);
    expect(await killed.waitForExit()).toBe(143);
    expect(await killed.capture()).toBe('');
  });

  it('reads the status of programs that exit the moment they start', async () => {
    // tmux 3.3a misses some of these exits (pane dead, no status) unless the helper nudges it.
    const sessions = await Promise.all(Array.from({ length: 8 }, (_, i) => start(`exit ${i + 1}`)));
    expect(await Promise.all(sessions.map((s) => s.waitForExit(3000)))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('starts at the requested size and resizes (the program sees the new size)', async () => {
    const t = await start('while read x; do echo "size $(tput cols)x$(tput lines)"; done', { width: 72, height: 20 });
    await t.sendKeys('Enter');
    await t.waitFor('size 72x20');
    await t.resize(100, 30);
    await t.sendKeys('Enter');
    await t.waitFor('size 100x30');
    await t.resize(40, 10);
    await t.sendKeys('Enter');
    await t.waitFor('size 40x10');
  });

  it('gives the program exactly the given env and cwd, and a tmux TERM', async () => {
    const cwd = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'attend-tmux-cwd-')));
    onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
    process.env.ATTEND_TMUX_LEAK = 'leaked';
    onTestFinished(() => {
      delete process.env.ATTEND_TMUX_LEAK;
    });
    const t = await start('echo "nc=$NO_COLOR term=$TERM leak=[$ATTEND_TMUX_LEAK] cwd=$(pwd)"; read x', {
      env: { ...ENV, NO_COLOR: '1' },
      cwd,
    });
    expect(await t.waitFor(/nc=1 term=(tmux|screen)-256color leak=\[\] cwd=/)).toContain(`cwd=${cwd}`);
    const plain = await start('echo "nc=[$NO_COLOR]"; read x');
    await plain.waitFor('nc=[]');
  });

  it('sends named keys as the bytes a terminal would', async () => {
    const t = await start('stty raw -echo; echo raw; dd bs=1 count=6 2>/dev/null | od -An -tx1; stty sane; read x');
    await t.waitFor('raw'); // before that, the tty is cooked: C-c would be SIGINT, Enter a \n
    await t.sendKeys('Tab', 'Escape', 'C-c', 'Enter', 'j', 'BSpace');
    await t.waitFor(/09 1b 03 0d 6a 7f/);
  });

  it('C-c interrupts a program in cooked mode', async () => {
    const t = await start('trap "echo interrupted; exit 130" INT; echo ready; while :; do sleep 0.05; done');
    await t.waitFor('ready');
    await t.sendKeys('C-c');
    expect(await t.waitForExit()).toBe(130);
    expect(await t.capture()).toContain('interrupted');
  });

  it('captures colours only when asked, and UTF-8 as text', async () => {
    const t = await start('printf "\\033[31mred\\033[0m plain ╭─ü─╮ 日本\\n"; tput civis; echo hidden; read x; tput cnorm; echo shown; read x');
    const screen = await t.waitFor('hidden');
    expect(screen).toContain('red plain ╭─ü─╮ 日本');
    expect(screen).not.toContain('\x1b');
    expect(await t.captureWithEscapes()).toContain('\x1b[31mred\x1b[39m plain');
    expect(await t.cursorVisible()).toBe(false);
    await t.sendKeys('Enter');
    await t.waitFor('shown');
    expect(await t.cursorVisible()).toBe(true);
  });

  it('runs two sessions side by side without crosstalk', async () => {
    const [a, b] = await Promise.all([
      start('echo A; read x; echo "A got $x $(tput cols)"; read x', { width: 50 }),
      start('echo B; read x; echo "B got $x $(tput cols)"; read x', { width: 60 }),
    ]);
    expect(a.socket).not.toBe(b.socket);
    await Promise.all([a.waitFor('A'), b.waitFor('B')]);
    await a.type('one');
    await a.sendKeys('Enter');
    await a.waitFor('A got one 50');
    expect(await b.capture()).toBe('B');
    await b.type('two');
    await b.sendKeys('Enter');
    await b.waitFor('B got two 60');
    expect(await a.capture()).toBe('A\none\nA got one 50');
  });

  it('fails waits with the screen in the message, at once when the program has exited', async () => {
    const t = await start('echo still here; read x; clear; echo after; read x; exit 3');
    await expect(t.waitFor('never', 300)).rejects.toThrow(/waited 300 ms for never to appear\. Screen:\nstill here/);
    await expect(t.waitForGone('still', 300)).rejects.toThrow(/to go away\. Screen:\nstill here/);
    await t.sendKeys('Enter');
    // Gone once `clear` ran: "after" may not be echoed yet on a loaded machine (the screen is empty then).
    expect(['', 'after']).toContain(await t.waitForGone('still here'));
    expect(await t.waitFor('after')).toBe('after');
    await t.sendKeys('Enter');
    await t.waitForExit();
    const started = Date.now();
    await expect(t.waitFor('never', 10_000)).rejects.toThrow(/the program exited \(status 3\)\. Screen:\nafter/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('kill() ends the program, removes the socket and is safe to call twice', async () => {
    const t = await start('echo up; read x');
    await t.waitFor('up');
    await t.kill();
    await t.kill();
    expect(existsSync(t.socket)).toBe(false);
    expect(existsSync(path.dirname(t.socket))).toBe(false);
  });
});
