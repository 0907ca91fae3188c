/**
 * Gates for suites that need software from outside npm (Dovecot, tmux; the browser one is in browser.ts).
 * Locally a missing tool skips the suite with a printed reason. In CI (ATTEND_E2E=1) it is a
 * failing test instead, so a broken CI image cannot pass by skipping everything.
 */
import { describe, it } from 'vitest';
import { dovecotAvailable } from './dovecot.js';
import { tmuxAvailable } from './tmux.js';

export const e2eRequired = process.env.ATTEND_E2E === '1';

/** Use like `describe`; `.available` tells whether the suite really runs. */
export type GatedDescribe = ((name: string, fn: () => void) => void) & { readonly available: boolean };

/** @param what the missing thing, as a user would name it; @param hint how to get it. */
export function gate(what: string, available: boolean, hint: string): GatedDescribe {
  const gated = (name: string, fn: () => void): void => {
    if (available) {
      describe(name, fn);
    } else if (e2eRequired) {
      describe(name, () => {
        it(`needs ${what}`, () => {
          throw new Error(`${what} is not available, and ATTEND_E2E=1 requires it. ${hint}`);
        });
      });
    } else {
      console.warn(`[attend tests] skipping "${name}": ${what} is not available. ${hint} (ATTEND_E2E=1 makes this a failure.)`);
      describe.skipIf(true)(name, fn);
    }
  };
  return Object.assign(gated, { available });
}

/** The gate for suites that start a private Dovecot (test/helpers/dovecot.ts). */
export function requireDovecot(): GatedDescribe {
  return gate('Dovecot (dovecot-imapd)', dovecotAvailable(), 'Install it: apt-get install -y dovecot-imapd');
}

/** The gate for suites that drive a program in a terminal (test/helpers/tmux.ts). */
export function requireTmux(): GatedDescribe {
  return gate('tmux', tmuxAvailable(), 'Install it: apt-get install -y tmux');
}
