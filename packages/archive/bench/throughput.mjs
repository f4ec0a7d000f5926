#!/usr/bin/env node
// Throughput of the writers on a layout of real files, against skopeo + zstd (Isar's steps after the
// download). Usage: node bench/throughput.mjs [layoutDir] [rounds]. Builds the layout if missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const layout = process.argv[2] ?? '/tmp/arch-bench/layout';
const rounds = Number(process.argv[3] ?? 3);
execFileSync(join(here, 'make-layout.sh'), [layout], { stdio: 'inherit' });
const entry = join(here, '..', 'dist', 'index.js');
const work = mkdtempSync(join(tmpdir(), 'archive-bench-'));

/** Runs a command under /usr/bin/time; returns wall seconds, CPU seconds, peak RSS MB. */
function timed(command, args) {
  const start = process.hrtime.bigint();
  // BENCH_NICE=-15 (as root) gives every measured command the same priority over other load on a shared machine.
  const nice = process.env.BENCH_NICE ? ['nice', '-n', process.env.BENCH_NICE] : [];
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S %M', ...nice, command, ...args], {
    encoding: 'utf-8',
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  const [user, sys, rssKb] = result.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys, rss: rssKb / 1024 };
}

function ours(task) {
  const script = `const a = await import(${JSON.stringify(entry)}); const image = (await a.openLayout(${JSON.stringify(layout)})).image(); ${task}`;
  return timed(process.execPath, ['--input-type=module', '-e', script]);
}

const cases = {
  'skopeo docker-archive + zstd -T2 -3': () => {
    const tar = join(work, 'skopeo.tar');
    const a = timed('skopeo', ['copy', '--quiet', `oci:${layout}:bench`, `docker-archive:${tar}:bench:1`]);
    const b = timed('zstd', ['-q', '-f', '--rm', '--threads=2', '-3', tar]);
    return { wall: a.wall + b.wall, cpu: a.cpu + b.cpu, rss: Math.max(a.rss, b.rss), out: `${tar}.zst` };
  },
  'ours docker-archive .zst (layer files, streamed)': () => ({
    ...ours(
      `await a.writeDockerArchive(image, { repoTags: ['bench:1'], output: '${work}/ours.tar.zst', compression: { zstd: {} } });`,
    ),
    out: `${work}/ours.tar.zst`,
  }),
  'ours docker-archive .zst (layer streams, spooled)': () => ({
    ...ours(
      `await a.writeDockerArchive({ ...image, layerFile: undefined }, { repoTags: ['bench:1'], output: '${work}/spool.tar.zst', tempDir: '${work}', compression: { zstd: {} } });`,
    ),
    out: `${work}/spool.tar.zst`,
  }),
  'ours docker-archive .tar (no zstd, streamed)': () => ({
    ...ours(`await a.writeDockerArchive(image, { repoTags: ['bench:1'], output: '${work}/plain.tar' });`),
    out: `${work}/plain.tar`,
  }),
  'ours oci .zst': () => ({
    ...ours(
      `await a.writeOciArchive(image, { repoTags: ['bench:1'], output: '${work}/oci.tar.zst', compression: { zstd: {} } });`,
    ),
    out: `${work}/oci.tar.zst`,
  }),
  'ours verify docker-archive .zst': () => ({
    ...ours(`await a.verifyArchive('${work}/ours.tar.zst');`),
    out: `${work}/ours.tar.zst`,
  }),
};

const results = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(cases)) results[name].push(run());
}
const median = (values) => values.slice().sort((x, y) => x - y)[Math.floor(values.length / 2)];
console.log(
  `CPU: ${cpus()[0]?.model} x${cpus().length}; layout ${layout}; ${rounds} rounds, alternating; nice ${process.env.BENCH_NICE ?? 0}`,
);
const base = median(results['skopeo docker-archive + zstd -T2 -3'].map((r) => r.wall));
for (const [name, runs] of Object.entries(results)) {
  const wall = median(runs.map((r) => r.wall));
  console.log(
    `${name.padEnd(50)} wall ${wall.toFixed(2)} s (x${(wall / base).toFixed(2)})  cpu ${median(runs.map((r) => r.cpu)).toFixed(2)} s  ` +
      `peak ${Math.max(...runs.map((r) => r.rss)).toFixed(0)} MB  output ${(statSync(runs[0].out).size / 1e6).toFixed(1)} MB`,
  );
}
rmSync(work, { recursive: true, force: true });
