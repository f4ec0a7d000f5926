// Fetch an image into Isar's download cache (DL_DIR), as bitbake's do_fetch does through isar-fetch.
import { fetch } from '@isar/fetch-core';

const [url, arch = 'arm64', dlDir = 'downloads'] = process.argv.slice(2);

const result = await fetch(url, {
  dlDir,
  arch, // Debian architecture: amd64, arm64, armhf (linux/arm/v7), armel, i386, ...
  policy: '0', // BB_STRICT_CHECKSUM: without ;digest= warn, and suggest the SRC_URI line that pins it
  signal: AbortSignal.timeout(30 * 60_000),
});
// result.path: <dlDir>/container-images/<arch>/<name>_<tag>.zst, published atomically
console.log(JSON.stringify(result));
