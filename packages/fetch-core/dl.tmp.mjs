// not committed: download-only cost of the 4 blobs
import { createRegistryClient, parseReference, nodeHttpTransport, undiciTransport } from '@isar/oci-registry';
import { rmSync, mkdirSync, readFileSync } from 'node:fs';
const host = readFileSync('/tmp/reghost', 'utf8').trim();
const t = process.env.T === 'node' ? nodeHttpTransport : undiciTransport;
const client = createRegistryClient({ insecureRegistries: [host], registriesConf: false, httpTransport: t });
const ref = parseReference(`${host}/bench/${process.env.FIX ?? 'rootfs'}:v1`);
const image = await client.getImage(ref, { platform: { os: 'linux', architecture: 'amd64' } });
rmSync('/tmp/dlx', { recursive: true, force: true }); mkdirSync('/tmp/dlx');
const t0 = performance.now();
for (const layer of image.manifest.layers) await client.downloadBlobToFile(ref, layer, `/tmp/dlx/${layer.digest.slice(7)}`);
console.error('download ms', (performance.now() - t0).toFixed(0));
await client.close();
