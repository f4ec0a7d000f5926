/**
 * containers/image's registries.conf tables (sysregistriesv2: prefixes, wildcards, mirrors, rewrites, drop-ins,
 * refused configs), read from the peer suites at test time; the config files embedded in the table are written to
 * a temporary directory. loadRegistriesConf, matchRegistryConfig and pullSources must answer as skopeo and podman
 * do, except where listed below with the reason.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  attempt,
  describePeerTable,
  type Exception,
  loadPeerTable,
  type PeerRow,
  type RowOutcome,
} from '@isar/testkit/peer-suites';
import { afterAll } from 'vitest';
import { isRegistryError } from '../errors/registry-error.js';
import { prefixMatchEnd } from '../mirror/prefix-match.js';
import { matchRegistryConfig, pullSources } from '../mirror/pull-sources.js';
import { rewriteReference } from '../mirror/rewrite-reference.js';
import { formatReference } from '../reference/format-reference.js';
import { parseReference } from '../reference/parse-reference.js';
import { resolveEnvironment } from './environment.js';
import { loadRegistriesConf, type RegistriesConf } from './registries-conf.js';
import { parseRegistryLocation } from './registry-location.js';

interface Source {
  readonly reference: string;
  readonly location: string;
  readonly insecure: boolean;
}

interface ConfRow extends PeerRow {
  readonly conf?: string;
  readonly dropInDir?: string;
  readonly ref?: string;
  readonly prefix?: string;
  readonly location?: string;
  readonly match?: boolean;
  readonly mirrors?: Array<{ location: string; insecure: boolean }>;
  readonly expect?: { found: boolean; prefix?: string; location?: string };
  readonly pullFrom?: string;
  readonly expected?: string | string[];
  readonly notApplicable?: string;
  readonly sources?: Source[];
  readonly errorSubstring?: string;
  readonly insecure?: boolean;
  readonly blocked?: boolean;
  readonly shortName?: string;
}

interface ConfTable {
  readonly files: Record<string, string>;
  readonly cases: ConfRow[];
}

const table = loadPeerTable<ConfTable>('registries-conf.json');
const dir = mkdtempSync(join(tmpdir(), 'registries-conf-peer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
if (table.found) {
  for (const [name, text] of Object.entries(table.data.files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

const environment = resolveEnvironment({ env: {}, homeDir: join(dir, 'home'), rootDir: join(dir, 'root') });

/** The peer's GetRegistries(conf, dropInDir); no drop-in directory means one that does not exist. */
function load(row: ConfRow): RegistriesConf {
  return loadRegistriesConf(
    environment,
    join(dir, row.conf ?? ''),
    join(dir, row.dropInDir ?? 'this-does-not-exist'),
  );
}

const never = () => false;
const nameOf = (ref: { registry: string; repository: string }) =>
  formatReference({ registry: ref.registry, repository: ref.repository });

function check(row: ConfRow): RowOutcome {
  switch (row.kind) {
    case 'mirrors': {
      const got = matchRegistryConfig(load(row), row.ref ?? '')?.mirrors.map(({ location, insecure }) => ({
        location,
        insecure,
      }));
      return { agrees: JSON.stringify(got) === JSON.stringify(row.mirrors), got, expected: row.mirrors };
    }
    case 'prefix-match': {
      const got = prefixMatchEnd(row.ref ?? '', row.prefix ?? '') >= 0;
      return { agrees: got === row.match, got, expected: row.match };
    }
    case 'find-registry': {
      const ref = row.ref ?? '';
      const found = matchRegistryConfig(load(row), ref);
      const got: Record<string, unknown> = { found: found !== undefined };
      const expected: Record<string, unknown> = { ...row.expect };
      if (found && row.expect?.prefix !== undefined) got.prefix = found.prefix;
      if (found && row.expect?.location !== undefined) got.location = found.location;
      if (row.pullFrom !== undefined) {
        expected.pullFrom = row.pullFrom;
        got.pullFrom = found
          ? nameOf(rewriteReference(ref, found.prefix, found.location, 'test'))
          : undefined;
      }
      return { agrees: JSON.stringify(got) === JSON.stringify(expected), got, expected };
    }
    case 'rewrite': {
      const result = attempt(() =>
        rewriteReference(row.ref ?? '', row.prefix ?? '', row.location ?? '', 'test'),
      );
      const got = 'error' in result ? 'error' : formatReference(result);
      return { agrees: got === row.expected, got, expected: row.expected };
    }
    case 'pull-sources': {
      const ref = parseReference(row.ref ?? '');
      const sources = pullSources(load(row), ref, ref.digest !== undefined, never);
      // Our sources name the repository; the tag or digest fetched is the reference's own.
      const got = sources.map((s) => ({
        reference: formatReference({ ...ref, registry: s.registry, repository: s.repository }),
        insecure: s.insecure,
      }));
      const expected = row.sources?.map(({ reference, insecure }) => ({ reference, insecure }));
      return { agrees: JSON.stringify(got) === JSON.stringify(expected), got, expected };
    }
    case 'invalid-config': {
      const file = join(dir, row.conf ?? '');
      let error: unknown;
      try {
        load(row);
      } catch (e) {
        error = e;
      }
      const message = error instanceof Error ? error.message : undefined;
      const text = message ?? '';
      const agrees =
        isRegistryError(error, 'CONFIG') && text.includes(file) && text.includes(row.errorSubstring ?? '');
      return {
        agrees,
        got: message ?? 'loaded',
        expected: `CONFIG error naming ${file}: ${row.errorSubstring}`,
      };
    }
    case 'location': {
      const result = attempt(() => parseRegistryLocation(row.location ?? '', 'test'));
      const expected = String(row.expected);
      if (expected.startsWith('error: ')) {
        let message = '';
        try {
          parseRegistryLocation(row.location ?? '', 'test');
        } catch (e) {
          message = (e as Error).message;
        }
        return {
          agrees: message.includes(expected.slice('error: '.length)),
          got: message || result,
          expected,
        };
      }
      return { agrees: result === expected, got: result, expected };
    }
    case 'flags': {
      const found = matchRegistryConfig(load(row), row.ref ?? '');
      const got = { insecure: found?.insecure ?? false, blocked: found?.blocked ?? false };
      const expected = { insecure: row.insecure ?? got.insecure, blocked: row.blocked ?? got.blocked };
      return { agrees: JSON.stringify(got) === JSON.stringify(expected), got, expected };
    }
    case 'search-registries': {
      load(row); // must load
      // Where an unqualified name is looked for: always Docker Hub.
      const got = [parseReference('unqualified').registry];
      return { agrees: JSON.stringify(got) === JSON.stringify(row.expected), got, expected: row.expected };
    }
    case 'alias': {
      load(row); // must load
      const got = formatReference(parseReference(row.shortName ?? ''));
      return { agrees: got === row.expected, got, expected: row.expected };
    }
    default:
      throw new Error(`no check for kind ${row.kind}`);
  }
}

const exceptions: Exception<ConfRow>[] = [
  {
    status: 'different',
    reason:
      'docker:// never applies short-name aliases or search registries: an unqualified name is always Docker Hub, so a build does not depend on the host',
    applies: (row) => row.kind === 'alias' || row.kind === 'search-registries',
  },
  {
    status: 'different',
    reason:
      'prefix "example.com" does not cover "example.com:5000", another registry (containers/image marks its own match a FIXME not to rely on)',
    applies: (row) =>
      row.kind === 'prefix-match' &&
      !row.prefix?.startsWith('*') &&
      row.ref?.startsWith(`${row.prefix}:`) === true &&
      !row.prefix?.includes('/'),
  },
  {
    status: 'unsupported',
    reason: "not applicable: calls containers/image's internal rewrite with values its loader never produces",
    applies: (row) => row.kind === 'rewrite' && row.notApplicable !== undefined,
  },
];

describePeerTable('containers/image sysregistriesv2 (registries-conf.json)', table, check, exceptions);
