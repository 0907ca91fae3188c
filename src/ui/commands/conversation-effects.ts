// What the console's keys do to a conversation, through the runtime: status actions, replies
// (inline for chat, $EDITOR for email), canned replies, retries, the stats screen. Each reports
// on the message line; in focus a handled conversation makes way for the next. In a team, starting
// a reply where a teammate replies asks first, and an email reply that a teammate's beat asks again.
import { readConversation } from '../../app/conversations/conversation-view.js';
import { replyMark, repliesFromElsewhere } from '../../app/conversations/reply-collisions.js';
import type { Runtime } from '../../app/runtime.js';
import type { MessageView } from '../../domain/message.js';
import { shownRef } from '../../domain/conversation-ref.js';
import { replyQuestion } from '../model/overlays.js';
import { replyingTeammate } from '../model/team-marks.js';
import { editorContext } from '../model/transcript.js';
import { clock, safeLine } from '../text.js';
import { type CommandEnv, refOf, say } from './command-env.js';

type Deps = Pick<CommandEnv, 'runtime' | 'dispatch' | 'focus' | 'editor' | 'state' | 'activity'>;
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
  const andNext = env.state.mode === 'focus'; // an email reply in focus: send and next
  // What went out before I started is not news; what a teammate sends while I write is.
  const mark = replyMark(env.runtime, id);
  try {
    if (env.activity && env.runtime.team.enabled) {
      env.activity.editor(id);
      // Let "replying" reach the hub first: where the console cannot keep running alongside the
      // editor (editor.ts: no way to stop reading the keyboard), the editor holds the event loop.
      await new Promise((r) => setTimeout(r, 50));
    }
    const body = await env.editor(env.runtime.getDraft(id) ?? '', editorContext(d));
    env.activity?.editor(null);
    if (body === null) return say(env, 'reply cancelled: it was empty');
    const beaten = d.conversation.channel === 'email' ? repliesFromElsewhere(env.runtime, id, mark) : [];
    if (beaten.length > 0) return askSendAnyway(env, d.conversation, body, beaten, andNext);
    await sendReply(env, id, body, andNext);
  } catch (err) {
    env.activity?.editor(null);
    const draft = (err as { draft?: string | null }).draft;
    if (draft) env.runtime.putDraft(id, draft);
    say(env, `editor: ${(err as Error).message}${draft ? ' (kept as draft)' : ''}`);
  }
}

/**
 * A reply went out from elsewhere (a teammate, by the Sent folder) while I wrote mine: mine is kept
 * as the draft, theirs is shown, and I choose — send mine anyway, or keep it as a draft.
 */
function askSendAnyway(env: Deps, c: { id: number; number: number | null }, text: string, beaten: MessageView[], andNext: boolean): void {
  env.runtime.putDraft(c.id, text);
  const ref = shownRef(c);
  const body = beaten.slice(-2).flatMap((m) => [`── ${safeLine(m.from.name || m.from.email)} · ${clock(Date.parse(m.sentAt))}`, m.text, '']);
  const title = `${ref}: ${beaten.length === 1 ? 'a reply' : `${beaten.length} replies`} went out while you wrote yours — send yours anyway?`;
  const overlay = replyQuestion('send-anyway', title, 'yes, send mine too', 'no, keep mine as a draft', { id: c.id, viaEditor: true, text, andNext }, body);
  env.dispatch({ type: 'open-overlay', overlay });
}

/** Chat replies are typed inline (from the draft); email, or `viaEditor`, opens $EDITOR. In a team, asks first when a teammate is replying. */
export function reply(env: Deps, id: number, viaEditor: boolean, anyway = false): void {
  const d = readConversation(env.runtime, id);
  if (!d) return;
  const teammate = anyway ? null : replyingTeammate(env.runtime.team.teammates(), id);
  if (teammate !== null) {
    const title = `${teammate} is replying to ${shownRef(d.conversation)} — reply anyway? y/n`;
    env.dispatch({ type: 'open-overlay', overlay: replyQuestion('reply-anyway', title, 'yes, reply anyway', 'no', { id, viaEditor }) });
    return;
  }
  if (viaEditor || d.conversation.channel === 'email') void openEditor(env, id);
  else env.dispatch({ type: 'compose', id, value: env.runtime.getDraft(id) ?? '' });
}

/** A canned reply is added to what was typed, never instead of it. In a team, asks first when a teammate is replying. */
export function insertTemplate(env: Deps, id: number, name: string, anyway = false): void {
  const { runtime } = env;
  const teammate = anyway ? null : replyingTeammate(runtime.team.teammates(), id);
  if (teammate !== null) {
    const d = readConversation(runtime, id);
    const title = `${teammate} is replying to ${d ? shownRef(d.conversation) : 'this conversation'} — reply anyway? y/n`;
    env.dispatch({ type: 'open-overlay', overlay: replyQuestion('reply-anyway', title, 'yes, reply anyway', 'no', { id, viaEditor: false, template: name }) });
    return;
  }
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
