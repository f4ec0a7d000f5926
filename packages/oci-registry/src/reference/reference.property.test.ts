import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { familiarReference, formatReference } from './format-reference.js';
import { NAME_TOTAL_LENGTH_MAX } from './grammar.js';
import { parseReference } from './parse-reference.js';
import type { Reference } from './reference.js';

const lower = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
const alnum = fc.string({ unit: fc.constantFrom(...lower), minLength: 1, maxLength: 8 });
const separator = fc.constantFrom('.', '_', '__', '-', '--');
const pathComponent = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 3 }))
  .map(([head, tail]) => head + tail.map(([s, a]) => s + a).join(''));
const hostLabel = fc
  .string({ unit: fc.constantFrom(...lower, 'A', 'Z', '-'), minLength: 1, maxLength: 10 })
  .filter((s) => !s.startsWith('-') && !s.endsWith('-'));
const domainHost = fc.oneof(
  fc.array(hostLabel, { minLength: 2, maxLength: 4 }).map((labels) => labels.join('.')),
  fc.constant('localhost'),
  fc.constant('[::1]'),
  fc.constant('docker.io'),
);
const registry = fc
  .tuple(domainHost, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
  .map(([host, port]) => (port === undefined ? host : `${host}:${port}`));
const tagArb = fc
  .tuple(
    fc.constantFrom(...lower, 'A', '_'),
    fc.string({ unit: fc.constantFrom(...lower, 'B', '_', '.', '-'), maxLength: 20 }),
  )
  .map(([a, b]) => a + b);
const hex = (n: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const digestArb = fc.oneof(
  hex(64).map((h) => `sha256:${h}`),
  hex(128).map((h) => `sha512:${h}`),
);

/** Normalised references, as parseReference returns them. */
const referenceArb: fc.Arbitrary<Reference> = fc
  .record({
    registry,
    components: fc.array(pathComponent, { minLength: 1, maxLength: 4 }),
    tag: fc.option(tagArb, { nil: undefined }),
    digest: fc.option(digestArb, { nil: undefined }),
  })
  .map(({ registry, components, tag, digest }) => {
    const repository =
      registry === 'docker.io' && components.length === 1 ? `library/${components[0]}` : components.join('/');
    return {
      registry,
      repository,
      ...(tag !== undefined ? { tag } : {}),
      ...(digest !== undefined ? { digest } : {}),
    } as Reference;
  })
  .filter((r) => `${r.registry}/${r.repository}`.length <= NAME_TOTAL_LENGTH_MAX);

describe('reference properties', () => {
  it('parse(format(x)) == x', () => {
    fc.assert(
      fc.property(referenceArb, (ref) => {
        expect(parseReference(formatReference(ref))).toEqual(ref);
      }),
      { numRuns: 500 },
    );
  });

  it('parse(familiar(x)) == x', () => {
    fc.assert(
      fc.property(referenceArb, (ref) => {
        expect(parseReference(familiarReference(ref))).toEqual(ref);
      }),
      { numRuns: 300 },
    );
  });

  it('parsing either succeeds with a fixed point or throws InvalidReferenceError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (input) => {
        let ref: Reference;
        try {
          ref = parseReference(input);
        } catch (e) {
          expect((e as Error).name).toBe('InvalidReferenceError');
          return;
        }
        const canonical = formatReference(ref);
        expect(formatReference(parseReference(canonical))).toBe(canonical);
      }),
      { numRuns: 500 },
    );
  });
});
