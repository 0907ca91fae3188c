// What the console's text inputs do as the agent types and presses Enter. ink-text-input
// re-subscribes to keys after each render, so an Enter typed right after a key can reach the
// previous render's handlers: they submit what the latest render holds (`latest`), not their copy.
import { filtered } from '../model/overlays.js';
import type { ConsoleState } from '../state/console-state.js';
import type { CommandEnv } from './command-env.js';
import { sendReply } from './conversation-effects.js';
import { chooseOption, submitPrompt } from './dialogs.js';

export interface PromptHandlers {
  composerChange: (id: number, value: string) => void;
  composerSubmit: () => void;
  /** Typing into the prompt or menu filter of the dialog `token`. */
  overlayChange: (token: number, value: string) => void;
  promptSubmit: () => void;
  /** Enter in a menu's filter picks the first option it shows. */
  filterSubmit: () => void;
}

export function promptHandlers(env: CommandEnv, latest: () => Pick<ConsoleState, 'composer' | 'overlay'>): PromptHandlers {
  const { dispatch, runtime } = env;
  return {
    composerChange: (id, value) => {
      // A key typed just as the composer closes (Enter sent the reply) can still reach its text
      // input before Ink drops its handler: that is no edit, and must not bring the sent text
      // back as a draft (nor open the next composer with it).
      if (latest().composer?.id !== id) return;
      // Saved as it is typed: a dropped SSH session or a crash loses nothing.
      runtime.putDraft(id, value);
      dispatch({ type: 'composer-input', id, value });
    },
    composerSubmit: () => {
      const c = latest().composer;
      if (!c) return;
      dispatch({ type: 'composer-close' });
      void sendReply(env, c.id, c.value);
    },
    overlayChange: (token, value) => dispatch({ type: 'overlay-input', token, value }),
    promptSubmit: () => {
      const o = latest().overlay;
      if (o?.kind === 'prompt') submitPrompt(o, o.value, env);
    },
    filterSubmit: () => {
      const o = latest().overlay;
      const first = o?.kind === 'choice' ? filtered(o.options, o.filter)[0] : undefined;
      if (o?.kind === 'choice' && first) chooseOption(o, first, env);
    },
  };
}
