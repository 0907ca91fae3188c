// What the console's keys do to a conversation, through the runtime: status actions, replies
// (inline for chat, $EDITOR for email), canned replies, retries, the stats screen. Each reports
// on the message line; in focus a handled conversation makes way for the next.
import { readConversation } from '../../app/conversations/conversation-view.js';
import type { Runtime } from '../../app/runtime.js';
import { editorContext } from '../model/transcript.js';
import { type CommandEnv, refOf, say } from './command-env.js';

type Deps = Pick<CommandEnv, 'runtime' | 'dispatch' | 'focus' | 'editor' | 'state'>;
export type ConversationAction = Parameters<Runtime['act']>[1];

export async function act(env: Deps, id: number, a: ConversationAction, outcome?: 'resolved' | 'pending' | 'snoozed'): Promise<void> {
  try {
    say(env, await env.runtime.act(id, a));
    if (outcome) env.focus.handled(id, outcome);
  } catch (err) {
    say(env, `failed: ${(err as Error).message}`);
  }
}

/** Queues and sends a reply; `andNext` in focus moves on to the next conversation (send and next). */
export async function sendReply(env: Deps, id: number, body: string, andNext = false): Promise<void> {
  if (body.trim() === '') return;
  const { runtime } = env;
  runtime.putDraft(id, '');
  const ref = refOf(env, id);
  say(env, `${ref}: reply queued…`);
  try {
    const r = await runtime.reply(id, body);
    if (r.state === 'failed') {
      // Refused for good: the customer got nothing, so focus stays here; the pane shows the
      // whole reason after the failed reply (this line is cut to the terminal's width).
      say(env, `${ref}: reply FAILED, not sent — the reason is in the conversation · X retries`);
      return;
    }
    say(env, r.state === 'queued' ? (r.error ? `${ref}: reply queued (${r.error})` : `${ref}: reply queued → sending`) : `${ref}: reply ${r.state}`);
    if (andNext) env.focus.handled(id, 'replied');
  } catch (err) {
    runtime.putDraft(id, body);
    say(env, `${ref}: not sent, kept as draft: ${(err as Error).message}`);
  }
}

export async function openEditor(env: Deps, id: number): Promise<void> {
  const d = readConversation(env.runtime, id);
  if (!d) return;
  try {
    const body = await env.editor(env.runtime.getDraft(id) ?? '', editorContext(d));
    if (body === null) say(env, 'reply cancelled: it was empty');
    else await sendReply(env, id, body, env.state.mode === 'focus'); // an email reply in focus: send and next
  } catch (err) {
    const draft = (err as { draft?: string | null }).draft;
    if (draft) env.runtime.putDraft(id, draft);
    say(env, `editor: ${(err as Error).message}${draft ? ' (kept as draft)' : ''}`);
  }
}

/** Chat replies are typed inline (from the draft); email, or `viaEditor`, opens $EDITOR. */
export function reply(env: Deps, id: number, viaEditor: boolean): void {
  const d = readConversation(env.runtime, id);
  if (!d) return;
  if (viaEditor || d.conversation.channel === 'email') void openEditor(env, id);
  else env.dispatch({ type: 'compose', id, value: env.runtime.getDraft(id) ?? '' });
}

/** A canned reply is added to what was typed, never instead of it. */
export function insertTemplate(env: Deps, id: number, name: string): void {
  const { runtime } = env;
  try {
    const text = runtime.renderTemplate(name, id);
    const d = readConversation(runtime, id);
    const draft = runtime.getDraft(id);
    if (d?.conversation.channel === 'chat') env.dispatch({ type: 'compose', id, value: draft ? `${draft.trimEnd()} ${text}` : text });
    else {
      runtime.putDraft(id, draft ? `${draft.trimEnd()}\n\n${text}` : text);
      void openEditor(env, id);
    }
  } catch (err) {
    say(env, (err as Error).message);
  }
}

export function retry(env: Deps, id: number): void {
  void env.runtime.retry(id).then((n) => say(env, n ? `${refOf(env, id)}: retrying ${n} failed repl${n === 1 ? 'y' : 'ies'}` : `${refOf(env, id)}: no failed reply`));
}

export function showStats(env: Deps, width: number): void {
  say(env, 'computing stats…');
  void env.runtime.stats(width).then(
    (lines) => env.dispatch({ type: 'stats-shown', lines }),
    (err) => say(env, `stats: ${(err as Error).message}`),
  );
}
