import type { Platform } from '@isar/oci-spec';
import { FetchCoreError } from '../errors.js';

/** Every Debian architecture Isar builds for (`PACKAGE_ARCH` values), in Debian's usual order. */
export const DEBIAN_ARCHITECTURES = [
  'amd64',
  'arm64',
  'armhf',
  'armel',
  'i386',
  'mips64el',
  'mipsel',
  'ppc64el',
  'riscv64',
  's390x',
  'loong64',
] as const;

/** One of {@link DEBIAN_ARCHITECTURES}. */
export type DebianArch = (typeof DEBIAN_ARCHITECTURES)[number];

/**
 * Debian name -> OCI architecture and variant, as containerd normalises them. Upstream Isar maps only armhf and
 * armel and passes the rest through, which breaks i386, mips64el, mipsel and ppc64el (no image is labelled so).
 * armel is ARMv5TE in Debian, but Docker labels armel images `arm/v5` and most others `arm/v6`; asking for
 * v6 (as upstream) takes either through the matcher's fallback (v6 runs v5).
 */
const PLATFORMS: Record<DebianArch, { architecture: string; variant?: string }> = {
  amd64: { architecture: 'amd64' },
  arm64: { architecture: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7' },
  armel: { architecture: 'arm', variant: 'v6' },
  i386: { architecture: '386' },
  mips64el: { architecture: 'mips64le' },
  mipsel: { architecture: 'mipsle' },
  ppc64el: { architecture: 'ppc64le' },
  riscv64: { architecture: 'riscv64' },
  s390x: { architecture: 's390x' },
  loong64: { architecture: 'loong64' },
};

/** Whether `value` is a Debian architecture this package maps to an OCI platform. */
export function isDebianArch(value: string): value is DebianArch {
  return Object.hasOwn(PLATFORMS, value);
}

/** The OCI platform (`linux/<arch>[/<variant>]`) for a Debian architecture; `UNKNOWN_ARCH` lists the known ones. */
export function debianArchToPlatform(arch: string): Platform {
  if (!isDebianArch(arch)) {
    throw new FetchCoreError(
      'UNKNOWN_ARCH',
      `unknown Debian architecture "${arch}" (supported: ${DEBIAN_ARCHITECTURES.join(', ')})`,
    );
  }
  const { architecture, variant } = PLATFORMS[arch];
  return variant ? { os: 'linux', architecture, variant } : { os: 'linux', architecture };
}
