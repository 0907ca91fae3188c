// `attend template list|show|new`: canned replies are files; these commands find, print and start them.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { type Template, TEMPLATE_NAME, TemplateError, findTemplate, listTemplates, newTemplateText, templateVariables, templatesDir } from '../../app/conversations/templates.js';
import { safeLine, safeText } from '../../domain/sanitize.js';
import { CliError, UsageError } from '../exit-codes.js';
import { cell, makeOutput, terminalWidth } from '../output.js';

/** The folder from settings (templates.dir) or the default beside config.json. Needs no store. */
async function resolveDir(): Promise<string> {
  const { openSettingsFast } = await import('../../config/settings-open.js');
  return templatesDir(process.env, (await openSettingsFast(process.env)).get('templates')?.dir);
}

/** Front-matter actions in one short phrase: "resolved, tags refund billing". */
export function describeActions(a: Template['actions']): string {
  const parts: string[] = [];
  if (a.status) parts.push(a.status);
  if (a.snooze) parts.push(`snooze ${a.snooze}`);
  if (a.tags?.length) parts.push(`tags ${a.tags.join(' ')}`);
  return parts.join(', ');
}

const listItem = (t: Template) => ({ name: t.name, file: t.file, actions: t.actions, problems: t.problems });

function findOrFail(dir: string, name: string): Template {
  let t: Template | undefined;
  try {
    t = findTemplate(dir, name);
  } catch (err) {
    if (err instanceof TemplateError) throw new UsageError(err.message);
    throw err;
  }
  if (!t) throw new UsageError(`no template ${name} in ${dir} (attend template list shows them)`);
  return t;
}

export function registerTemplate(program: Command): void {
  const template = program.command('template').description('canned replies: files in the templates folder (settings templates.dir)');

  template
    .command('list')
    .description('the templates, with the actions their front matter applies')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const dir = await resolveDir();
      const items = listTemplates(dir);
      const out = makeOutput(Boolean(o.json));
      if (!o.json && items.length === 0) out.info(`no templates yet in ${dir}: attend template new NAME creates one`);
      out.data(items.map(listItem), () => renderList(items, dir));
    });

  template
    .command('show')
    .description('print a template: its actions, the variables it uses and its body')
    .argument('<name>', 'template name (the file name without .md)')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const t = findOrFail(await resolveDir(), name);
      const variables = templateVariables(t);
      makeOutput(Boolean(o.json)).data({ ...listItem(t), variables, body: t.body }, () =>
        [
          `${safeLine(t.name)}  ${safeLine(t.file)}`,
          `actions: ${describeActions(t.actions) || 'none'}`,
          `variables: ${variables.map((v) => `{{${v}}}`).join(' ') || 'none'}`,
          ...t.problems.map((p) => `problem: ${safeLine(p)}`),
          '',
          safeText(t.body).replace(/\s+$/, ''),
        ].join('\n'),
      );
    });

  template
    .command('new')
    .description('create NAME.md with an example to edit (opens $VISUAL/$EDITOR in a terminal; never overwrites)')
    .argument('<name>', 'letters, digits, . _ -')
    .action(async (name: string) => {
      if (!TEMPLATE_NAME.test(name)) throw new UsageError(`not a template name: "${name}" (letters, digits, . _ - only; not starting with a dot)`);
      const dir = await resolveDir();
      const file = path.join(dir, `${name}.md`);
      const other = path.join(dir, `${name}.txt`);
      if (existsSync(other)) throw new CliError(`template ${name} already exists: ${other}`);
      mkdirSync(dir, { recursive: true });
      try {
        // wx: refuse to overwrite, atomically (no check-then-write race with a teammate's git pull).
        writeFileSync(file, newTemplateText(name), { flag: 'wx', mode: 0o644 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(`template ${name} already exists: ${file}`);
        throw err;
      }
      // Templates are shared team files, not secrets: readable by all whatever the umask says.
      chmodSync(file, 0o644);
      const editor = process.env.VISUAL || process.env.EDITOR;
      if (editor && process.stdin.isTTY && process.stdout.isTTY) {
        // Through sh, as git does: EDITOR may carry arguments ("code --wait").
        const r = spawnSync('sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
        if (r.error || r.status !== 0) process.stderr.write(`attend: ${editor} did not finish cleanly; the template is at ${file}\n`);
        return;
      }
      process.stdout.write(`${file}\n`);
    });
}

/** Files by their name (all live in one folder, printed once below, whole: a cut path is useless). */
function renderList(items: Template[], dir: string): string {
  if (items.length === 0) return '';
  const width = terminalWidth();
  const nameW = Math.min(24, Math.max(4, ...items.map((t) => t.name.length)));
  const actW = Math.min(40, Math.max(7, ...items.map((t) => describeActions(t.actions).length)));
  const fileW = Math.max(10, width - nameW - actW - 2);
  const head = `${cell('NAME', nameW)} ${cell('ACTIONS', actW)} FILE`;
  const rows = items.map((t) => {
    const actions = t.problems.length ? `! ${t.problems.length} problem${t.problems.length > 1 ? 's' : ''} (template show ${t.name})` : describeActions(t.actions);
    return `${cell(t.name, nameW)} ${cell(actions, actW)} ${cell(path.basename(t.file), fileW).trimEnd()}`;
  });
  return [head, ...rows, '', `in ${safeLine(dir)}`].join('\n');
}
