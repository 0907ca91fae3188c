// Baseline for the console benchmark (bench/console-bench.ts): the raw library doing the least a
// full-screen Ink console does. 23 lines of static text (the console's height in an 80x24
// terminal, less the row Ink leaves for the cursor): a header and 22 rows, one of them highlighted
// (inverse and a ▸ marker). j/k/g/G/ctrl-d move the highlight; j/k/ctrl-d wrap around, so every
// press the benchmark sends changes the frame, as it does in attend's 100k queue. q quits.
// No store, no data, no clock. Plain JS + React.createElement, so it runs without a build step.
//   node bench/bare/ink-frame.mjs          in a terminal (the pty half runs it bundled)
//   import { BareApp } from ...            rendered in-process into fake TTY streams (the key half)
// The terminal setup copies src/ui/run.tsx: no CI variables when Ink loads, the alternate screen
// and a hidden cursor written before the first frame, the same render options. The first line
// says "QUEUE (" like attend's queue header, so one detector finds both first frames.
import process from 'node:process';
import { pathToFileURL } from 'node:url';

// As src/ui/run.tsx does, before Ink is loaded (is-in-ci reads CI once, at import; chalk takes
// any CI variable, even "false", as "no styles"): no CI variables at all.
for (const key of Object.keys(process.env)) if (key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_')) delete process.env[key];
// Literal specifiers, so the benchmark can bundle this file the way the build bundles attend
// (bench/bundles.ts): both sides then load Ink and React as one file each, not ~600 modules.
const [{ render, Box, Text, useApp, useInput }, { default: React }] = await Promise.all([import('ink'), import('react')]);
const h = React.createElement;

export const LINES = 23;
const ROWS = LINES - 1;
const TEXT = Array.from({ length: LINES }, (_, i) =>
  i === 0 ? ' QUEUE (22) bare ink baseline' : `#${String(1000 + i).padEnd(6)} 12m  mail Ann Lee          Refund for order ${i}`.slice(0, 78),
);

export function BareApp() {
  const { exit } = useApp();
  const [sel, setSel] = React.useState(1);
  useInput((input, key) => {
    if (input === 'q') return exit();
    // Rows are 1..LINES-1 (line 0 is the header).
    const move = (by) => setSel((s) => ((s - 1 + by + 10 * ROWS) % ROWS) + 1);
    if (key.ctrl && input === 'd') return move(11);
    if (input === 'j') return move(1);
    if (input === 'k') return move(-1);
    if (input === 'g') return setSel(1);
    if (input === 'G') return setSel(ROWS);
  });
  return h(
    Box,
    { flexDirection: 'column', width: 80, height: LINES },
    // A marker as well as inverse, like attend's queue: NO_COLOR (set by the benchmark) drops inverse.
    TEXT.map((line, i) => h(Text, { key: i, inverse: i === sel, bold: i === sel, wrap: 'truncate-end' }, i === 0 ? line : `${i === sel ? '▸' : ' '}${line}`)),
  );
}

/** The render options of src/ui/run.tsx (exitOnCtrlC, maxFps: 60, not incremental). */
export const RENDER_OPTIONS = { exitOnCtrlC: false, patchConsole: true, maxFps: 60 };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write('\x1b[?1049h\x1b[?25l\x1b[2J\x1b[H');
  const instance = render(h(BareApp), RENDER_OPTIONS);
  await instance.waitUntilExit();
  process.stdout.write('\x1b[?25h\x1b[?1049l');
}
