// Canned replies: variables, --var, front-matter actions and every error a team can make in a file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  conversationVars,
  findTemplate,
  newTemplateText,
  parseTemplate,
  parseVarAssignments,
  renderTemplate,
  snoozeUntil,
  TEMPLATE_NAME,
  TemplateError,
  templatesDir,
  templateVariables,
} from '../../src/app/conversations/templates.js';

const parse = (text: string) => parseTemplate('t', '/x/t.md', text);
const VARS = conversationVars({ id: 42, subject: 'Refund', customer: { name: 'Ann', email: 'ann@cust.test' } }, 'Sam');

describe('front matter', () => {
  it('reads status, tags (inline, comma or block list, quoted) and snooze; comments are ignored', () => {
    expect(parse('---\nstatus: resolved\ntags: [refund, "billing"]\n---\nHi').actions).toEqual({ status: 'resolved', tags: ['refund', 'billing'] });
    expect(parse('---\n# a note\ntags: a, b   # trailing comment\nsnooze: 2d\n---\nHi').actions).toEqual({ tags: ['a', 'b'], snooze: '2d' });
    const block = parse('---\ntags:\n  - refund\n  - "vip"\nstatus: pending\n---\nHi {{customer.name}}\n');
    expect(block.actions).toEqual({ tags: ['refund', 'vip'], status: 'pending' });
    expect(block.problems).toEqual([]);
    expect(block.body).toBe('Hi {{customer.name}}\n');
  });

  it('no front matter, or an empty one: no actions, the whole text is the body', () => {
    expect(parse('Hello\n---\nnot front matter')).toMatchObject({ body: 'Hello\n---\nnot front matter', actions: {}, problems: [] });
    expect(parse('---\n---\nHello')).toMatchObject({ body: 'Hello', actions: {}, problems: [] });
    expect(parse('\uFEFF---\r\nstatus: resolved\r\n---\r\nHello')).toMatchObject({ body: 'Hello', actions: { status: 'resolved' }, problems: [] });
  });

  it('names every mistake', () => {
    expect(parse('---\nstatus: closed\n---\nx').problems).toEqual(['status must be resolved or pending, not "closed"']);
    expect(parse('---\nsnooze: soon\n---\nx').problems).toEqual(['snooze: cannot read "soon" (try 90m, 4h, 2d or 1w)']);
    expect(parse('---\nstauts: resolved\n---\nx').problems).toEqual(['unknown key "stauts" (known: status, tags, snooze)']);
    expect(parse('---\nstatus: resolved\nsnooze: 2d\n---\nx').problems[0]).toMatch(/both set/);
    expect(parse('---\ntags: [two words]\n---\nx').problems).toEqual(['a tag is one word without spaces: "two words"']);
    expect(parse('---\njust text\n---\nx').problems).toEqual(['line 2: expected "key: value", got "just text"']);
    expect(parse('---\nstatus: resolved\n  - stray\n---\nx').problems).toEqual(['line 3: a list item belongs under "tags:"']);
    // An unclosed block would otherwise be mailed to the customer.
    expect(parse('---\nstatus: resolved\nHi there').problems).toEqual(['the front matter starts with --- but has no closing --- line']);
  });
});

describe('renderTemplate', () => {
  it('fills the conversation variables, with or without spaces in the braces', () => {
    const t = parse('Hi {{customer.name}}, {{ agent.name }} here about #{{conversation.id}} "{{subject}}" ({{customer.email}}).\n\n');
    expect(renderTemplate(t, VARS)).toBe('Hi Ann, Sam here about #42 "Refund" (ann@cust.test).');
    expect(templateVariables(t)).toEqual(['customer.name', 'agent.name', 'conversation.id', 'subject', 'customer.email']);
  });

  it('--var adds and overrides; values may hold "=" and be empty', () => {
    const vars = { ...VARS, ...parseVarAssignments(['order=A-1=2', 'customer.name=Annie', 'blank=']) };
    expect(renderTemplate(parse('{{customer.name}} {{order}}[{{blank}}]'), vars)).toBe('Annie A-1=2[]');
    expect(() => parseVarAssignments(['novalue'])).toThrow(TemplateError);
    expect(() => parseVarAssignments(['=x'])).toThrow(/key=value/);
    expect(() => parseVarAssignments(['a b=x'])).toThrow(/key=value/);
  });

  it('an unknown variable is an error naming each one, before anything is sent', () => {
    expect(() => renderTemplate(parse('Hi {{customer.nickname}} {{order}} {{order}}'), VARS)).toThrow(
      'template t: unknown variables {{customer.nickname}}, {{order}}',
    );
    // Inherited object keys are not variables.
    expect(() => renderTemplate(parse('{{constructor}}'), VARS)).toThrow(/unknown variable \{\{constructor\}\}/);
  });

  it('refuses a template with front-matter problems, or an empty body', () => {
    expect(() => renderTemplate(parse('---\nstatus: closed\n---\nHi'), VARS)).toThrow('template t: status must be resolved or pending, not "closed"');
    expect(() => renderTemplate(parse('---\nstatus: resolved\n---\n  \n'), VARS)).toThrow(/body is empty/);
  });

  it('customer.name is the name only: no name means no value (never the address in its place)', () => {
    const vars = conversationVars({ id: 1, subject: '', customer: { name: '', email: 'bob@x.test' } }, 'Sam');
    expect(vars['customer.name']).toBeNull();
    expect(vars.subject).toBeNull();
    expect(vars['customer.email']).toBe('bob@x.test');
  });

  it('{{name|fallback}} uses the fallback only when the conversation has no value', () => {
    const anon = conversationVars({ id: 7, subject: 'Chat', customer: { name: '', email: null } }, 'Sam');
    const t = parse('Hi {{customer.name|there}}, {{ customer.name | my friend }}! ({{customer.email|no address}})');
    expect(renderTemplate(t, anon)).toBe('Hi there, my friend! (no address)');
    expect(renderTemplate(t, VARS)).toBe('Hi Ann, Ann! (ann@cust.test)');
    expect(templateVariables(t)).toEqual(['customer.name', 'customer.email']);
    // An explicit empty fallback is a choice, too.
    expect(renderTemplate(parse('Hi{{customer.name|}}.'), anon)).toBe('Hi.');
  });

  it('a variable with no value and no fallback is an error before anything is sent, naming the way out', () => {
    const anon = conversationVars({ id: 7, subject: 'Chat', customer: { name: '', email: null } }, 'Sam');
    expect(() => renderTemplate(parse('Hi {{customer.name}}, write to {{customer.email}}'), anon)).toThrow(
      'template t: no value for {{customer.name}}, {{customer.email}} in this conversation — give them a fallback ({{customer.name|there}}) or --var customer.name=…',
    );
    // A fallback elsewhere does not cover a use without one.
    expect(() => renderTemplate(parse('{{customer.name|there}} {{customer.name}}'), anon)).toThrow(/no value for \{\{customer\.name\}\}/);
    // --var fills it; a fallback never hides an unknown (mistyped) name.
    expect(renderTemplate(parse('Hi {{customer.name}}'), { ...anon, 'customer.name': 'Vera' })).toBe('Hi Vera');
    expect(() => renderTemplate(parse('Hi {{customer.nam|there}}'), anon)).toThrow(/unknown variable \{\{customer\.nam\}\}/);
  });

  it('the starter template renders for a customer without a name', () => {
    const anon = conversationVars({ id: 7, subject: 'Chat', customer: { name: '', email: null } }, 'Sam');
    expect(renderTemplate(parse(newTemplateText('x').replace(/^---[\s\S]*?\n---\n/, '')), anon)).toMatch(/^Hi there,/);
  });
});

describe('snoozeUntil', () => {
  it('is relative to the reply; a time in the past is an error', () => {
    const now = Date.parse('2026-03-02T00:00:00Z');
    expect(snoozeUntil(parse('---\nsnooze: 2d\n---\nx'), now)).toBe(now + 2 * 86_400_000);
    expect(snoozeUntil(parse('x'), now)).toBeNull();
    expect(() => snoozeUntil(parse('---\nsnooze: 2020-01-01\n---\nx'), now)).toThrow(/not in the future/);
  });
});

describe('files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'attend-templates-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds NAME.md before NAME.txt; undefined when missing; bad names are errors', () => {
    writeFileSync(path.join(dir, 'thanks.md'), 'md');
    writeFileSync(path.join(dir, 'thanks.txt'), 'txt');
    writeFileSync(path.join(dir, 'plain.txt'), 'txt');
    expect(findTemplate(dir, 'thanks')?.body).toBe('md');
    expect(findTemplate(dir, 'plain')?.file).toBe(path.join(dir, 'plain.txt'));
    expect(findTemplate(dir, 'nope')).toBeUndefined();
    for (const bad of ['../thanks', '.hidden', 'a b', '', 'x/y', 'é']) expect(() => findTemplate(dir, bad)).toThrow(TemplateError);
    expect(['refund-2', 'v1.2_final', 'A']).toEqual(['refund-2', 'v1.2_final', 'A'].filter((n) => TEMPLATE_NAME.test(n)));
  });

  it('templates.dir: default beside config.json; relative to it; ~/ is home', () => {
    const env = { ATTEND_HOME: dir, HOME: '/home/sam' };
    expect(templatesDir(env)).toBe(path.join(dir, 'templates'));
    expect(templatesDir(env, 'team/replies')).toBe(path.join(dir, 'team/replies'));
    expect(templatesDir(env, '~/replies')).toBe('/home/sam/replies');
    expect(templatesDir(env, '/srv/replies')).toBe('/srv/replies');
  });

  it('the file `template new` writes is valid, has no active actions and renders', () => {
    const t = parseTemplate('welcome', 'welcome.md', newTemplateText('welcome'));
    expect(t.problems).toEqual([]);
    expect(t.actions).toEqual({});
    expect(renderTemplate(t, VARS)).toBe('Hi Ann,\n\nThank you for writing to us about "Refund".\n\nBest regards,\nSam');
  });
});
