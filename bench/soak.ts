/**
 * `npm run soak -- [--minutes N] [--seed S] [--visitors V] [--json]`: the standing fault suite
 * (bench/soak/harness.ts). Prints a table (or JSON) and exits 1 if anything was lost or duplicated.
 */
import { parseArgs } from 'node:util';
import { runSoak, type SoakReport } from './soak/harness.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    seed: { type: 'string', default: String(Date.now() % 100000) },
    visitors: { type: 'string', default: '8' },
    'kill-every': { type: 'string', default: '6' },
    json: { type: 'boolean', default: false },
  },
});

const minutes = Number(values.minutes);
if (!(minutes > 0 && minutes <= 60)) throw new Error('--minutes must be in (0, 60]');
const report = await runSoak({
  seconds: Math.round(minutes * 60),
  seed: Number(values.seed),
  visitors: Math.min(50, Math.max(1, Number(values.visitors))),
  killEveryMs: Number(values['kill-every']) * 1000,
  quietMs: 30_000,
  log: values.json ? undefined : (l) => console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${l}`),
});

if (values.json) console.log(JSON.stringify(report, null, 2));
else printTable(report);
process.exit(report.lost > 0 || report.duplicated > 0 ? 1 : 0);

function printTable(r: SoakReport): void {
  const rows: Array<[string, string]> = [
    ['seed', String(r.seed)],
    ['load', `${r.seconds} s`],
    ['chat messages acknowledged', String(r.messages.chatAcked)],
    ['chat sends never acknowledged', String(r.messages.chatGaveUp)],
    ['emails delivered to Dovecot', String(r.messages.emails)],
    ['agent replies (exit codes)', `${r.messages.replies} (${Object.entries(r.messages.replyExitCodes).map(([c, n]) => `${c}: ${n}`).join(', ')})`],
    ['watch events seen (log has)', `${r.messages.watchEvents} (${r.messages.logEvents})`],
    ['kills (SIGKILL)', Object.entries(r.kills).map(([p, n]) => `${p} ${n}`).join(', ')],
    ['lost', String(r.lost)],
    ['duplicated', String(r.duplicated)],
    ['relay peak RSS', `${r.relayPeakRssMb} MB`],
    ['largest gap in service', `${(r.largestServiceGapMs / 1000).toFixed(1)} s`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  for (const f of r.findings) console.log(`! ${f.what}: ${f.detail}`);
}
