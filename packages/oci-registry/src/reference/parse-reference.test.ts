import { describe, expect, it } from 'vitest';
import { familiarName, familiarReference, formatReference, registryEndpoint } from './format-reference.js';
import { parseReference } from './parse-reference.js';
import type { Reference } from './reference.js';
import { type InvalidReferenceCode, InvalidReferenceError } from './reference-error.js';

const sha256 = `sha256:${'ab'.repeat(32)}`;
const sha512 = `sha512:${'0f'.repeat(64)}`;

describe('parseReference accepts', () => {
  it.each<[string, Reference]>([
    ['debian', { registry: 'docker.io', repository: 'library/debian' }],
    ['debian:bookworm', { registry: 'docker.io', repository: 'library/debian', tag: 'bookworm' }],
    ['library/debian', { registry: 'docker.io', repository: 'library/debian' }],
    ['docker.io/debian', { registry: 'docker.io', repository: 'library/debian' }],
    ['index.docker.io/debian', { registry: 'docker.io', repository: 'library/debian' }],
    ['index.docker.io/bitnami/redis:7', { registry: 'docker.io', repository: 'bitnami/redis', tag: '7' }],
    ['bitnami/redis', { registry: 'docker.io', repository: 'bitnami/redis' }],
    ['quay.io/libpod/alpine:3.10', { registry: 'quay.io', repository: 'libpod/alpine', tag: '3.10' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/a/b/c', { registry: 'localhost:5000', repository: 'a/b/c' }],
    ['127.0.0.1:5000/busybox:1', { registry: '127.0.0.1:5000', repository: 'busybox', tag: '1' }],
    ['[::1]:5000/busybox', { registry: '[::1]:5000', repository: 'busybox' }],
    ['[fe80::1]/x', { registry: '[fe80::1]', repository: 'x' }],
    ['Registry.Example.COM/ns/app', { registry: 'Registry.Example.COM', repository: 'ns/app' }],
    ['my-registry:443/x', { registry: 'my-registry:443', repository: 'x' }],
    ['localhost:5000', { registry: 'docker.io', repository: 'library/localhost', tag: '5000' }],
    ['a.b/c__d/e.f/g-h/i---j/k_l', { registry: 'a.b', repository: 'c__d/e.f/g-h/i---j/k_l' }],
    [
      `debian@${sha256}`,
      { registry: 'docker.io', repository: 'library/debian', digest: sha256 } as Reference,
    ],
    [
      `ghcr.io/o/r:v1.2_3-rc@${sha512}`,
      { registry: 'ghcr.io', repository: 'o/r', tag: 'v1.2_3-rc', digest: sha512 } as Reference,
    ],
    [`x:${'T'.repeat(128)}`, { registry: 'docker.io', repository: 'library/x', tag: 'T'.repeat(128) }],
    ['x:_', { registry: 'docker.io', repository: 'library/x', tag: '_' }],
    ['LOCALDOMAIN/debian', { registry: 'LOCALDOMAIN', repository: 'debian' }],
    ['MyOrg/app:1', { registry: 'MyOrg', repository: 'app', tag: '1' }],
    [
      'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
      {
        registry: 'docker.io',
        repository: 'library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
      },
    ],
  ])('%s', (input, expected) => {
    const ref = parseReference(input);
    expect(ref).toEqual(expected);
    expect(parseReference(formatReference(ref))).toEqual(ref);
  });
});

describe('parseReference rejects', () => {
  it.each<[string, InvalidReferenceCode, string]>([
    ['', 'REFERENCE_EMPTY', 'it is empty'],
    ['debian bookworm', 'REFERENCE_INVALID_FORMAT', 'whitespace'],
    [':tag', 'REFERENCE_INVALID_FORMAT', 'repository name is missing'],
    ['Debian', 'REFERENCE_UPPERCASE', 'must be lowercase: "Debian"'],
    ['MyOrg/App', 'REFERENCE_UPPERCASE', 'must be lowercase: "App"'],
    [
      '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
      'REFERENCE_INVALID_FORMAT',
      'image ID',
    ],
    ['[fe80::1%@zone]:5000/repo', 'REFERENCE_INVALID_DOMAIN', 'invalid registry "[fe80::1%@zone]:5000"'],
    ['[fe80::1%eth0]:5000/repo', 'REFERENCE_INVALID_DOMAIN', 'invalid registry "[fe80::1%eth0]:5000"'],
    ['quay.io/LibPod/alpine', 'REFERENCE_UPPERCASE', '"LibPod"'],
    ['quay.io/libpod//alpine', 'REFERENCE_INVALID_PATH', 'empty path component'],
    ['quay.io/libpod/alpine/', 'REFERENCE_INVALID_PATH', 'empty path component'],
    ['quay.io/', 'REFERENCE_INVALID_PATH', 'repository name is empty'],
    ['quay.io/-alpine', 'REFERENCE_INVALID_PATH', 'invalid path component "-alpine"'],
    ['quay.io/alpine-', 'REFERENCE_INVALID_PATH', '"alpine-"'],
    ['quay.io/a..b', 'REFERENCE_INVALID_PATH', '"a..b"'],
    ['quay.io/a___b', 'REFERENCE_INVALID_PATH', '"a___b"'],
    ['quay.io/a$b', 'REFERENCE_INVALID_PATH', '"a$b"'],
    ['-quay.io/x', 'REFERENCE_INVALID_DOMAIN', 'invalid registry "-quay.io"'],
    ['quay..io/x', 'REFERENCE_INVALID_DOMAIN', '"quay..io"'],
    ['quay.io:/x', 'REFERENCE_INVALID_DOMAIN', '"quay.io:"'],
    ['quay.io:50a/x', 'REFERENCE_INVALID_DOMAIN', '"quay.io:50a"'],
    ['[::1/x', 'REFERENCE_INVALID_DOMAIN', '"[::1"'],
    ['debian:', 'REFERENCE_INVALID_TAG', 'invalid tag ""'],
    ['debian:.x', 'REFERENCE_INVALID_TAG', '".x"'],
    ['debian:-x', 'REFERENCE_INVALID_TAG', '"-x"'],
    ['debian:a+b', 'REFERENCE_INVALID_TAG', '"a+b"'],
    [`debian:${'a'.repeat(129)}`, 'REFERENCE_INVALID_TAG', 'up to 128'],
    ['debian@', 'REFERENCE_INVALID_DIGEST', 'expected <algorithm>:<hex>'],
    ['debian@sha256:abc', 'REFERENCE_INVALID_DIGEST', 'needs 64 lowercase hex'],
    [`debian@sha256:${'AB'.repeat(32)}`, 'REFERENCE_INVALID_DIGEST', 'lowercase hex'],
    [`debian@md5:${'a'.repeat(32)}`, 'REFERENCE_INVALID_DIGEST', 'unsupported algorithm "md5"'],
    [`debian@${sha256}@${sha256}`, 'REFERENCE_INVALID_DIGEST', 'lowercase hex'],
    [`r.io/${'a'.repeat(256)}`, 'REFERENCE_NAME_TOO_LONG', 'at most 255'],
    [`${'a/'.repeat(126)}abcd`, 'REFERENCE_NAME_TOO_LONG', 'is 256 characters long'],
    [`${'a'.repeat(249)}`, 'REFERENCE_NAME_TOO_LONG', '"library/aaa'],
  ])('%j (%s)', (input, code, message) => {
    let caught: unknown;
    try {
      parseReference(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidReferenceError);
    const error = caught as InvalidReferenceError;
    expect(error.code).toBe(code);
    expect(error.input).toBe(input);
    expect(error.message).toContain(`invalid image reference "${input}"`);
    expect(error.message).toContain(message);
  });

  it('keeps the digest error as cause', () => {
    try {
      parseReference('debian@sha256:zz');
      expect.unreachable();
    } catch (e) {
      expect((e as InvalidReferenceError).part).toBe('digest');
      expect((e as Error).cause).toMatchObject({ name: 'OciSpecError', code: 'INVALID_DIGEST' });
    }
  });

  it('counts the repository path against the 255 limit, not the registry (as distribution/reference)', () => {
    const repository = 'a'.repeat(255);
    expect(parseReference(`registry.example.com/${repository}`).repository).toBe(repository);
    expect(parseReference('a'.repeat(247)).repository).toBe(`library/${'a'.repeat(247)}`);
  });
});

describe('formatting', () => {
  it.each<[string, string, string, string]>([
    ['debian', 'docker.io/library/debian', 'debian', 'registry-1.docker.io'],
    ['debian:12', 'docker.io/library/debian:12', 'debian', 'registry-1.docker.io'],
    ['bitnami/redis:7', 'docker.io/bitnami/redis:7', 'bitnami/redis', 'registry-1.docker.io'],
    ['library/a/b', 'docker.io/library/a/b', 'library/a/b', 'registry-1.docker.io'],
    ['docker.io/a.b/c', 'docker.io/a.b/c', 'docker.io/a.b/c', 'registry-1.docker.io'],
    ['quay.io/libpod/alpine:3.10', 'quay.io/libpod/alpine:3.10', 'quay.io/libpod/alpine', 'quay.io'],
    [`localhost:5000/x@${sha256}`, `localhost:5000/x@${sha256}`, 'localhost:5000/x', 'localhost:5000'],
    [
      `docker.io/${'ab'.repeat(32)}`,
      `docker.io/library/${'ab'.repeat(32)}`,
      `docker.io/library/${'ab'.repeat(32)}`,
      'registry-1.docker.io',
    ],
    ['LOCALDOMAIN/debian:12', 'LOCALDOMAIN/debian:12', 'LOCALDOMAIN/debian', 'LOCALDOMAIN'],
  ])('%s', (input, canonical, familiar, endpoint) => {
    const ref = parseReference(input);
    expect(formatReference(ref)).toBe(canonical);
    expect(familiarName(ref)).toBe(familiar);
    expect(registryEndpoint(ref)).toBe(endpoint);
    expect(parseReference(familiarReference(ref))).toEqual(ref);
  });

  it('maps registry names to endpoints', () => {
    expect(registryEndpoint('docker.io')).toBe('registry-1.docker.io');
    expect(registryEndpoint('index.docker.io')).toBe('registry-1.docker.io');
    expect(registryEndpoint('ghcr.io')).toBe('ghcr.io');
  });
});
