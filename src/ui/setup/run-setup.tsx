// `attend account add email` on a terminal with flags missing: the set-up asks for the rest, one
// question at a time, inline (not the alternate screen: what was set up stays in the scrollback).
import type { AppContext } from '../../app/context.js';
import { makeTheme } from '../theme.js';
import type { SetupOutcome, SetupPrefill } from './SetupScreen.js';

/** Runs the set-up; resolves with the exit code (0 saved, 1 cancelled). */
export async function runEmailSetup(ctx: AppContext, prefill: SetupPrefill = {}, opts: { verify?: boolean; signIn?: boolean } = {}): Promise<number> {
  // As the console does (ui/run.tsx): Ink draws only a final frame when it thinks it runs in CI.
  for (const key of Object.keys(process.env)) if (key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_')) delete process.env[key];
  const [{ render }, { SetupScreen }, { setupServices }] = await Promise.all([import('ink'), import('./SetupScreen.js'), import('./services.js')]);
  let outcome: SetupOutcome = { cancelled: true };
  const instance = render(
    <SetupScreen
      services={setupServices(ctx, opts)}
      prefill={prefill}
      theme={makeTheme()}
      width={Math.min(process.stdout.columns || 80, 100)}
      onDone={(o) => {
        outcome = o;
        // Let the last frame (the saved line) reach the terminal before Ink lets go of it.
        setTimeout(() => instance.unmount(), 50);
      }}
    />,
    { exitOnCtrlC: false, patchConsole: false },
  );
  const stop = () => instance.unmount();
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  try {
    await instance.waitUntilExit();
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGHUP', stop);
  }
  const o = outcome as SetupOutcome;
  if ('saved' in o) {
    process.stdout.write(`added account ${o.saved.name} (${o.saved.email}) — \`attend\` starts syncing it\n`);
    return 0;
  }
  process.stderr.write('cancelled: nothing was saved\n');
  return 1;
}
