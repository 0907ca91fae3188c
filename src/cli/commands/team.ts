// `attend team`: who is in the team, who is online, and what each one is looking at or replying to.
import type { Command } from 'commander';
import type { TeamMemberView, TeamView } from '../../app/team/roster.js';
import { CliError, EXIT } from '../exit-codes.js';
import { cell, makeOutput } from '../output.js';
import { withContext } from '../run.js';

function doing(m: TeamMemberView): string {
  if (!m.online) return 'offline';
  if (m.ref === null) return 'online';
  return m.replying ? `online, replying to #${m.ref}` : `online, viewing #${m.ref}`;
}

function text(t: TeamView): string {
  const width = Math.max(8, ...t.agents.map((a) => [...a.agent].length + (a.me ? 6 : 0)));
  const lines = t.agents.map((a) => `${cell(a.me ? `${a.agent} (you)` : a.agent, width)}  ${doing(a)}`);
  return [`team on ${t.account}, you are ${t.me}`, ...lines].join('\n');
}

export function registerTeam(program: Command): void {
  program
    .command('team')
    .description("who is in the team, who is online, and what each is viewing or replying to (from the team's relay)")
    .option('--json', 'print the team as JSON')
    .action((o: { json?: boolean }) =>
      withContext(async (ctx) => {
        const { loadTeam } = await import('../../app/team/roster.js');
        let team: TeamView | null;
        try {
          team = await loadTeam(ctx);
        } catch (err) {
          throw new CliError(`cannot reach the team's relay: ${(err as Error).message}`, EXIT.failed);
        }
        if (!team) {
          throw new CliError('not in a team: no chat account connects to a relay with agents (attend relay agent add NAME, then account add chat … with that token)', EXIT.failed);
        }
        makeOutput(Boolean(o.json)).data(team, () => text(team));
      }),
    );
}
