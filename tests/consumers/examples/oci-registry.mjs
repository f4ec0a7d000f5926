// Resolve a tag, pick a platform's image, and stream one of its layers into a file, verified as it flows.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createRegistryClient, parseReference } from '@isar/oci-registry';

const [image, architecture = 'arm64', out = 'layer.tar.gz'] = process.argv.slice(2);

const client = createRegistryClient(); // credentials, registries.conf, certs.d and proxies as skopeo reads them
const signal = AbortSignal.timeout(5 * 60_000);
try {
  const ref = parseReference(image); // e.g. registry.example:5000/team/app:1.2
  const top = await client.resolve(ref, { signal }); // HEAD: the digest the tag points at now
  const picked = await client.getImage(
    { ...ref, digest: top.digest },
    { platform: { os: 'linux', architecture }, signal },
  );
  const layer = picked.manifest.layers[0];
  // Hashed while streaming and capped at layer.size: a wrong byte makes the pipeline fail, not the file lie.
  await pipeline(await picked.openLayer(layer, { signal }), createWriteStream(out), { signal });
  console.log(
    JSON.stringify({
      indexDigest: top.digest,
      manifestDigest: picked.descriptor.digest,
      layer: layer.digest,
      size: layer.size,
      file: out,
    }),
  );
} finally {
  await client.close();
}
