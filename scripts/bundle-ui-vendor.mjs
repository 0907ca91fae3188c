// The console's libraries (Ink, React, ink-text-input) as one pre-bundled file set in dist/ui/vendor/.
// Why: loaded from node_modules they are ~600 files (es-toolkit alone is hundreds), and Node's ESM
// loader spends ~0.7 s resolving them before the first frame; bundled, the same code loads in
// ~0.1 s. One esbuild run with code splitting keeps a single React shared by all four entries.
// Then the imports of those packages in dist/ui/**/*.js are pointed at the bundles. Tests import
// src/ (never dist), so they use the packages as installed.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// React is CommonJS: `export *` from it gives esbuild no names to export, so list them.
const require = createRequire(import.meta.url);
const namesOf = (spec) => Object.keys(require(spec)).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
const reexportCjs = (spec) => `import m from '${spec}'; export default m; export const { ${namesOf(spec).join(', ')} } = m;`;

const OUT = 'dist/ui/vendor';
const ENTRIES = {
  ink: "export * from 'ink';",
  react: reexportCjs('react'),
  'jsx-runtime': reexportCjs('react/jsx-runtime'),
  'ink-text-input': "export * from 'ink-text-input'; export { default } from 'ink-text-input';",
};
const SPEC = { ink: 'ink', react: 'react', 'react/jsx-runtime': 'jsx-runtime', 'ink-text-input': 'ink-text-input' };

mkdirSync(OUT, { recursive: true });
const entryDir = path.join('node_modules', '.attend-vendor-entries');
mkdirSync(entryDir, { recursive: true });
const entryPoints = {};
for (const [name, code] of Object.entries(ENTRIES)) {
  const file = path.join(entryDir, `${name}.mjs`);
  writeFileSync(file, `${code}\n`);
  entryPoints[name] = file;
}
await build({
  entryPoints,
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Some bundled CommonJS (react, signal-exit) calls require() for Node built-ins.
  banner: { js: "import { createRequire as __attendRequire } from 'node:module'; const require = __attendRequire(import.meta.url);" },
  // Ink loads React DevTools only when DEV=true; it is not installed.
  external: ['react-devtools-core'],
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

/** Points `from 'ink'` (and the others) in one compiled file at the bundles. */
function rewrite(file) {
  const rel = path.relative(path.dirname(file), OUT).split(path.sep).join('/') || '.';
  const prefix = rel.startsWith('.') ? rel : `./${rel}`;
  const text = readFileSync(file, 'utf8');
  const next = text.replace(/(from\s*|import\s*\(\s*)(["'])(ink|react|react\/jsx-runtime|ink-text-input)\2/g, (_m, lead, q, spec) => `${lead}${q}${prefix}/${SPEC[spec]}.js${q}`);
  if (next !== text) writeFileSync(file, next);
}

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (p === OUT) continue;
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.js')) rewrite(p);
  }
}
walk('dist/ui');
