// What the console's dialogs do with the agent's answer: a prompt's line (search, assign, tags,
// note, a skip reason, a custom snooze) or a menu's pick (snooze preset, priority, template).
import type { Overlay } from '../model/overlays.js';
import { promptFor, snoozeUntil } from '../model/overlays.js';
import { type CommandEnv, say } from './command-env.js';
import { act, insertTemplate, reply, sendReply } from './conversation-effects.js';

type Choice = Extract<Overlay, { kind: 'choice' }>;

export function submitPrompt(o: Extract<Overlay, { kind: 'prompt' }>, value: string, env: CommandEnv) {
  const { dispatch, runtime } = env;
  dispatch({ type: 'close-overlay' });
  if (o.purpose === 'search') return dispatch({ type: 'search', text: value });
  if (o.purpose === 'skip') {
    const s = env.focus.session();
    if (s) dispatch({ type: 'focus-shows', id: s.skip(value) });
    return;
  }
  const id = env.shownId;
  if (id === null) return;
  if (o.purpose === 'assign') return void act(env, id, { kind: 'assign', to: value.trim() || null });
  if (o.purpose === 'tag') return void act(env, id, { kind: 'tag', ...runtime.parseTags(value) });
  if (o.purpose === 'note') return value.trim() ? void act(env, id, { kind: 'note', text: value.trim() }) : undefined;
  if (o.purpose === 'snooze-custom') {
    const until = snoozeUntil(value, runtime.now());
    return until === null ? say(env, `cannot read "${value}" (try 2h, 3d or 2026-12-01T09:00)`) : void act(env, id, { kind: 'snooze', until }, 'snoozed');
  }
}

/** A one-key menu: the option bound to `key`, if any. */
export function chooseByKey(o: Choice, key: string, env: CommandEnv) {
  const option = o.options.find((x) => x.key === key);
  if (option) chooseOption(o, option, env);
}

export function chooseOption(o: Choice, option: { value: string }, env: CommandEnv) {
  const { dispatch, runtime } = env;
  dispatch({ type: 'close-overlay' });
  // Team mode's questions about one reply carry their conversation (whatever is on screen now).
  if (o.purpose === 'reply-anyway' || o.purpose === 'send-anyway') return answerReplyQuestion(o, option.value === 'yes', env);
  const id = env.shownId;
  if (id === null) return;
  if (o.purpose === 'snooze') {
    if (option.value === 'custom') return dispatch({ type: 'open-overlay', overlay: promptFor('snooze-custom', '') });
    const until = snoozeUntil(option.value, runtime.now());
    if (until !== null) void act(env, id, { kind: 'snooze', until }, 'snoozed');
    return;
  }
  if (o.purpose === 'priority') return void act(env, id, { kind: 'priority', priority: option.value === 'auto' ? null : (option.value as 'urgent') });
  if (o.purpose === 'template') insertTemplate(env, id, option.value);
}

/** "A teammate is replying — reply anyway?" and "a reply went out while you wrote — send yours anyway?" */
function answerReplyQuestion(o: Choice, yes: boolean, env: CommandEnv) {
  const r = o.reply;
  if (!r) return;
  if (o.purpose === 'reply-anyway') {
    if (!yes) return say(env, null);
    return r.template !== undefined ? insertTemplate(env, r.id, r.template, true) : reply(env, r.id, r.viaEditor, true);
  }
  if (yes && r.text !== undefined) return void sendReply(env, r.id, r.text, r.andNext);
  say(env, 'kept yours as a draft — r opens it');
}
