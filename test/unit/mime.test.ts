import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { previewOf } from '../../src/domain/preview.js';
import { describe, expect, it } from 'vitest';
import {
  chooseDisplayPart,
  decodeDisplayText,
  listAttachments,
  parseFullMessage,
} from '../../src/adapters/email/mime.js';
import type { DisplayPart, MimeNode } from '../../src/adapters/email/mime-types.js';

const plain = (part: string | undefined, extra: Partial<MimeNode> = {}): MimeNode => ({
  ...(part === undefined ? {} : { part }),
  type: 'text/plain',
  parameters: { charset: 'utf-8' },
  encoding: '7bit',
  size: 100,
  ...extra,
});
const html = (part: string, extra: Partial<MimeNode> = {}): MimeNode => ({
  part,
  type: 'text/html',
  parameters: { charset: 'utf-8' },
  encoding: 'quoted-printable',
  size: 300,
  ...extra,
});
const multipart = (subtype: string, childNodes: MimeNode[], part?: string): MimeNode => ({
  ...(part === undefined ? {} : { part }),
  type: `multipart/${subtype}`,
  parameters: { boundary: 'b' },
  childNodes,
});
const displayPart = (extra: Partial<DisplayPart> = {}): DisplayPart => ({
  part: '1',
  type: 'text/plain',
  charset: 'utf-8',
  encoding: '7bit',
  size: 0,
  ...extra,
});
const DANGEROUS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

describe('chooseDisplayPart', () => {
  it('uses part "1" for a single-part message (imapflow gives its root no part)', () => {
    expect(chooseDisplayPart(plain(undefined, { parameters: { charset: 'ISO-8859-1' }, encoding: 'QUOTED-PRINTABLE' }))).toEqual({
      part: '1',
      type: 'text/plain',
      charset: 'iso-8859-1',
      encoding: 'quoted-printable',
      size: 100,
    });
  });

  it('defaults a missing charset to us-ascii', () => {
    expect(chooseDisplayPart({ type: 'text/plain' })?.charset).toBe('us-ascii');
  });

  it('prefers text/plain within multipart/alternative', () => {
    const root = multipart('alternative', [html('1'), plain('2')]);
    expect(chooseDisplayPart(root)).toMatchObject({ part: '2', type: 'text/plain' });
  });

  it('takes the HTML alternative when the plain one is empty', () => {
    const root = multipart('alternative', [plain('1', { size: 0 }), html('2')]);
    expect(chooseDisplayPart(root)).toMatchObject({ part: '2', type: 'text/html' });
  });

  it('finds the body in mixed with a nested alternative and related', () => {
    const root = multipart('mixed', [
      multipart(
        'alternative',
        [plain('1.1'), multipart('related', [html('1.2.1'), { part: '1.2.2', type: 'image/png', size: 400 }], '1.2')],
        '1',
      ),
      { part: '2', type: 'application/pdf', disposition: 'attachment', dispositionParameters: { filename: 'a.pdf' } },
    ]);
    expect(chooseDisplayPart(root)).toMatchObject({ part: '1.1', type: 'text/plain' });
  });

  it('uses HTML when it is the only text (html-only mail)', () => {
    expect(chooseDisplayPart(html('1', { part: undefined }))).toMatchObject({ part: '1', type: 'text/html' });
    const root = multipart('related', [html('1'), { part: '2', type: 'image/gif' }]);
    expect(chooseDisplayPart(root)).toMatchObject({ part: '1', type: 'text/html' });
  });

  it('never takes an attachment or a forwarded message as the body', () => {
    const attachmentOnly = multipart('mixed', [
      plain('1', { disposition: 'attachment', dispositionParameters: { filename: 'notes.txt' } }),
      { part: '2', type: 'message/rfc822', childNodes: [plain('2.1')] },
    ]);
    expect(chooseDisplayPart(attachmentOnly)).toBeNull();
    expect(chooseDisplayPart({ type: 'application/pdf', parameters: { name: 'x.pdf' } })).toBeNull();
  });

  it('prefers an unnamed text part but falls back to a named inline one', () => {
    const root = multipart('mixed', [plain('1', { parameters: { name: 'notes.txt' } }), plain('2')]);
    expect(chooseDisplayPart(root)?.part).toBe('2');
    const onlyNamed = multipart('mixed', [plain('1', { parameters: { name: 'notes.txt' } }), { part: '2', type: 'image/png' }]);
    expect(chooseDisplayPart(onlyNamed)?.part).toBe('1');
  });

  it('shows the human part of a bounce even when it is mislabelled as delivery-status', () => {
    const root = multipart('report', [
      { part: '1', type: 'message/delivery-status', size: 200 },
      { part: '2', type: 'message/delivery-status', size: 200 },
      { part: '3', type: 'message/rfc822', size: 900 },
    ]);
    expect(chooseDisplayPart(root)).toMatchObject({ part: '1', type: 'text/plain' });
  });

  it('reads a boundary-less multipart through its TEXT section', () => {
    // What Dovecot reports for "Content-Type: multipart/mixed" without a boundary.
    const root: MimeNode = { type: 'multipart/mixed', childNodes: [plain('1', { parameters: { charset: 'us-ascii' }, size: 0 })] };
    expect(chooseDisplayPart(root)).toMatchObject({ part: 'text', type: 'text/plain' });
  });

  it('computes part paths when the converter left them out', () => {
    const root: MimeNode = {
      type: 'multipart/mixed',
      childNodes: [{ type: 'image/png' }, { type: 'multipart/alternative', childNodes: [{ type: 'text/html' }, { type: 'text/plain' }] }],
    };
    expect(chooseDisplayPart(root)?.part).toBe('2.2');
  });

  it('copes with deep nesting and thousands of parts', () => {
    let deep: MimeNode = plain('x');
    for (let i = 0; i < 5000; i++) deep = multipart('mixed', [deep], String(i));
    expect(() => chooseDisplayPart(deep)).not.toThrow();
    expect(() => listAttachments(deep)).not.toThrow();
    const wide = multipart('mixed', [
      plain('1'),
      ...Array.from({ length: 5000 }, (_, i) => ({ part: String(i + 2), type: 'image/png', parameters: { name: `p${i}.png` } })),
    ]);
    expect(chooseDisplayPart(wide)?.part).toBe('1');
    expect(listAttachments(wide)).toHaveLength(5000);
  });
});

describe('listAttachments', () => {
  it('lists attachments, inline images and forwarded messages, not the body or its alternative', () => {
    const root = multipart('mixed', [
      multipart('alternative', [plain('1.1'), multipart('related', [html('1.2.1'), { part: '1.2.2', type: 'image/png', disposition: 'inline', parameters: { name: 'logo.png' }, encoding: 'base64', size: 780 }], '1.2')], '1'),
      { part: '2', type: 'application/pdf', disposition: 'attachment', dispositionParameters: { filename: 'invoice.pdf' }, encoding: 'base64', size: 7800 },
      { part: '3', type: 'message/rfc822', size: 1234, childNodes: [plain('3.1')] },
      { part: '4', type: 'image/jpeg', encoding: 'base64', size: 100 },
    ]);
    expect(listAttachments(root)).toEqual([
      { filename: 'logo.png', contentType: 'image/png', size: 570 },
      { filename: 'invoice.pdf', contentType: 'application/pdf', size: 5700 },
      { filename: 'message.eml', contentType: 'message/rfc822', size: 1234 },
      { filename: 'attachment.jpeg', contentType: 'image/jpeg', size: 73 },
    ]);
  });

  it('lists the attachment of attachment-only mail', () => {
    const root: MimeNode = { type: 'application/zip', disposition: 'attachment', dispositionParameters: { filename: 'a.zip' }, encoding: 'base64', size: 78 };
    expect(listAttachments(root)).toEqual([{ filename: 'a.zip', contentType: 'application/zip', size: 57 }]);
  });

  it('lists a named or attached text part but not an unnamed inline one', () => {
    const root = multipart('mixed', [plain('1'), plain('2', { parameters: { name: 'notes.txt' } }), plain('3'), plain('4', { disposition: 'attachment' })]);
    expect(listAttachments(root).map((a) => a.filename)).toEqual(['notes.txt', 'attachment.txt']);
  });

  it('decodes names that are still encoded and makes them safe', () => {
    const root = multipart('mixed', [
      plain('1'),
      { part: '2', type: 'application/pdf', dispositionParameters: { 'filename*': "utf-8''%E2%82%AC%20r%C3%A9sum%C3%A9.pdf" } },
      { part: '3', type: 'application/pdf', parameters: { name: '=?iso-8859-1?Q?caf=E9.pdf?=' } },
      { part: '4', type: 'application/octet-stream', dispositionParameters: { filename: '../../.ssh/authorized_keys' } },
      { part: '5', type: 'application/octet-stream', dispositionParameters: { filename: 'evil\u202Efdp.exe\x1b]0;x\x07' } },
    ]);
    expect(listAttachments(root).map((a) => a.filename)).toEqual(['€ résumé.pdf', 'café.pdf', 'authorized_keys', 'evilfdp.exe']);
  });
});

describe('decodeDisplayText', () => {
  it('decodes plain 7bit and normalises line endings', () => {
    expect(decodeDisplayText(Buffer.from('Hello\r\nworld\r\n'), displayPart({ charset: 'us-ascii' }))).toBe('Hello\nworld\n');
  });

  it('decodes base64 in iso-8859-1, reading it as Windows-1252 like browsers do', () => {
    const raw = Buffer.from(Buffer.from('Caf\xe9 \x93quoted\x94', 'latin1').toString('base64'));
    expect(decodeDisplayText(raw, displayPart({ charset: 'iso-8859-1', encoding: 'base64' }))).toBe('Café “quoted”');
  });

  it('decodes other charsets through libmime', () => {
    const raw = Buffer.from('=CF=F0=E8=E2=E5=F2', 'latin1'); // "Привет" in windows-1251
    expect(decodeDisplayText(raw, displayPart({ charset: 'windows-1251', encoding: 'quoted-printable' }))).toBe('Привет');
    const jis = Buffer.from('\x1b$B$3$s$K$A$O\x1b(B', 'latin1'); // "こんにちは" in ISO-2022-JP
    expect(decodeDisplayText(jis, displayPart({ charset: 'ISO-2022-JP' }))).toBe('こんにちは');
  });

  it('survives broken base64: garbage, missing padding, padding in the middle', () => {
    const part = displayPart({ encoding: 'base64' });
    expect(decodeDisplayText(Buffer.from('SGVs*bG8g!!d29y\r\nbGQ'), part)).toBe('Hello world');
    expect(decodeDisplayText(Buffer.from('SGVsbG8=\r\nIHdvcmxk'), part)).toBe('Hello world');
    expect(decodeDisplayText(Buffer.from('%%%not base64 at all%%%'), part)).toEqual(expect.any(String));
  });

  it('decodes quoted-printable soft breaks, lenient about broken escapes', () => {
    const raw = Buffer.from('long li=\r\nne, LF=\nsoft, padded=  \r\nbreak, =3D =e9t=C3=A9 =ZZ 100=\r\n');
    expect(decodeDisplayText(raw, displayPart({ encoding: 'quoted-printable' }))).toBe('long line, LFsoft, paddedbreak, = �té =ZZ 100');
  });

  it('falls back gracefully for unknown charsets', () => {
    expect(decodeDisplayText(Buffer.from('Grüße'), displayPart({ charset: 'x-unknown' }))).toBe('Grüße');
    expect(decodeDisplayText(Buffer.from('Gr\xfc\xdfe', 'latin1'), displayPart({ charset: 'x-unknown' }))).toBe('Grüße');
    expect(decodeDisplayText(Buffer.from('plain'), displayPart({ charset: '"bogus"; format=flowed' }))).toBe('plain');
  });

  it('does not throw on invalid UTF-8, and rescues mislabelled Latin-1', () => {
    expect(decodeDisplayText(Buffer.from([0x48, 0xc3, 0xa9, 0xff, 0xfe, 0x21]), displayPart())).toBe('Hé��!');
    expect(decodeDisplayText(Buffer.from('r\xe9sum\xe9', 'latin1'), displayPart())).toBe('résumé');
  });

  it('treats unknown transfer encodings as 8bit and decodes uuencode', () => {
    expect(decodeDisplayText(Buffer.from('Grüße'), displayPart({ encoding: '7vladi' }))).toBe('Grüße');
    const uu = Buffer.from('begin 644 a.txt\r\n+:&5L;&\\@=V]R;&0`\r\n`\r\nend\r\n');
    expect(decodeDisplayText(uu, displayPart({ encoding: 'x-uuencode' }))).toBe('hello world');
  });

  it('turns HTML into readable text: links kept, scripts, styles and images dropped', () => {
    const raw = Buffer.from(
      '<html><head><title>T</title><style>p{color:red}</style><script>alert(1)</script></head>' +
        '<body><h1>Order</h1><p>Hi <b>Ann</b>,</p><p>see <a href="https://shop.example/o/1">your order</a>.</p>' +
        '<img src="data:image/png;base64,AAAA" alt="logo"><form><input name=q></form><script>evil()</script></body></html>',
    );
    const text = decodeDisplayText(raw, displayPart({ type: 'text/html' }));
    expect(text).toContain('Order');
    expect(text).toContain('Hi Ann,');
    expect(text).toContain('your order [https://shop.example/o/1]');
    expect(text).not.toMatch(/alert|evil|color:red|data:image/);
  });

  it('does not choke on absurdly deep HTML', () => {
    const raw = Buffer.from(`${'<div>'.repeat(50_000)}deep${'</div>'.repeat(50_000)}`);
    const t0 = performance.now();
    expect(decodeDisplayText(raw, displayPart({ type: 'text/html' }))).toBe('deep');
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('removes escape sequences, bidi controls and NUL bytes from bodies', () => {
    const raw = Buffer.from('a\x1b]0;title\x07b\x1b[2Jc\u202Ed\x00e\x9b31mf');
    const text = decodeDisplayText(raw, displayPart());
    expect(text).toBe('abcdef');
    expect(text).not.toMatch(DANGEROUS);
  });

  it('strips a byte-order mark', () => {
    expect(decodeDisplayText(Buffer.from('\ufeffhi'), displayPart())).toBe('hi');
  });
});

describe('previewOf', () => {
  it('skips quotes, attributions and the signature', () => {
    const text = 'Hi Ann,\n\nThanks, it works now.\n\nOn Mon, 1 Jan 2024 at 10:00, Bob <b@x.y>\nwrote:\n> old\n> stuff\n-- \nBob\nACME Inc.';
    expect(previewOf(text)).toBe('Hi Ann, Thanks, it works now.');
  });

  it('stops at an Outlook original-message separator', () => {
    expect(previewOf('Sure.\n\n-----Original Message-----\nFrom: x')).toBe('Sure.');
  });

  it('truncates to max with an ellipsis and never splits a surrogate pair', () => {
    const p = previewOf(`${'word '.repeat(100)}`, 20);
    expect(p.length).toBeLessThanOrEqual(20);
    expect(p.endsWith('…')).toBe(true);
    const emoji = previewOf('😀'.repeat(30), 10);
    expect(emoji).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('falls back to quoted text when there is nothing else', () => {
    expect(previewOf('> only a quote')).toBe('only a quote');
  });
});

describe('parseFullMessage', () => {
  it('parses headers and an HTML-only body into readable text', async () => {
    const raw = Buffer.from(
      'From: "Ann \x1b]0;x\x07Example" <ann@example.test>\r\n' +
        'To: Bob <bob@example.test>, team: c@example.test, d@example.test;\r\n' +
        'Cc: e@example.test\r\n' +
        'Subject: =?utf-8?B?SMOkbGxv?= \x1b[31mworld\r\n' +
        'Message-ID: <m1@example.test>\r\n' +
        'In-Reply-To: <p1@example.test>\r\n' +
        'References: <r1@example.test> <p1@example.test>\r\n' +
        'Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n' +
        'Content-Type: text/html; charset=utf-8\r\n\r\n' +
        '<p>Hello <a href="https://x.example/">there</a></p><script>alert(1)</script>',
    );
    const msg = await parseFullMessage(raw);
    expect(msg.subject).toBe('Hällo world');
    expect(msg.from?.email).toBe('ann@example.test');
    expect(msg.from?.name).not.toMatch(DANGEROUS);
    expect(msg.to.map((a) => a.email)).toEqual(['bob@example.test', 'c@example.test', 'd@example.test']);
    expect(msg.cc).toEqual([{ name: '', email: 'e@example.test' }]);
    expect(msg.messageId).toBe('m1@example.test');
    expect(msg.inReplyTo).toEqual(['p1@example.test']);
    expect(msg.references).toEqual(['r1@example.test', 'p1@example.test']);
    expect(msg.date).toBe(Date.UTC(2024, 0, 1, 10));
    expect(msg.text).toBe('Hello there [https://x.example/]');
  });

  it('lists attachments without their content, with safe names', async () => {
    const raw = Buffer.from(
      'Subject: files\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n' +
        '--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="../../evil.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--B--\r\n',
    );
    const msg = await parseFullMessage(raw);
    expect(msg.text.trim()).toBe('see attached');
    expect(msg.attachments).toEqual([{ filename: 'evil.pdf', contentType: 'application/pdf', size: 9 }]);
  });

  it('gives null for an unparseable date and recovers raw 8-bit headers', async () => {
    const raw = Buffer.from('Subject: Forma\xe7\xe3o\r\nDate: yesterday-ish\r\n\r\nbody\r\n', 'latin1');
    const msg = await parseFullMessage(raw);
    expect(msg.date).toBeNull();
    expect(msg.subject).toBe('Formação');
  });

  it('never throws on garbage', async () => {
    const inputs = [Buffer.alloc(0), Buffer.from('\x00\x01\x02\xff'.repeat(1000), 'latin1'), Buffer.from('Content-Type: multipart/mixed\r\n\r\n--x\r\n')];
    for (const raw of inputs) {
      const msg = await parseFullMessage(raw);
      expect(typeof msg.text).toBe('string');
      expect(msg.text).not.toMatch(DANGEROUS);
    }
  });
});

/** Every file under the shared corpus of real-world oddities, recursively. */
const CORPUS = join(import.meta.dirname, '../../../shared/corpus/mail-fixtures');
function corpusFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? corpusFiles(path) : [path];
  });
}

describe('parseFullMessage over the mail-fixtures corpus', () => {
  const present = existsSync(CORPUS);
  if (!present) console.log(`note: ${CORPUS} is absent; corpus test skipped`);

  it.skipIf(!present)('parses every file without throwing and returns safe text', async () => {
    const files = corpusFiles(CORPUS);
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const msg = await parseFullMessage(readFileSync(file));
      expect(typeof msg.text, file).toBe('string');
      expect(msg.text, file).not.toMatch(DANGEROUS);
      expect(msg.subject, file).not.toMatch(/[\n\t]|[\x00-\x1f\x7f-\x9f]/);
      for (const a of msg.attachments) expect(a.filename, file).not.toMatch(/[/\\]|^\.|^$/);
    }
  });
});
