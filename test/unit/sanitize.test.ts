import { describe, expect, it } from 'vitest';
import { jsonStringify, safeFilename, safeLine, safeText } from '../../src/domain/sanitize.js';

const ESC = '\x1b';
const BEL = '\x07';
const ST = `${ESC}\\`;

/** Nothing a terminal would act on may survive: C0 (but \n, \t), DEL, C1, bidi controls. */
const DANGEROUS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u202a-\u202e\u2066-\u2069]/;

describe('safeText', () => {
  it('leaves clean text alone', () => {
    const s = 'Grüße, 世界 👋\n\tindented';
    expect(safeText(s)).toBe(s);
  });

  it('removes an OSC title-setting sequence, terminated by BEL or ST', () => {
    expect(safeText(`a${ESC}]0;pwned title${BEL}b`)).toBe('ab');
    expect(safeText(`a${ESC}]2;pwned title${ST}b`)).toBe('ab');
  });

  it('removes an OSC 52 clipboard write', () => {
    expect(safeText(`copy${ESC}]52;c;cm0gLXJmIH4K${BEL}this`)).toBe('copythis');
  });

  it('removes OSC 8 hyperlinks but keeps the link text', () => {
    expect(safeText(`${ESC}]8;;https://evil.example/${ST}Click here${ESC}]8;;${ST}!`)).toBe('Click here!');
  });

  it('removes CSI cursor moves, colours and clear screen', () => {
    expect(safeText(`${ESC}[2J${ESC}[1;1HHello ${ESC}[31mred${ESC}[0m ${ESC}[?25l${ESC}[10Aup`)).toBe('Hello red up');
  });

  it('removes 8-bit C1 CSI, OSC and DCS forms', () => {
    expect(safeText('a\x9b2Jb\x9b31mc')).toBe('abc');
    expect(safeText('a\x9d0;title\x07b')).toBe('ab');
    expect(safeText('a\x90qsixel\x9cb')).toBe('ab');
  });

  it('removes DCS, SOS, PM and APC strings', () => {
    expect(safeText(`a${ESC}Pq#0;2;0;0;0#0~~@@vv${ST}b`)).toBe('ab');
    expect(safeText(`a${ESC}Xsos${ST}b${ESC}^pm${ST}c${ESC}_apc${ST}d`)).toBe('abcd');
  });

  it('removes two-character and charset escape sequences', () => {
    expect(safeText(`a${ESC}cb${ESC}7c${ESC}(Bd`)).toBe('abcd');
  });

  it('removes an unterminated string only to the end of its line', () => {
    expect(safeText(`a${ESC}]0;no end\nkept`)).toBe('a\nkept');
  });

  it('removes bidi overrides and isolates, keeps LRM/RLM', () => {
    expect(safeText('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(safeText('a\u2066b\u2069c\u061Cd')).toBe('abcd');
    expect(safeText('a\u200Eb\u200F')).toBe('a\u200Eb\u200F');
  });

  it('removes NUL and other controls, DEL and C1', () => {
    expect(safeText('a\x00b\x08c\x7fd\x85e\x0bf\x0cg')).toBe('abcdefg');
  });

  it('normalises CRLF and lone CR to LF', () => {
    expect(safeText('one\r\ntwo\rthree\nfour\r\n\r\nfive')).toBe('one\ntwo\nthree\nfour\n\nfive');
  });

  it('stays linear on hostile input', () => {
    const hostile = `${'\x90a\n'.repeat(50_000)}${`${ESC}]`.repeat(50_000)}${'\x9b'.repeat(50_000)}`;
    const t0 = performance.now();
    const out = safeText(hostile);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(out).not.toMatch(DANGEROUS);
  });
});

describe('safeLine', () => {
  it('collapses newlines, tabs and whitespace runs into one line', () => {
    expect(safeLine('  Re:\r\n\tyour   order\n')).toBe('Re: your order');
    expect(safeLine(`Subject ${ESC}]0;x${BEL}with\x00 junk`)).toBe('Subject with junk');
  });
});

describe('safeFilename', () => {
  it('strips path components and traversal', () => {
    expect(safeFilename('../../etc/passwd')).toBe('passwd');
    expect(safeFilename('C:\\Windows\\evil.exe')).toBe('evil.exe');
    expect(safeFilename('/abs/path/report.pdf')).toBe('report.pdf');
  });

  it('is never empty, hidden or a parent reference', () => {
    expect(safeFilename('')).toBe('attachment');
    expect(safeFilename('..')).toBe('attachment');
    expect(safeFilename('../')).toBe('attachment');
    expect(safeFilename('.bashrc')).toBe('bashrc');
  });

  it('removes controls and characters Windows refuses', () => {
    expect(safeFilename(`re${ESC}[31mport\x00\u202E.pdf`)).toBe('report.pdf');
    expect(safeFilename('a<b>:c|d?.txt')).toBe('a_b__c_d_.txt');
  });

  it('caps the length but keeps the extension', () => {
    const name = safeFilename(`${'x'.repeat(500)}.pdf`);
    expect(name.length).toBeLessThanOrEqual(200);
    expect(name.endsWith('.pdf')).toBe(true);
  });
});

describe('jsonStringify', () => {
  const nasty = [
    `${ESC}]0;title${BEL}`,
    'nul\x00 del\x7f c1\x85\x9b',
    'bidi\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u061C\u200E\u200F',
    'separators\u2028\u2029',
    'emoji 👋 and ünïcödé',
    '\r\n\t"quotes" \\backslash',
  ];

  it('round-trips to exactly the same strings', () => {
    const value = { list: nasty, nested: { [nasty[0] as string]: nasty[1] }, n: 1, ok: true, none: null };
    expect(JSON.parse(jsonStringify(value))).toEqual(value);
    expect(JSON.parse(jsonStringify(value, 2))).toEqual(value);
  });

  it('contains no raw control, C1, bidi or line-separator character', () => {
    for (const space of [undefined, 2]) {
      const out = jsonStringify({ nasty }, space);
      const raw = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
      expect(out).not.toMatch(raw);
      if (space === undefined) expect(out).not.toContain('\n');
    }
  });

  it('gives null for undefined rather than undefined', () => {
    expect(jsonStringify(undefined)).toBe('null');
  });
});
