// Pick the image for one platform from an OCI image index, as the registry client and archive writers do.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  digestAlgorithm,
  digestHex,
  formatPlatform,
  isIndexMediaType,
  matchPlatform,
  parseDigest,
  parsePlatform,
} from '@isar/oci-spec';

const [layoutDir, wanted = 'linux/arm64'] = process.argv.slice(2);

// An OCI image layout's index.json points at the image index; the index lists one manifest per platform.
const top = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')).manifests[0];
const digest = parseDigest(top.digest); // throws OciSpecError (INVALID_DIGEST) on malformed input
if (!isIndexMediaType(top.mediaType)) throw new Error(`${digest} is a single-platform image`);
const blob = join(layoutDir, 'blobs', digestAlgorithm(digest), digestHex(digest));
const index = JSON.parse(await readFile(blob, 'utf8'));

// Exact platform first, else the closest older variant (arm v8 > v7 > v6 > v5); Debian names work too.
const match = matchPlatform(parsePlatform(wanted), index.manifests);
console.log(
  JSON.stringify({
    digest: match.descriptor.digest,
    platform: formatPlatform(match.platform),
    exact: match.exact,
    reason: match.reason,
  }),
);
