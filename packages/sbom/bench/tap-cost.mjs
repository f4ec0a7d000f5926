// What the SBOM costs as a by-product of writing a docker-archive: CPU seconds of writeDockerArchive (zstd -3)
// with and without the sbom collector's layerTap, alternating, on a layout of a real Debian root (gzip layer).
// Usage (after pnpm build): node bench/tap-cost.mjs <rootfs-dir> [rounds=3]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openLayout, writeDockerArchive } from '@isar/archive';
import { createSbomCollector } from '@isar/sbom';

const [rootfs, roundsText = '3'] = process.argv.slice(2);
if (!rootfs) throw new Error('usage: node bench/tap-cost.mjs <rootfs-dir> [rounds]');
const work = mkdtempSync(join(tmpdir(), 'sbom-tap-cost-'));
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');
const blob = (bytes) => {
  const hex = sha(bytes);
  writeFileSync(join(work, 'blobs', 'sha256', hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
};
execFileSync('mkdir', ['-p', join(work, 'blobs', 'sha256')]);
const tar = execFileSync(
  'tar',
  ['--numeric-owner', '--sort=name', '--exclude=./dev/*', '-C', rootfs, '-cf', '-', '.'],
  {
    maxBuffer: 1 << 30,
  },
);
const layer = blob(gzipSync(tar, { level: 6 }));
const config = blob(
  Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha(tar)}`] },
    }),
  ),
);
const manifest = blob(
  Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    }),
  ),
);
writeFileSync(join(work, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
writeFileSync(
  join(work, 'index.json'),
  JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }],
  }),
);
const layout = await openLayout(work);

async function once(withSbom) {
  const start = process.cpuUsage();
  const started = performance.now();
  const collector = withSbom ? createSbomCollector() : undefined;
  const result = await writeDockerArchive(layout.image(), {
    repoTags: ['bench:1'],
    output: join(work, 'out.tar.zst'),
    compression: { zstd: { level: 3 } },
    ...(collector ? { layerTap: (l) => collector.tap(l) } : {}),
  });
  let packages = 0;
  if (collector) {
    const sbom = await collector.finish({
      repoTags: [],
      configDigest: result.configDigest,
      platform: { os: 'linux', architecture: 'amd64' },
      layers: result.layers.map((l) => ({ digest: l.digest, diffId: l.diffId })),
    });
    packages = sbom.inventory.deb.length;
  }
  const cpu = process.cpuUsage(start);
  return { cpu: (cpu.user + cpu.system) / 1e6, wall: (performance.now() - started) / 1000, packages };
}

const rows = { plain: [], sbom: [] };
await once(false); // warm-up, both paths
await once(true);
for (let i = 0; i < Number(roundsText); i++) {
  rows.plain.push(await once(false));
  rows.sbom.push(await once(true));
}
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const plain = median(rows.plain.map((r) => r.cpu));
const sbom = median(rows.sbom.map((r) => r.cpu));
console.log(
  JSON.stringify({
    tarBytes: tar.length,
    packages: rows.sbom[0]?.packages,
    cpuPlain: plain,
    cpuWithSbom: sbom,
    extraPercent: Number((((sbom - plain) / plain) * 100).toFixed(1)),
    wallPlain: median(rows.plain.map((r) => r.wall)),
    wallWithSbom: median(rows.sbom.map((r) => r.wall)),
    rounds: { plain: rows.plain.map((r) => r.cpu.toFixed(2)), sbom: rows.sbom.map((r) => r.cpu.toFixed(2)) },
  }),
);
rmSync(work, { recursive: true, force: true });
