// What each command of the keymap does. The switch is over the typed `Command` union: a command
// added to the keymap without a case here is a type error (see the `never` at the end).
import type { Command } from '../keys/keymap.js';
import { choiceFor, promptFor } from '../model/overlays.js';
import { contextOf, isNavCommand } from '../state/console-state.js';
import { type CommandEnv, quit, say } from './command-env.js';
import { act, reply, retry, showStats } from './conversation-effects.js';

export function runCommand(command: Command, env: CommandEnv) {
  const { state, dispatch } = env;
  if (isNavCommand(command)) {
    dispatch({ type: 'navigate', command, context: contextOf(state), total: env.total, page: env.page });
    return;
  }
  switch (command) {
    case 'search':
      return dispatch({ type: 'open-overlay', overlay: promptFor('search', state.filter.search) });
    case 'focus':
      return env.focus.start();
    case 'stats':
      return showStats(env, env.width);
    case 'leave':
      return env.focus.leave();
    case 'help':
      return dispatch({ type: 'open-overlay', overlay: { kind: 'help' } });
    case 'quit':
      return quit(env);
    case 'next':
      return next(env);
    case 'jump':
      return jump(env);
    case 'add-account':
      return env.openSetup ? env.openSetup() : say(env, 'adding an account: attend account add email');
  }
  const id = env.shownId;
  if (id === null) return say(env, 'no conversation selected');
  switch (command) {
    case 'reply':
      return reply(env, id, false);
    case 'reply-editor':
      return reply(env, id, true);
    case 'resolve':
      return void act(env, id, { kind: 'resolve' }, 'resolved');
    case 'pending':
      return void act(env, id, { kind: 'pending' }, 'pending');
    case 'reopen':
      return void act(env, id, { kind: 'reopen' });
    case 'snooze':
      return dispatch({ type: 'open-overlay', overlay: choiceFor('snooze', env.runtime) });
    case 'priority':
      return dispatch({ type: 'open-overlay', overlay: choiceFor('priority', env.runtime) });
    case 'template': {
      const o = choiceFor('template', env.runtime);
      if (o.options.length === 0) return say(env, `no templates yet: add NAME.md files to ${o.hint}`);
      return dispatch({ type: 'open-overlay', overlay: o });
    }
    case 'assign':
      return dispatch({ type: 'open-overlay', overlay: promptFor('assign', env.assignee ?? '') });
    case 'tag':
      return dispatch({ type: 'open-overlay', overlay: promptFor('tag', '') });
    case 'note':
      return dispatch({ type: 'open-overlay', overlay: promptFor('note', '') });
    case 'retry':
      return retry(env, id);
    default: {
      const unhandled: never = command;
      throw new Error(`no handler for the command ${String(unhandled)}`);
    }
  }
}

/** Focus's "next": asks a reason when the shown one still waits; with none shown, offers the skipped again. */
function next(env: CommandEnv) {
  const s = env.focus.session();
  if (!s) return;
  if (s.currentId === null) {
    const id = s.reconsider();
    if (id === null && !s.claiming) say(env, 'nothing is waiting'); // (claiming: in a team, the hub answers first)
    return env.dispatch({ type: 'focus-shows', id });
  }
  if (s.currentWaiting()) return env.dispatch({ type: 'open-overlay', overlay: promptFor('skip', '') });
  env.dispatch({ type: 'focus-shows', id: s.handle(s.currentId, 'replied') });
}

function jump(env: CommandEnv) {
  const b = env.focus.facts?.breakthrough;
  const s = env.focus.session();
  if (!b || !s) return say(env, 'no breakthrough to jump to');
  // In a team the jump waits for its claim at the hub (the session shows it then).
  env.dispatch({ type: 'focus-shows', id: s.jump(b.item.id) });
}
