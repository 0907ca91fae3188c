// Canned replies as plain files in a folder (a team keeps them in git): NAME.md or NAME.txt, a body
// with {{variables}} and optional front matter of actions between --- lines.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { resolvePaths } from '../config/paths.js';

export interface Template {
  name: string;
  file: string;
  body: string;
  actions: { status?: 'resolved' | 'pending'; tags?: string[]; snooze?: string };
}

export function templatesDir(env: NodeJS.ProcessEnv, configured?: string): string {
  return configured && configured.trim() !== '' ? configured : path.join(resolvePaths(env).config, 'templates');
}

export function listTemplates(dir: string): Template[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => /\.(md|txt)$/i.test(f) && !f.startsWith('.'));
  } catch {
    return [];
  }
  return names.sort().map((f) => parseTemplate(f.replace(/\.(md|txt)$/i, ''), path.join(dir, f), readFileSync(path.join(dir, f), 'utf8')));
}

export function parseTemplate(name: string, file: string, text: string): Template {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  const actions: Template['actions'] = {};
  if (m) {
    for (const line of (m[1] ?? '').split(/\r?\n/)) {
      const kv = /^\s*([a-z]+)\s*:\s*(.*?)\s*$/i.exec(line);
      if (!kv) continue;
      const [, key, value = ''] = kv;
      if (key === 'status' && (value === 'resolved' || value === 'pending')) actions.status = value;
      else if (key === 'tags') actions.tags = value.replace(/^\[|\]$/g, '').split(',').map((t) => t.trim()).filter(Boolean);
      else if (key === 'snooze' && value) actions.snooze = value;
    }
  }
  return { name, file, body: m ? text.slice(m[0].length) : text, actions };
}

export class TemplateError extends Error {}

/** Fills {{variables}}; an unknown one is an error before anything is sent. */
export function renderTemplate(t: Template, vars: Record<string, string>): string {
  const unknown: string[] = [];
  const out = t.body.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_, key: string) => {
    if (key in vars) return vars[key] as string;
    unknown.push(key);
    return '';
  });
  if (unknown.length) throw new TemplateError(`template ${t.name}: unknown variable${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `{{${u}}}`).join(', ')}`);
  return out.replace(/\s+$/, '');
}
