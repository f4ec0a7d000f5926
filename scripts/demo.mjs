// `pnpm demo`: the main job on a built-in example, end to end, on this machine only.
// A local registry serves a multi-arch busybox image; isar-fetch fetches it for two Debian architectures into a
// DL_DIR (as Isar's do_fetch would), unpacks it into a WORKDIR (do_unpack), verifies it, and container-loader
// loads it into a private podman store and a private dockerd (as the device does at boot).
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage, createPodman, pushImage, startDockerd, startRegistry, tmpDir } from '@isar/testkit';

const root = fileURLToPath(new URL('..', import.meta.url));
const isarFetch = join(root, 'apps/isar-fetch/dist/main.js');
const loader = join(root, 'apps/container-loader/dist/main.js');
const step = (text) => console.log(`\n==> ${text}`);

function run(bin, args, env = process.env) {
  const shown = [relative(root, bin) || bin, ...args].join(' ');
  console.log(`$ ${shown}`);
  const out = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (out.stdout) process.stdout.write(out.stdout);
  if (out.status !== 0) throw new Error(`${shown} exited with ${out.status}`);
  return out.stdout.trim();
}

const work = await tmpDir('isar-demo-');
const registry = await startRegistry();
let dockerd;
let podman;
try {
  step('A local registry with a multi-arch image');
  const image = await buildImage({ platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'], layers: 2 });
  const name = `${registry.host}/demo/busybox`;
  const { digest } = await pushImage(image, `${name}:1.36`);
  console.log(`registry ${registry.url} serves ${name}:1.36`);
  console.log(`index ${digest} with ${image.manifests.map((m) => m.platform).join(', ')}`);

  const dlDir = join(work.path, 'downloads');
  const url = `docker://${name};tag=1.36`;
  step('do_fetch: isar-fetch fetches the image for two Debian architectures into DL_DIR');
  for (const arch of ['amd64', 'armhf']) {
    run(isarFetch, ['fetch', url, '--dl-dir', dlDir, '--arch', arch]);
  }
  step('isar-fetch resolve: what the tag points at now, and the line that pins it in the recipe');
  run(isarFetch, ['resolve', url, '--arch', 'armhf']);

  step('With the digest pinned: layers come from the blob cache, and a repeat needs no network at all');
  const pinned = `${url};digest=${digest}`;
  const fetchPinned = () =>
    JSON.parse(run(isarFetch, ['fetch', pinned, '--dl-dir', dlDir, '--arch', 'amd64', '--json', '--quiet']));
  const first = fetchPinned();
  console.log(
    `first: ${first.bytesDownloaded} layer bytes downloaded, ${first.bytesFromCache} from the blob cache`,
  );
  const requestsBefore = (await registry.accessLog()).length;
  const repeat = fetchPinned();
  const requests = (await registry.accessLog()).length - requestsBefore;
  console.log(`repeat: cache hit ${repeat.cacheHit} in ${repeat.seconds} s, ${requests} registry requests`);

  step('do_unpack: the archive is hard-linked into the recipe WORKDIR under the name Isar uses');
  const workdir = join(work.path, 'workdir');
  const unpacked = run(isarFetch, [
    'unpack',
    url,
    '--dl-dir',
    dlDir,
    '--arch',
    'amd64',
    '--workdir',
    workdir,
  ]);
  run(isarFetch, ['verify', unpacked]);

  step('On the device: container-loader imports the archives listed in image.list');
  writeFileSync(
    join(workdir, 'image.list'),
    `# image file, name:tag\n${relative(workdir, unpacked)} ${name}:1.36\n`,
  );
  podman = await createPodman();
  run(loader, ['--images-dir', workdir, '--engine', 'podman'], { ...process.env, ...podman.env });
  console.log(
    (await podman.podman(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])).stdout.trim(),
  );
  try {
    dockerd = await startDockerd();
  } catch (error) {
    console.log(`(no docker engine here: ${error.message.split('\n')[0]})`);
  }
  if (dockerd) {
    run(loader, ['--images-dir', workdir, '--engine', 'docker'], { ...process.env, ...dockerd.env });
    const said = await dockerd.docker([
      'run',
      '--rm',
      '--network',
      'none',
      `${name}:1.36`,
      '/bin/busybox',
      'echo',
      'hello from the fetched image',
    ]);
    console.log(`docker run: ${said.stdout.trim()}`);
  }
  step('Done');
  console.log(`DL_DIR now holds:\n${execFileSync('find', [dlDir, '-name', '*.zst'], { encoding: 'utf8' })}`);
} catch (error) {
  console.error(`demo failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await dockerd?.stop();
  await podman?.cleanup();
  await registry.stop();
  await work.cleanup();
}
