// What the runtime announces for the message line — e.g. what an account's first sync imported
// ("312 conversations, 14 open, 298 history …").
import { type Dispatch, useEffect } from 'react';
import type { Runtime } from '../../app/runtime.js';
import type { ConsoleAction } from '../state/console-state.js';

export function useRuntimeNotices(runtime: Runtime, dispatch: Dispatch<ConsoleAction>): void {
  useEffect(() => {
    const say = (text: string) => dispatch({ type: 'say', text });
    runtime.on('notice', say);
    return () => {
      runtime.off('notice', say);
    };
  }, [runtime, dispatch]);
}
