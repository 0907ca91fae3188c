// The terminal side of a sign-in: what it writes comes partly from the provider (the address it
// signed in as), so escape sequences must not reach the terminal.
import { describe, expect, it } from 'vitest';
import { terminalSignInIO } from '../../src/cli/commands/sign-in-io.js';

describe('terminalSignInIO', () => {
  it('writes steps as one terminal-safe line', () => {
    const lines: string[] = [];
    const io = terminalSignInIO({ flow: 'device', env: {}, stdin: { isTTY: false } as NodeJS.ReadStream, write: (l) => lines.push(l) });
    io.step('signed in as agent\x1b]0;pwned\x07@example.test\x1b[2J\n\x9b31mnow');
    io.close();
    expect(lines).toEqual(['signed in as agent@example.test now']);
  });
});
