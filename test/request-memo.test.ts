import { describe, expect, it } from 'vitest';
import { requestMemo } from '../src/lib/request-memo.js';

describe('requestMemo', () => {
  it('keeps a value per request, apart from every other memo', () => {
    const digest = requestMemo<string>('digest');
    const verdict = requestMemo<string>('verdict');
    const first = new Request('http://localhost/a');
    const second = new Request('http://localhost/b');
    expect(digest.has(first)).toBe(false);
    digest.set(first, 'one');
    verdict.set(first, 'allowed');
    expect(digest.get(first)).toBe('one');
    expect(verdict.get(first)).toBe('allowed');
    expect(digest.get(second)).toBeUndefined();
    expect(digest.has(second)).toBe(false);
    // Two memos of the same description are still two memos.
    expect(requestMemo<string>('digest').get(first)).toBeUndefined();
  });

  it('is left out of JSON and Object.keys, but copied by a spread like any symbol-keyed property', () => {
    const notes = requestMemo<{ token: string }>('notes');
    const inner = { url: 'http://localhost/x', method: 'POST' };
    notes.set(inner, { token: 'tgw_secret' });
    expect(Object.keys(inner)).toEqual(['url', 'method']);
    expect(JSON.stringify(inner)).not.toContain('tgw_secret');
    expect(notes.get(inner)?.token).toBe('tgw_secret');
    // A copy carries the memo: no code copies a request today, and one that did would share its notes.
    expect(notes.get({ ...inner })?.token).toBe('tgw_secret');
  });
});
