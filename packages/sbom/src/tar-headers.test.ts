import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { TarFormatError, type TarHeader, TarHeaderReader } from './tar-headers.js';
import { tarBytes } from './test-support/tar-files.js';

interface Seen extends TarHeader {
  data: string;
}

/** Every entry the reader hands out (all, or those `wants` lets through), with the data of each. */
function read(chunks: readonly Buffer[], wants?: (name: string) => boolean): Seen[] {
  const seen: { header: TarHeader; pieces: Buffer[] }[] = [];
  const reader = new TarHeaderReader(
    (header) => {
      const pieces: Buffer[] = [];
      seen.push({ header, pieces });
      return (piece) => {
        pieces.push(Buffer.from(piece));
      };
    },
    wants ? { wants } : {},
  );
  for (const chunk of chunks) reader.push(chunk);
  reader.end();
  // Decoded whole: a split may fall inside a multi-byte character.
  return seen.map(({ header, pieces }) => ({ ...header, data: Buffer.concat(pieces).toString('utf8') }));
}

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), bytes.length];
  return points.slice(1).map((end, i) => bytes.subarray(points[i], end));
}

const longName = `usr/share/doc/${'d'.repeat(120)}/copyright`;
const entries = [
  { name: 'etc/', type: 'directory' as const },
  { name: 'etc/os-release', content: 'ID=debian\n' },
  { name: 'etc/empty', content: '' },
  { name: 'etc/block', content: 'x'.repeat(512) },
  { name: longName, content: 'Format: dep5\n' },
  { name: 'usr/share/doc/größe/copyright', content: 'ü\n' },
  { name: 'usr/lib/os-release', type: 'symlink' as const, target: '../../etc/os-release' },
  { name: 'etc/hard', type: 'link' as const, target: 'etc/os-release' },
];
const expected: Seen[] = [
  { name: 'etc/', type: 'directory', size: 0, linkname: '', data: '' },
  { name: 'etc/os-release', type: 'file', size: 10, linkname: '', data: 'ID=debian\n' },
  { name: 'etc/empty', type: 'file', size: 0, linkname: '', data: '' },
  { name: 'etc/block', type: 'file', size: 512, linkname: '', data: 'x'.repeat(512) },
  { name: longName, type: 'file', size: 13, linkname: '', data: 'Format: dep5\n' },
  { name: 'usr/share/doc/größe/copyright', type: 'file', size: 3, linkname: '', data: 'ü\n' },
  { name: 'usr/lib/os-release', type: 'symlink', size: 0, linkname: '../../etc/os-release', data: '' },
  { name: 'etc/hard', type: 'link', size: 0, linkname: 'etc/os-release', data: '' },
];

describe('TarHeaderReader', () => {
  it('reads ustar and pax entries (long and UTF-8 names, links, empty and block-sized files), however split', async () => {
    const bytes = await tarBytes(entries);
    expect(read([bytes])).toEqual(expected);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), (cuts) => {
        expect(read(splitAt(bytes, cuts))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
    // Inside the UTF-8 name's data ('ü' is 2 bytes), and around every header of it.
    const at = bytes.indexOf(Buffer.from('ü\n'));
    for (const cut of [at + 1, at - 512, at - 511, at - 1])
      expect(read(splitAt(bytes, [cut]))).toEqual(expected);
  });

  it('hands out only the entries `wants` lets through, with their data', async () => {
    const bytes = await tarBytes(entries);
    const wanted = read([bytes], (name) => name.endsWith('copyright'));
    expect(wanted).toEqual(expected.filter((entry) => entry.name.endsWith('copyright')));
  });

  const work = mkdtempSync(join(tmpdir(), 'tar-headers-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** A tree made with GNU tar in `format`: real GNU long names ('L'/'K'), pax, or v7 (no magic: checksums). */
  function gnuTar(format: string): Buffer {
    const root = join(work, format);
    const deep = join(root, 'var', 'l'.repeat(110));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'status'), 'Package: a\n');
    symlinkSync(`../${'t'.repeat(120)}`, join(root, 'var', 'link'));
    return execFileSync('tar', [`--format=${format}`, '--sort=name', '-C', root, '-cf', '-', 'var']);
  }

  it.each(['gnu', 'posix'])('reads what GNU tar writes as %s (long names and link targets)', (format) => {
    const seen = read([gnuTar(format)]);
    expect(seen.map(({ name, type, linkname, data }) => ({ name, type, linkname, data }))).toEqual([
      { name: 'var/', type: 'directory', linkname: '', data: '' },
      { name: 'var/link', type: 'symlink', linkname: `../${'t'.repeat(120)}`, data: '' },
      { name: `var/${'l'.repeat(110)}/`, type: 'directory', linkname: '', data: '' },
      { name: `var/${'l'.repeat(110)}/status`, type: 'file', linkname: '', data: 'Package: a\n' },
    ]);
  });

  it('reads v7 headers (no magic) by their checksum, and refuses a bad one', () => {
    const root = join(work, 'v7');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'status'), 'Package: a\n');
    const bytes = execFileSync('tar', ['--format=v7', '-C', root, '-cf', '-', 'status']);
    expect(read([bytes]).map(({ name, data }) => ({ name, data }))).toEqual([
      { name: 'status', data: 'Package: a\n' },
    ]);
    const bad = Buffer.from(bytes);
    bad[0] = 0x53; // 'S': the name changes, the checksum does not
    expect(() => read([bad])).toThrow(TarFormatError);
  });

  it("reads a size in GNU's base-256", async () => {
    const bytes = Buffer.from(await tarBytes([{ name: 'f', content: 'y'.repeat(1000) }]));
    // 1000 as base-256: the high bit set, then the value big-endian over the field's 12 bytes.
    bytes.fill(0, 124, 136);
    bytes[124] = 0x80;
    bytes.writeUInt16BE(1000, 134);
    bytes.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += bytes[i] as number;
    bytes.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    expect(read([bytes]).map(({ size, data }) => ({ size, length: data.length }))).toEqual([
      { size: 1000, length: 1000 },
    ]);
  });

  it('refuses bytes that are no tar, and a tar cut inside an entry', async () => {
    expect(() => read([Buffer.alloc(1024, 0x41)])).toThrow(TarFormatError);
    const bytes = await tarBytes(entries);
    expect(() => read([bytes.subarray(0, 512 + 5)])).toThrow(/ends inside an entry/);
  });
});
