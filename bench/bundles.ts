// The console benchmark's code, bundled with the build's own esbuild options
// (scripts/bundle-options.mjs), so the baseline loads Ink and React the way attend's binary does
// (bundled, production React) and the ratios measure attend's code, not module loading.
//   bare-frame.mjs   bench/bare/ink-frame.mjs as one file: the pty baseline
//   keys-attend.mjs  Ink + React + the console's App and Runtime, from src/: the in-process key half
//   keys-bare.mjs    Ink + React + the bare app: the in-process key half's baseline
// One bundle per side, so the App and render() share one Ink and one React.
import path from 'node:path';
import { build } from 'esbuild';
// @ts-expect-error: plain JS module without types, shared with the build.
import { nodeBundle } from '../scripts/bundle-options.mjs';

const HERE = import.meta.dirname;
export const BUILD_DIR = path.join(HERE, '.build');
export const BARE_FRAME = path.join(BUILD_DIR, 'bare-frame.mjs');
export const KEYS_ATTEND = path.join(BUILD_DIR, 'keys-attend.mjs');
export const KEYS_BARE = path.join(BUILD_DIR, 'keys-bare.mjs');

const src = (p: string) => JSON.stringify(path.join(HERE, '..', 'src', p));
const bare = JSON.stringify(path.join(HERE, 'bare', 'ink-frame.mjs'));

export async function buildBenchBundles(): Promise<void> {
  const one = (outfile: string, contents: string | null, entry?: string) =>
    build({
      ...nodeBundle,
      outfile,
      ...(contents === null ? { entryPoints: [entry as string] } : { stdin: { contents, resolveDir: HERE, sourcefile: path.basename(outfile) } }),
    });
  await Promise.all([
    one(BARE_FRAME, null, path.join(HERE, 'bare', 'ink-frame.mjs')),
    one(
      KEYS_ATTEND,
      [
        "export { render } from 'ink';",
        "export { default as React } from 'react';",
        `export { openContext, closeContext } from ${src('app/context.ts')};`,
        `export { Runtime } from ${src('app/runtime.ts')};`,
        `export { App } from ${src('ui/App.tsx')};`,
        `export { makeTheme } from ${src('ui/theme.ts')};`,
      ].join('\n'),
    ),
    one(KEYS_BARE, ["export { render } from 'ink';", "export { default as React } from 'react';", `export { BareApp } from ${bare};`].join('\n')),
  ]);
}
