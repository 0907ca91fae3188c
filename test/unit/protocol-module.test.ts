// src/protocol/ is the one statement of attend.chat.v1: pure, and the widget's hand-kept copy of
// its constants is checked against it (the same function `npm run build` runs).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLOSE } from '../../src/protocol/close-codes.js';
import { BLOCK_BEGIN, BLOCK_END, protocolConstants, WIDGET_COPIES, widgetDrift } from '../../src/relay/widget/protocol-block.js';

const protocolDir = new URL('../../src/protocol/', import.meta.url);
const widget = readFileSync(new URL('../../src/relay/widget/widget.js', import.meta.url), 'utf8');

describe('src/protocol', () => {
  it('is pure: its files import only each other and domain types', () => {
    const files = readdirSync(protocolDir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const text = readFileSync(new URL(f, protocolDir), 'utf8');
      const from = [...text.matchAll(/\bfrom '([^']+)'/g)].map((m) => m[1]);
      for (const spec of from) expect(spec, `${f} imports ${spec}`).toMatch(/^(\.\/[\w-]+\.js|\.\.\/domain\/[\w-]+\.js)$/);
    }
  });

  it('names close codes for the widget the way the build expects', () => {
    const all = protocolConstants();
    expect(all.get('CLOSE_SESSION_REPLACED')).toBe(CLOSE.sessionReplaced);
    expect(all.get('CLOSE_HEARTBEAT_TIMEOUT')).toBe(4000);
    expect(all.get('SUBPROTOCOL')).toBe('attend.chat.v1');
    for (const name of WIDGET_COPIES) expect(all.has(name), name).toBe(true);
  });
});

describe("the widget's copy of the protocol constants", () => {
  const tamper = (from: string | RegExp, to: string) => {
    const out = widget.replace(from, to);
    expect(out, 'the tampering changed something').not.toBe(widget);
    return out;
  };

  it('agrees with src/protocol as shipped', () => {
    expect(widgetDrift(widget)).toEqual([]);
  });

  it('a changed value is reported with both values', () => {
    expect(widgetDrift(tamper('const MAX_BODY_CHARS = 8000;', 'const MAX_BODY_CHARS = 9000;'))).toEqual([
      'MAX_BODY_CHARS is 9000 here but 8000 in src/protocol/',
    ]);
    expect(widgetDrift(tamper("const SUBPROTOCOL = 'attend.chat.v1';", "const SUBPROTOCOL = 'attend.chat.v2';"))).toEqual([
      'SUBPROTOCOL is "attend.chat.v2" here but "attend.chat.v1" in src/protocol/',
    ]);
    expect(widgetDrift(tamper('const CLOSE_SESSION_REPLACED = 4409;', 'const CLOSE_SESSION_REPLACED = 4_409;'))).toEqual([]);
  });

  it('the same check catches src/protocol changing under an unchanged widget', () => {
    const moved = protocolConstants();
    moved.set('CLIENT_PING_MS', 20_000);
    expect(widgetDrift(widget, moved)).toEqual(['CLIENT_PING_MS is 30000 here but 20000 in src/protocol/']);
  });

  it('a constant taken out of the block (to be hard-coded elsewhere) is reported', () => {
    expect(widgetDrift(tamper(/\n\s*const CLOSE_RATE_LIMITED = 4429;/, ''))).toEqual(['CLOSE_RATE_LIMITED is missing from the block']);
  });

  it('an unknown name, an expression or a duplicate in the block is reported', () => {
    const extra = tamper('const ACK_EVERY_EVENTS = 20;', 'const ACK_EVERY_EVENTS = 20;\n  const ACK_EVERY = 20;');
    expect(widgetDrift(extra)).toEqual(['ACK_EVERY is not a constant of src/protocol/']);
    const expression = tamper('const RECONNECT_BACKOFF_MAX_MS = 60000;', 'const RECONNECT_BACKOFF_MAX_MS = 60 * 1000;');
    expect(widgetDrift(expression)).toEqual([
      expect.stringMatching(/^line \d+: not of the form `const NAME = literal;`: const RECONNECT_BACKOFF_MAX_MS = 60 \* 1000;$/),
      'RECONNECT_BACKOFF_MAX_MS is missing from the block',
    ]);
    const twice = tamper('const ACK_AFTER_MS = 1000;', 'const ACK_AFTER_MS = 1000;\n  const ACK_AFTER_MS = 1000;');
    expect(widgetDrift(twice)).toEqual([expect.stringMatching(/^line \d+: ACK_AFTER_MS is declared twice$/)]);
  });

  it('a missing or repeated marker is reported', () => {
    expect(widgetDrift(tamper(BLOCK_END, ''))).toEqual([expect.stringContaining('must appear exactly once')]);
    expect(widgetDrift(`${widget}\n${BLOCK_BEGIN}\n${BLOCK_END}\n`)).toEqual([expect.stringContaining('must appear exactly once')]);
  });
});
