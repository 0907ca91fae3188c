// esbuild options shared by the build (scripts/bundle.mjs) and the console benchmark's baseline
// (bench/bundles.ts), so both sides load their libraries the same way.

/** Bundled CommonJS (react, nodemailer, mailparser…) calls require() for Node's built-ins. */
const requireBanner = "import { createRequire as __attendRequire } from 'node:module'; const require = __attendRequire(import.meta.url);";

/**
 * Ink loads React DevTools only when DEV=true, and it is not installed: bundled, the import would
 * be hoisted and fail at start, so it becomes an empty stand-in.
 */
const noDevtools = {
  name: 'no-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'no-devtools' }));
    b.onLoad({ filter: /.*/, namespace: 'no-devtools' }, () => ({
      contents: 'export default { initialize() {}, connectToDevTools() {} };',
      loader: 'js',
    }));
  },
};

/**
 * Yoga (Ink's layout engine) ships its WebAssembly as a base64 data: URL and, when fetch exists,
 * loads it with fetch(): on Node that loads undici and runs its data: URL parser before the first
 * frame (~40–50 ms measured by CPU profile on these machines). Its own synchronous path decodes
 * the same bytes without fetch; this makes it take that path. If a Yoga update changes the code,
 * the build says so instead of silently shipping the slow path.
 */
const YOGA_FETCH_TEST = 'w||"function"!=typeof fetch?';
const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(b) {
    b.onLoad({ filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const code = await readFile(args.path, 'utf8');
      if (!code.includes(YOGA_FETCH_TEST)) {
        return { contents: code, loader: 'js', warnings: [{ text: 'yoga-layout changed: its wasm is loaded through fetch() again (slower start); update scripts/bundle-options.mjs' }] };
      }
      return { contents: code.replace(YOGA_FETCH_TEST, 'true?'), loader: 'js' };
    });
  },
};

/**
 * imapflow imports pino (its default logger) and socks (proxy connections) at load time. attend
 * always passes `logger: false` and has no proxy setting, so neither is ever called; loading them
 * cost ~20 ms each of every sync's start. In their place, stand-ins that say so if anything
 * does call them (only for imports from inside imapflow).
 */
const imapflowUnusedImports = {
  name: 'imapflow-unused-imports',
  setup(b) {
    b.onResolve({ filter: /^(pino|socks)$/ }, (args) =>
      /[\\/]imapflow[\\/]/.test(args.importer) ? { path: args.path, namespace: 'imapflow-unused' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'imapflow-unused' }, (args) => {
      const fail = `() => { throw new Error('attend bundles imapflow without ${args.path}: pass logger: false and no proxy'); }`;
      const contents = args.path === 'pino' ? `export default ${fail};` : `export const SocksClient = { createConnection: ${fail} }; export default { SocksClient };`;
      return { contents, loader: 'js' };
    });
  },
};

/** @type {import('esbuild').BuildOptions} */
export const nodeBundle = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native code stays in node_modules: better-sqlite3 loads its .node binary; bufferutil and
  // utf-8-validate are ws's optional native helpers.
  external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
  banner: { js: requireBanner },
  plugins: [noDevtools, yogaWithoutFetch, imapflowUnusedImports],
  // Production React (the development build checks every render, ~2x slower).
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  logLevel: 'warning',
};
