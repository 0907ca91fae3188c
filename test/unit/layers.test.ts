// The layering rules of the design, checked on every import in src/ (static, dynamic and
// type-only alike): dependencies point inward — ui and cli use app; app uses store, policy,
// domain, the adapters and the relay; domain, policy and protocol are pure — and each network or
// storage library is imported in the one place that owns it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Which parts of src/ each part may import (itself always). */
const MAY_IMPORT: Record<string, string[]> = {
  domain: [],
  policy: ['domain'],
  protocol: ['domain'],
  config: ['domain', 'policy'],
  store: ['domain', 'config'],
  adapters: ['domain', 'config', 'protocol'],
  relay: ['protocol', 'domain', 'policy', 'config'],
  app: ['store', 'policy', 'domain', 'config', 'adapters', 'protocol', 'relay'],
  ui: ['app', 'domain', 'policy', 'config'],
  cli: ['app', 'domain', 'policy', 'config', 'protocol', 'relay', 'ui'],
};

/** Packages (besides node:*) each part may import; a package absent from every list may be imported nowhere. */
const PACKAGES: Record<string, string[]> = {
  domain: [],
  policy: [],
  protocol: [],
  config: ['conf', 'env-paths'],
  store: ['better-sqlite3'],
  adapters: ['imapflow', 'nodemailer', 'ws', 'mailparser', 'libmime', 'html-to-text', 'openid-client'],
  relay: ['ws', 'better-sqlite3'],
  app: [],
  ui: ['ink', 'ink-text-input', 'react'],
  cli: ['commander'],
};

/** The one file that may import each network library. */
const ONLY_IN: Record<string, string[]> = {
  imapflow: ['adapters/email/imap-session.ts'],
  nodemailer: ['adapters/email/smtp-send.ts'],
  'openid-client': ['adapters/oauth2/client.ts'],
};

/** Parts that import no Node module either: they run anywhere and take the clock as an argument. */
const PURE = ['domain', 'policy', 'protocol'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

interface Import {
  file: string;
  spec: string;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"\s$]+)\1/gm)) found.push({ file: path.relative(SRC, file), spec: m[2] as string });
  return found;
}

const partOf = (rel: string) => rel.split(path.sep)[0]?.replace(/\.tsx?$/, '') ?? '';
const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec));

const all = sources(SRC).flatMap(importsOf);

/**
 * What loading `entries` loads before anything it imports on demand (`import()`): the static,
 * non-type imports, followed through src/. Each file found maps to the file that imported it.
 */
function loadedBy(entries: string[]): Map<string, string | null> {
  const seen = new Map<string, string | null>();
  const next: Array<[string, string | null]> = entries.map((e) => [e, null]);
  for (let item = next.shift(); item; item = next.shift()) {
    const [rel, from] = item;
    if (seen.has(rel)) continue;
    seen.set(rel, from);
    if (!rel.startsWith('src/')) continue;
    const text = readFileSync(path.resolve(SRC, '..', rel), 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)[^'";]*?\bfrom\s*(['"])([^'"]+)\1/gm)) {
      const spec = m[2] as string;
      if (!spec.startsWith('.')) {
        next.push([`package ${packageOf(spec)}`, rel]);
        continue;
      }
      const base = path.join(path.dirname(rel), spec).replace(/\.js$/, '');
      const file = [`${base}.ts`, `${base}.tsx`].find((f) => existsSync(path.resolve(SRC, '..', f)));
      if (file) next.push([file, rel]);
    }
  }
  return seen;
}

/** Each unwanted module that `entries` load, with the chain of imports that brings it in. */
function unwanted(entries: string[], wrong: RegExp): string[] {
  const loaded = loadedBy(entries);
  return [...loaded.keys()]
    .filter((m) => wrong.test(m))
    .map((m) => {
      const chain = [m];
      for (let by = loaded.get(m); by; by = loaded.get(by)) chain.push(by);
      return chain.join(' ← ');
    });
}

describe('layers', () => {
  it('reads the imports of every source file', () => {
    expect(all.length).toBeGreaterThan(300);
    // Every part of src/ has its rule: a new folder must say what it may import.
    expect([...new Set(all.map((i) => partOf(i.file)))].sort()).toEqual(Object.keys(MAY_IMPORT).sort());
  });

  it('points every import inward', () => {
    const wrong = all
      .filter((i) => i.spec.startsWith('.'))
      .map((i) => ({ ...i, to: partOf(path.relative(SRC, path.resolve(SRC, path.dirname(i.file), i.spec))) }))
      .filter((i) => i.to !== partOf(i.file) && !(MAY_IMPORT[partOf(i.file)] ?? []).includes(i.to))
      .map((i) => `${i.file} imports ${i.spec}`);
    expect(wrong).toEqual([]);
  });

  it('keeps each library where it belongs, and the pure parts free of Node', () => {
    const wrong = all
      .filter((i) => !i.spec.startsWith('.'))
      .filter((i) => {
        const part = partOf(i.file);
        if (i.spec.startsWith('node:')) return PURE.includes(part);
        const pkg = packageOf(i.spec);
        const only = ONLY_IN[pkg];
        if (only && !only.includes(i.file)) return true;
        return !(PACKAGES[part] ?? []).includes(pkg);
      })
      .map((i) => `${i.file} imports ${i.spec}`);
    expect(wrong).toEqual([]);
  });

  it('keeps the network and the mail parser off the console\'s first frame and off `attend list`', () => {
    // What loads later (a reply sent, the channels started) is imported on demand.
    const network = /^src\/adapters\/|^src\/relay\/|^package (imapflow|nodemailer|ws|mailparser|html-to-text|openid-client)$/;
    expect(unwanted(['src/ui/run.tsx', 'src/ui/App.tsx'], network)).toEqual([]);
    expect(unwanted(['src/cli/main.ts', 'src/cli/commands/list.ts'], network)).toEqual([]);
    expect(unwanted(['src/cli/main.ts', 'src/cli/commands/list.ts'], /^src\/ui\/|^package (ink|react)$/)).toEqual([]);
    // The check follows imports: the console does load the app layer and Ink.
    expect(loadedBy(['src/ui/run.tsx', 'src/ui/App.tsx']).has('src/app/runtime.ts')).toBe(true);
  });
});
