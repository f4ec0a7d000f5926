import { type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeArchive } from './describe-archive.js';
import { buildTestImage } from './test-support/test-image.js';
import { cycloneDxErrors } from './test-support/validate.js';

// The shape of Alpine 3.19's /lib/apk/db/installed (abridged: checksums and file lists cut short).
const installed = `C:Q1abc=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:407000
I:655360
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
t:1700000000
F:lib
R:ld-musl-x86_64.so.1

P:busybox
V:1.36.1-r15
A:x86_64
L:GPL-2.0-only
o:busybox
F:bin
R:busybox

P:ca-certificates-bundle
V:20240226-r0
A:x86_64
L:MPL-2.0 AND MIT
o:ca-certificates
`;

const osRelease = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
`;

describe('an Alpine image', () => {
  let dir: TmpDir;
  let archives: Awaited<ReturnType<typeof buildTestImage>>;
  beforeAll(async () => {
    dir = await tmpDir('isar-sbom-apk-');
    archives = await buildTestImage(dir.path, [
      [
        { name: 'etc/os-release', content: osRelease },
        { name: 'lib/apk/db/installed', content: installed.replace('P:busybox', 'P:busybox-old') },
      ],
      // The upper layer replaces the database: the lower one's packages must not count.
      [{ name: 'lib/apk/db/installed', content: installed }],
    ]);
  });
  afterAll(() => dir?.cleanup());

  it.each(['dockerArchive', 'ociArchive'] as const)(
    'lists the apk packages of the final layer (%s)',
    async (format) => {
      const sbom = await describeArchive(archives[format], { timestamp: null });
      expect(await cycloneDxErrors(sbom.json)).toBeNull();
      const bom = JSON.parse(sbom.json);
      const purls = bom.components
        .filter((c: { type: string }) => c.type === 'library')
        .map((c: { purl: string }) => c.purl);
      expect(purls).toEqual([
        'pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1',
        'pkg:apk/alpine/ca-certificates-bundle@20240226-r0?arch=x86_64&distro=alpine-3.19.1',
        'pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1',
      ]);
      const bundle = bom.components.find((c: { name: string }) => c.name === 'ca-certificates-bundle');
      expect(bundle.licenses).toEqual([{ expression: 'MPL-2.0 AND MIT' }]);
      expect(bom.components.find((c: { type: string }) => c.type === 'operating-system')).toMatchObject({
        name: 'alpine',
        version: '3.19.1',
      });
      expect(bom.metadata.component.purl).toMatch(
        /^pkg:oci\/probe@sha256:[0-9a-f]{64}\?arch=amd64&repository_url=example.test%2Fsbom%2Fprobe&tag=1$/,
      );
    },
  );
});
