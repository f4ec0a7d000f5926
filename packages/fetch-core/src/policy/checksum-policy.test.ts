import type { Digest } from '@isar/oci-spec';
import { describe, expect, it } from 'vitest';
import { FetchCoreError } from '../errors.js';
import { parseDockerUrl } from '../url/docker-url.js';
import {
  type ChecksumPolicy,
  checkChecksum,
  checksumPolicyFromEnv,
  needsTagResolution,
  parseChecksumPolicy,
} from './checksum-policy.js';

const a = `sha256:${'a'.repeat(64)}` as Digest;
const b = `sha256:${'b'.repeat(64)}` as Digest;

describe('policy values', () => {
  it.each([
    [undefined, '0'],
    ['', '0'],
    ['0', '0'],
    ['1', '1'],
    ['ignore', 'ignore'],
  ])('parses %j', (value, policy) => {
    expect(parseChecksumPolicy(value)).toBe(policy);
  });

  it.each(['2', 'yes', 'IGNORE', ' 1'])('rejects %j', (value) => {
    expect(() => parseChecksumPolicy(value)).toThrow(
      `invalid checksum policy "${value}" (expected 1, 0 or ignore)`,
    );
  });

  it.each([
    [undefined, '0'],
    ['1', '1'],
    ['ignore', 'ignore'],
    ['0', '0'],
    ['yes', '0'],
    ['', '0'],
  ])('reads BB_STRICT_CHECKSUM=%j as bitbake does', (value, policy) => {
    expect(checksumPolicyFromEnv(value)).toBe(policy);
  });
});

describe('needsTagResolution', () => {
  it.each([
    ['docker://debian', true],
    ['docker://debian;tag=12', true],
    [`docker://debian;digest=${a}`, false],
    [`docker://debian;digest=${a};tag=12`, true],
  ])('%s -> %s', (url, needed) => {
    expect(needsTagResolution(parseDockerUrl(url))).toBe(needed);
  });
});

describe('checkChecksum without a digest', () => {
  const url = 'docker://quay.io/libpod/alpine;tag=3.10';
  const line = `SRC_URI = "${url};digest=${a}"`;

  it('warns under 0 with upstream wording and the exact line', () => {
    const verdict = checkChecksum(parseDockerUrl(url), a, '0');
    expect(verdict).toEqual({
      kind: 'warn',
      digest: a,
      srcUriLine: line,
      message: `Missing checksum for '${url}', consider using this SRC_URI in the recipe: ${line}`,
    });
  });

  it('fails under 1 with MISSING_CHECKSUM carrying the line', () => {
    const verdict = checkChecksum(parseDockerUrl(url), a, '1');
    expect(verdict.kind).toBe('error');
    if (verdict.kind !== 'error') return;
    expect(verdict.srcUriLine).toBe(line);
    expect(verdict.error).toBeInstanceOf(FetchCoreError);
    expect(verdict.error.code).toBe('MISSING_CHECKSUM');
    expect(verdict.error.isInputError).toBe(false);
    expect(verdict.error.srcUriLine).toBe(line);
    expect(verdict.error.message).toContain(line);
    expect(verdict.error.message).not.toContain('\n');
  });

  it('is silent under ignore but still reports the line', () => {
    expect(checkChecksum(parseDockerUrl(url), a, 'ignore')).toEqual({
      kind: 'ok',
      digest: a,
      pinned: false,
      srcUriLine: line,
    });
  });

  it('needs the resolved digest', () => {
    expect(() => checkChecksum(parseDockerUrl(url), undefined, '0')).toThrow(TypeError);
  });
});

describe('checkChecksum with a digest', () => {
  const policies: ChecksumPolicy[] = ['0', '1', 'ignore'];

  it.each(policies)('digest only: ok without resolving (policy %s)', (policy) => {
    expect(checkChecksum(parseDockerUrl(`docker://debian;digest=${a}`), undefined, policy)).toEqual({
      kind: 'ok',
      digest: a,
      pinned: true,
    });
  });

  it.each(policies)('tag and digest agreeing: ok (policy %s)', (policy) => {
    expect(checkChecksum(parseDockerUrl(`docker://debian;tag=12;digest=${a}`), a, policy)).toEqual({
      kind: 'ok',
      digest: a,
      pinned: true,
    });
  });

  it.each(policies)('tag moved: CHECKSUM_MISMATCH naming both digests (policy %s)', (policy) => {
    const url = `docker://debian;digest=${a};tag=12`;
    const verdict = checkChecksum(parseDockerUrl(url), b, policy);
    expect(verdict.kind).toBe('error');
    if (verdict.kind !== 'error') return;
    const line = `SRC_URI = "docker://debian;tag=12;digest=${b}"`;
    expect(verdict.srcUriLine).toBe(line);
    expect(verdict.digest).toBe(a);
    expect(verdict.error.code).toBe('CHECKSUM_MISMATCH');
    expect(verdict.error.message).toBe(
      `Checksum mismatch for '${url}': tag '12' now points at ${b}, but the recipe pins ${a}; if the new image is intended, use this SRC_URI in the recipe: ${line}`,
    );
  });
});
