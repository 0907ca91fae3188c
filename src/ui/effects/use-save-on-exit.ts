// However the console ends (q, a signal, an error), the typed reply stays a draft and the focus
// session is closed in the event log.
import { useEffect } from 'react';
import type { Runtime } from '../../app/runtime.js';
import type { Composer } from '../state/console-state.js';

export function useSaveOnExit(runtime: Runtime, composer: () => Composer | null, closeFocus: () => void): void {
  // biome-ignore lint/correctness/useExhaustiveDependencies: only on unmount; `composer` reads the latest render's
  useEffect(
    () => () => {
      const c = composer();
      if (c) runtime.putDraft(c.id, c.value);
      closeFocus();
    },
    [runtime],
  );
}
