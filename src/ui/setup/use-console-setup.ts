// The console's way into the set-up: whether there is an email account yet (for the first-run
// hint), and opening the set-up screen (loaded on demand: the console's first frame stays small).
import type { ComponentType } from 'react';
import { useCallback, useEffect, useState } from 'react';
import type { Runtime } from '../../app/runtime.js';
import { emailAccounts } from '../../config/accounts.js';
import type { Theme } from '../theme.js';
import type { SetupOutcome } from './SetupScreen.js';

type ConsoleSetupView = ComponentType<{ runtime: Runtime; theme: Theme; width: number; height: number; onDone(outcome: SetupOutcome): void }>;

export interface ConsoleSetupControl {
  /** The set-up screen while it is open, else null. */
  View: ConsoleSetupView | null;
  open(): void;
  close(outcome: SetupOutcome): void;
  /** True once the settings are loaded and have no email account. */
  noEmailAccount: boolean;
}

export function useConsoleSetup(runtime: Runtime, say: (text: string) => void): ConsoleSetupControl {
  const [View, setView] = useState<ConsoleSetupView | null>(null);
  const [noEmailAccount, setNoEmailAccount] = useState(false);
  const check = useCallback(() => {
    try {
      setNoEmailAccount(emailAccounts(runtime.ctx.settings).length === 0);
    } catch {
      // The settings load after the first frame: until then, no hint.
    }
  }, [runtime]);
  useEffect(() => {
    check();
    runtime.on('channels', check);
    return () => {
      runtime.off('channels', check);
    };
  }, [runtime, check]);
  const open = useCallback(() => {
    runtime.ctx
      .loadSettings()
      .then(() => import('./ConsoleSetup.js'))
      .then((m) => setView(() => m.ConsoleSetup))
      .catch((err: Error) => say(`the set-up did not start: ${err.message}`));
  }, [runtime, say]);
  const close = useCallback(
    (outcome: SetupOutcome) => {
      setView(null);
      check();
      say('saved' in outcome ? `added account ${outcome.saved.name} — connecting…` : 'set-up cancelled: nothing was saved');
    },
    [check, say],
  );
  return { View, open, close, noEmailAccount };
}
