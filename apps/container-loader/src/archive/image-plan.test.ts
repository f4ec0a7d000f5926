import type { ArchiveContents, ArchiveImage } from '@isar/archive';
import { describe, expect, it } from 'vitest';
import { parseImageName } from '../inputs/image-name.js';
import { planImages } from './image-plan.js';

/** The few fields planning reads; the rest of an ArchiveImage does not matter here. */
function image(repoTags: string[], configHex: string, inDockerManifest = true): ArchiveImage {
  return {
    repoTags,
    configDigest: `sha256:${configHex.repeat(64).slice(0, 64)}`,
    inDockerManifest,
  } as ArchiveImage;
}

function contents(...images: ArchiveImage[]): ArchiveContents {
  return { images } as ArchiveContents;
}

const names = (plan: ReturnType<typeof planImages>) =>
  plan.map((p) => [p.name.full, p.image.configDigest.slice(7, 8), p.retag]);

describe('planImages: which names a load must produce', () => {
  it('a list name carried by the archive (in any spelling) needs no tag', () => {
    const plan = planImages(
      contents(image(['docker.io/library/debian:bookworm'], 'a')),
      parseImageName('debian:bookworm'),
    );
    expect(names(plan)).toEqual([['docker.io/library/debian:bookworm', 'a', false]]);
  });

  it('a renamed list entry of a one-image archive is tagged onto that image', () => {
    const plan = planImages(
      contents(image(['docker.io/library/debian:bookworm'], 'a')),
      parseImageName('isar/base:1'),
    );
    expect(names(plan)).toEqual([['docker.io/isar/base:1', 'a', true]]);
  });

  it('picks the carrier among several images, refuses a name none carries', () => {
    const archive = contents(
      image(['docker.io/isar/a:1'], 'a'),
      image(['docker.io/isar/b:1', 'docker.io/isar/b:2'], 'b'),
    );
    expect(names(planImages(archive, parseImageName('isar/b:2')))).toEqual([
      ['docker.io/isar/b:2', 'b', false],
    ]);
    expect(() => planImages(archive, parseImageName('isar/c:1'))).toThrow(
      expect.objectContaining({
        code: 'NAME_MISMATCH',
        message: expect.stringMatching(/2 images .* none named docker\.io\/isar\/c:1/),
      }),
    );
  });

  it('without a list: every name of the loadable images; other platforms of an oci index are not loadable', () => {
    const archive = contents(
      image(['docker.io/isar/a:1', 'docker.io/isar/a:latest', 'docker.io/isar/a:1'], 'a'),
      image(['docker.io/isar/a:1'], 'c', false),
    );
    expect(names(planImages(archive, undefined))).toEqual([
      ['docker.io/isar/a:1', 'a', false],
      ['docker.io/isar/a:latest', 'a', false],
    ]);
    expect(() => planImages(contents(image([], 'a')), undefined)).toThrow(
      expect.objectContaining({ code: 'NAME_MISMATCH' }),
    );
  });
});
