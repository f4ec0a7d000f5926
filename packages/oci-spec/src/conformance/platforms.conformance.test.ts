/**
 * containerd/platforms' tables (parse, normalise, Only, OnlyStrict), read from the peer suites at test time: our
 * parsePlatform / normalizePlatform / platformDistance must answer as containerd does, except where listed.
 */
import {
  attempt,
  describePeerTable,
  type Exception,
  loadPeerTable,
  type PeerRow,
  type RowOutcome,
} from '@isar/testkit/peer-suites';
import { formatPlatform, parsePlatform } from '../platform.js';
import { normalizePlatform, platformDistance } from '../platform-match.js';
import type { Platform } from '../types.js';

interface PlatformRow extends PeerRow {
  readonly input?: string;
  readonly expected?: Platform | string[];
  readonly matches?: Platform[];
  readonly formatted?: string;
  readonly osOnly?: boolean;
  readonly platform?: string;
  readonly candidate?: string;
  readonly match?: boolean;
}

function normalized(value: string): string | { error: string } {
  const parsed = attempt(() => parsePlatform(value));
  return 'error' in parsed ? parsed : formatPlatform(normalizePlatform(parsed));
}

function check(row: PlatformRow): RowOutcome {
  switch (row.kind) {
    case 'selector': {
      const parsed = attempt(() => parsePlatform(row.input ?? ''));
      if ('error' in parsed) return { agrees: false, got: parsed, expected: row.expected };
      const got = formatPlatform(normalizePlatform(parsed));
      const expected = formatPlatform(normalizePlatform(row.expected as Platform));
      const unmatched = (row.matches ?? [])
        .filter((m) => platformDistance(parsed, m) !== 0)
        .map(formatPlatform);
      const formatted = row.formatted === undefined ? got : normalized(row.formatted);
      return {
        agrees: got === expected && unmatched.length === 0 && formatted === got,
        got: { platform: got, unmatched, formatted },
        expected: { platform: expected, unmatched: [], formatted: got },
      };
    }
    case 'selector-invalid': {
      const got = attempt(() => parsePlatform(row.input ?? ''));
      return { agrees: 'error' in got, got, expected: { error: 'INVALID_PLATFORM' } };
    }
    case 'only':
    case 'only-strict': {
      const wanted = parsePlatform(row.platform ?? '');
      const candidate = parsePlatform(row.candidate ?? '');
      const distance = platformDistance(wanted, candidate);
      const got = row.kind === 'only' ? distance !== undefined : distance === 0;
      return { agrees: got === row.match, got, expected: row.match };
    }
    default:
      throw new Error(`no check for kind ${row.kind}`);
  }
}

const usesOsOptions = (row: PlatformRow) =>
  [row.input, row.platform, row.candidate, ...(Array.isArray(row.expected) ? row.expected : [])].some((v) =>
    v?.includes('('),
  ) || JSON.stringify(row).includes('(+');

const acrossArchitectures = (row: PlatformRow) => {
  if (row.kind !== 'only' || !row.platform || !row.candidate) return false;
  const wanted = normalizePlatform(parsePlatform(row.platform));
  const candidate = normalizePlatform(parsePlatform(row.candidate));
  return wanted.os === candidate.os && wanted.architecture !== candidate.architecture && row.match === true;
};

const exceptions: Exception<PlatformRow>[] = [
  {
    status: 'unsupported',
    reason:
      'OS version and feature options (windows(10.0.17763), linux(+gpu)) are Windows/containerd syntax no Debian image index carries',
    applies: usesOsOptions,
  },
  {
    status: 'unsupported',
    reason:
      'a platform is always os/architecture[/variant]: a bare "arm64" or "linux" would be completed from the machine running the fetch, but a build fetches for its target',
    applies: (row) => row.kind === 'selector' && row.input !== undefined && !row.input.includes('/'),
  },
  {
    status: 'unsupported',
    reason:
      'no OS-only matcher or preference order: a build takes the image of its target architecture or none',
    applies: (row) => row.kind === 'only-os' || row.kind === 'order',
  },
  {
    status: 'different',
    reason:
      'Debian arch mapping never falls back across architectures: an amd64 build never gets a 386 image, an arm64 build never an armhf one',
    applies: acrossArchitectures,
  },
];

describePeerTable(
  'containerd/platforms (platforms.json)',
  loadPeerTable<{ cases: PlatformRow[] }>('platforms.json'),
  check,
  exceptions,
);
