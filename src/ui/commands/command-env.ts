// What a command needs to do its work: the runtime to act through, the reducer's dispatch, the
// focus session, and what the current frame shows. Built once per render by the App.
import type { Dispatch } from 'react';
import type { Runtime } from '../../app/runtime.js';
import type { FocusControl } from '../effects/use-focus-session.js';
import type { ActivityReporter } from '../effects/use-team.js';
import type { ConsoleAction, ConsoleState } from '../state/console-state.js';

/** Opens $EDITOR on a draft with context below it; null when the agent left it empty. */
export type Editor = (initial: string, below: string) => Promise<string | null>;

export interface CommandEnv {
  runtime: Runtime;
  dispatch: Dispatch<ConsoleAction>;
  focus: FocusControl;
  editor: Editor;
  /** The state this frame shows. */
  state: ConsoleState;
  /** Rows in the filtered queue, and how far a page key moves. */
  total: number;
  page: number;
  width: number;
  /** The conversation on screen (the selected row, or focus's current one). */
  shownId: number | null;
  assignee: string | null;
  /** Team mode: tells teammates when my editor is open (the composer is seen by the App itself). */
  activity?: ActivityReporter;
  /** Opens the email account set-up over the console (ui/setup/); absent where there is none. */
  openSetup?: () => void;
  /** Ends the console (drafts are saved first). */
  exit: () => void;
}

/** How messages name a conversation: "#41", or "~12" not numbered yet (a runtime without `refOf`, as tests build, by its id). */
export function refOf(env: Pick<CommandEnv, 'runtime'>, id: number): string {
  return typeof env.runtime.refOf === 'function' ? env.runtime.refOf(id) : `#${id}`;
}

export const say = (env: Pick<CommandEnv, 'dispatch'>, text: string | null): void => env.dispatch({ type: 'say', text });

/** The inline reply being typed is kept as the conversation's draft. */
export function keepDraft(env: Pick<CommandEnv, 'runtime' | 'state'>): void {
  const c = env.state.composer;
  if (c) env.runtime.putDraft(c.id, c.value);
}

export function quit(env: CommandEnv): void {
  keepDraft(env);
  env.focus.close();
  env.exit();
}
