import { OciSpecError } from './errors.js';
import { formatPlatform } from './platform.js';
import type { Descriptor, Platform } from './types.js';

/** What {@link matchPlatform} chose from an index, and why. */
export interface PlatformMatch {
  /** The index entry to fetch. */
  readonly descriptor: Descriptor;
  /** That entry's platform, normalised. */
  readonly platform: Platform;
  /** True when the platform equals the wanted one after normalisation; false for a compatible fallback. */
  readonly exact: boolean;
  /** One line for logs: what was wanted, what was taken, and on which rule. */
  readonly reason: string;
  /** Every platform the index offered (normalised, attestations left out), in index order. */
  readonly offered: readonly Platform[];
}

/** Annotation BuildKit puts on attestation manifests (`attestation-manifest`). */
const REFERENCE_TYPE_ANNOTATION = 'vnd.docker.reference.type';

/**
 * Normalises a platform as containerd does (`platforms.Normalize`), plus Debian's architecture names, so
 * that `aarch64`, `arm64/v8` and `arm64` compare equal and `armhf` means `arm/v7`.
 */
export function normalizePlatform(platform: Platform): Platform {
  const os = platform.os.toLowerCase() === 'macos' ? 'darwin' : platform.os.toLowerCase();
  let architecture = platform.architecture.toLowerCase();
  let variant = (platform.variant ?? '').toLowerCase();
  switch (architecture) {
    case 'i386':
    case 'i686':
      architecture = '386';
      variant = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      architecture = 'amd64';
      if (variant === 'v1') variant = '';
      break;
    case 'aarch64':
    case 'arm64':
      architecture = 'arm64';
      if (variant === '8' || variant === 'v8' || variant === 'v8.0') variant = '';
      else if (variant === '9' || variant === '9.0' || variant === 'v9.0') variant = 'v9';
      break;
    case 'armhf':
      architecture = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      architecture = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      // containerd: an arm image without a variant is taken to be v7.
      if (variant === '' || variant === '7') variant = 'v7';
      else if (variant === '5' || variant === '6' || variant === '8') variant = `v${variant}`;
      break;
    case 'ppc64el':
      architecture = 'ppc64le';
      break;
    case 'mips64el':
      architecture = 'mips64le';
      break;
    case 'mipsel':
      architecture = 'mipsle';
      break;
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** BuildKit's provenance/SBOM entries: `unknown/unknown`, or marked with `vnd.docker.reference.type`. */
export function isAttestationManifest(descriptor: Descriptor): boolean {
  if (descriptor.annotations?.[REFERENCE_TYPE_ANNOTATION] !== undefined) return true;
  const p = descriptor.platform;
  return p !== undefined && p.os === 'unknown' && p.architecture === 'unknown';
}

/** A variant as major and minor version: `v7` -> 7.0, `v8.2` -> 8.2, `` -> the architecture's baseline. */
interface VariantVersion {
  readonly major: number;
  readonly minor: number;
}

/** Undefined when the variant is not a version (`v8.10` is minor 10, not 8.1). */
function variantVersion(variant: string | undefined, baseline: number): VariantVersion | undefined {
  if (!variant) return { major: baseline, minor: 0 };
  const m = /^v?(\d+)(?:\.(\d+))?$/.exec(variant);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: m[2] ? Number(m[2]) : 0 };
}

/** Lowest variant of each architecture family that an image may be built for, and what '' means there. */
const VERSIONED_FAMILIES: Record<string, { baseline: number; floor: number }> = {
  arm: { baseline: 7, floor: 5 },
  arm64: { baseline: 8, floor: 8 },
  amd64: { baseline: 1, floor: 1 },
};

/** Armv8's last minor version: there is no v8.10. */
const ARMV8_LAST_MINOR = 9;

/**
 * Arm's rule, as containerd applies it: Armv9.x includes the features of Armv8.(x+5), so v9.0 runs v8.0-v8.5 and
 * v9.6 runs up to v8.9 (the last); within one major version a higher minor runs the lower ones.
 */
function runs(architecture: string, wanted: VariantVersion, offered: VariantVersion): boolean {
  if (offered.major === wanted.major) return offered.minor <= wanted.minor;
  if (offered.major > wanted.major) return false;
  if (architecture === 'arm64') {
    return (
      wanted.major === 9 &&
      offered.major === 8 &&
      offered.minor <= Math.min(wanted.minor + 5, ARMV8_LAST_MINOR)
    );
  }
  return true;
}

/**
 * How far `offered` is from `wanted`: 0 for the same platform, a positive distance for an older variant of
 * the same architecture that `wanted` runs (arm v7 runs v6 and v5; arm64 v9.x runs v8.(x+5) and older; amd64 v3
 * runs v2 and v1), `undefined` when incompatible. Both are normalised first. Other architectures (a 64-bit
 * machine running a 32-bit image, say) are never taken: the build asked for one Debian architecture.
 */
export function platformDistance(wanted: Platform, offered: Platform): number | undefined {
  const w = normalizePlatform(wanted);
  const o = normalizePlatform(offered);
  if (w.os !== o.os || w.architecture !== o.architecture) return undefined;
  if ((w.variant ?? '') === (o.variant ?? '')) return 0;
  const family = VERSIONED_FAMILIES[w.architecture];
  if (!family) return undefined;
  const wv = variantVersion(w.variant, family.baseline);
  const ov = variantVersion(o.variant, family.baseline);
  if (wv === undefined || ov === undefined || ov.major < family.floor) return undefined;
  if (!runs(w.architecture, wv, ov)) return undefined;
  const distance = (wv.major - ov.major) * 1000 + (wv.minor - ov.minor);
  return distance > 0 ? distance : undefined;
}

function describeOffered(
  offered: readonly Platform[],
  withoutPlatform: number,
  attestations: number,
): string {
  const parts = offered.map(formatPlatform);
  if (withoutPlatform > 0)
    parts.push(`${withoutPlatform} entr${withoutPlatform === 1 ? 'y' : 'ies'} without platform`);
  const list = parts.length > 0 ? `it offers ${parts.join(', ')}` : 'it offers no platform images';
  return attestations > 0 ? `${list} (and ${attestations} attestation manifest(s), ignored)` : list;
}

/**
 * Picks the index entry for `wanted`: an exact platform first, else the closest compatible older variant
 * (see {@link platformDistance}); the first in index order on a tie. Attestation manifests are ignored.
 * Throws {@link OciSpecError} `NO_MATCHING_PLATFORM` listing what the index offered when nothing fits, and
 * `INVALID_PLATFORM` when `wanted` lacks an os or architecture.
 */
export function matchPlatform(wanted: Platform, manifests: readonly Descriptor[]): PlatformMatch {
  if (!wanted.os || !wanted.architecture) {
    throw new OciSpecError(
      'INVALID_PLATFORM',
      `invalid platform "${formatPlatform(wanted)}": os and architecture are required`,
    );
  }
  const want = normalizePlatform(wanted);
  const offered: Platform[] = [];
  let attestations = 0;
  let withoutPlatform = 0;
  let best: { descriptor: Descriptor; platform: Platform; distance: number } | undefined;
  for (const descriptor of manifests) {
    if (isAttestationManifest(descriptor)) {
      attestations++;
      continue;
    }
    if (!descriptor.platform?.os || !descriptor.platform.architecture) {
      withoutPlatform++;
      continue;
    }
    const platform = normalizePlatform(descriptor.platform);
    offered.push(platform);
    const distance = platformDistance(want, platform);
    if (distance !== undefined && (best === undefined || distance < best.distance)) {
      best = { descriptor, platform, distance };
    }
  }
  const wantText = formatPlatform(want);
  if (!best) {
    throw new OciSpecError(
      'NO_MATCHING_PLATFORM',
      `no image for ${wantText} in the index: ${describeOffered(offered, withoutPlatform, attestations)}`,
    );
  }
  const chosenText = formatPlatform(best.platform);
  const exact = best.distance === 0;
  const reason = exact
    ? `exact match for ${wantText}`
    : `no ${wantText} image in the index; took ${chosenText}, which ${wantText} runs (closest older variant)`;
  return { descriptor: best.descriptor, platform: best.platform, exact, reason, offered };
}
