// `npm run simulate`: the queue simulation. Every policy works the same simulated days (same
// arrivals, same service and think times), with agents who finish what they start and with agents
// whom focus mode interrupts for a breakthrough. Deterministic for a seed. README "Queue order".
//   --seed N        (default 1)        --days N   simulated days per scenario (default 20)
//   --agents N      (default 1)        --json     figures as JSON on stdout
//   --scenario NAME (repeatable; default all)    --mode finish|interrupt|both (default both)
//   --grace X --email-after M --chat-after M   vary attend's order (policy/queue.ts QueueOrder)
//   --chat-lead M   focus mode's breakthrough lead for chat, minutes (default: attend's setting)
//   --chat-reply M --email-work M   mean minutes per chat answer / email reply (sensitivity)
import { parseArgs } from 'node:util';
import { DEFAULT_FOCUS, type FocusSettings } from '../src/policy/focus.js';
import { DEFAULT_QUEUE_ORDER, type QueueOrder } from '../src/policy/queue.js';
import { DEFAULT_SLA, type SlaSettings } from '../src/policy/sla.js';
import { type AgentMode, runDay, type SimPolicy } from './simulate/engine.js';
import { type Figures, figuresOf, table } from './simulate/figures.js';
import { DEFAULT_WORKLOAD, makeDay, type Scenario } from './simulate/model.js';
import { attend, breachedFirst, chatFirst, fifo } from './simulate/policies.js';

export const SCENARIOS: readonly Scenario[] = [
  { name: 'steady 70%', utilisation: 0.7, chatShare: 0.2, hours: 24 },
  { name: 'steady 85%', utilisation: 0.85, chatShare: 0.2, hours: 24 },
  { name: 'steady 95%', utilisation: 0.95, chatShare: 0.2, hours: 24 },
  { name: 'backlog 50 at 70%', utilisation: 0.7, chatShare: 0.2, hours: 24, backlog: { emails: 50, maxOverdueHours: 72 } },
  { name: 'chat burst at 70%', utilisation: 0.7, chatShare: 0.2, hours: 24, burst: { atHour: 4, chats: 12, minutes: 5 } },
  // A week of a shop open Mon–Fri 09:00–17:00: email arrives around the clock, chat while open.
  { name: 'shop hours 85%', utilisation: 0.85, chatShare: 0.2, hours: 7 * 24, shop: { timeZone: 'UTC', weekly: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] } } },
];

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    days: { type: 'string', default: '20' },
    agents: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    scenario: { type: 'string', multiple: true },
    mode: { type: 'string', default: 'both' },
    grace: { type: 'string' },
    'email-after': { type: 'string' },
    'chat-after': { type: 'string' },
    'chat-lead': { type: 'string' },
    'chat-reply': { type: 'string' },
    'email-work': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'usage: npm run simulate -- [--seed N] [--days N] [--agents N] [--json] [--scenario NAME]… [--mode finish|interrupt|both]\n' +
      '                          [--grace X] [--email-after MIN] [--chat-after MIN] [--chat-lead MIN]\n' +
      `scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}\n`,
  );
  process.exit(0);
}

const num = (name: string, v: string | undefined, fallback: number, min = 0): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`simulate: --${name} must be a number ≥ ${min}, got '${v}'\n`);
    process.exit(2);
  }
  return n;
};

const seed = num('seed', values.seed, 1);
const days = Math.round(num('days', values.days, 20, 1));
const agents = Math.round(num('agents', values.agents, 1, 1));
const modes: AgentMode[] = values.mode === 'both' ? ['finish', 'interrupt'] : values.mode === 'finish' || values.mode === 'interrupt' ? [values.mode] : [];
if (modes.length === 0) {
  process.stderr.write(`simulate: --mode must be finish, interrupt or both, got '${values.mode}'\n`);
  process.exit(2);
}
const order: QueueOrder = {
  graceTargets: num('grace', values.grace, DEFAULT_QUEUE_ORDER.graceTargets),
  backlogAfterMinutes: {
    email: num('email-after', values['email-after'], DEFAULT_QUEUE_ORDER.backlogAfterMinutes.email),
    chat: num('chat-after', values['chat-after'], DEFAULT_QUEUE_ORDER.backlogAfterMinutes.chat),
  },
};
const focus: FocusSettings = {
  ...DEFAULT_FOCUS,
  breakthrough: { ...DEFAULT_FOCUS.breakthrough, leadMinutes: { ...DEFAULT_FOCUS.breakthrough.leadMinutes, chat: num('chat-lead', values['chat-lead'], DEFAULT_FOCUS.breakthrough.leadMinutes.chat) } },
};
const workload = {
  ...DEFAULT_WORKLOAD,
  chatReplyMinutes: num('chat-reply', values['chat-reply'], DEFAULT_WORKLOAD.chatReplyMinutes, 0.01),
  emailServiceMinutes: num('email-work', values['email-work'], DEFAULT_WORKLOAD.emailServiceMinutes, 0.01),
};
const scenarios = values.scenario?.length ? SCENARIOS.filter((s) => values.scenario?.includes(s.name)) : SCENARIOS;
if (scenarios.length === 0) {
  process.stderr.write(`simulate: no scenario named ${values.scenario?.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
  process.exit(2);
}

const started = Date.now();
const results: Array<{ scenario: string; figures: Figures[] }> = [];
for (const scenario of scenarios) {
  // With business hours every order counts targets in open time, as attend does.
  const sla: SlaSettings = scenario.shop ? { ...DEFAULT_SLA, hours: { email: scenario.shop, chat: scenario.shop } } : DEFAULT_SLA;
  const policies: SimPolicy[] = [fifo, chatFirst(sla), breachedFirst(sla), attend(order, sla)];
  const dayList = Array.from({ length: days }, (_, d) => makeDay(scenario, workload, agents, seed * 100_003 + d));
  const figures: Figures[] = [];
  for (const mode of modes)
    for (const policy of policies) {
      const runs = dayList.map((day) => runDay(day, policy, { agents, mode, workload, focus, sla, ...(scenario.shop ? { shift: scenario.shop } : {}) }));
      figures.push(figuresOf(policy.name, mode, runs, scenario.hours * 3_600_000));
    }
  results.push({ scenario: scenario.name, figures });
}

const setup = { seed, days, agents, workload, order, chatLeadMinutes: focus.breakthrough.leadMinutes.chat, seconds: (Date.now() - started) / 1000 };
if (values.json) {
  process.stdout.write(`${JSON.stringify({ setup, scenarios: results }, null, 2)}\n`);
} else {
  const w = workload;
  process.stdout.write(
    `${days} simulated days per scenario, seed ${seed}, ${agents} agent(s); email ${w.emailServiceMinutes} min, chat ${w.chatExchanges} exchanges of ${w.chatReplyMinutes} min, visitor ${w.visitorThinkMinutes} min (all exponential); attend order grace ${order.graceTargets} target, backlog after ${order.backlogAfterMinutes.chat} min (chat) / ${order.backlogAfterMinutes.email} min (email)\n` +
      '"ok" = answers within target (fresh conversations), "worst" = the lower channel\n\n',
  );
  for (const r of results) process.stdout.write(`== ${r.scenario}\n${table(r.figures)}\n\n`);
  process.stdout.write('With business hours a simulated "day" is a week, and response times count open hours.\n');
  process.stderr.write(`simulated in ${setup.seconds.toFixed(1)} s\n`);
}
