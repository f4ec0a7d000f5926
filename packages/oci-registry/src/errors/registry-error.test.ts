import { describe, expect, it } from 'vitest';
import { isRegistryError, RegistryError } from './registry-error.js';

describe('RegistryError.withHint', () => {
  it('gives a copy with the hint; code, message, request, cause and class are kept, the original unchanged', () => {
    const cause = new Error('other side closed');
    const original = new RegistryError('NETWORK', 'other side closed (UND_ERR_SOCKET)', {
      method: 'GET',
      url: 'https://user:secret@registry.example:5000/v2/',
      cause,
    });
    const hinted = original.withHint('try a client certificate');
    expect(hinted).toBeInstanceOf(RegistryError);
    expect(isRegistryError(hinted, 'NETWORK')).toBe(true);
    expect(hinted.hint).toBe('try a client certificate');
    expect(original.hint).toBeUndefined();
    for (const key of ['code', 'message', 'method', 'url', 'retryable', 'stack', 'name'] as const) {
      expect(hinted[key]).toEqual(original[key]);
    }
    expect(hinted.cause).toBe(original.cause);
    expect(hinted.message).not.toContain('secret');
  });
});
