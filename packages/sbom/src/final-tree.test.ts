import { describe, expect, it } from 'vitest';
import { FinalTree } from './final-tree.js';
import { emptyDelta, type LayerDelta, type TreeNode } from './layer-delta.js';

const file = (name: string): TreeNode => ({
  kind: 'file',
  parsed: { kind: 'os-release', fields: { NAME: name } },
});
const layer = (
  entries: Record<string, TreeNode>,
  extra: Partial<Pick<LayerDelta, 'whiteouts' | 'opaqueDirs'>> = {},
): LayerDelta => ({ ...emptyDelta(), entries: new Map(Object.entries(entries)), ...extra });
const nameAt = (tree: FinalTree, path: string) => {
  const resolved = tree.resolve(path);
  if ('loop' in resolved) return 'loop';
  const node = resolved.node;
  return node?.kind === 'file' && node.parsed?.kind === 'os-release' ? node.parsed.fields.NAME : node?.kind;
};

describe('FinalTree', () => {
  it.each([
    {
      title: 'a later layer replaces a file',
      layers: [layer({ 'etc/os-release': file('a') }), layer({ 'etc/os-release': file('b') })],
      path: 'etc/os-release',
      expected: 'b',
    },
    {
      title: 'a whiteout removes a lower file',
      layers: [layer({ 'etc/os-release': file('a') }), layer({}, { whiteouts: ['etc/os-release'] })],
      path: 'etc/os-release',
      expected: undefined,
    },
    {
      title: 'a whiteout of a directory removes what is below',
      layers: [
        layer({ 'usr/share/doc/x/copyright': file('a') }),
        layer({}, { whiteouts: ['usr/share/doc/x'] }),
      ],
      path: 'usr/share/doc/x/copyright',
      expected: undefined,
    },
    {
      title: 'a whiteout does not hide its own layer',
      layers: [
        layer({ 'etc/os-release': file('a') }),
        layer({ 'etc/os-release': file('b') }, { whiteouts: ['etc/os-release'] }),
      ],
      path: 'etc/os-release',
      expected: 'b',
    },
    {
      title: 'an opaque directory hides lower content',
      layers: [
        layer({ 'usr/share/doc/x/copyright': file('a'), 'usr/share/doc/y/copyright': file('y') }),
        layer({ 'usr/share/doc/x/copyright': file('b') }, { opaqueDirs: ['usr/share/doc'] }),
      ],
      path: 'usr/share/doc/y/copyright',
      expected: undefined,
    },
    {
      title: 'an opaque directory keeps its own layer',
      layers: [
        layer({ 'usr/share/doc/x/copyright': file('a') }),
        layer({ 'usr/share/doc/x/copyright': file('b') }, { opaqueDirs: ['usr/share/doc'] }),
      ],
      path: 'usr/share/doc/x/copyright',
      expected: 'b',
    },
    {
      title: 'a relative symlink is followed',
      layers: [
        layer({
          'usr/lib/os-release': file('a'),
          'etc/os-release': { kind: 'symlink', target: '../usr/lib/os-release' },
        }),
      ],
      path: 'etc/os-release',
      expected: 'a',
    },
    {
      title: 'a symlinked directory is followed',
      layers: [layer({ 'usr/lib/apk/db/installed': file('a'), lib: { kind: 'symlink', target: 'usr/lib' } })],
      path: 'lib/apk/db/installed',
      expected: 'a',
    },
    {
      title: 'an absolute symlink stays in the image',
      layers: [
        layer({
          'usr/lib/os-release': file('a'),
          'etc/os-release': { kind: 'symlink', target: '/../../usr/lib/os-release' },
        }),
      ],
      path: 'etc/os-release',
      expected: 'a',
    },
    {
      title: 'a file replacing a lower directory hides its content',
      layers: [layer({ 'var/lib/dpkg/status': file('a') }), layer({ 'var/lib/dpkg': { kind: 'file' } })],
      path: 'var/lib/dpkg/status',
      expected: undefined,
    },
    {
      title: 'a directory replacing a lower symlink',
      layers: [
        layer({ 'var/lib/dpkg': { kind: 'symlink', target: '/opt' } }),
        layer({ 'var/lib/dpkg': { kind: 'dir' }, 'var/lib/dpkg/status': file('b') }),
      ],
      path: 'var/lib/dpkg/status',
      expected: 'b',
    },
    {
      title: 'a symlink loop ends',
      layers: [layer({ etc: { kind: 'symlink', target: 'etc' } })],
      path: 'etc/os-release',
      expected: 'loop',
    },
  ])('$title', ({ layers, path, expected }) => {
    const tree = new FinalTree();
    for (const delta of layers) tree.apply(delta);
    expect(nameAt(tree, path)).toBe(expected);
  });
});
