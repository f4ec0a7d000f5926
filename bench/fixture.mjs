// Builds the benchmark image: an OCI layout of real files from this machine (>= 500 MB uncompressed, 4 gzip
// layers), like the workload in shared/reference/performance.md. Cached in bench/work/fixture.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/** Each layer takes regular files from these trees, in sorted order, until its byte budget is spent. */
const LAYERS = [
  { roots: ['/usr/lib/x86_64-linux-gnu'], budget: 300e6 },
  { roots: ['/usr/bin', '/usr/sbin'], budget: 250e6 },
  { roots: ['/usr/share'], budget: 160e6 },
  { roots: ['/usr/include', '/etc'], budget: 50e6 },
];

function listFiles(root, out) {
  let entries;
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(root, e.name);
    if (e.isDirectory()) listFiles(p, out);
    else if (e.isFile()) {
      try {
        const s = statSync(p);
        out.push({ path: p, size: s.size, inode: `${s.dev}:${s.ino}` });
      } catch {}
    }
  }
}

async function sha256File(path, transform) {
  const hash = createHash('sha256');
  const steps = [createReadStream(path)];
  if (transform) steps.push(transform);
  await pipeline(...steps, async (source) => {
    for await (const chunk of source) hash.update(chunk);
  });
  return `sha256:${hash.digest('hex')}`;
}

async function writeBlob(layout, path) {
  const digest = await sha256File(path);
  const dest = join(layout, 'blobs', 'sha256', digest.slice(7));
  renameSync(path, dest);
  return { digest, size: statSync(dest).size };
}

function writeJsonBlob(layout, value) {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  writeFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { digest, size: bytes.length };
}

/** Bumped whenever the recipe changes, so a fixture cached in bench/work by an older recipe is rebuilt. */
const FIXTURE_VERSION = '2';
/** The same for the Debian image. */
const DEBIAN_FIXTURE_VERSION = '1';

/** Writes config, manifest, index.json and oci-layout for gzip layer files already in `tmp`, then publishes. */
async function finishLayout(tmp, layout, gzipFiles, version, path = '/usr/bin:/bin') {
  const layers = [];
  const diffIds = [];
  for (const gz of gzipFiles) {
    diffIds.push(await sha256File(gz, createGunzip()));
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...(await writeBlob(tmp, gz)) });
  }
  const config = writeJsonBlob(tmp, {
    architecture: 'amd64',
    os: 'linux',
    config: { Env: [`PATH=${path}`], Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: layers.map(() => ({ created_by: 'bench fixture' })),
  });
  const manifest = writeJsonBlob(tmp, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers,
  });
  writeFileSync(join(tmp, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(tmp, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          platform: { architecture: 'amd64', os: 'linux' },
          annotations: { 'org.opencontainers.image.ref.name': 'bench' },
        },
      ],
    }),
  );
  for (const f of readdirSync(tmp)) if (f.endsWith('.list')) execFileSync('rm', [join(tmp, f)]);
  writeFileSync(join(tmp, 'fixture-version'), `${version}\n`);
  renameSync(tmp, layout);
}

/**
 * A real Debian image: `mmdebstrap --variant=minbase bookworm` (the test kit's cached root, built once, ~30 s)
 * as two gzip layers, /usr in the first and everything else in the second, as a distro base image has it.
 * Cached in bench/work/debian-fixture; `undefined` (with the reason) where roots cannot be built.
 */
export async function buildDebianFixture(workDir) {
  const layout = join(workDir, 'debian-fixture');
  const stamp = join(layout, 'fixture-version');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === DEBIAN_FIXTURE_VERSION) return { layout };
  const { cachedRootfs, rootfsUnavailable } = await import('@isar/testkit');
  const unavailable = rootfsUnavailable();
  if (unavailable) return { unavailable };
  const root = await cachedRootfs({ suite: 'bookworm', packages: [] });
  execFileSync('rm', ['-rf', layout]);
  const tmp = join(workDir, 'debian-fixture.tmp');
  execFileSync('rm', ['-rf', tmp]);
  mkdirSync(join(tmp, 'blobs', 'sha256'), { recursive: true });
  const top = readdirSync(root.dir).sort();
  const groups = [['usr'], top.filter((name) => name !== 'usr')];
  const files = [];
  for (const [i, names] of groups.entries()) {
    const gz = join(tmp, `layer${i}.tar.gz`);
    const list = names.map((name) => `./${name}`).join(' ');
    execFileSync(
      'bash',
      [
        '-c',
        `tar -C "${root.dir}" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* -cf - ${list} | pigz -6 -n > "${gz}"`,
      ],
      { stdio: 'inherit' },
    );
    files.push(gz);
  }
  await finishLayout(
    tmp,
    layout,
    files,
    DEBIAN_FIXTURE_VERSION,
    '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  );
  console.error(`bench fixture: Debian bookworm minbase image in ${groups.length} layers`);
  return { layout };
}

export async function buildBenchFixture(workDir) {
  const layout = join(workDir, 'fixture');
  const stamp = join(layout, 'fixture-version');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === FIXTURE_VERSION) return layout;
  execFileSync('rm', ['-rf', layout]);
  const tmp = join(workDir, 'fixture.tmp');
  execFileSync('rm', ['-rf', tmp]);
  mkdirSync(join(tmp, 'blobs', 'sha256'), { recursive: true });
  const taken = new Set();
  const gzipFiles = [];
  let total = 0;
  for (const [i, spec] of LAYERS.entries()) {
    const files = [];
    for (const root of spec.roots) listFiles(root, files);
    const chosen = [];
    let bytes = 0;
    for (const f of files) {
      if (bytes >= spec.budget) break;
      // tar stores a hard-linked file once (/usr/lib/x86_64-linux-gnu/dri has 13 names for one 25 MB file):
      // count each inode once, or the layer comes out far below its budget.
      if (taken.has(f.inode)) continue;
      taken.add(f.inode);
      chosen.push(f.path.slice(1));
      bytes += f.size;
    }
    total += bytes;
    const list = join(tmp, `layer${i}.list`);
    writeFileSync(list, `${chosen.join('\n')}\n`);
    const gz = join(tmp, `layer${i}.tar.gz`);
    execFileSync(
      'bash',
      [
        '-c',
        `tar -C / --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --ignore-failed-read -cf - -T "${list}" | pigz -6 -n > "${gz}"`,
      ],
      { stdio: 'inherit' },
    );
    gzipFiles.push(gz);
    console.error(`bench fixture: layer ${i + 1}/${LAYERS.length}: ${(bytes / 1e6).toFixed(0)} MB of files`);
  }
  await finishLayout(tmp, layout, gzipFiles, FIXTURE_VERSION);
  console.error(`bench fixture: ${(total / 1e6).toFixed(0)} MB uncompressed in ${LAYERS.length} layers`);
  return layout;
}
