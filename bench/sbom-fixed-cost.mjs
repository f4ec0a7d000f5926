// Run by the bench (`node bench/sbom-fixed-cost.mjs`): the SBOM's fixed part, whatever the image, in one cold
// process that has loaded `@isar/archive` as a fetch has: loading `@isar/sbom` (packageurl-js and
// spdx-expression-parse with it), then the CycloneDX library's first use and first document (one package).
// Prints {"load": s, "document": s}: CPU of the main and V8 threads (what the SBOM adds to; see
// thread-cpu.mjs), read before and after each step, after V8's background compiles have settled.
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { threadCpuByKind } from './thread-cpu.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** CPU seconds of the main thread and V8's threads so far. */
function mainAndV8() {
  const { main, v8 } = threadCpuByKind();
  return main + v8;
}

await import(join(root, 'packages', 'archive', 'dist', 'index.js'));
await sleep(100);
const before = mainAndV8();
const sbom = await import(join(root, 'packages', 'sbom', 'dist', 'index.js'));
await sleep(100);
const loaded = mainAndV8();
sbom.buildCycloneDx(
  {
    repository: 'localhost/fixed-cost',
    tag: '1',
    repoTags: ['localhost/fixed-cost:1'],
    configDigest: `sha256:${'0'.repeat(64)}`,
    platform: { os: 'linux', architecture: 'amd64' },
    layers: [],
  },
  {
    osRelease: { ID: 'debian', VERSION_ID: '12' },
    deb: [{ name: 'base-files', version: '12.4', architecture: 'amd64', database: 'var/lib/dpkg/status' }],
    apk: [],
    warnings: [],
  },
);
await sleep(100);
const built = mainAndV8();
console.log(JSON.stringify({ load: loaded - before, document: built - loaded }));
