import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CopyrightMemo, copyrightLicenses, copyrightParser } from './dep5-copyright.js';
import { defaultSbomLimits } from './limits.js';
import { StanzaParser } from './stanza-parser.js';

const dep5 = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: demo

Files: *
Copyright: 2020 Someone
License: GPL-2+
 This program is free software; you can redistribute it
 .
 and so on.

Files: lib/*
License: Expat

License: GPL-2+
 The full text, which names no files.
`;

const freeText = `This package was debianized by Someone on a day long ago.

It was downloaded from somewhere.
${'Copyright: years of lines that are not a DEP-5 file.\n'.repeat(1000)}`;

/** Feeds `text` in chunks of `size` until the parser wants no more; returns what it parsed and how far it read. */
function feed(text: string, size: number) {
  const parser = copyrightParser(defaultSbomLimits);
  const bytes = Buffer.from(text);
  let read = 0;
  for (let offset = 0; offset < bytes.length; offset += size) {
    read = Math.min(bytes.length, offset + size);
    if (!parser.push(bytes.subarray(offset, offset + size))) break;
  }
  return { parsed: parser.end(), read, total: bytes.length };
}

describe('copyrightParser', () => {
  it('takes the License fields of the header and Files paragraphs of a DEP-5 file', () => {
    for (const size of [7, 64, 1 << 20]) {
      const { parsed, read, total } = feed(dep5, size);
      expect(read).toBe(total);
      expect(parsed).toEqual({ kind: 'copyright', machineReadable: true, names: ['Expat', 'GPL-2+'] });
      if (parsed.kind !== 'copyright') throw new Error('not a copyright file');
      expect(copyrightLicenses(parsed)).toEqual({
        machineReadable: true,
        spdx: ['GPL-2.0-or-later', 'MIT'],
        unmapped: [],
      });
    }
  });

  it('stops reading a free-text file after its first paragraph', () => {
    const { parsed, read, total } = feed(freeText, 256);
    expect(parsed).toEqual({ kind: 'copyright', machineReadable: false, names: [] });
    expect(read).toBeLessThan(1024);
    expect(total).toBeGreaterThan(50_000);
  });
});

/**
 * What a DEP-5 file declares, read with the general deb822 reader line by line: the header is the first
 * paragraph (machine-readable when its first Format names DEP-5), then the first License of it and of each
 * `Files:` paragraph.
 */
function referenceRead(text: string): { machineReadable: boolean; names: string[] } {
  const parser = new StanzaParser({
    fields: ['format', 'files', 'license'],
    caseInsensitive: true,
    maxBytes: defaultSbomLimits.maxCopyrightBytes,
    maxRecords: 10_000,
    maxLineBytes: defaultSbomLimits.maxLineBytes,
  });
  let firstHadFields: boolean | undefined;
  for (const line of text.split(/(?<=\n)/)) {
    parser.push(Buffer.from(line));
    if (firstHadFields === undefined && parser.paragraphs > 0) firstHadFields = parser.records.length > 0;
  }
  parser.end();
  firstHadFields ??= parser.records.length > 0;
  const [header, ...rest] = parser.records;
  const format = firstHadFields ? header?.get('format') : undefined;
  const machineReadable =
    format !== undefined &&
    /^https?:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/?$/.test(format);
  if (!machineReadable || !header) return { machineReadable, names: [] };
  const names = new Set<string>();
  for (const record of [header, ...rest.filter((r) => r.has('files'))]) {
    const name = record.get('license');
    if (name) names.add(name);
  }
  return { machineReadable, names: [...names].sort() };
}

describe('copyrightParser against the general deb822 reader', () => {
  const lines = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'format: http://www.debian.org/doc/packaging-manuals/copyright-format/1.0\r',
    'Format: https://example.org/not-dep5',
    'Files: *',
    'FILES: lib/*',
    'License: GPL-2+',
    'license:  Expat \r',
    'License: Lizenz-ü',
    'License: voilà',
    'License:',
    'License : spaced',
    ' License: indented',
    '\tcontinued text',
    ' .',
    '',
    '  ',
    '\r',
    '# comment',
    'Copyright: 2020 Someone',
    'Upstream-Name: demo',
    'a line without a colon',
  ];
  it('finds the same header verdict and License names, however the file is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...lines), { maxLength: 30 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 64 }),
        (picked, finalNewline, chunk) => {
          const text = picked.join('\n') + (finalNewline ? '\n' : '');
          const expected = { kind: 'copyright', ...referenceRead(text) };
          const bytes = Buffer.from(text);
          const read = (parser: ReturnType<typeof copyrightParser>) => {
            for (let offset = 0; offset < bytes.length; offset += chunk)
              if (!parser.push(bytes.subarray(offset, offset + chunk))) break;
            return parser.end();
          };
          expect(read(copyrightParser(defaultSbomLimits))).toEqual(expected);
          // As a layer reads it: its size known (whole in one chunk, or not), then again from the memo.
          const memo: CopyrightMemo = new Map();
          const source = { size: bytes.length, memo };
          expect(read(copyrightParser(defaultSbomLimits, source))).toEqual(expected);
          expect(read(copyrightParser(defaultSbomLimits, source))).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('answers a repeated file from the memo, and only a file of the same bytes', () => {
    const memo: CopyrightMemo = new Map();
    const read = (text: string) => {
      const bytes = Buffer.from(text);
      const parser = copyrightParser(defaultSbomLimits, { size: bytes.length, memo });
      parser.push(bytes);
      return parser.end();
    };
    const mit = `${lines[0]}\n\nFiles: *\nLicense: MIT\n`;
    const bsd = `${lines[0]}\n\nFiles: *\nLicense: BSD\n`;
    expect(read(mit)).toEqual({ kind: 'copyright', machineReadable: true, names: ['MIT'] });
    const again = read(mit);
    expect(again).toEqual({ kind: 'copyright', machineReadable: true, names: ['MIT'] });
    // A copy: what one package's entry holds is not another's.
    if (again.kind === 'copyright') again.names.push('changed');
    expect(read(mit)).toEqual({ kind: 'copyright', machineReadable: true, names: ['MIT'] });
    expect(bsd.length).toBe(mit.length);
    expect(read(bsd)).toEqual({ kind: 'copyright', machineReadable: true, names: ['BSD'] });
  });

  it('reads no further than the size cap, dropping the line it cuts', () => {
    const limits = { ...defaultSbomLimits, maxCopyrightBytes: 200 };
    const head = `${lines[0]}\n\nFiles: *\nLicense: MIT\n\n`;
    const text = `${head}Files: b\nLicense: ${'X'.repeat(300)}\n`;
    const parser = copyrightParser(limits);
    expect(parser.push(Buffer.from(text))).toBe(false);
    expect(parser.end()).toEqual({ kind: 'copyright', machineReadable: true, names: ['MIT'] });
  });
});
