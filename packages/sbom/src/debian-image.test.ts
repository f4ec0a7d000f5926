import { cachedRootfs, rootfsUnavailable, runChecked, type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeArchive } from './describe-archive.js';
import {
  ADDED_PACKAGE,
  buildDebianImage,
  type DebianImage,
  REMOVED_PACKAGE,
} from './test-support/debian-image.js';
import { cycloneDxErrors } from './test-support/validate.js';

interface Component {
  type: string;
  name: string;
  version: string;
  purl: string;
  licenses?: ({ expression: string } | { license: { id?: string; name?: string } })[];
  properties?: { name: string; value: string }[];
}

const unavailable = rootfsUnavailable();

describe.skipIf(unavailable)('a two-layer image of a real Debian bookworm minbase root', () => {
  let dir: TmpDir;
  let image: DebianImage;
  let dpkgQuery: string[];
  beforeAll(async () => {
    const rootfs = await cachedRootfs({ suite: 'bookworm', packages: [] });
    dir = await tmpDir('isar-sbom-debian-');
    image = await buildDebianImage(rootfs, dir.path);
    const { stdout } = await runChecked('dpkg-query', [
      `--admindir=${image.finalAdmindir}`,
      '-W',
      '-f',
      // dpkg-query's own format, the issue's reference command.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query fields, not a template
      '${Package} ${Version} ${Architecture}\\n',
    ]);
    dpkgQuery = stdout.trim().split('\n').sort();
  }, 600_000);
  afterAll(() => dir?.cleanup());

  const libraries = (json: string): Component[] =>
    (JSON.parse(json).components as Component[]).filter((component) => component.type === 'library');
  const asDpkgQuery = (components: Component[]) =>
    components
      .map(
        (c) =>
          `${c.name} ${c.version} ${new URL(`http://x/?${c.purl.split('?')[1]}`).searchParams.get('arch')}`,
      )
      .sort();

  it.each(['dockerArchive', 'ociArchive'] as const)(
    'lists what dpkg-query lists on the final tree (%s)',
    async (format) => {
      const sbom = await describeArchive(image[format], { timestamp: null });
      expect(await cycloneDxErrors(sbom.json)).toBeNull();
      expect(asDpkgQuery(libraries(sbom.json))).toEqual(dpkgQuery);
      expect(dpkgQuery.some((line) => line.startsWith(`${REMOVED_PACKAGE} `))).toBe(false);
      expect(dpkgQuery).toContain(`${ADDED_PACKAGE} 1.0-1 all`);
      expect(JSON.parse(sbom.json).metadata.properties ?? []).toEqual([]);
    },
  );

  it('names the image, its layers, the distro, sources and licenses', async () => {
    const sbom = await describeArchive(image.ociArchive, {
      timestamp: null,
      source: { url: 'docker://example.test/isar/debian:bookworm' },
    });
    const bom = JSON.parse(sbom.json);
    expect(bom.specVersion).toBe('1.6');
    expect(bom.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const arch = sbom.image.platform.architecture;
    expect(bom.metadata.component.purl).toBe(
      `pkg:oci/debian@${image.manifestDigest}?arch=${arch}&repository_url=example.test%2Fisar%2Fdebian&tag=bookworm`,
    );
    expect(bom.metadata.component.externalReferences).toEqual([
      { type: 'distribution', url: 'docker://example.test/isar/debian:bookworm' },
    ]);
    const layerProps = bom.metadata.component.properties.filter((p: { name: string }) =>
      /layer:\d+:digest/.test(p.name),
    );
    expect(layerProps.map((p: { value: string }) => p.value)).toEqual(
      sbom.image.layers.map((layer) => layer.digest),
    );
    expect(layerProps).toHaveLength(2);
    expect(bom.components.find((c: Component) => c.type === 'operating-system')).toMatchObject({
      name: 'debian',
      version: '12',
    });

    const byName = new Map(libraries(sbom.json).map((c) => [c.name, c]));
    const libc = byName.get('libc6');
    expect(libc?.purl).toMatch(
      new RegExp(`^pkg:deb/debian/libc6@2\\.36-[^?]+\\?arch=${arch}&distro=debian-12$`),
    );
    expect(libc?.properties).toContainEqual({ name: 'isar:deb:source', value: 'glibc' });
    expect(byName.get(ADDED_PACKAGE)?.licenses).toEqual([{ expression: 'GPL-2.0-or-later OR MIT' }]);
    expect(byName.get(ADDED_PACKAGE)?.properties).toContainEqual({
      name: 'isar:deb:source-version',
      value: '0.9-1',
    });
    expect(byName.get('grep')?.licenses).toEqual([{ expression: 'GPL-3.0-or-later' }]);
    expect(byName.get('zlib1g')?.licenses).toEqual([{ expression: 'Zlib' }]);
    // dpkg's copyright names a license SPDX does not know: each license is listed on its own.
    expect(byName.get('dpkg')?.licenses).toContainEqual({ license: { name: 'public-domain-s-s-d' } });
    expect(byName.get('dpkg')?.licenses).toContainEqual({ license: { id: 'GPL-2.0-or-later' } });
    // libc6's copyright is not machine-readable: no license rather than a guess.
    expect(libc?.licenses).toBeUndefined();
  });

  it('gives the same SBOM as a by-product of writing the docker-archive (layerTap), no second read', async () => {
    const read = await describeArchive(image.dockerArchive, { timestamp: null });
    const tapped = await image.collector.finish(read.image, { timestamp: null });
    expect(tapped.json).toBe(read.json);
    expect(tapped.inventory.deb.length).toBeGreaterThan(80);
  });

  it('gives byte-identical output for the same input; SOURCE_DATE_EPOCH sets the timestamp', async () => {
    const first = await describeArchive(image.dockerArchive, { timestamp: null });
    const second = await describeArchive(image.dockerArchive, { timestamp: null });
    expect(second.json).toBe(first.json);
    expect(JSON.parse(first.json).metadata.timestamp).toBeUndefined();
    const previous = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    try {
      const dated = JSON.parse((await describeArchive(image.dockerArchive)).json);
      expect(dated.metadata.timestamp).toBe('2023-11-14T22:13:20.000Z');
    } finally {
      if (previous === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = previous;
    }
  });
});
