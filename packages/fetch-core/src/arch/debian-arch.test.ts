import { formatPlatform } from '@isar/oci-spec';
import { describe, expect, it } from 'vitest';
import { FetchCoreError } from '../errors.js';
import { DEBIAN_ARCHITECTURES, debianArchToPlatform, isDebianArch } from './debian-arch.js';

describe('debianArchToPlatform', () => {
  const table: Array<[string, string]> = [
    ['amd64', 'linux/amd64'],
    ['arm64', 'linux/arm64'],
    ['armhf', 'linux/arm/v7'],
    ['armel', 'linux/arm/v6'],
    ['i386', 'linux/386'],
    ['mips64el', 'linux/mips64le'],
    ['mipsel', 'linux/mipsle'],
    ['ppc64el', 'linux/ppc64le'],
    ['riscv64', 'linux/riscv64'],
    ['s390x', 'linux/s390x'],
    ['loong64', 'linux/loong64'],
  ];

  it('covers every supported architecture', () => {
    expect(table.map(([a]) => a).sort()).toEqual([...DEBIAN_ARCHITECTURES].sort());
  });

  it.each(table)('%s -> %s', (arch, platform) => {
    expect(isDebianArch(arch)).toBe(true);
    expect(formatPlatform(debianArchToPlatform(arch))).toBe(platform);
  });

  it('gives arm64 no variant', () => {
    expect(debianArchToPlatform('arm64')).toEqual({ os: 'linux', architecture: 'arm64' });
  });

  it.each(['', 'x86_64', 'aarch64', 'arm', 'AMD64', 'powerpc', 'toString', '__proto__', 'hurd-i386'])(
    'rejects %j listing the supported ones',
    (arch) => {
      expect(isDebianArch(arch)).toBe(false);
      let caught: unknown;
      try {
        debianArchToPlatform(arch);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(FetchCoreError);
      expect((caught as FetchCoreError).code).toBe('UNKNOWN_ARCH');
      expect((caught as Error).message).toBe(
        `unknown Debian architecture "${arch}" (supported: amd64, arm64, armhf, armel, i386, mips64el, mipsel, ppc64el, riscv64, s390x, loong64)`,
      );
    },
  );
});
