import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayMatter, normalizeImagePath, pathRole } from './image-path.js';

const segments = [
  '',
  '.',
  '..',
  'etc',
  'os-release',
  'usr',
  'lib',
  'share',
  'doc',
  'libc6',
  'copyright',
  'var',
  'dpkg',
  'status',
  'status.d',
  'base',
  'apk',
  'db',
  'installed',
  '.wh.dpkg',
  '.wh..wh..opq',
  'bin',
  'x.md5sums',
];

describe('image paths', () => {
  it.each([
    ['./etc/os-release', 'etc/os-release', 'os-release'],
    ['usr/share/doc/libc6/copyright', 'usr/share/doc/libc6/copyright', 'copyright'],
    ['/var/lib/dpkg/status.d/base', 'var/lib/dpkg/status.d/base', 'dpkg-status-d'],
    ['var/lib/dpkg/status.d/base.md5sums', 'var/lib/dpkg/status.d/base.md5sums', undefined],
    ['var/lib/dpkg/', 'var/lib/dpkg', 'ancestor'],
    ['a/../../etc/./os-release', 'etc/os-release', 'os-release'],
    ['usr/lib/apk/db/installed', 'usr/lib/apk/db/installed', 'apk-installed'],
    ['usr/bin/ls', 'usr/bin/ls', undefined],
  ])('%s -> %s (%s)', (name, path, role) => {
    expect(normalizeImagePath(name)).toBe(path);
    expect(pathRole(path)).toBe(role);
  });

  it.each([
    ['./usr/lib/x86_64-linux-gnu/libc.so.6', false],
    ['usr/bin/ls', false],
    ['usr/share/doc/libc6/changelog.Debian.gz', false],
    ['usr/share/docs/x', false],
    ['var/lib/dpkg/status.d/base/x', false],
    ['var/lib/dpkg/info/libc6.list', false],
    ['./usr/share/doc/libc6/copyright', true],
    ['usr/share/doc/libc6/', true],
    ['/var/lib/dpkg/status.d/base', true],
    ['./etc/', true],
    ['./', true],
    ['usr/lib/.wh.os-release', true],
    ['usr//lib/os-release', true],
  ])('mayMatter(%s) is %s', (name, expected) => {
    expect(mayMatter(name)).toBe(expected);
  });

  it('mayMatter is false only for names that do not matter (the pre-filter loses nothing)', () => {
    const name = fc
      .tuple(
        fc.constantFrom('', './', '/'),
        fc.array(fc.constantFrom(...segments), { maxLength: 6 }),
        fc.boolean(),
      )
      .map(([lead, parts, slash]) => `${lead}${parts.join('/')}${slash ? '/' : ''}`);
    fc.assert(
      fc.property(name, (raw) => {
        const path = normalizeImagePath(raw);
        const base = path.slice(path.lastIndexOf('/') + 1);
        if (pathRole(path) !== undefined || base.startsWith('.wh.')) expect(mayMatter(raw)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
