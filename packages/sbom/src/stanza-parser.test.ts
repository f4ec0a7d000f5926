import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StanzaParser, type StanzaParserOptions } from './stanza-parser.js';

const options: StanzaParserOptions = {
  fields: ['package', 'version'],
  caseInsensitive: true,
  maxBytes: 1 << 20,
  maxRecords: 1000,
  maxLineBytes: 200,
};

function parse(chunks: Buffer[], overrides: Partial<StanzaParserOptions> = {}) {
  const parser = new StanzaParser({ ...options, ...overrides });
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return { records: parser.records.map((record) => Object.fromEntries(record)), stats: parser.stats };
}

const text = `Package: a
Version: 1
Description: first
 continued: not a field
 .

package: b
VERSION: 2.0-1
this line is malformed

Package: c
${'X'.repeat(500)}
Version: 3
Description: with a long continuation
 ${'license text '.repeat(40)}
 \t
  \t
Package: d\r
Version: 4\r
\r
Package: e
Version: 5
`;

describe('StanzaParser', () => {
  it('keeps first lines of wanted fields, skips continuations, counts malformed and long lines', () => {
    const { records, stats } = parse([Buffer.from(text)]);
    expect(records).toEqual([
      { package: 'a', version: '1' },
      { package: 'b', version: '2.0-1' },
      { package: 'c', version: '3' },
      { package: 'd', version: '4' },
      { package: 'e', version: '5' },
    ]);
    // The 500-byte line and the unparseable one; the long continuation line is skipped, not malformed.
    expect(stats.malformedLines).toBe(2);
    expect(stats.truncated).toBe(false);
  });

  it('gives the same records however the bytes are split', () => {
    const bytes = Buffer.from(text);
    const whole = parse([bytes]);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 20 }),
        (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
          const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
          expect(parse(chunks)).toEqual(whole);
        },
      ),
    );
  });

  it('counts indented lines before any field of their paragraph as malformed, however split', () => {
    const bytes = Buffer.from('Package: a\n\n indented\n\tmore\nPackage: b\n long description\n');
    const whole = parse([bytes]);
    expect(whole.records).toEqual([{ package: 'a' }, { package: 'b' }]);
    expect(whole.stats.malformedLines).toBe(2);
    for (let cut = 1; cut < bytes.length; cut++)
      expect(parse([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(whole);
  });

  it('reads a file in one piece as it reads it line by line, whatever its lines', () => {
    // Line by line, every line is looked at in JavaScript; in one piece, most are passed over by an expression.
    const pool = [
      'Package: a',
      'package:b',
      'VERSION: 1.0',
      'Version:',
      'Description: text',
      'Maintainer: Some One <one@example.org>',
      'Pre-Depends: libc6',
      'Package-Type: udeb',
      'X#: hash inside a name',
      ' continued text',
      '\tcontinued: with a colon',
      ' .',
      ` ${'long continuation '.repeat(20)}`,
      `Long-Field: ${'y'.repeat(250)}`,
      `${'z'.repeat(260)}`,
      '',
      ' ',
      '\t \r',
      '\r',
      '# comment',
      '#Package: commented out',
      'no colon here',
      ':empty name',
      'Sp ace: in name',
      'Tab\there: in name',
      'Package: cr\r',
      'Other: cr\r',
      'Ünïcode-Name: latin1 bytes',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...pool), { maxLength: 40 }),
        fc.boolean(),
        fc.boolean(),
        (lines, finalNewline, caseInsensitive) => {
          const joined = lines.join('\n') + (finalNewline ? '\n' : '');
          const byLine = joined.split(/(?<=\n)/).map((line) => Buffer.from(line));
          expect(parse([Buffer.from(joined)], { caseInsensitive })).toEqual(
            parse(byLine, { caseInsensitive }),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('keeps a field whose name lower-cases to ASCII from outside it, in one piece as line by line', () => {
    // U+212A (Kelvin sign) lower-cases to `k`; a regular expression's case folding does not map it there.
    const bytes = Buffer.from('a: 1\nk: v\nK: w\n');
    const kelvin = { fields: ['\u212a'], caseInsensitive: true };
    const byLine = parse(
      ['a: 1\n', 'k: v\n', 'K: w\n'].map((line) => Buffer.from(line)),
      kelvin,
    );
    expect(byLine.records).toEqual([{ k: 'v' }]);
    expect(parse([bytes], kelvin)).toEqual(byLine);
  });

  it('stops at the byte cap and drops the cut line', () => {
    const { records, stats } = parse([Buffer.from(text)], { maxBytes: 24 });
    expect(stats.truncated).toBe(true);
    expect(stats.bytes).toBe(24);
    expect(records).toEqual([{ package: 'a', version: '1' }]);
  });

  it('drops records over the record cap', () => {
    const { records, stats } = parse([Buffer.from(text)], { maxRecords: 1 });
    expect(records).toHaveLength(1);
    expect(stats.droppedRecords).toBe(4);
  });
});
