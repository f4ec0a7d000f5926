import { describe, expect, it } from 'vitest';
import { normalizeEntryName, resolveLinkTarget } from './entry-name.js';

describe('entry names', () => {
  it('canonicalises harmless spellings', () => {
    expect(normalizeEntryName('./blobs//sha256/abc', 4096)).toBe('blobs/sha256/abc');
    expect(normalizeEntryName('dir/', 4096)).toBe('dir');
  });

  it('refuses names that leave the archive', () => {
    for (const bad of ['/etc/passwd', '../x', 'a/../../x', 'a/..', 'a\\..\\b', 'x\0y', '.', '']) {
      expect(() => normalizeEntryName(bad, 4096), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: 'UNSAFE_ENTRY_NAME' }),
      );
    }
    expect(() => normalizeEntryName('a'.repeat(50), 10)).toThrow(
      expect.objectContaining({ code: 'UNSAFE_ENTRY_NAME' }),
    );
  });

  it('resolves links inside the archive and refuses the rest', () => {
    expect(resolveLinkTarget('abc/layer.tar', '../123.tar', 'symlink', 4096)).toBe('123.tar');
    expect(resolveLinkTarget('abc/layer.tar', 'other.tar', 'symlink', 4096)).toBe('abc/other.tar');
    expect(resolveLinkTarget('abc/layer.tar', '123.tar', 'link', 4096)).toBe('123.tar');
    for (const [entry, target] of [
      ['abc/layer.tar', '../../etc/passwd'],
      ['layer.tar', '/etc/passwd'],
      ['layer.tar', '..'],
      ['a/b', '../..'],
    ] as const) {
      expect(() => resolveLinkTarget(entry, target, 'symlink', 4096)).toThrow(
        expect.objectContaining({ code: 'UNSAFE_LINK' }),
      );
    }
    expect(() => resolveLinkTarget('x', '../y', 'link', 4096)).toThrow(
      expect.objectContaining({ code: 'UNSAFE_LINK' }),
    );
  });
});
