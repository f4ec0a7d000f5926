// Describe an image archive (docker-archive or oci, .zst or plain) as CycloneDX 1.6 JSON, next to it.
import { writeFile } from 'node:fs/promises';
import { describeArchive } from '@isar/sbom';

const [archive, url] = process.argv.slice(2);

// One read: every digest checked, each layer scanned for dpkg/apk databases as it streams past.
const sbom = await describeArchive(archive, {
  source: url ? { url } : undefined, // the docker:// URL it came from, recorded in the SBOM
  signal: AbortSignal.timeout(10 * 60_000),
});
await writeFile(`${archive}.cdx.json`, sbom.json); // same input, same bytes (SOURCE_DATE_EPOCH for a timestamp)

console.log(
  JSON.stringify({
    file: `${archive}.cdx.json`,
    image: sbom.image.repository,
    layers: sbom.image.layers.map((layer) => layer.digest),
    packages: sbom.inventory.deb.length + sbom.inventory.apk.length,
    warnings: sbom.inventory.warnings,
  }),
);
