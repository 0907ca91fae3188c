// The console's libraries (Ink, React, ink-text-input) pre-bundled into one file, dist/ui/vendor.js.
// Why: loaded from node_modules they are ~600 files (es-toolkit alone is hundreds) and Node's ESM
// loader spends ~0.7 s resolving them before the first frame; as one file the same code loads in
// ~0.1 s (one file beats code-split chunks by another ~80 ms). One bundle also means one React.
// Then the imports of those packages in dist/ui/**/*.js are pointed at it. Tests import src/
// (never dist), so they use the packages as installed.
import { build } from 'esbuild';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const OUT = 'dist/ui/vendor.js';
const require = createRequire(import.meta.url);
// React is CommonJS: `export *` from it gives esbuild no names, so they are listed. Ink's and
// React's names do not collide (Fragment is the same object in react and react/jsx-runtime).
const namesOf = (spec, skip = []) =>
  Object.keys(require(spec)).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default' && !skip.includes(k));
const reactNames = namesOf('react');
const entry = [
  "export * from 'ink';",
  "import React from 'react';",
  "import JsxRuntime from 'react/jsx-runtime';",
  `export const { ${reactNames.join(', ')} } = React;`,
  `export const { ${namesOf('react/jsx-runtime', reactNames).join(', ')} } = JsxRuntime;`,
  "export { default as TextInput } from 'ink-text-input';",
].join('\n');

await build({
  stdin: { contents: entry, resolveDir: process.cwd(), sourcefile: 'ui-vendor-entry.mjs' },
  outfile: OUT,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Some bundled CommonJS (react, signal-exit) calls require() for Node built-ins.
  banner: { js: "import { createRequire as __attendRequire } from 'node:module'; const require = __attendRequire(import.meta.url);" },
  // Ink loads React DevTools only when DEV=true, and it is not installed: in one file the import
  // would be hoisted and fail at start, so it becomes an empty stand-in.
  plugins: [
    {
      name: 'no-devtools',
      setup(b) {
        b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'no-devtools' }));
        b.onLoad({ filter: /.*/, namespace: 'no-devtools' }, () => ({ contents: 'export default { initialize() {}, connectToDevTools() {} };', loader: 'js' }));
      },
    },
  ],
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

/** Points the console's imports of those packages in one compiled file at the bundle. */
function rewrite(file) {
  let rel = path.relative(path.dirname(file), OUT).split(path.sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  const text = readFileSync(file, 'utf8');
  const next = text
    .replace(/import\s+([A-Za-z_$][\w$]*)\s+from\s*(["'])ink-text-input\2/g, (_m, name, q) => `import { TextInput as ${name} } from ${q}${rel}${q}`)
    .replace(/(from\s*|import\s*\(\s*)(["'])(ink|react|react\/jsx-runtime)\2/g, (_m, lead, q) => `${lead}${q}${rel}${q}`);
  if (next !== text) writeFileSync(file, next);
}

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.js') && p !== OUT) rewrite(p);
  }
}
walk('dist/ui');
