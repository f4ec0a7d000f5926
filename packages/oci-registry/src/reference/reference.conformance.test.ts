/**
 * distribution/reference's tables (Parse, ParseNormalizedNamed, familiar names, ParseDockerRef), read from the peer
 * suites at test time: parseReference and the formatters must answer as docker, podman and skopeo do, except where
 * listed below with the reason.
 */

import { isDigest } from '@isar/oci-spec';
import {
  attempt,
  describePeerTable,
  type Exception,
  loadPeerTable,
  type PeerRow,
  type RowOutcome,
} from '@isar/testkit/peer-suites';
import { familiarName, familiarReference, formatReference } from './format-reference.js';
import { isValidTag } from './grammar.js';
import { parseReference } from './parse-reference.js';
import { DEFAULT_TAG, type Reference } from './reference.js';

interface ReferenceRow extends PeerRow {
  readonly input: string;
  readonly err?: string;
  readonly repository?: string;
  readonly domain?: string;
  readonly tag?: string;
  readonly digest?: string;
  readonly valid?: boolean;
  readonly familiarName?: string;
  readonly fullName?: string;
  readonly remoteName?: string;
  readonly string?: string;
  readonly familiarString?: string;
  readonly equivalent?: string;
  readonly digestOnly?: boolean;
  readonly path?: string;
  readonly expected?: string;
}

/** Which of our codes stand for each of the peer's errors (its "invalid format" covers every grammar rule). */
const PEER_ERRORS: Record<string, readonly string[]> = {
  ErrNameEmpty: ['REFERENCE_EMPTY'],
  ErrReferenceInvalidFormat: [
    'REFERENCE_INVALID_FORMAT',
    'REFERENCE_INVALID_DOMAIN',
    'REFERENCE_INVALID_PATH',
    'REFERENCE_INVALID_TAG',
  ],
  'digest.ErrDigestInvalidLength': ['REFERENCE_INVALID_DIGEST'],
  'digest.ErrDigestUnsupported': ['REFERENCE_INVALID_DIGEST'],
  ErrNameContainsUppercase: ['REFERENCE_UPPERCASE'],
  ErrNameTooLong: ['REFERENCE_NAME_TOO_LONG'],
};

const parse = (input: string) => attempt(() => parseReference(input));
const name = (ref: Reference) => formatReference({ registry: ref.registry, repository: ref.repository });

function check(row: ReferenceRow): RowOutcome {
  const ref = parse(row.input);
  switch (row.kind) {
    case 'parse': {
      if (row.err !== undefined) {
        const codes = PEER_ERRORS[row.err] ?? [];
        return { agrees: 'error' in ref && codes.includes(ref.error), got: ref, expected: { error: codes } };
      }
      // The peer's Parse does not normalise: compare the name as the user wrote it (familiar form).
      const got = 'error' in ref ? ref : { repository: familiarName(ref), tag: ref.tag, digest: ref.digest };
      const expected = { repository: row.repository, tag: row.tag, digest: row.digest };
      return { agrees: JSON.stringify(got) === JSON.stringify(expected), got, expected };
    }
    case 'normalized-valid':
      return { agrees: !('error' in ref) === row.valid, got: ref, expected: { valid: row.valid } };
    case 'repository-info': {
      const got =
        'error' in ref
          ? ref
          : {
              familiarName: familiarName(ref),
              fullName: name(ref),
              domain: ref.registry,
              remoteName: ref.repository,
            };
      const expected = {
        familiarName: row.familiarName,
        fullName: row.fullName,
        domain: row.domain,
        remoteName: row.remoteName,
      };
      return { agrees: JSON.stringify(got) === JSON.stringify(expected), got, expected };
    }
    case 'tag-and-digest': {
      const got =
        'error' in ref ? ref : { string: formatReference(ref), familiarString: familiarReference(ref) };
      const expected = { string: row.string, familiarString: row.familiarString };
      return { agrees: JSON.stringify(got) === JSON.stringify(expected), got, expected };
    }
    case 'tag-valid':
      return { agrees: isValidTag(row.input) === row.valid, got: isValidTag(row.input), expected: row.valid };
    case 'digest-valid':
      return { agrees: isDigest(row.input) === row.valid, got: isDigest(row.input), expected: row.valid };
    case 'any-reference': {
      const got = 'error' in ref ? ref : formatReference(ref);
      return { agrees: got === row.equivalent, got, expected: row.equivalent };
    }
    case 'split-hostname': {
      const got = 'error' in ref ? ref : { domain: ref.registry, path: ref.repository };
      const expected = { domain: row.domain, path: row.path };
      return { agrees: JSON.stringify(got) === JSON.stringify(expected), got, expected };
    }
    case 'docker-ref': {
      // What we fetch: the tag defaults to latest when neither tag nor digest is given.
      const got =
        'error' in ref
          ? ref
          : formatReference(
              ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref,
            );
      return { agrees: got === row.expected, got, expected: row.expected };
    }
    default:
      throw new Error(`no check for kind ${row.kind}`);
  }
}

const exceptions: Exception<ReferenceRow>[] = [
  {
    status: 'different',
    reason:
      "Isar's docker:// URL keeps the tag next to the digest (the digest is what is fetched; the tag stays for the archive's name)",
    applies: (row) => row.kind === 'docker-ref' && row.input.includes(':latest@'),
  },
  {
    status: 'different',
    reason:
      'sha512 digests are valid OCI digests that registries serve; the peer refuses them only because its build does not link sha512',
    applies: (row) => row.kind === 'parse' && row.input.includes('@sha512:'),
  },
  {
    status: 'unsupported',
    reason: 'a bare image ID names an image in a local store; a fetch needs a registry and repository',
    applies: (row) => row.kind === 'any-reference' && row.digestOnly === true,
  },
];

describePeerTable(
  'distribution/reference (reference.json)',
  loadPeerTable<{ cases: ReferenceRow[] }>('reference.json'),
  check,
  exceptions,
);
