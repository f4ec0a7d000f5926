import type { Digest } from '@isar/oci-spec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDockerUrl } from './docker-url.js';
import { formatDockerUrl } from './format-docker-url.js';

const lower = [...'abcdefghijklmnopqrstuvwxyz0123456789'];
const alnum = fc.string({ unit: fc.constantFrom(...lower), minLength: 1, maxLength: 6 });
const component = fc
  .tuple(alnum, fc.array(fc.tuple(fc.constantFrom('.', '_', '__', '-', '---'), alnum), { maxLength: 2 }))
  .map(([h, t]) => h + t.map(([s, a]) => s + a).join(''));
const host = fc.oneof(
  fc.array(alnum, { minLength: 2, maxLength: 3 }).map((labels) => labels.join('.')),
  fc
    .tuple(fc.constantFrom('localhost', '127.0.0.1', 'registry.local'), fc.integer({ min: 1, max: 65535 }))
    .map(([h, p]) => `${h}:${p}`),
  fc.constant('index.docker.io'),
);
/** Container names as users write them: `debian`, `bitnami/redis`, `quay.io/libpod/alpine`, `host:port/a/b`. */
const containerName = fc.oneof(
  // A first component with a "." would name a registry, so Docker Hub names start without one.
  fc
    .array(component, { minLength: 1, maxLength: 2 })
    .map((c) => c.join('/'))
    .filter((name) => !(name.split('/')[0] ?? '').includes('.')),
  fc.tuple(host, fc.array(component, { minLength: 1, maxLength: 3 })).map(([h, c]) => [h, ...c].join('/')),
);
const tag = fc
  .tuple(
    fc.constantFrom(...lower, 'V', '_'),
    fc.string({ unit: fc.constantFrom(...lower, 'R', '.', '-', '_'), maxLength: 12 }),
  )
  .map(([a, b]) => a + b);
const hex = (n: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const digest = fc.oneof(
  hex(64).map((h) => `sha256:${h}`),
  hex(128).map((h) => `sha512:${h}`),
) as fc.Arbitrary<Digest>;
const parts = fc.record({
  containerName,
  tag: fc.option(tag, { nil: undefined }),
  digest: fc.option(digest, { nil: undefined }),
});

describe('docker:// URL properties', () => {
  it('parse(format(x)) round-trips', () => {
    fc.assert(
      fc.property(parts, (x) => {
        const url = formatDockerUrl(x);
        const u = parseDockerUrl(url);
        expect(u.url).toBe(url);
        expect(u.containerName).toBe(x.containerName);
        expect(u.tag).toBe(x.tag ?? 'latest');
        expect(u.tagExplicit).toBe(x.tag !== undefined);
        expect(u.digest).toBe(x.digest);
        expect(u.reference.tag).toBe(u.tag);
        expect(u.reference.digest).toBe(x.digest);
        expect(formatDockerUrl(u)).toBe(url);
      }),
      { numRuns: 500 },
    );
  });

  it('parameter order does not matter', () => {
    fc.assert(
      fc.property(parts, fc.boolean(), (x, tagFirst) => {
        const params = [
          ...(x.tag !== undefined ? [`tag=${x.tag}`] : []),
          ...(x.digest !== undefined ? [`digest=${x.digest}`] : []),
        ];
        if (!tagFirst) params.reverse();
        const u = parseDockerUrl([`docker://${x.containerName}`, ...params].join(';'));
        const v = parseDockerUrl(formatDockerUrl(x));
        expect({ ...u, url: '' }).toEqual({ ...v, url: '' });
      }),
      { numRuns: 200 },
    );
  });
});
