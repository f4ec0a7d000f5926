import { describe, expect, it } from 'vitest';
import { parseZstdDefaults } from './zstd-defaults.js';

describe('parseZstdDefaults', () => {
  it.each([
    [undefined, {}],
    ['', {}],
    ['--threads=4 -3', { threads: 4, level: 3 }],
    ['--rsyncable -19 --threads=8', { level: 19, threads: 8 }],
    ['-T2 -1', { threads: 2, level: 1 }],
    ['-T 6 --ultra -22 --long=27 -q', { threads: 6, level: 22 }],
    ['--threads 3', { threads: 3 }],
    ['-T0 -5', { level: 5 }],
    ['--threads=2 -T0', {}],
    ['-3 -9', { level: 9 }],
  ])('%j -> %j', (text, expected) => {
    expect(parseZstdDefaults(text)).toEqual(expected);
  });

  it.each([
    ['--threads=two', '--threads needs a whole number, got "two"'],
    ['-T', '-T needs a whole number, got ""'],
    ['-Tx', '-T needs a whole number, got "x"'],
  ])('%j is a usage error naming the variable', (text, message) => {
    expect(() => parseZstdDefaults(text)).toThrow(`ZSTD_DEFAULTS: ${message}`);
    expect(() => parseZstdDefaults(text)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
