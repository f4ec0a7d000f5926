import type { Digest } from '@isar/oci-spec';
import { describe, expect, it } from 'vitest';
import { FetchCoreError, type FetchCoreErrorCode } from '../errors.js';
import { parseDockerUrl } from './docker-url.js';
import { formatDockerUrl, srcUriLine, urlWithDigest } from './format-docker-url.js';
import { redactDockerUrl } from './redact.js';

const hex = 'c0ffee'.padEnd(64, '0');
const sha256 = `sha256:${hex}` as Digest;
const sha512 = `sha512:${'ab'.repeat(64)}`;

describe('parseDockerUrl: bitbake split and reference', () => {
  it.each([
    // url, host, path, containerName, localName, tag, tagExplicit, digest, canonical reference
    [
      'docker://debian;tag=bookworm',
      'debian',
      '/',
      'debian',
      'debian',
      'bookworm',
      true,
      undefined,
      'docker.io/library/debian:bookworm',
    ],
    [
      'docker://debian',
      'debian',
      '/',
      'debian',
      'debian',
      'latest',
      false,
      undefined,
      'docker.io/library/debian:latest',
    ],
    [
      'docker://debian/',
      'debian',
      '/',
      'debian',
      'debian',
      'latest',
      false,
      undefined,
      'docker.io/library/debian:latest',
    ],
    [
      'docker://quay.io/libpod/alpine;tag=3.10',
      'quay.io',
      '/libpod/alpine',
      'quay.io/libpod/alpine',
      'quay.io.libpod.alpine',
      '3.10',
      true,
      undefined,
      'quay.io/libpod/alpine:3.10',
    ],
    [
      `docker://quay.io/libpod/alpine;digest=${sha256};tag=3.10`,
      'quay.io',
      '/libpod/alpine',
      'quay.io/libpod/alpine',
      'quay.io.libpod.alpine',
      '3.10',
      true,
      sha256,
      `quay.io/libpod/alpine:3.10@${sha256}`,
    ],
    [
      `docker://quay.io/libpod/alpine;tag=3.10;digest=${sha256}`,
      'quay.io',
      '/libpod/alpine',
      'quay.io/libpod/alpine',
      'quay.io.libpod.alpine',
      '3.10',
      true,
      sha256,
      `quay.io/libpod/alpine:3.10@${sha256}`,
    ],
    [
      `docker://busybox;digest=${sha512}`,
      'busybox',
      '/',
      'busybox',
      'busybox',
      'latest',
      false,
      sha512,
      `docker.io/library/busybox:latest@${sha512}`,
    ],
    [
      'docker://bitnami/redis;tag=7.2',
      'bitnami',
      '/redis',
      'bitnami/redis',
      'bitnami.redis',
      '7.2',
      true,
      undefined,
      'docker.io/bitnami/redis:7.2',
    ],
    [
      'docker://index.docker.io/library/debian;tag=12',
      'index.docker.io',
      '/library/debian',
      'index.docker.io/library/debian',
      'index.docker.io.library.debian',
      '12',
      true,
      undefined,
      'docker.io/library/debian:12',
    ],
    [
      'docker://127.0.0.1:5000/a/b/c;tag=v1;;',
      '127.0.0.1:5000',
      '/a/b/c',
      '127.0.0.1:5000/a/b/c',
      '127.0.0.1:5000.a.b.c',
      'v1',
      true,
      undefined,
      '127.0.0.1:5000/a/b/c:v1',
    ],
    [
      'docker://localhost/app;tag=x',
      'localhost',
      '/app',
      'localhost/app',
      'localhost.app',
      'x',
      true,
      undefined,
      'localhost/app:x',
    ],
  ] as const)('%s', (url, host, path, containerName, localName, tag, tagExplicit, digest, canonical) => {
    const u = parseDockerUrl(url);
    expect(u).toMatchObject({ url, host, path, containerName, localName, tag, tagExplicit });
    expect(u.digest).toBe(digest);
    const r = u.reference;
    expect(`${r.registry}/${r.repository}:${r.tag}${r.digest ? `@${r.digest}` : ''}`).toBe(canonical);
    const again = parseDockerUrl(formatDockerUrl(u));
    expect({ ...again, url: '' }).toEqual({ ...u, url: '' });
  });
});

/** At least 40 malformed URLs, each with the error code and a piece of the message naming what is wrong. */
const malformed: Array<[string, FetchCoreErrorCode, string]> = [
  ['', 'INVALID_URL', 'expected docker://'],
  ['debian', 'INVALID_URL', 'expected docker://'],
  ['http://debian', 'INVALID_URL', 'unsupported scheme "http"'],
  ['oci://quay.io/x', 'INVALID_URL', 'unsupported scheme "oci"'],
  ['DOCKER://debian', 'INVALID_URL', 'unsupported scheme "DOCKER"'],
  ['docker:/debian', 'INVALID_URL', 'expected docker://'],
  ['docker://', 'INVALID_URL', 'no image name'],
  ['docker://;tag=1', 'INVALID_URL', 'no image name'],
  ['docker:///debian', 'INVALID_URL', 'empty host'],
  ['docker://debian ;tag=1', 'INVALID_URL', 'whitespace'],
  [' docker://debian', 'INVALID_URL', 'expected docker://'],
  ['docker://deb\tian', 'INVALID_URL', 'whitespace'],
  ['docker://debian\n', 'INVALID_URL', 'whitespace'],
  ['docker://deb\u0000ian', 'INVALID_URL', 'control'],
  [`docker://debian@${sha256}`, 'INVALID_URL', `write it as ";digest=${sha256}"`],
  [`docker://quay.io/libpod/alpine@${sha256};tag=1`, 'INVALID_URL', 'a digest in the image name'],
  ['docker://user:secret@quay.io/x', 'INVALID_URL', 'credentials in the URL are not supported'],
  ['docker://token@quay.io/x;tag=1', 'INVALID_URL', 'credentials'],
  ['docker://quay.io/x@y', 'INVALID_URL', '"@" is not allowed'],
  ['docker://quay.io/lib%70od/alpine', 'INVALID_URL', 'percent-encoding'],
  ['docker://debian;tag', 'INVALID_PARAMETER', 'parameter "tag" has no value'],
  ['docker://debian;bookworm', 'INVALID_PARAMETER', 'parameter "bookworm" has no value'],
  ['docker://debian;name=foo', 'INVALID_PARAMETER', 'unknown parameter "name" (supported: digest, tag)'],
  ['docker://debian;tag=1;protocol=https', 'INVALID_PARAMETER', 'unknown parameter "protocol"'],
  ['docker://debian;Tag=1', 'INVALID_PARAMETER', 'unknown parameter "Tag"'],
  ['docker://debian;=1', 'INVALID_PARAMETER', 'unknown parameter ""'],
  ['docker://debian;tag=1;tag=2', 'INVALID_PARAMETER', 'parameter "tag" given twice'],
  [
    `docker://debian;digest=${sha256};digest=${sha256}`,
    'INVALID_PARAMETER',
    'parameter "digest" given twice',
  ],
  ['docker://debian;tag=', 'INVALID_TAG', 'invalid tag ""'],
  ['docker://debian;tag=.hidden', 'INVALID_TAG', 'invalid tag ".hidden"'],
  ['docker://debian;tag=-x', 'INVALID_TAG', 'invalid tag "-x"'],
  ['docker://debian;tag=a/b', 'INVALID_TAG', 'invalid tag "a/b"'],
  ['docker://debian;tag=a:b', 'INVALID_TAG', 'invalid tag "a:b"'],
  ['docker://debian;tag=..', 'INVALID_TAG', 'invalid tag ".."'],
  [`docker://debian;tag=${'a'.repeat(129)}`, 'INVALID_TAG', 'invalid tag'],
  ['docker://debian;tag=böök', 'INVALID_TAG', 'invalid tag "böök"'],
  ['docker://debian;digest=', 'INVALID_DIGEST', 'expected <algorithm>:<hex>'],
  ['docker://debian;digest=abc', 'INVALID_DIGEST', 'expected <algorithm>:<hex>'],
  [`docker://debian;digest=${hex}`, 'INVALID_DIGEST', 'expected <algorithm>:<hex>'],
  ['docker://debian;digest=sha256:abc', 'INVALID_DIGEST', 'sha256 needs 64 lowercase hex'],
  [`docker://debian;digest=sha256:${hex.toUpperCase()}`, 'INVALID_DIGEST', 'lowercase hex'],
  [`docker://debian;digest=sha256:${hex}0`, 'INVALID_DIGEST', 'needs 64'],
  [`docker://debian;digest=sha512:${hex}`, 'INVALID_DIGEST', 'sha512 needs 128'],
  [`docker://debian;digest=md5:${'a'.repeat(32)}`, 'INVALID_DIGEST', 'unsupported algorithm "md5"'],
  [`docker://debian;digest=SHA256:${hex}`, 'INVALID_DIGEST', 'unsupported algorithm "SHA256"'],
  ['docker://Debian', 'INVALID_NAME', 'must be lowercase: "Debian"'],
  ['docker://MyOrg/App', 'INVALID_NAME', 'must be lowercase: "App"'],
  ['docker://quay.io/LibPod/alpine', 'INVALID_NAME', 'must be lowercase: "LibPod"'],
  ['docker://quay.io/libpod/alpine/', 'INVALID_NAME', 'empty path component'],
  ['docker://quay.io//alpine', 'INVALID_NAME', 'empty path component'],
  ['docker://localhost:5000', 'INVALID_NAME', 'carries a tag'],
  ['docker://debian:bookworm', 'INVALID_NAME', 'write it as ";tag=bookworm"'],
  ['docker://quay.io/libpod/alpine:3.10', 'INVALID_NAME', 'write it as ";tag=3.10"'],
  ['docker://quay.io/../etc', 'INVALID_NAME', 'invalid path component ".."'],
  ['docker://quay.io/./x', 'INVALID_NAME', 'invalid path component "."'],
  ['docker://../x', 'INVALID_NAME', 'invalid registry ".."'],
  ['docker://quay.io/a..b', 'INVALID_NAME', '"a..b"'],
  ['docker://quay.io/-x', 'INVALID_NAME', '"-x"'],
  ['docker://quay.io/x_', 'INVALID_NAME', '"x_"'],
  ['docker://quay.io/a\\b', 'INVALID_NAME', '"a\\b"'],
  ['docker://-quay.io/x', 'INVALID_NAME', 'invalid registry "-quay.io"'],
  ['docker://quay.io:abc/x', 'INVALID_NAME', 'invalid registry "quay.io:abc"'],
  ['docker://quay_io.com/x', 'INVALID_NAME', 'invalid registry "quay_io.com"'],
  [`docker://r.io/${'a'.repeat(256)}`, 'INVALID_NAME', 'at most 255'],
  ['docker://quay.io/;tag=1', 'INVALID_NAME', 'no repository after the registry "quay.io"'],
  ['docker://quay.io/', 'INVALID_NAME', 'no repository after the registry "quay.io"'],
  ['docker://localhost:5000/', 'INVALID_NAME', 'no repository after the registry "localhost:5000"'],
  ['docker://index.docker.io/;tag=1', 'INVALID_NAME', 'no repository after the registry'],
  ['docker://quay.io/x;user=bob;pswd=hunter22', 'INVALID_PARAMETER', 'credentials as URL parameters'],
  ['docker://quay.io/x;pswd=hunter22', 'INVALID_PARAMETER', '"pswd": credentials as URL parameters'],
  ['docker://quay.io/x;tag=1;user=bob', 'INVALID_PARAMETER', '"user": credentials as URL parameters'],
  ['docker://quay.io/x;pswd=hun ter22', 'INVALID_URL', 'whitespace'],
];

describe('parseDockerUrl rejects malformed URLs', () => {
  it('has at least 40 cases', () => {
    expect(malformed.length).toBeGreaterThanOrEqual(40);
  });

  it.each(malformed)('%j -> %s', (url, code, message) => {
    let caught: unknown;
    try {
      parseDockerUrl(url);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FetchCoreError);
    const error = caught as FetchCoreError;
    expect(error.code).toBe(code);
    expect(error.isInputError).toBe(true);
    expect(error.message).toContain(message);
    expect(error.message).toContain(`bad docker:// URL "${redactDockerUrl(url)}"`);
  });

  it('never shows credentials and keeps the cause of name errors', () => {
    expect(() => parseDockerUrl('docker://user:hunter2@quay.io/x;tag=1')).toThrow(
      'bad docker:// URL "docker://***@quay.io/x;tag=1"',
    );
    for (const url of [
      'docker://user:hunter2@quay.io/x',
      'docker://quay.io/x;user=bob;pswd=hunter2',
      'docker://quay.io/x;pswd=hunter2;user=bob',
      'docker://quay.io/x;tag=1;pswd=hunter2;name=x',
      'docker://quay.io/x;pswd=hunter2;tag=..',
      'docker://quay.io/x;PSWD=hunter2',
      'docker://quay.io/x;pswd=hunter2;pswd=hunter2',
    ]) {
      expect(() => parseDockerUrl(url)).toThrow(FetchCoreError);
      try {
        parseDockerUrl(url);
      } catch (e) {
        expect((e as Error).message).not.toContain('hunter2');
      }
    }
    try {
      parseDockerUrl('docker://Debian');
    } catch (e) {
      expect((e as Error).cause).toMatchObject({
        name: 'InvalidReferenceError',
        code: 'REFERENCE_UPPERCASE',
      });
    }
  });
});

describe('redactDockerUrl', () => {
  it.each([
    ['docker://u:p@quay.io/x;tag=1', 'docker://***@quay.io/x;tag=1'],
    ['docker://u:p@localhost:5000/x', 'docker://***@localhost:5000/x'],
    ['docker://tok@quay.io/x', 'docker://***@quay.io/x'],
    [`docker://debian@${sha256}`, `docker://debian@${sha256}`],
    [`docker://quay.io/x@${sha256}`, `docker://quay.io/x@${sha256}`],
    ['docker://quay.io/x;tag=1', 'docker://quay.io/x;tag=1'],
    ['https://u:p@example.com/x', 'https://***@example.com/x'],
    ['docker://quay.io/x;user=bob;pswd=hunter22;tag=1', 'docker://quay.io/x;user=bob;pswd=***;tag=1'],
    ['docker://quay.io/x;Pswd=a;password=b;passwd=c', 'docker://quay.io/x;Pswd=***;password=***;passwd=***'],
    ['docker://u:p@quay.io/x;pswd=p', 'docker://***@quay.io/x;pswd=***'],
  ])('%s', (url, shown) => {
    expect(redactDockerUrl(url)).toBe(shown);
  });
});

describe('formatDockerUrl and urlWithDigest', () => {
  it('formats name, digest, tag', () => {
    expect(formatDockerUrl({ containerName: 'debian' })).toBe('docker://debian');
    expect(formatDockerUrl({ containerName: 'debian', tag: 'latest', tagExplicit: false })).toBe(
      'docker://debian',
    );
    expect(formatDockerUrl({ containerName: 'quay.io/a/b', tag: '1', digest: sha256 })).toBe(
      `docker://quay.io/a/b;digest=${sha256};tag=1`,
    );
  });

  it.each([
    ['docker://debian;tag=bookworm', `docker://debian;tag=bookworm;digest=${sha256}`],
    ['docker://debian', `docker://debian;digest=${sha256}`],
    ['docker://debian;tag=1;', `docker://debian;tag=1;;digest=${sha256}`],
    [`docker://debian;digest=${sha512};tag=1`, `docker://debian;tag=1;digest=${sha256}`],
    [`docker://debian;tag=1;digest=${sha512}`, `docker://debian;tag=1;digest=${sha256}`],
  ])('pins %s', (url, pinned) => {
    expect(urlWithDigest(url, sha256)).toBe(pinned);
    expect(urlWithDigest(parseDockerUrl(url), sha256)).toBe(pinned);
    expect(srcUriLine(pinned)).toBe(`SRC_URI = "${pinned}"`);
  });
});
