import { join } from 'node:path';
import type { Digest } from '@isar/oci-spec';
import { describe, expect, it } from 'vitest';
import { FetchCoreError } from '../errors.js';
import { parseDockerUrl } from '../url/docker-url.js';
import { type CacheKey, cacheFilePath, localFile, resolveInside, unpackName } from './local-file.js';

const sha256 = `sha256:${'0123456789abcdef'.repeat(4)}` as Digest;

describe('localFile', () => {
  const alpine = parseDockerUrl('docker://quay.io/libpod/alpine;tag=3.10');

  it.each([
    ['amd64', 'container-images/amd64/quay.io.libpod.alpine_3.10.zst'],
    ['arm64', 'container-images/arm64/quay.io.libpod.alpine_3.10.zst'],
    ['armhf', 'container-images/arm/v7/quay.io.libpod.alpine_3.10.zst'],
    ['armel', 'container-images/arm/v6/quay.io.libpod.alpine_3.10.zst'],
    ['i386', 'container-images/386/quay.io.libpod.alpine_3.10.zst'],
    ['mips64el', 'container-images/mips64le/quay.io.libpod.alpine_3.10.zst'],
    ['mipsel', 'container-images/mipsle/quay.io.libpod.alpine_3.10.zst'],
    ['ppc64el', 'container-images/ppc64le/quay.io.libpod.alpine_3.10.zst'],
    ['riscv64', 'container-images/riscv64/quay.io.libpod.alpine_3.10.zst'],
    ['s390x', 'container-images/s390x/quay.io.libpod.alpine_3.10.zst'],
    ['loong64', 'container-images/loong64/quay.io.libpod.alpine_3.10.zst'],
  ])('%s -> %s', (arch, path) => {
    expect(localFile(alpine, arch)).toBe(path);
  });

  it.each([
    ['docker://debian;tag=bookworm', 'amd64', 'container-images/amd64/debian_bookworm.zst'],
    ['docker://debian', 'amd64', 'container-images/amd64/debian_latest.zst'],
    [
      `docker://debian;tag=bookworm;digest=${sha256}`,
      'armhf',
      `container-images/arm/v7/debian_sha256-${'0123456789abcdef'.repeat(4)}.zst`,
    ],
    [
      `docker://127.0.0.1:5000/a/b;digest=${sha256}`,
      'arm64',
      `container-images/arm64/127.0.0.1:5000.a.b_sha256-${'0123456789abcdef'.repeat(4)}.zst`,
    ],
  ])('%s for %s -> %s', (url, arch, path) => {
    expect(localFile(parseDockerUrl(url), arch)).toBe(path);
  });

  it('rejects an unknown arch', () => {
    expect(() => localFile(alpine, 'x86_64')).toThrow(
      /unknown Debian architecture "x86_64" \(supported: amd64,/,
    );
  });

  it('resolves under DL_DIR', () => {
    expect(cacheFilePath('/dl', alpine, 'armhf')).toBe(
      '/dl/container-images/arm/v7/quay.io.libpod.alpine_3.10.zst',
    );
    expect(cacheFilePath('dl/', alpine, 'amd64')).toBe(
      join(process.cwd(), 'dl/container-images/amd64/quay.io.libpod.alpine_3.10.zst'),
    );
  });
});

describe('unpackName', () => {
  it.each([
    ['docker://quay.io/libpod/alpine;tag=3.10', 'quay.io.libpod.alpine:3.10.zst'],
    ['docker://debian;tag=bookworm', 'debian:bookworm.zst'],
    [`docker://debian;digest=${sha256}`, 'debian:latest.zst'],
  ])('%s -> %s', (url, name) => {
    expect(unpackName(parseDockerUrl(url))).toBe(name);
  });
});

describe('path rules (keys that did not come from the parser)', () => {
  const key = (localName: string, tag = 'latest', digest?: Digest): CacheKey => ({
    url: 'docker://x',
    localName,
    tag,
    ...(digest ? { digest } : {}),
  });

  it.each([
    [key('a/b'), 'path separator'],
    [key('a', '../../etc/passwd'), 'path separator'],
    [key('a\\b'), 'path separator'],
    [key('a\0b'), 'path separator'],
    [key('a'.repeat(250)), 'longer than 255'],
    [key('é'.repeat(124)), 'bytes is longer than 255'],
  ])('localFile refuses %j', (k, message) => {
    let caught: unknown;
    try {
      localFile(k, 'amd64');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FetchCoreError);
    expect((caught as FetchCoreError).code).toBe('UNSAFE_PATH');
    expect((caught as Error).message).toContain(message);
  });

  it.each([
    [key('a/b'), 'path separator'],
    [key('x', 'a/b'), 'path separator'],
    [key('a\\b'), 'path separator'],
  ])('unpackName refuses %j', (k, message) => {
    expect(() => unpackName(k)).toThrow(message);
  });

  it('keeps `..` harmless inside one name', () => {
    expect(localFile(key('..', 'x'), 'amd64')).toBe('container-images/amd64/.._x.zst');
  });

  it.each(['../x', '/etc/passwd', 'a/../../x', '.', ''])('resolveInside refuses %j', (rel) => {
    expect(() => resolveInside('/dl', rel)).toThrow(/would leave/);
  });

  it('resolveInside accepts a nested path', () => {
    expect(resolveInside('/dl', 'container-images/amd64/x.zst')).toBe('/dl/container-images/amd64/x.zst');
  });
});
