// `pnpm bench`: ours vs the Isar pipeline (skopeo -> dir, skopeo dir -> docker-archive, zstd), side by side,
// alternating, on one fixture served by a local docker-registry. Prints medians, ratios and peak RSS and writes
// them to bench/RESULTS.md. Timings live here, never in tests.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry } from '@isar/testkit';
import { buildBenchFixture } from './fixture.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const work = join(root, 'bench', 'work');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const isarFetch = join(root, 'apps', 'isar-fetch', 'dist', 'main.js');

function measure(argv, env = process.env) {
  const out = spawnSync('python3', [join(root, 'bench', 'measure.py'), ...argv], { env, encoding: 'utf8' });
  const line = out.stdout.trim().split('\n').pop();
  const result = JSON.parse(line);
  if (result.code !== 0)
    throw new Error(`${argv.join(' ')} exited ${result.code}: ${out.stderr.slice(-2000)}`);
  return result;
}

/** Runs several commands in sequence as one measured step (wall summed, RSS the max, each step's wall kept). */
function measureAll(steps) {
  const results = steps.map((argv) => measure(argv));
  return {
    wall: results.reduce((s, r) => s + r.wall, 0),
    cpu: results.reduce((s, r) => s + r.cpu, 0),
    maxRssKiB: Math.max(...results.map((r) => r.maxRssKiB)),
    steps: results.map((r) => r.wall),
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function fresh(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function main() {
  mkdirSync(work, { recursive: true });
  const layout = await buildBenchFixture(work);
  const registry = await startRegistry();
  try {
    const repo = `${registry.host}/bench/rootfs`;
    for (const tag of ['v1', 'v2']) {
      execFileSync('skopeo', [
        'copy',
        '-q',
        '--dest-tls-verify=false',
        `oci:${layout}:bench`,
        `docker://${repo}:${tag}`,
      ]);
    }
    const digest = execFileSync(
      'skopeo',
      ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${repo}:v1`],
      {
        encoding: 'utf8',
      },
    ).trim();
    const url = `docker://${repo};tag=v1`;
    const pinned = `${url};digest=${digest}`;

    const rows = { isar: [], ours: [], oursOci: [], oursWarm: [] };
    const fetchArgs = (dl, format, target = url) => [
      'node',
      isarFetch,
      'fetch',
      target,
      '--dl-dir',
      dl,
      '--arch',
      'amd64',
      '--format',
      format,
      '--strict-checksum',
      'ignore',
      '--quiet',
    ];
    for (let i = 0; i < runs; i++) {
      const t = fresh(join(work, 'isar'));
      const tarball = join(t, 'image.tar');
      rows.isar.push(
        measureAll([
          [
            'skopeo',
            'copy',
            '-q',
            '--src-tls-verify=false',
            '--preserve-digests',
            '--override-arch',
            'amd64',
            `docker://${repo}:v1`,
            `dir:${join(t, 'dir')}`,
          ],
          ['skopeo', 'copy', '-q', `dir:${join(t, 'dir')}`, `docker-archive:${tarball}:${repo}:v1`],
          ['zstd', '-q', '-f', '--rm', '--threads=2', '-3', tarball],
        ]),
      );
      console.error(`run ${i + 1}/${runs}: isar pipeline ${rows.isar.at(-1).wall.toFixed(2)} s`);
      for (const [key, format] of [
        ['ours', 'docker-archive'],
        ['oursOci', 'oci'],
      ]) {
        const dl = fresh(join(work, `dl-${key}`));
        rows[key].push(measure(fetchArgs(dl, format)));
        console.error(`run ${i + 1}/${runs}: ours (${format}) ${rows[key].at(-1).wall.toFixed(2)} s`);
        if (key === 'ours') {
          // The same again with every blob in the cache: the archive writer alone (plus start-up and resolve).
          const archives = join(dl, 'container-images', 'amd64');
          rmSync(archives, { recursive: true, force: true });
          rows.oursWarm.push(measure(fetchArgs(dl, format)));
          console.error(
            `run ${i + 1}/${runs}: ours (${format}, blobs cached) ${rows.oursWarm.at(-1).wall.toFixed(2)} s`,
          );
        }
      }
    }

    // Warm repeat of a digest-pinned URL: the whole command, node start-up included.
    const dl = fresh(join(work, 'dl-warm'));
    measure(['node', isarFetch, 'fetch', pinned, '--dl-dir', dl, '--arch', 'amd64', '--quiet']);
    const repeat = [];
    for (let i = 0; i < Math.max(runs, 5); i++) {
      repeat.push(
        measure(['node', isarFetch, 'fetch', pinned, '--dl-dir', dl, '--arch', 'amd64', '--quiet']).wall,
      );
    }

    // A second tag sharing every layer: count layer GETs the registry served.
    const layerDigests = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')).manifests[0].digest;
    const manifest = JSON.parse(readFileSync(join(layout, 'blobs', 'sha256', layerDigests.slice(7)), 'utf8'));
    const layerPaths = new Set(manifest.layers.map((l) => `/v2/bench/rootfs/blobs/${l.digest}`));
    const before = (await registry.accessLog()).filter(
      (e) => e.method === 'GET' && layerPaths.has(e.path),
    ).length;
    // The cold runs downloaded every layer: zero here would mean the log is not matched, not a good result.
    if (before < manifest.layers.length)
      throw new Error(`only ${before} layer GETs logged: path match broken`);
    measure(fetchArgs(dl, 'docker-archive', `docker://${repo};tag=v2`));
    const after = (await registry.accessLog()).filter(
      (e) => e.method === 'GET' && layerPaths.has(e.path),
    ).length;

    const med = (key, field) => median(rows[key].map((r) => r[field]));
    const isar = med('isar', 'wall');
    const isarStep = (i) => median(rows.isar.map((r) => r.steps[i])).toFixed(2);
    const rss = (key) => (Math.max(...rows[key].map((r) => r.maxRssKiB)) / 1024).toFixed(0);
    const tarBytes = Number(
      execFileSync('bash', ['-c', `zstd -dc "${join(work, 'isar', 'image.tar.zst')}" | wc -c`], {
        encoding: 'utf8',
      }).trim(),
    );
    const report = [
      '# Benchmark results',
      '',
      `Machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}.`,
      `Fixture: ${manifest.layers.length} gzip layers, ${(manifest.layers.reduce((s, l) => s + l.size, 0) / 1e6).toFixed(0)} MB compressed, ${(tarBytes / 1e6).toFixed(0)} MB as a docker-archive tar; ${runs} runs each, alternating.`,
      `Load average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(', ')} (the machine is shared: wall times are noisy, CPU seconds steadier).`,
      `Date: ${new Date().toISOString()}`,
      '',
      '| pipeline | median wall (s) | median CPU (s) | peak RSS (MB) | ratio ours/isar | target |',
      '|---|---|---|---|---|---|',
      `| Isar: skopeo dir + skopeo docker-archive + zstd -3 | ${isar.toFixed(2)} | ${med('isar', 'cpu').toFixed(2)} | ${rss('isar')} | 1.00 | |`,
      `| ours, docker-archive, cold cache | ${med('ours', 'wall').toFixed(2)} | ${med('ours', 'cpu').toFixed(2)} | ${rss('ours')} | ${(med('ours', 'wall') / isar).toFixed(3)} | <= 0.40, RSS <= 150 MB |`,
      `| ours, oci, cold cache | ${med('oursOci', 'wall').toFixed(2)} | ${med('oursOci', 'cpu').toFixed(2)} | ${rss('oursOci')} | ${(med('oursOci', 'wall') / isar).toFixed(3)} | <= 0.12 |`,
      `| ours, docker-archive, blobs already cached (the writer) | ${med('oursWarm', 'wall').toFixed(2)} | ${med('oursWarm', 'cpu').toFixed(2)} | ${rss('oursWarm')} | ${(med('oursWarm', 'wall') / isar).toFixed(3)} | (information) |`,
      `| ours, repeat of a digest-pinned URL | ${median(repeat).toFixed(3)} | | | | < 0.5 s |`,
      '',
      `Second tag sharing all layers: ${after - before} layer GETs served by the registry (target 0).`,
      '',
      `Isar pipeline by step (median wall, s): skopeo copy docker:// dir: ${isarStep(0)}, skopeo copy dir: docker-archive: ${isarStep(1)}, zstd -3 --threads=2: ${isarStep(2)}.`,
      '',
      'Where the floor is on this machine, and what was tried: [LIMITS.md](LIMITS.md).',
      '',
      `Raw walls (s): isar ${rows.isar.map((r) => r.wall.toFixed(2)).join(', ')}; ours ${rows.ours.map((r) => r.wall.toFixed(2)).join(', ')}; oci ${rows.oursOci.map((r) => r.wall.toFixed(2)).join(', ')}; blobs cached ${rows.oursWarm.map((r) => r.wall.toFixed(2)).join(', ')}; pinned repeat ${repeat.map((r) => r.toFixed(3)).join(', ')}.`,
      '',
    ].join('\n');
    writeFileSync(join(root, 'bench', 'RESULTS.md'), report);
    console.log(report);
  } finally {
    await registry.stop();
  }
}

main().catch((error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
