// Where a key press goes: Ctrl-C always (keeps a typed reply, else quits); then an open composer
// or dialog has the keys; the digest and stats screens close on any key; else the keymap names a
// command for the current context.
import type { Key } from 'ink';
import { type CommandEnv, keepDraft, quit, refOf, say } from '../commands/command-env.js';
import { sendReply } from '../commands/conversation-effects.js';
import { chooseByKey } from '../commands/dialogs.js';
import { runCommand } from '../commands/run-command.js';
import { type Composer, contextOf } from '../state/console-state.js';
import { commandFor, keyName } from './keymap.js';

/** @param latestComposer what the latest render holds (a text input may have typed since this frame) */
export function routeKey(input: string, key: Key, env: CommandEnv, latestComposer: () => Composer | null) {
  const { state, dispatch } = env;
  const name = keyName(input, key);
  if (name === 'ctrl+c') {
    if (!state.composer) return quit(env);
    keepDraft(env);
    dispatch({ type: 'composer-close' });
    return say(env, 'draft kept — Ctrl-C again quits');
  }
  const { composer, overlay } = state;
  if (composer) {
    if (name === 'tab' && state.mode === 'focus') {
      const c = latestComposer();
      dispatch({ type: 'composer-close' });
      if (c) void sendReply(env, c.id, c.value, true);
      return;
    }
    if (name === 'esc') {
      keepDraft(env);
      dispatch({ type: 'composer-close' });
      say(env, composer.value.trim() ? `draft kept for ${refOf(env, composer.id)}` : '');
    }
    return; // the text input has the keys
  }
  if (overlay) {
    if (overlay.kind === 'choice' && overlay.purpose === 'send-anyway' && name === 'esc') say(env, 'kept yours as a draft — r opens it');
    if (overlay.kind === 'help' || name === 'esc') return dispatch({ type: 'close-overlay' });
    if (overlay.kind === 'choice' && overlay.filter === undefined && name !== null) chooseByKey(overlay, name, env);
    return; // a filter input has the keys
  }
  if (state.mode === 'digest' || state.mode === 'stats') return dispatch({ type: 'screen-dismissed' });
  const command = commandFor(contextOf(state), input, key);
  if (command === null) return;
  if (state.flash) say(env, null);
  runCommand(command, env);
}

/** While a text input has the keys, a chunk of typed characters is text, not commands. */
export function textHasKeys(s: CommandEnv['state']): boolean {
  return s.composer !== null || s.overlay?.kind === 'prompt' || (s.overlay?.kind === 'choice' && s.overlay.filter !== undefined);
}
