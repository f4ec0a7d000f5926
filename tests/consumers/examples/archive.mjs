// Write the docker-archive Isar ships (zstd-compressed) from an OCI image layout on disk, then check it.
import { openLayout, verifyArchive, writeDockerArchive } from '@isar/archive';

const [layoutDir, platform = 'linux/amd64', output = 'image.tar.zst'] = process.argv.slice(2);

const layout = await openLayout(layoutDir); // manifests and configs verified now, layers while streamed
const written = await writeDockerArchive(layout.image(platform), {
  repoTags: ['consumers/demo:1'], // stored fully qualified: docker.io/consumers/demo:1
  output,
  compression: { zstd: { level: 3 } },
  signal: AbortSignal.timeout(10 * 60_000),
});

// Read it back in one pass: every layer against the config's diff_ids, manifest.json against the entries.
const report = await verifyArchive(output);
console.log(
  JSON.stringify({
    configDigest: written.configDigest,
    layers: written.layers.map((layer) => layer.diffId),
    outputBytes: written.outputBytes,
    verified: report.images.map((image) => ({ repoTags: image.repoTags, platform: image.platform })),
  }),
);
