import { describe, expect, it } from 'vitest';
import { composeReplyText, replyReferences, replySubject } from '../../src/domain/reply.js';
import { normalizeSubject, parseIdList, threadKeys } from '../../src/domain/threading.js';
import { parseUntil } from '../../src/domain/when.js';

describe('threading helpers', () => {
  it.each([
    ['Re: Hello', 'Hello'],
    ['RE: Fwd: AW:  Hello  world', 'Hello world'],
    ['Re[2]: Hello', 'Hello'],
    ['Hello', 'Hello'],
    ['Reply needed', 'Reply needed'],
  ])('normalizeSubject(%j) = %j', (input, want) => expect(normalizeSubject(input)).toBe(want));

  it('parses id lists and drops cycles', () => {
    expect(parseIdList('<a@x> <b@x>\r\n <c@x>')).toEqual(['a@x', 'b@x', 'c@x']);
    expect(parseIdList('a@x, b@y')).toEqual(['a@x', 'b@y']);
    expect(threadKeys('m@x', ['p@x'], ['r@x', 'p@x', 'm@x'])).toEqual(['m@x', 'p@x', 'r@x']);
  });
});

describe('reply composition', () => {
  const parent = { messageId: 'p@x', from: { name: 'Ann', email: 'ann@x' }, subject: 'Re: Order', sentAt: Date.UTC(2026, 0, 2, 10), text: 'Where?\n\nThanks' };
  it('Re: once, quoted original, References ending with the parent', () => {
    expect(replySubject('Re: RE: Order')).toBe('Re: Order');
    expect(replySubject('')).toBe('Re: (no subject)');
    const text = composeReplyText('Today.  \n', parent);
    expect(text).toBe('Today.\n\nOn Fri, 02 Jan 2026 10:00:00 UTC, Ann <ann@x> wrote:\n> Where?\n>\n> Thanks\n');
    expect(replyReferences(['a@x', 'p@x', 'synthetic.1@attend.invalid'], 'p@x')).toEqual(['a@x', 'p@x']);
    expect(replyReferences(Array.from({ length: 30 }, (_, i) => `${i}@x`), 'p@x')).toHaveLength(21);
  });
});

describe('parseUntil', () => {
  const now = Date.UTC(2026, 10, 25, 12);
  it.each([
    ['2h', now + 7_200_000],
    ['90m', now + 5_400_000],
    ['3d', now + 3 * 86_400_000],
    ['1w', now + 604_800_000],
    ['2026-12-01T09:00:00Z', Date.UTC(2026, 11, 1, 9)],
    ['soon', null],
    ['12', null],
  ])('%j', (input, want) => expect(parseUntil(input, now)).toBe(want));
});
