// Team mode in the console: what teammates do (re-read whenever the hub tells us, so a teammate
// opening a conversation shows on this screen within a second), and what I do — the conversation
// on my screen and whether my composer or editor is open — told to the team on every change.
import { useEffect, useRef, useState } from 'react';
import type { Runtime } from '../../app/runtime.js';
import type { TeammateActivity, TeamPort } from '../../app/team/port.js';
import { teammatesByConversation } from '../model/team-marks.js';

export interface TeamView {
  list: TeammateActivity[];
  /** Online teammates on each conversation (local id), replying ones first. */
  on: Map<number, TeammateActivity[]>;
}

const NOBODY: TeamView = { list: [], on: new Map() };

function viewOf(team: TeamPort): TeamView {
  const list = team.teammates();
  return list.length === 0 ? NOBODY : { list, on: teammatesByConversation(list) };
}

/** Teammates' activity, re-read on every change the port announces. */
export function useTeammates(runtime: Runtime): TeamView {
  // Read each render: the real port may replace the solo one once the chat account connects.
  const team = runtime.team;
  const [view, setView] = useState<TeamView>(() => viewOf(team));
  useEffect(() => {
    setView(viewOf(team));
    return team.onChange(() => setView(viewOf(team)));
  }, [team]);
  return view;
}

/** A cursor running down the queue is told where it settles, not every row it passes (at most this often). */
export const VIEW_SETTLE_MS = 150;

/**
 * What I do, as the team sees it: sent only when it changed. Replying (composer, editor) is told at
 * once; the editor takes the terminal (and the event loop) while it runs, so it is told before it
 * starts, not on the next render. What I view is told within VIEW_SETTLE_MS.
 */
export class ActivityReporter {
  private viewing: number | null = null;
  private composing: number | null = null;
  private editing: number | null = null;
  private last = 'null|false';
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly team: () => TeamPort) {}

  /** The conversation on screen and the open composer's, each render. */
  screen(viewing: number | null, composing: number | null): void {
    const composerMoved = composing !== this.composing;
    this.viewing = viewing;
    this.composing = composing;
    if (composerMoved) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), VIEW_SETTLE_MS);
  }

  /** $EDITOR opened on a conversation (or closed: null). */
  editor(id: number | null): void {
    this.editing = id;
    this.flush();
  }

  /** The console closes: I view nothing and reply to nothing. */
  close(): void {
    this.viewing = null;
    this.composing = null;
    this.editing = null;
    this.flush();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const replyingTo = this.editing ?? this.composing;
    const conversation = replyingTo ?? this.viewing;
    const replying = replyingTo !== null;
    const key = `${conversation}|${replying}`;
    if (key === this.last) return;
    this.last = key;
    this.team().setActivity(conversation, replying);
  }
}

/** Reports the screen's activity on every change, and nothing (null) when the console closes. */
export function useActivityReport(runtime: Runtime, viewing: number | null, composing: number | null): ActivityReporter {
  const ref = useRef<ActivityReporter | null>(null);
  ref.current ??= new ActivityReporter(() => runtime.team);
  const reporter = ref.current;
  useEffect(() => reporter.screen(viewing, composing), [reporter, viewing, composing]);
  useEffect(() => () => reporter.close(), [reporter]);
  return reporter;
}
