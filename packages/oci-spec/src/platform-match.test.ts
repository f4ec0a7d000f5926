import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Digest } from './digest.js';
import { OciSpecError } from './errors.js';
import { formatPlatform, parsePlatform } from './platform.js';
import {
  isAttestationManifest,
  matchPlatform,
  normalizePlatform,
  platformDistance,
} from './platform-match.js';
import type { Descriptor, Platform } from './types.js';

let counter = 0;
function entry(platform: string | Platform | undefined, annotations?: Record<string, string>): Descriptor {
  counter++;
  const d: Descriptor = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${counter.toString(16).padStart(64, '0')}` as Digest,
    size: 100 + counter,
  };
  if (platform !== undefined) d.platform = typeof platform === 'string' ? parsePlatform(platform) : platform;
  if (annotations) d.annotations = annotations;
  return d;
}

function index(...platforms: string[]): Descriptor[] {
  return platforms.map((p) => entry(p));
}

/** Docker's official images: armel is labelled arm/v5, plus BuildKit attestations. */
const official = [
  ...index(
    'linux/amd64',
    'linux/arm/v5',
    'linux/arm/v7',
    'linux/arm64/v8',
    'linux/386',
    'linux/mips64le',
    'linux/ppc64le',
    'linux/s390x',
  ),
  entry('unknown/unknown', { 'vnd.docker.reference.type': 'attestation-manifest' }),
  entry('unknown/unknown'),
];

describe('normalizePlatform', () => {
  it.each([
    ['linux/x86_64', 'linux/amd64'],
    ['linux/x86-64', 'linux/amd64'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm64/8', 'linux/arm64'],
    ['linux/arm64/v8.0', 'linux/arm64'],
    ['linux/arm64/9', 'linux/arm64/v9'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/7', 'linux/arm/v7'],
    ['linux/arm/5', 'linux/arm/v5'],
    ['linux/i386', 'linux/386'],
    ['linux/ppc64el', 'linux/ppc64le'],
    ['linux/mips64el', 'linux/mips64le'],
    ['linux/mipsel', 'linux/mipsle'],
    ['linux/riscv64', 'linux/riscv64'],
    ['linux/s390x', 'linux/s390x'],
    ['linux/loong64', 'linux/loong64'],
    ['macos/arm64', 'darwin/arm64'],
  ])('%s -> %s', (input, expected) => {
    expect(formatPlatform(normalizePlatform(parsePlatform(input)))).toBe(expected);
  });

  it('lower-cases', () => {
    expect(normalizePlatform({ os: 'Linux', architecture: 'AMD64' })).toEqual({
      os: 'linux',
      architecture: 'amd64',
    });
  });
});

describe('matchPlatform', () => {
  it.each([
    // wanted, index, chosen, exact
    ['linux/amd64', official, 'linux/amd64', true],
    ['linux/arm64', official, 'linux/arm64', true],
    ['linux/arm64/v8', index('linux/arm64'), 'linux/arm64', true],
    ['linux/arm64', index('linux/arm64/v8'), 'linux/arm64', true],
    ['linux/arm/v7', official, 'linux/arm/v7', true],
    ['linux/arm/v6', official, 'linux/arm/v5', false],
    ['linux/arm/v7', index('linux/amd64', 'linux/arm/v6', 'linux/arm/v5'), 'linux/arm/v6', false],
    ['linux/arm/v7', index('linux/arm/v5'), 'linux/arm/v5', false],
    ['linux/arm/v8', index('linux/arm/v5', 'linux/arm/v7', 'linux/arm/v6'), 'linux/arm/v7', false],
    ['linux/arm/v6', index('linux/arm/v6', 'linux/arm/v5'), 'linux/arm/v6', true],
    ['linux/arm/v7', index('linux/arm'), 'linux/arm/v7', true],
    ['linux/armhf', index('linux/arm/v7'), 'linux/arm/v7', true],
    ['linux/armel', index('linux/arm/v5'), 'linux/arm/v5', false],
    ['linux/arm64/v9', index('linux/arm64'), 'linux/arm64', false],
    ['linux/amd64/v3', index('linux/amd64/v2', 'linux/amd64'), 'linux/amd64/v2', false],
    ['linux/386', official, 'linux/386', true],
    ['linux/i386', official, 'linux/386', true],
    ['linux/ppc64le', official, 'linux/ppc64le', true],
    ['linux/mips64le', official, 'linux/mips64le', true],
    ['linux/s390x', official, 'linux/s390x', true],
    ['linux/riscv64', index('linux/riscv64'), 'linux/riscv64', true],
    ['linux/loong64', index('linux/loong64'), 'linux/loong64', true],
    ['linux/mipsle', index('linux/mipsle'), 'linux/mipsle', true],
  ] as const)('%s from %#', (wanted, manifests, chosen, exact) => {
    const match = matchPlatform(parsePlatform(wanted), manifests);
    expect(formatPlatform(match.platform)).toBe(chosen);
    expect(formatPlatform(normalizePlatform(match.descriptor.platform as Platform))).toBe(chosen);
    expect(match.exact).toBe(exact);
    expect(match.reason).toContain(exact ? 'exact match' : 'closest older variant');
  });

  it.each([
    ['linux/arm/v6', index('linux/arm/v7', 'linux/amd64'), 'linux/arm/v7, linux/amd64'],
    ['linux/arm/v5', index('linux/arm/v6'), 'linux/arm/v6'],
    ['linux/arm64', index('linux/arm/v7', 'linux/arm/v8'), 'linux/arm/v7, linux/arm/v8'],
    ['linux/arm/v7', index('linux/arm64'), 'linux/arm64'],
    ['linux/amd64', index('linux/386', 'linux/amd64/v2'), 'linux/386, linux/amd64/v2'],
    ['linux/386', index('linux/amd64'), 'linux/amd64'],
    ['linux/arm64', index('linux/arm64/v8.2'), 'linux/arm64/v8.2'],
    ['linux/amd64', index('windows/amd64'), 'windows/amd64'],
    ['linux/ppc64le', index('linux/ppc64'), 'linux/ppc64'],
    ['linux/arm/v7', index('linux/arm/custom'), 'linux/arm/custom'],
  ] as const)('never takes an incompatible one: %s from %s', (wanted, manifests, offered) => {
    const act = () => matchPlatform(parsePlatform(wanted), manifests);
    expect(act).toThrow(OciSpecError);
    expect(act).toThrow(`no image for ${formatPlatform(normalizePlatform(parsePlatform(wanted)))}`);
    expect(act).toThrow(`it offers ${offered}`);
    try {
      act();
    } catch (e) {
      expect((e as OciSpecError).code).toBe('NO_MATCHING_PLATFORM');
    }
  });

  it('ignores attestation manifests and says so', () => {
    const manifests = [
      entry('linux/amd64'),
      entry('unknown/unknown', { 'vnd.docker.reference.type': 'attestation-manifest' }),
    ];
    expect(() => matchPlatform({ os: 'unknown', architecture: 'unknown' }, manifests)).toThrow(
      'it offers linux/amd64 (and 1 attestation manifest(s), ignored)',
    );
    expect(isAttestationManifest(manifests[1] as Descriptor)).toBe(true);
    expect(isAttestationManifest(entry('linux/amd64', { 'vnd.docker.reference.digest': 'x' }))).toBe(false);
    expect(isAttestationManifest(entry('linux/arm64', { 'vnd.docker.reference.type': 'x' }))).toBe(true);
  });

  it('reports entries without a platform and an empty index', () => {
    expect(() => matchPlatform(parsePlatform('linux/amd64'), [entry(undefined)])).toThrow(
      'it offers 1 entry without platform',
    );
    expect(() => matchPlatform(parsePlatform('linux/amd64'), [])).toThrow('it offers no platform images');
  });

  it('takes the first of equal candidates in index order', () => {
    const manifests = index('linux/arm64', 'linux/arm64/v8', 'linux/aarch64');
    expect(matchPlatform(parsePlatform('linux/arm64'), manifests).descriptor).toBe(manifests[0]);
  });

  it('prefers exact over a compatible entry listed first', () => {
    const manifests = index('linux/arm/v6', 'linux/arm/v7');
    const match = matchPlatform(parsePlatform('linux/arm/v7'), manifests);
    expect(match.descriptor).toBe(manifests[1]);
    expect(match.offered.map(formatPlatform)).toEqual(['linux/arm/v6', 'linux/arm/v7']);
  });

  it('rejects a wanted platform without architecture', () => {
    expect(() => matchPlatform({ os: 'linux', architecture: '' }, index('linux/amd64'))).toThrow(
      'os and architecture are required',
    );
  });
});

describe('platformDistance: arm64 variants', () => {
  it.each([
    // wanted, offered, runs
    ['linux/arm64/v9', 'linux/arm64/v8.5', true],
    ['linux/arm64/v9', 'linux/arm64/v8.6', false],
    ['linux/arm64/v9.1', 'linux/arm64/v8.6', true],
    ['linux/arm64/v9.6', 'linux/arm64/v8.9', true],
    ['linux/arm64/v9.6', 'linux/arm64/v8.10', false],
    ['linux/arm64/v8.2', 'linux/arm64/v8.10', false],
    ['linux/arm64/v8.10', 'linux/arm64/v8.2', true],
    ['linux/arm64/v9.2', 'linux/arm64/v9.1', true],
    ['linux/arm64/v9.1', 'linux/arm64/v9.2', false],
    ['linux/arm64/v8.1', 'linux/arm64/v9', false],
  ] as const)('%s runs %s: %s', (wanted, offered, expected) => {
    expect(platformDistance(parsePlatform(wanted), parsePlatform(offered)) !== undefined).toBe(expected);
  });

  it('prefers the nearest minor version', () => {
    const manifests = index('linux/arm64/v8.2', 'linux/arm64/v8.5', 'linux/arm64/v8.10');
    expect(formatPlatform(matchPlatform(parsePlatform('linux/arm64/v9'), manifests).platform)).toBe(
      'linux/arm64/v8.5',
    );
  });
});

describe('matchPlatform properties', () => {
  const platformArb = fc
    .record({
      architecture: fc.constantFrom('amd64', 'arm64', 'arm', 'aarch64', '386', 'i386', 's390x', 'riscv64'),
      variant: fc.constantFrom(undefined, 'v1', 'v2', 'v3', 'v5', 'v6', 'v7', 'v8', 'v9', 'x'),
      os: fc.constantFrom('linux', 'linux', 'linux', 'windows'),
    })
    .map(
      ({ os, architecture, variant }): Platform =>
        variant === undefined ? { os, architecture } : { os, architecture, variant },
    );

  it('chooses an offered, compatible, closest platform, or throws only when none is compatible', () => {
    fc.assert(
      fc.property(platformArb, fc.array(platformArb, { maxLength: 8 }), (wanted, platforms) => {
        const manifests = platforms.map((p) => entry(p));
        const distances = platforms.map((p) => platformDistance(wanted, p));
        const compatible = distances.filter((d): d is number => d !== undefined);
        if (compatible.length === 0) {
          expect(() => matchPlatform(wanted, manifests)).toThrow(/no image for/);
          return;
        }
        const match = matchPlatform(wanted, manifests);
        const i = manifests.indexOf(match.descriptor);
        expect(i).toBeGreaterThanOrEqual(0);
        expect(distances[i]).toBe(Math.min(...compatible));
        expect(distances.indexOf(Math.min(...compatible))).toBe(i);
        expect(match.exact).toBe(distances[i] === 0);
      }),
    );
  });

  it('distance is 0 exactly for equal normalised platforms', () => {
    fc.assert(
      fc.property(platformArb, platformArb, (a, b) => {
        const same = formatPlatform(normalizePlatform(a)) === formatPlatform(normalizePlatform(b));
        expect(platformDistance(a, b) === 0).toBe(same);
      }),
    );
  });
});
