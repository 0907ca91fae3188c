// Summarises V8 CPU profiles (node --cpu-prof; BENCH_PROF=1 npm run bench writes them to
// bench/profiles/TAG-TIME/, one file per thread): the hottest functions by self time, and self
// time per file or package.
// Usage: node bench/prof-top.mjs FILE.cpuprofile|DIR [N]
import fs from 'node:fs';
import path from 'node:path';

const [arg, n = '25'] = process.argv.slice(2);
if (!arg) throw new Error('usage: node bench/prof-top.mjs FILE.cpuprofile|DIR [N]');

/** "…/node_modules/imapflow/lib/x.js" → "imapflow", "file:///work/main/dist/store/ingest.js" → "dist/store/ingest.js". */
function where(url) {
  if (!url) return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest.slice(0, rest[0]?.startsWith('@') ? 2 : 1).join('/');
  }
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '').replace(/^.*\/(dist|src|bench)\//, '$1/');
}

function show(title, map, total, limit) {
  console.log(`\n${title}`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  }
}

function summarise(file) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((node) => [node.id, node]));
  const self = new Map();
  // timeDeltas[i] is the time spent before samples[i]: attribute it to that sample's node.
  for (const [i, id] of prof.samples.entries()) self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map();
  const files = new Map();
  for (const [id, us] of self) {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'}  ${where(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    files.set(where(f.url), (files.get(where(f.url)) ?? 0) + us);
  }
  console.log(`\n== ${file}: ${(total / 1000).toFixed(0)} ms sampled`);
  show('self time by function', fns, total, Number(n));
  show('self time by file / package', files, total, 15);
}

const stat = fs.statSync(arg);
const files = stat.isDirectory()
  ? fs
      .readdirSync(arg)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => path.join(arg, f))
  : [arg];
for (const file of files) summarise(file);
