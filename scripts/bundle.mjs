// Builds dist/cli/: attend as bundled chunks instead of ~800 separate modules.
// Why: Node's ESM loader resolves, reads and compiles every module on its own; loaded from
// node_modules, Ink and React alone are ~600 files (es-toolkit is hundreds) and cost the console
// 0.6–0.8 s before its first frame. Bundled, the console loads ~30 chunks instead.
// Commands stay lazily loaded: each dynamic import becomes its own chunk, so the console never
// loads the IMAP or SMTP libraries before its first frame, and `attend list` never loads Ink.
//
// The layout is flat on purpose: every module lands in dist/cli/, the directory src/cli/ is
// compiled into, so the paths the code builds from import.meta.url hold for src/ and dist/
// alike: ./backfill-worker.js next to backfill.ts (an entry of its own), ./widget/ next to the
// relay's HTTP side (copied below), ../../package.json for the version.
// Tests import src/ directly; the binary runs this output. Type checking is `tsc --noEmit`.
import { build } from 'esbuild';
import { chmodSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { nodeBundle } from './bundle-options.mjs';

const OUT = 'dist/cli';

// The widget is served as written, so it keeps a copy of the protocol constants it needs; a copy
// that differs from src/protocol/ fails the build before anything is written. The check is
// TypeScript (src/relay/widget/protocol-block.ts, unit-tested), bundled here in memory to run it.
{
  const checker = await build({ entryPoints: ['src/relay/widget/protocol-block.ts'], bundle: true, write: false, format: 'esm', platform: 'neutral' });
  const code = checker.outputFiles[0].text;
  const { widgetDrift } = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  const drift = widgetDrift(readFileSync('src/relay/widget/widget.js', 'utf8'));
  if (drift.length > 0) {
    console.error(`build: src/relay/widget/widget.js disagrees with src/protocol/ (fix the widget's protocol block):\n${drift.map((d) => `  - ${d}`).join('\n')}`);
    process.exit(1);
  }
}
rmSync('dist', { recursive: true, force: true });

const result = await build({
  ...nodeBundle,
  entryPoints: { main: 'src/cli/entry.ts', 'backfill-worker': 'src/app/email/backfill-worker.ts', 'store-worker': 'src/app/email/store-worker.ts' },
  outdir: OUT,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  metafile: Boolean(process.env.ATTEND_BUNDLE_META),
  // Source maps beside the chunks, read only when ATTEND_DEBUG=1 turns them on (src/cli/entry.ts),
  // so a stack trace names src/ files and lines. ATTEND_BUNDLE_SOURCEMAP=1 embeds the sources
  // too (for profiles: `node --cpu-prof` with bench/prof-top.mjs).
  sourcemap: 'linked',
  sourcesContent: Boolean(process.env.ATTEND_BUNDLE_SOURCEMAP),
});
// ATTEND_BUNDLE_META=FILE: what went into which chunk (for https://esbuild.github.io/analyze/).
if (process.env.ATTEND_BUNDLE_META) writeFileSync(process.env.ATTEND_BUNDLE_META, JSON.stringify(result.metafile));

// The website widget and demo page, served by the relay from ./widget/ beside its code.
cpSync('src/relay/widget', `${OUT}/widget`, { recursive: true, filter: (f) => !f.endsWith('.ts') });
chmodSync(`${OUT}/main.js`, 0o755);
