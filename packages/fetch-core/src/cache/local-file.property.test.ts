import { basename, posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEBIAN_ARCHITECTURES } from '../arch/debian-arch.js';
import { FetchCoreError } from '../errors.js';
import { parseDockerUrl } from '../url/docker-url.js';
import { CACHE_SUBDIR, cacheFilePath, localFile, unpackName } from './local-file.js';

/** Pieces hostile URLs are made of: separators, dot runs, encodings, parameters, odd characters. */
const piece = fc.constantFrom(
  'a',
  'b0',
  'x.y',
  '.',
  '..',
  '/',
  '//',
  '\\',
  '%2f',
  '%2e%2e',
  '@',
  ':',
  ':5000',
  ';',
  'tag=',
  ';tag=',
  ';tag=..',
  ';tag=v1.0',
  ';digest=sha256:',
  `;digest=sha256:${'e'.repeat(64)}`,
  '_',
  '__',
  '-',
  'A',
  ' ',
  '\0',
  'localhost',
  'quay.io',
  '~',
  '$HOME',
  'é',
);
const hostileUrl = fc
  .array(piece, { minLength: 1, maxLength: 12 })
  .map((pieces) => `docker://${pieces.join('')}`);
const arch = fc.constantFrom(...DEBIAN_ARCHITECTURES);

describe('cache path properties', () => {
  it('no URL yields a path outside the cache or a name with separators', () => {
    let accepted = 0;
    fc.assert(
      fc.property(hostileUrl, arch, (url, a) => {
        let u: ReturnType<typeof parseDockerUrl>;
        try {
          u = parseDockerUrl(url);
        } catch (e) {
          expect(e).toBeInstanceOf(FetchCoreError);
          return;
        }
        accepted++;
        const rel = localFile(u, a);
        expect(posix.normalize(rel)).toBe(rel);
        expect(rel.startsWith(`${CACHE_SUBDIR}/`)).toBe(true);
        expect(rel.split('/')).not.toContain('..');
        const full = cacheFilePath('/srv/dl', u, a);
        expect(full.startsWith(`/srv/dl/${CACHE_SUBDIR}/`)).toBe(true);
        expect(basename(full)).toBe(rel.slice(rel.lastIndexOf('/') + 1));
        expect(basename(full)).toMatch(/^[^/\\\0]+\.zst$/);
        const unpack = unpackName(u);
        expect(unpack).not.toMatch(/[/\\\0]/);
        expect(['.', '..']).not.toContain(unpack);
      }),
      // About 1.5% of these URLs are valid: enough runs that the accepting branch is reached well over 50 times.
      { numRuns: 12_000 },
    );
    // The generator must also reach the accepting branch, or the property says nothing.
    expect(accepted).toBeGreaterThan(50);
  });
});
