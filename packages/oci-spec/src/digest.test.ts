import { describe, expect, it } from 'vitest';
import { digestAlgorithm, digestHex, isDigest, parseDigest } from './digest.js';

const sha256 = `sha256:${'a'.repeat(64)}`;
const sha512 = `sha512:${'0'.repeat(128)}`;

describe('parseDigest', () => {
  it.each([sha256, sha512])('accepts %s', (value) => {
    expect(parseDigest(value)).toBe(value);
  });

  it.each([
    ['', 'expected <algorithm>:<hex>'],
    ['sha256', 'expected <algorithm>:<hex>'],
    [':abc', 'expected <algorithm>:<hex>'],
    [`md5:${'a'.repeat(32)}`, 'unsupported algorithm "md5"'],
    [`sha256:${'a'.repeat(63)}`, 'needs 64 lowercase hex'],
    [`sha256:${'A'.repeat(64)}`, 'needs 64 lowercase hex'],
    [`sha512:${'a'.repeat(64)}`, 'needs 128 lowercase hex'],
    [`sha256:${'g'.repeat(64)}`, 'needs 64 lowercase hex'],
  ])('rejects %j', (value, message) => {
    expect(() => parseDigest(value)).toThrow(message);
    expect(isDigest(value)).toBe(false);
  });

  it('splits algorithm and hex', () => {
    const d = parseDigest(sha512);
    expect(digestAlgorithm(d)).toBe('sha512');
    expect(digestHex(d)).toHaveLength(128);
  });
});
