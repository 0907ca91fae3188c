// The relay's per-request containment: nothing a handler throws or rejects with escapes, and a
// target the URL parser rejects is "no path" (answered 400), not an exception.
import { describe, expect, it } from 'vitest';
import { requestPath } from '../../src/relay/http.js';
import { contain } from '../../src/relay/http-guard.js';

describe('requestPath', () => {
  it('reads ordinary targets and gives null for the ones the URL parser rejects', () => {
    expect(requestPath('/ws/visitor?x=1')).toBe('/ws/visitor');
    expect(requestPath(undefined)).toBe('/');
    expect(requestPath('/%zz')).toBe('/%zz');
    for (const bad of ['//[', '//%zz', '//a:b@[::1', 'http://[/x']) expect(requestPath(bad), bad).toBeNull();
  });
});

describe('contain', () => {
  it('hands a synchronous throw to onError', () => {
    const seen: string[] = [];
    contain(
      () => {
        throw new TypeError('Invalid URL');
      },
      (err) => seen.push(err.message),
    );
    expect(seen).toEqual(['Invalid URL']);
  });

  it('hands a rejection to onError, and a non-Error as an Error', async () => {
    const seen: Error[] = [];
    contain(() => Promise.reject('plain string'), (err) => seen.push(err));
    await new Promise((r) => setTimeout(r, 0));
    expect(seen.map((e) => [e instanceof Error, e.message])).toEqual([[true, 'plain string']]);
  });

  it('drops an error thrown by onError itself instead of letting it escape', () => {
    expect(() =>
      contain(
        () => {
          throw new Error('first');
        },
        () => {
          throw new Error('the answer failed too');
        },
      ),
    ).not.toThrow();
  });

  it('calls nothing when the handler succeeds', () => {
    let errors = 0;
    contain(() => 'fine', () => errors++);
    expect(errors).toBe(0);
  });
});
