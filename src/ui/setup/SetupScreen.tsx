// The interactive set-up of an email account: one question at a time, the default in brackets
// (Enter takes it), esc goes back a question (on the first one it cancels), ctrl-c cancels. After
// the last question and a summary it signs in, tests IMAP and SMTP and saves, through `services`
// (the app layer in the product, fakes in tests). A failure shows its one line and offers to
// change the answer that most likely caused it, keeping every other answer.
import { Box, type Key, Text, useInput } from 'ink';
import { useEffect, useRef, useState } from 'react';
import type { EmailAccountDraft } from '../../app/email/account-setup.js';
import type { SignInIO, SignInOptions, SignInPrompt } from '../../app/email/oauth-session.js';
import type { ProviderGuessResult } from '../../app/setup/provider-guess.js';
import type { EmailAccount } from '../../config/settings.js';
import { OAUTH_PRESETS } from '../../domain/mail-providers.js';
import { clip, safeLine } from '../text.js';
import type { Theme } from '../theme.js';
import { editLine, LineView } from './LineInput.js';
import {
  culpritOf,
  domainOf,
  draftOf,
  type FlowContext,
  type Question,
  type QuestionId,
  QUESTIONS,
  questionById,
  type SetupAnswers,
  summaryOf,
  withAnswer,
} from './setup-flow.js';
import { SignInView } from './SignInView.js';

/** What the set-up does outside the screen. */
export interface SetupServices {
  guessProvider(email: string): Promise<ProviderGuessResult>;
  /** Account names in use now. */
  takenNames(): string[];
  /** Checks the draft and fills in the rest; throws (one line) on a problem with the answers. */
  complete(draft: EmailAccountDraft): EmailAccount;
  /** Signs in, tests IMAP and SMTP, saves; throws (one line) on a failure. */
  save(account: EmailAccount, io: SignInIO & { step(line: string): void }, signIn: SignInOptions): Promise<void>;
}

/** Answers given before the set-up starts (the command line's flags): those questions are not asked. */
export interface SetupPrefill {
  answers?: SetupAnswers;
  /** Settings with no question (display name, mailboxes, scopes, flow…): passed through to the draft. */
  draft?: Partial<EmailAccountDraft>;
  signIn?: SignInOptions;
}

export type SetupOutcome = { saved: EmailAccount } | { cancelled: true };

type Phase =
  | { kind: 'ask'; id: QuestionId; input: string; cursor: number; error: string | null }
  | { kind: 'guessing'; domain: string }
  | { kind: 'review'; cursor: number }
  | { kind: 'running'; lines: string[]; prompt: SignInPrompt | null; pasting: boolean; input: string }
  /** culprit: the answer that most likely caused it; null when none did (a server down): retrying comes first. */
  | { kind: 'failed'; message: string; culprit: QuestionId | null; lines: string[]; cursor: number }
  | { kind: 'done'; account: EmailAccount; lines: string[] };

interface State {
  answers: SetupAnswers;
  guess: ProviderGuessResult | null;
  /** The domain `guess` is for: a changed address asks again. */
  guessedFor: string | null;
  /** The questions answered, in order: esc walks back through them. */
  history: QuestionId[];
  /** Changing one answer after a failure: after it, only unanswered questions are asked. */
  fixing: boolean;
  phase: Phase;
}

export interface SetupScreenProps {
  services: SetupServices;
  prefill?: SetupPrefill;
  theme: Theme;
  width: number;
  onDone(outcome: SetupOutcome): void;
}

const TITLE = 'Add an email account';

export function SetupScreen(props: SetupScreenProps) {
  const { services, theme } = props;
  const width = Math.max(40, props.width);
  const given = useRef(new Set(Object.keys(props.prefill?.answers ?? {}) as QuestionId[])).current;
  const [state, setState] = useState<State>(() => ({
    answers: { ...props.prefill?.answers },
    guess: null,
    guessedFor: null,
    history: [],
    fixing: false,
    phase: { kind: 'guessing', domain: '' },
  }));
  // The key listener and the async steps read and write the latest state, not a render's copy:
  // two keys in one read, or a step finishing between renders, must not undo each other.
  const st = useRef(state);
  const set = (next: State) => {
    st.current = next;
    setState(next);
  };
  const running = useRef<{ abort: AbortController; paste: ((url: string) => void) | null } | null>(null);
  const finished = useRef(false);

  const flowCtx = (s: State): FlowContext => ({ guess: s.guess, taken: services.takenNames() });
  const applies = (q: Question, s: State) => !given.has(q.id) && q.applies(s.answers, flowCtx(s));
  const defaultOf = (q: Question, s: State) => s.answers[q.id] ?? q.defaultValue(s.answers, flowCtx(s));

  const finish = (outcome: SetupOutcome) => {
    if (finished.current) return;
    finished.current = true;
    running.current?.abort.abort();
    props.onDone(outcome);
  };

  const askPhase = (q: Question, s: State, error: string | null = null): Phase => {
    const value = defaultOf(q, s);
    const cursor = q.kind === 'choice' ? Math.max(0, q.options(s.answers, flowCtx(s)).findIndex((o) => o.value === value)) : 0;
    return { kind: 'ask', id: q.id, input: '', cursor, error };
  };

  /** The next question to ask from `index` on (in fixing mode only unanswered ones), else the summary. */
  const askFrom = (s: State, index: number): State => {
    for (let i = index; i < QUESTIONS.length; i++) {
      const q = QUESTIONS[i] as Question;
      if (!applies(q, s)) continue;
      if (s.fixing && s.answers[q.id] !== undefined) continue;
      return { ...s, phase: askPhase(q, s) };
    }
    return { ...s, fixing: false, phase: { kind: 'review', cursor: 0 } };
  };

  /** Guesses the provider when the address's domain is new, then goes on from `index`. */
  const guessThen = async (s: State, index: number) => {
    const domain = domainOf(s.answers.email);
    if (s.answers.email === undefined || s.guessedFor === domain) return set(askFrom(s, index));
    set({ ...s, phase: { kind: 'guessing', domain } });
    let guess: ProviderGuessResult;
    try {
      guess = presetGuess(s.answers, given) ?? (await services.guessProvider(s.answers.email));
    } catch (err) {
      guess = { guess: null, note: `Could not guess the provider (${(err as Error).message}). Enter the servers below.` };
    }
    if (finished.current) return;
    const now = st.current;
    // A guess that no longer fits (its answers were for another provider) is asked again.
    set(askFrom({ ...now, guess, guessedFor: domain, answers: now.guessedFor === null ? now.answers : dropGuessDependent(now.answers, given) }, index));
  };

  // Start: the first question, or straight to guessing when the address came with the flags.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once, on mount
  useEffect(() => {
    const s = st.current;
    if (s.answers.email !== undefined) void guessThen(s, 1);
    else set(askFrom(s, 0));
    return () => running.current?.abort.abort();
  }, []);

  const answer = (s: State, q: Question, value: string) => {
    // An answer the flags gave and the person changed is theirs now: back reaches it again.
    given.delete(q.id);
    const answers = withAnswer(s.answers, q.id, value);
    const next: State = { ...s, answers, history: [...s.history.filter((h) => h !== q.id), q.id] };
    const index = QUESTIONS.indexOf(q) + 1;
    if (q.id === 'email') return void guessThen(next, index);
    set(askFrom(next, index));
  };

  const back = (s: State) => {
    const history = [...s.history];
    for (let prev = history.pop(); prev !== undefined; prev = history.pop()) {
      const q = questionById(prev);
      if (applies(q, s)) return set({ ...s, history, fixing: false, phase: askPhase(q, s) });
    }
    finish({ cancelled: true });
  };

  const run = async (s: State) => {
    const c = flowCtx(s);
    let account: EmailAccount;
    try {
      account = services.complete(draftOf(s.answers, c, props.prefill?.draft));
    } catch (err) {
      const message = safeLine((err as Error).message);
      return set({ ...s, phase: { kind: 'failed', message, culprit: culpritOf(message, s.answers, c), lines: [], cursor: 0 } });
    }
    const abort = new AbortController();
    running.current = { abort, paste: null };
    set({ ...s, phase: { kind: 'running', lines: [], prompt: null, pasting: false, input: '' } });
    const update = (fn: (p: Extract<Phase, { kind: 'running' }>) => Phase) => {
      const now = st.current;
      if (now.phase.kind === 'running' && running.current?.abort === abort) set({ ...now, phase: fn(now.phase) });
    };
    const io: SignInIO & { step(line: string): void } = {
      step: (line) => update((p) => ({ ...p, lines: [...p.lines, safeLine(line)] })),
      show: (prompt) => update((p) => ({ ...p, prompt })),
      readPastedUrl: (signal) =>
        new Promise<string>((resolve, reject) => {
          const stop = () => {
            if (running.current?.abort === abort) running.current.paste = null;
            update((p) => ({ ...p, pasting: false }));
            reject(signal.reason ?? new Error('aborted'));
          };
          if (signal.aborted) return stop();
          signal.addEventListener('abort', stop, { once: true });
          if (running.current?.abort === abort) {
            running.current.paste = (url) => {
              signal.removeEventListener('abort', stop);
              if (running.current) running.current.paste = null;
              update((p) => ({ ...p, pasting: false, input: '' }));
              resolve(url);
            };
          }
          update((p) => ({ ...p, pasting: true }));
        }),
    };
    try {
      await services.save(account, io, { ...props.prefill?.signIn, signal: abort.signal });
    } catch (err) {
      if (finished.current) return;
      const now = st.current;
      const lines = now.phase.kind === 'running' ? now.phase.lines : [];
      const message = abort.signal.aborted ? 'stopped: nothing was saved' : safeLine((err as Error).message) || 'failed';
      running.current = null;
      return set({ ...now, phase: { kind: 'failed', message, culprit: culpritOf(message, now.answers, c), lines, cursor: 0 } });
    }
    running.current = null;
    const now = st.current;
    set({ ...now, phase: { kind: 'done', account, lines: now.phase.kind === 'running' ? now.phase.lines : [] } });
    finish({ saved: account });
  };

  const failedOptions = (p: Extract<Phase, { kind: 'failed' }>, s: State) => [
    ...(p.culprit ? [{ value: 'change', label: `change: ${questionLabel(questionById(p.culprit), s)}` }] : []),
    { value: 'retry', label: 'try again as it is' },
    { value: 'back', label: 'go back through the answers' },
    { value: 'quit', label: 'quit without saving' },
  ];

  const onKey = (input: string, key: Key) => {
    const s = st.current;
    const p = s.phase;
    if (key.ctrl && input === 'c') return finish({ cancelled: true });
    switch (p.kind) {
      case 'guessing':
      case 'done':
        return;
      case 'ask': {
        const q = questionById(p.id);
        if (key.escape) return back(s);
        if (q.kind === 'choice') {
          const options = q.options(s.answers, flowCtx(s));
          const move = (d: number) => set({ ...s, phase: { ...p, cursor: (p.cursor + d + options.length) % options.length, error: null } });
          if (key.downArrow || input === 'j') return move(1);
          if (key.upArrow || input === 'k') return move(-1);
          if (input === 'h' || key.leftArrow) return back(s);
          const n = Number(input);
          const picked = key.return || input === 'l' ? options[p.cursor] : Number.isInteger(n) && n >= 1 ? options[n - 1] : undefined;
          if (!picked) return;
          const problem = q.check?.(picked.value, s.answers, flowCtx(s)) ?? null;
          if (problem) return set({ ...s, phase: { ...p, cursor: options.indexOf(picked), error: problem } });
          return answer(s, q, picked.value);
        }
        const r = editLine(p.input, input, key);
        if (r.submit === undefined) return r.value === p.input ? undefined : set({ ...s, phase: { ...p, input: r.value, error: null } });
        const value = r.submit.trim() === '' ? defaultOf(q, s) : r.submit.trim();
        const problem = q.check(value, s.answers, flowCtx(s));
        if (problem) return set({ ...s, phase: { ...p, input: r.value, error: problem } });
        return answer(s, q, value);
      }
      case 'review':
        if (key.escape || input === 'h') return back(s);
        if (key.return) return void run(s);
        return;
      case 'running': {
        if (key.escape) return running.current?.abort.abort();
        if (!p.pasting) return;
        const r = editLine(p.input, input, key);
        if (r.submit !== undefined && r.submit.trim() !== '') return running.current?.paste?.(r.submit.trim());
        if (r.value !== p.input) set({ ...s, phase: { ...p, input: r.value } });
        return;
      }
      case 'failed': {
        const options = failedOptions(p, s);
        if (key.downArrow || input === 'j') return set({ ...s, phase: { ...p, cursor: (p.cursor + 1) % options.length } });
        if (key.upArrow || input === 'k') return set({ ...s, phase: { ...p, cursor: (p.cursor + options.length - 1) % options.length } });
        if (key.escape) return finish({ cancelled: true });
        const n = Number(input);
        const picked = key.return ? options[p.cursor] : Number.isInteger(n) && n >= 1 ? options[n - 1] : undefined;
        if (!picked) return;
        if (picked.value === 'quit') return finish({ cancelled: true });
        if (picked.value === 'retry') return void run(s);
        if (picked.value === 'back') return back(s);
        if (!p.culprit) return;
        const q = questionById(p.culprit);
        return set({ ...s, fixing: true, history: s.history.filter((h) => h !== q.id), phase: askPhase(q, s) });
      }
    }
  };
  const listener = useRef(onKey);
  listener.current = onKey;
  const [stableListener] = useState(() => (input: string, key: Key) => listener.current(input, key));
  useInput(stableListener);

  return (
    <Box flexDirection="column" width={width}>
      <Text bold color={theme.accent}>
        {TITLE}
      </Text>
      <Text> </Text>
      <Answered state={state} width={width} theme={theme} label={(id) => questionLabel(questionById(id), state)} value={(id) => answerText(id, state)} />
      <PhaseView
        state={state}
        width={width}
        theme={theme}
        flow={flowCtx(state)}
        defaultOf={(q) => defaultOf(q, state)}
        failedOptions={(p) => failedOptions(p, state)}
        extra={props.prefill?.draft}
      />
    </Box>
  );

  /** An answer as the person picked it: a choice's words ("password"), not its value. */
  function answerText(id: QuestionId, s: State): string {
    const q = questionById(id);
    const value = String(s.answers[id] ?? '');
    const option = q.kind === 'choice' ? q.options(s.answers, flowCtx(s)).find((o) => o.value === value) : undefined;
    return safeLine(option ? (option.label.split(' — ')[0] ?? value) : value);
  }

  function questionLabel(q: Question, s: State): string {
    return safeLine(q.label(s.answers, flowCtx(s)));
  }
}

/** `--oauth2 google|microsoft` given: its preset is the guess, whatever the domain says. */
function presetGuess(a: SetupAnswers, given: Set<QuestionId>): ProviderGuessResult | null {
  if (!given.has('provider') || (a.provider !== 'google' && a.provider !== 'microsoft')) return null;
  const p = OAUTH_PRESETS[a.provider];
  return { guess: { label: p.label, oauth: p.id, servers: p.servers, source: 'domain' }, note: `${p.label}: its servers and sign-in` };
}

/** Answers that came from a guess for another domain: asked again with the new guess's defaults. */
function dropGuessDependent(a: SetupAnswers, given: Set<QuestionId>): SetupAnswers {
  const keep: SetupAnswers = {};
  for (const [k, v] of Object.entries(a) as Array<[QuestionId, string]>) {
    if (given.has(k) || k === 'email' || k === 'name' || k === 'user') (keep as Record<string, string>)[k] = v;
  }
  return keep;
}

const SHOWN_ANSWERS = 5;

/** The last few answers, dimmed, so the person sees where they are. */
function Answered(p: { state: State; width: number; theme: Theme; label: (id: QuestionId) => string; value: (id: QuestionId) => string }) {
  const { state } = p;
  if (state.phase.kind === 'running' || state.phase.kind === 'done' || state.phase.kind === 'review') return null;
  const ids = state.history.slice(-SHOWN_ANSWERS);
  if (ids.length === 0) return null;
  return (
    <Box flexDirection="column" marginBottom={1}>
      {ids.map((id) => (
        <Text key={id} dimColor={p.theme.dim}>
          {clip(`✓ ${shortLabel(p.label(id))}: ${p.value(id)}`, p.width)}
        </Text>
      ))}
    </Box>
  );
}

const shortLabel = (label: string) => clip(label.replace(/ \(.*\)$/, ''), 40);

function PhaseView(p: {
  state: State;
  width: number;
  theme: Theme;
  flow: FlowContext;
  defaultOf: (q: Question) => string;
  failedOptions: (f: Extract<Phase, { kind: 'failed' }>) => Array<{ value: string; label: string }>;
  extra: Partial<EmailAccountDraft> | undefined;
}) {
  const { state, theme, width } = p;
  const ph = state.phase;
  const hint = (text: string) => <Text dimColor={theme.dim}>{clip(text, width)}</Text>;
  switch (ph.kind) {
    case 'guessing':
      return <Text>{ph.domain ? `Looking up who hosts ${safeLine(ph.domain)}'s mail…` : 'Starting…'}</Text>;
    case 'ask': {
      const q = questionById(ph.id);
      const label = safeLine(q.label(state.answers, p.flow));
      const help = q.help?.(state.answers, p.flow);
      const dflt = p.defaultOf(q);
      return (
        <Box flexDirection="column">
          <Text bold wrap="wrap">
            {label}
          </Text>
          {help ? (
            <Text dimColor={theme.dim} wrap="wrap">
              {safeLine(help)}
            </Text>
          ) : null}
          {q.kind === 'choice' ? (
            <Options options={q.options(state.answers, p.flow)} cursor={ph.cursor} width={width} theme={theme} />
          ) : (
            <LineView prefix={dflt ? `[${clip(safeLine(dflt), Math.floor(width / 2))}] › ` : '› '} value={ph.input} width={width} />
          )}
          {ph.error ? <Text color={theme.danger}>{clip(`✗ ${ph.error}`, width)}</Text> : null}
          <Text> </Text>
          {hint(q.kind === 'choice' ? 'j/k or arrows move · enter picks · esc goes back · ctrl-c cancels' : `enter ${dflt ? 'accepts' : 'goes on'} · esc goes back · ctrl-c cancels`)}
        </Box>
      );
    }
    case 'review':
      return (
        <Box flexDirection="column">
          <Text bold>{reviewTitle(draftOf(state.answers, p.flow, p.extra))}</Text>
          {summaryOf(state.answers, p.flow, p.extra).map((line) => (
            <Text key={line}>{clip(`  ${safeLine(line)}`, width)}</Text>
          ))}
          <Text> </Text>
          {hint('enter goes ahead · esc goes back to change something · ctrl-c cancels')}
        </Box>
      );
    case 'running':
    case 'done':
      return (
        <Box flexDirection="column">
          {ph.lines.map((line, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: progress lines only ever grow
            <Text key={i}>{clip(`· ${line}`, width)}</Text>
          ))}
          {ph.kind === 'running' && ph.prompt ? (
            <Box flexDirection="column" marginTop={1}>
              <SignInView prompt={ph.prompt} theme={theme} width={width} />
            </Box>
          ) : null}
          {ph.kind === 'running' && ph.pasting ? (
            <Box flexDirection="column" marginTop={1}>
              <Text>Paste the address the browser ended up at, then enter:</Text>
              <LineView prefix="› " value={ph.input} width={width} />
            </Box>
          ) : null}
          {ph.kind === 'done' ? <Text color={theme.ok}>{clip(`✓ saved account ${ph.account.name} (${safeLine(ph.account.email)})`, width)}</Text> : null}
          {ph.kind === 'running' ? (
            <>
              <Text> </Text>
              {hint('esc stops · ctrl-c cancels')}
            </>
          ) : null}
        </Box>
      );
    case 'failed':
      return (
        <Box flexDirection="column">
          {ph.lines.map((line, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: progress lines only ever grow
            <Text key={i} dimColor={theme.dim}>
              {clip(`· ${line}`, width)}
            </Text>
          ))}
          <Text color={theme.danger} wrap="wrap">{`✗ ${ph.message}`}</Text>
          <Text> </Text>
          <Options options={p.failedOptions(ph)} cursor={ph.cursor} width={width} theme={theme} />
          <Text> </Text>
          {hint('enter picks · esc quits without saving')}
        </Box>
      );
  }
}

function reviewTitle(d: EmailAccountDraft): string {
  return d.oauth2 ? 'Ready to sign in, test IMAP and SMTP, and save:' : 'Ready to test IMAP and SMTP, and save:';
}

function Options(p: { options: Array<{ value: string; label: string }>; cursor: number; width: number; theme: Theme }) {
  return (
    <Box flexDirection="column">
      {p.options.map((o, i) => (
        <Text key={o.value} bold={i === p.cursor} color={i === p.cursor ? p.theme.accent : undefined}>
          {clip(`${i === p.cursor ? '›' : ' '} ${i + 1}. ${safeLine(o.label)}`, p.width)}
        </Text>
      ))}
    </Box>
  );
}
