// The set-up inside the console (A, or the first-run hint): the same questions over the whole
// screen; once saved, the console's channels pick the account up from the settings by themselves
// (app/channels/supervisor.ts follows the settings file) and start syncing it.
import { Box } from 'ink';
import type { Runtime } from '../../app/runtime.js';
import type { Theme } from '../theme.js';
import { type SetupOutcome, SetupScreen } from './SetupScreen.js';
import { setupServices } from './services.js';

export function ConsoleSetup(p: { runtime: Runtime; theme: Theme; width: number; height: number; onDone(outcome: SetupOutcome): void }) {
  return (
    <Box flexDirection="column" width={p.width} height={p.height} paddingLeft={1} overflow="hidden">
      <SetupScreen services={setupServices(p.runtime.ctx)} theme={p.theme} width={p.width - 2} onDone={p.onDone} />
    </Box>
  );
}
