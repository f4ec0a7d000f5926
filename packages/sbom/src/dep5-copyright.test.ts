import { describe, expect, it } from 'vitest';
import { copyrightLicenses, copyrightParser } from './dep5-copyright.js';
import { defaultSbomLimits } from './limits.js';

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
