// Canned replies as plain files in a folder (a team keeps them in git): NAME.md or NAME.txt, a body
// with {{variables}} and optional front matter of actions between --- lines. Front matter is a tiny
// YAML subset read by hand (key: value, [a, b] or "- item" lists, # comments): three keys do not
// justify a YAML dependency, and a strict reader can name every mistake instead of guessing.
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { resolvePaths } from '../../config/paths.js';
import { parseUntil } from '../../domain/when.js';

export interface Template {
  name: string;
  file: string;
  body: string;
  actions: { status?: 'resolved' | 'pending'; tags?: string[]; snooze?: string };
  /** What is wrong with the front matter; a template with problems is never rendered or applied. */
  problems: string[];
}

export class TemplateError extends Error {}

/** Letters, digits, dot, dash, underscore; not starting with a dot (hidden files are not listed). */
export const TEMPLATE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

/**
 * settings templates.dir, else templates/ beside config.json. A relative path (or ~/…) is read from
 * the config folder, not from wherever the command happens to run.
 */
export function templatesDir(env: NodeJS.ProcessEnv, configured?: string): string {
  const config = resolvePaths(env).config;
  if (!configured || configured.trim() === '') return path.join(config, 'templates');
  const home = env.HOME ?? homedir();
  const dir = configured.startsWith('~/') ? path.join(home, configured.slice(2)) : configured;
  return path.resolve(config, dir);
}

const TEMPLATE_FILE = /\.(md|txt)$/i;

export function listTemplates(dir: string): Template[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => TEMPLATE_FILE.test(f) && !f.startsWith('.'));
  } catch {
    return [];
  }
  return names.sort().map((f) => parseTemplate(f.replace(TEMPLATE_FILE, ''), path.join(dir, f), readFileSync(path.join(dir, f), 'utf8')));
}

/** NAME.md, else NAME.txt; undefined when neither exists. Throws TemplateError on a bad name. */
export function findTemplate(dir: string, name: string): Template | undefined {
  if (!TEMPLATE_NAME.test(name)) throw new TemplateError(`not a template name: "${name}" (letters, digits, . _ - only)`);
  for (const ext of ['md', 'txt']) {
    const file = path.join(dir, `${name}.${ext}`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    return parseTemplate(name, file, text);
  }
  return undefined;
}

const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/;
const KNOWN_KEYS = ['status', 'tags', 'snooze'];

export function parseTemplate(name: string, file: string, text: string): Template {
  const m = FRONT_MATTER.exec(text);
  if (!m) {
    // Without this check an unclosed block would be sent to the customer as part of the body.
    const problems = /^\uFEFF?---[ \t]*\r?\n/.test(text) ? ['the front matter starts with --- but has no closing --- line'] : [];
    return { name, file, body: text.replace(/^\uFEFF/, ''), actions: {}, problems };
  }
  const { actions, problems } = parseFrontMatter(m[1] ?? '');
  return { name, file, body: text.slice(m[0].length), actions, problems };
}

function parseFrontMatter(block: string): Pick<Template, 'actions' | 'problems'> {
  const actions: Template['actions'] = {};
  const problems: string[] = [];
  let listKey: string | null = null;
  const lines = block.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = stripComment(raw);
    if (line.trim() === '') return;
    const item = /^\s+-\s*(.*)$/.exec(line);
    if (item) {
      if (listKey !== 'tags') problems.push(`line ${i + 2}: a list item belongs under "tags:"`);
      else actions.tags = [...(actions.tags ?? []), ...splitTags(item[1] ?? '')];
      return;
    }
    const kv = /^([A-Za-z][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!kv) {
      problems.push(`line ${i + 2}: expected "key: value", got "${raw.trim()}"`);
      return;
    }
    const key = kv[1] as string;
    const value = unquote((kv[2] ?? '').trim());
    listKey = key;
    if (key === 'status') {
      if (value === 'resolved' || value === 'pending') actions.status = value;
      else problems.push(`status must be resolved or pending, not "${value}"`);
    } else if (key === 'tags') {
      actions.tags = value === '' ? [] : splitTags(value.replace(/^\[|\]$/g, ''));
    } else if (key === 'snooze') {
      if (parseUntil(value, 0) === null) problems.push(`snooze: cannot read "${value}" (try 90m, 4h, 2d or 1w)`);
      else actions.snooze = value;
    } else {
      problems.push(`unknown key "${key}" (known: ${KNOWN_KEYS.join(', ')})`);
    }
  });
  const bad = (actions.tags ?? []).filter((t) => /[\s\p{Cc}]/u.test(t));
  if (bad.length) problems.push(`a tag is one word without spaces: ${bad.map((t) => `"${t}"`).join(', ')}`);
  if (actions.tags?.length === 0) delete actions.tags;
  if (actions.status && actions.snooze) problems.push('status and snooze are both set; a conversation is either resolved/pending or snoozed');
  return { actions, problems };
}

/** "# whole line" and "value  # trailing" comments; a # glued to a word (a tag like #vip) stays. */
const stripComment = (line: string): string => (/^\s*#/.test(line) ? '' : line.replace(/\s+#.*$/, ''));
const unquote = (s: string): string => s.replace(/^(["'])(.*)\1$/, '$2');
const splitTags = (s: string): string[] => s.split(',').map((t) => unquote(t.trim())).filter(Boolean);

/** {{name}} or {{name|fallback}}: the fallback is used when the conversation has no value for it. */
const VARIABLE = /\{\{\s*([\w.-]+)\s*(?:\|([^{}]*))?\}\}/g;

/** The variable names a body uses, in order of first use. */
export function templateVariables(t: Pick<Template, 'body'>): string[] {
  return [...new Set([...t.body.matchAll(VARIABLE)].map((m) => m[1] as string))];
}

/**
 * A template's values: a string, or null when this conversation has none (a visitor who gave no
 * name). An explicit `--var key=` is the empty string: chosen, so not missing.
 */
export type TemplateVars = Record<string, string | null>;

const plural = (n: number, word: string) => `${word}${n > 1 ? 's' : ''}`;

/**
 * Fills {{variables}}. An unknown one, a variable with no value and no fallback, or a front-matter
 * problem is an error before anything is sent: "Hi ," must never reach a customer.
 */
export function renderTemplate(t: Template, vars: TemplateVars): string {
  if (t.problems?.length) throw new TemplateError(`template ${t.name}: ${t.problems.join('; ')}`);
  const unknown = templateVariables(t).filter((key) => !Object.hasOwn(vars, key));
  if (unknown.length) throw new TemplateError(`template ${t.name}: unknown ${plural(unknown.length, 'variable')} ${unknown.map((u) => `{{${u}}}`).join(', ')}`);
  const uses = [...t.body.matchAll(VARIABLE)];
  const empty = [...new Set(uses.filter((m) => m[2] === undefined && vars[m[1] as string] === null).map((m) => m[1] as string))];
  if (empty.length) {
    const first = empty[0] as string;
    throw new TemplateError(
      `template ${t.name}: no value for ${empty.map((u) => `{{${u}}}`).join(', ')} in this conversation — ` +
        `give ${empty.length > 1 ? 'them a fallback' : 'it a fallback'} ({{${first}|${FALLBACK_EXAMPLE[first] ?? '…'}}}) or --var ${first}=…`,
    );
  }
  const out = t.body
    .replace(VARIABLE, (_, key: string, fallback: string | undefined) => vars[key] ?? (fallback ?? '').trim())
    .replace(/\s+$/, '');
  if (out.trim() === '') throw new TemplateError(`template ${t.name}: the body is empty`);
  return out;
}

const FALLBACK_EXAMPLE: Record<string, string> = { 'customer.name': 'there', 'customer.email': 'your address', subject: 'your message' };

/**
 * The variables every conversation provides (the console's T uses the same names). A missing value
 * is null, not "" and not a stand-in: a name is never replaced by an address behind the agent's back.
 */
export function conversationVars(
  c: { id: number; subject: string; customer: { name: string | null; email: string | null } },
  agentName: string,
): TemplateVars {
  const orNull = (s: string | null | undefined) => (s?.trim() ? s : null);
  return {
    'customer.name': orNull(c.customer.name),
    'customer.email': orNull(c.customer.email),
    'agent.name': orNull(agentName),
    'conversation.id': String(c.id),
    subject: orNull(c.subject),
  };
}

/** `--var k=v` pairs; the value may contain "=" and may be empty. */
export function parseVarAssignments(pairs: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    if (!/^[\w.-]+$/.test(key)) throw new TemplateError(`--var wants key=value (key: letters, digits, . _ -), not "${pair}"`);
    vars[key] = pair.slice(eq + 1);
  }
  return vars;
}

/** Front-matter snooze as a time; checked before the reply is queued so a stale date never half-applies. */
export function snoozeUntil(t: Template, now: number): number | null {
  if (!t.actions.snooze) return null;
  const until = parseUntil(t.actions.snooze, now);
  if (until === null || until <= now) throw new TemplateError(`template ${t.name}: snooze "${t.actions.snooze}" is not in the future`);
  return until;
}

/** The file `attend template new NAME` writes: a working example, its options explained in comments. */
export function newTemplateText(name: string): string {
  return `---
# ${name}: a canned reply. attend reply ID --template ${name} sends the text below the second ---
# line, then applies the actions here. Remove the # in front of the ones you want.
# status: resolved
# tags: [refund, billing]
# snooze: 2d
# (snooze instead of status: 90m, 4h, 2d or 1w from the reply)
# Variables: {{customer.name}} {{customer.email}} {{agent.name}} {{conversation.id}} {{subject}},
# and any --var key=value. {{customer.name|there}} uses "there" when the customer gave no name;
# an unknown variable, or one with no value and no fallback, is an error before anything is sent.
---
Hi {{customer.name|there}},

Thank you for writing to us about "{{subject}}".

Best regards,
{{agent.name}}
`;
}
