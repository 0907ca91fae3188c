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

/**
 * What I do, as the team sees it: sent only when it changed. The editor takes the terminal (and
 * the event loop) while it runs, so opening it is told right away, not on the next render.
 */
export class ActivityReporter {
  private viewing: number | null = null;
  private composing: number | null = null;
  private editing: number | null = null;
  private last = 'null|false';

  constructor(private readonly team: () => TeamPort) {}

  /** The conversation on screen and the open composer's, each render. */
  screen(viewing: number | null, composing: number | null): void {
    this.viewing = viewing;
    this.composing = composing;
    this.flush();
  }

  /** $EDITOR opened on a conversation (or closed: null). */
  editor(id: number | null): void {
    this.editing = id;
    this.flush();
  }

  private flush(): void {
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
  useEffect(
    () => () => {
      reporter.editor(null);
      reporter.screen(null, null);
    },
    [reporter],
  );
  return reporter;
}
