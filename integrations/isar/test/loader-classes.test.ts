/**
 * The loader classes (classes-recipe/{container,docker,podman,registry}-loader.bbclass) under the REAL
 * bitbake program:
 * - BITBAKE_DIR (current bitbake) with a stand-in for Isar's meta layer (test/loader-standin.ts): every class
 *   parses, the variables come out as Isar's classes define them, and the classes' own tasks run (bundle,
 *   config, image.list, service), then the packaged loader reads what they wrote;
 * - ISAR_DIR (a clone of github.com/ilbers/isar) with Isar's own meta layer and its pinned bitbake: Isar's
 *   two example recipes parse unchanged on top of Isar's real dpkg-raw with our classes, and which layer's
 *   class wins depends on BBPATH as documented.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BitbakeEnv, BUNDLE, LAYER_DIR, LoaderProject } from './loader-project.js';
import {
  STANDIN_BASE_BBCLASS,
  STANDIN_BITBAKE_CONF,
  STANDIN_DPKG_RAW_BBCLASS,
  STANDIN_LAYER_CONF,
} from './loader-standin.js';

const run = promisify(execFile);
const BITBAKE_DIR = process.env.BITBAKE_DIR || undefined;
const ISAR_DIR = process.env.ISAR_DIR || undefined;
const HOW =
  'set BITBAKE_DIR to a bitbake checkout (fetch github:openembedded/bitbake) and ISAR_DIR to an Isar clone ' +
  '(github:ilbers/isar), e.g. BITBAKE_DIR=/tmp/bitbake ISAR_DIR=/tmp/isar npx vitest run test/loader-classes.test.ts';
if (!BITBAKE_DIR || !ISAR_DIR) console.warn(`loader-classes: skipping what needs them: ${HOW}`);

const EXAMPLES = 'meta-isar/recipes-app/prebuilt-container';
const ALPINE =
  'docker://quay.io/libpod/alpine;digest=sha256:fa93b01658e3a5a1686dc3ae55f170d8de487006fb53a28efcd12ab0710a2e5f;tag=3.10.2';
const OURS = (cls: string) => join(LAYER_DIR, 'classes-recipe', `${cls}.bbclass`);
/** An Isar build for `distro` (a meta-isar/conf/distro/*.conf name): Isar sets BASE_DISTRO_CODENAME from it. */
const isarLocalConf = (distro: string, extra = '') =>
  `MACHINE = "qemuamd64"\nDISTRO = "${distro}"\nDISTRO_ARCH = "amd64"\n${extra}`;

/** What every loader recipe must come out with, whichever way it got its class. */
async function expectLoaderRecipe(env: BitbakeEnv, engine: string, packages: string, service: string) {
  expect(env.get('CONTAINER_ENGINE')).toBe(engine);
  expect(env.get('CONTAINER_ENGINE_PACKAGES')).toBe(packages);
  expect(env.get('CONTAINER_ENGINE_SERVICE')).toBe(service);
  // DEBIAN_DEPENDS is what ends up in debian/control: the engine, node for the loader, zstd for the archives.
  expect(env.get('DEBIAN_DEPENDS')?.trim()).toBe(`${packages}, nodejs (>= 18.19), zstd`);
  expect(env.words('SRC_URI')).toEqual(
    expect.arrayContaining([
      'file://container-loader.mjs',
      'file://container-loader.service.tmpl',
      'file://container-loader.conf.tmpl',
    ]),
  );
  expect(env.words('SRC_URI')).not.toContain('file://container-loader.sh.tmpl');
  expect(env.words('TEMPLATE_FILES')).toEqual([
    'container-loader.service.tmpl',
    'container-loader.conf.tmpl',
  ]);
  expect(env.get('FILESPATH')?.split(':')).toEqual(
    expect.arrayContaining([
      join(LAYER_DIR, 'recipes-support/isar-container-loader/files'),
      join(BUNDLE, '..'),
    ]),
  );
  const parents = await env.taskParents();
  expect(parents.do_install_fetched_containers).toEqual(['do_install']);
  expect(parents.do_prepare_build).toContain('do_install_fetched_containers');
  expect(parents.do_install).toContain('do_transform_template');
}

describe.skipIf(!BITBAKE_DIR)(`loader classes, real bitbake from BITBAKE_DIR, stand-in Isar base`, () => {
  let project: LoaderProject;

  beforeAll(async () => {
    project = await LoaderProject.create({
      bitbakeDir: BITBAKE_DIR as string,
      layers: (root) => [join(root, 'standin'), LAYER_DIR],
      files: {
        'standin/conf/layer.conf': STANDIN_LAYER_CONF,
        'standin/conf/bitbake.conf': STANDIN_BITBAKE_CONF,
        'standin/classes-global/base.bbclass': STANDIN_BASE_BBCLASS,
        'standin/classes-recipe/dpkg-raw.bbclass': STANDIN_DPKG_RAW_BBCLASS,
        'elsewhere/my-loader.mjs': '// a bundle kept outside the layer\n',
      },
      localConf: [
        'DISTRO_ARCH = "arm64"',
        'BASE_DISTRO_CODENAME = "bookworm"',
        'BB_NUMBER_THREADS = "2"',
        // What isar-fetch unpack leaves for the two upstream examples' URLs.
        'STANDIN_ARCHIVES:pn-prebuilt-docker-img = "quay.io.libpod.alpine:3.10.2.zst"',
        'STANDIN_ARCHIVES:pn-prebuilt-podman-img = "quay.io.libpod.alpine:latest.zst"',
        '',
      ].join('\n'),
    });
    const recipes: Record<string, string> = {
      'docker-test_1.0.bb': `inherit docker-loader\nCONTAINER_DELETE_AFTER_LOAD = "1"\nSRC_URI += "${ALPINE} docker://docker.io/library/debian"\nSTANDIN_ARCHIVES = "quay.io.libpod.alpine:3.10.2.zst quay.io.libpod.alpine:3.10.2.cdx.json docker.io.library.debian:latest.zst"\n`,
      'podman-test_1.0.bb': 'inherit podman-loader\nSRC_URI += "docker://ghcr.io/example/app;tag=2"\n',
      'registry-test_1.0.bb': `inherit registry-loader\nCONTAINER_REGISTRY_URL = "http://127.0.0.1:9"\nSRC_URI += "${ALPINE} docker://ghcr.io/example/app;tag=2"\nSTANDIN_ARCHIVES = "quay.io.libpod.alpine:3.10.2.zst ghcr.io.example.app:2.zst"\n`,
      'direct-test_1.0.bb': 'inherit container-loader\nCONTAINER_ENGINE = "podman"\n',
      'oldinc-test_1.0.bb': 'require recipes-support/isar-container-loader/registry-loader.inc\n',
      'bundle-test_1.0.bb': `inherit docker-loader\nCONTAINER_LOADER_BUNDLE = "${project.root}/elsewhere/my-loader.mjs"\n`,
    };
    for (const [file, content] of Object.entries(recipes)) await project.writeRecipe(file, content);
    if (ISAR_DIR) {
      // Isar's examples, byte for byte as upstream has them, read from the clone now (never stored here).
      for (const name of ['prebuilt-docker-img_0.1.bb', 'prebuilt-podman-img_0.1.bb']) {
        await project.writeRecipe(name, await readFile(join(ISAR_DIR, EXAMPLES, name), 'utf8'));
      }
    }
  });

  afterAll(async () => {
    await project?.dispose();
  });

  it('docker-loader: Isar variables, bookworm packages, our class and tasks', async () => {
    const env = await project.recipeEnv('docker-test');
    await expectLoaderRecipe(env, 'docker', 'docker.io, apparmor', 'docker.service');
    expect(env.setBy('CONTAINER_ENGINE')).toEqual([OURS('docker-loader')]);
    expect(env.get('CONTAINER_DELETE_AFTER_LOAD')).toBe('1');
    expect(env.get('DPKG_ARCH')).toBe('arm64');
    expect(env.get('DEBIAN_MULTI_ARCH')).toBe('allowed');
  });

  it('podman-loader, registry-loader, container-loader with CONTAINER_ENGINE, and the old .inc', async () => {
    const podman = await project.recipeEnv('podman-test');
    await expectLoaderRecipe(podman, 'podman', 'podman', 'podman.socket');
    expect(podman.setBy('CONTAINER_ENGINE')).toEqual([OURS('podman-loader')]);
    expect(podman.get('CONTAINER_DELETE_AFTER_LOAD')).toBe('0');

    const registry = await project.recipeEnv('registry-test');
    await expectLoaderRecipe(registry, 'registry', 'docker-registry', 'docker-registry.service');
    expect(registry.get('CONTAINER_REGISTRY_URL')).toBe('http://127.0.0.1:9');

    // Isar's container-loader leaves CONTAINER_ENGINE_PACKAGES undefined here; ours defaults it per engine.
    const direct = await project.recipeEnv('direct-test');
    await expectLoaderRecipe(direct, 'podman', 'podman', 'podman.socket');

    const oldInc = await project.recipeEnv('oldinc-test');
    await expectLoaderRecipe(oldInc, 'registry', 'docker-registry', 'docker-registry.service');
    expect(oldInc.get('CONTAINER_REGISTRY_URL')).toBe('http://127.0.0.1:5000');
  });

  it('the tasks install the bundle, the config, image.list with the archives, and the unit', async () => {
    const result = await project.bitbake([
      '-c',
      'prepare_build',
      'docker-test',
      'registry-test',
      'bundle-test',
    ]);
    expect(result.code, result.output.slice(-4000)).toBe(0);

    const docker = project.workdir('docker-test');
    const share = join(docker, 'src/image/usr/share/docker-test');
    expect(await readFile(join(share, 'container-loader.mjs'))).toEqual(await readFile(BUNDLE));
    expect(await readFile(join(share, 'image.list'), 'utf8')).toBe(
      'quay.io.libpod.alpine:3.10.2.zst quay.io/libpod/alpine:3.10.2\n' +
        'docker.io.library.debian:latest.zst docker.io/library/debian:latest\n',
    );
    // The SBOM isar-fetch unpack put beside an archive is packaged under sbom/; an image without one has none.
    expect(await readdir(join(share, 'sbom'))).toEqual(['quay.io.libpod.alpine:3.10.2.cdx.json']);
    // Hard-linked from WORKDIR, not copied.
    const archive = 'quay.io.libpod.alpine:3.10.2.zst';
    expect((await stat(join(share, 'images', archive))).ino).toBe((await stat(join(docker, archive))).ino);
    expect(await readFile(join(docker, 'src/image/etc/docker-test.conf'), 'utf8')).toContain(
      'CONTAINER_ENGINE=docker\nIMAGES_DIR=/usr/share/docker-test/images\nIMAGE_LIST=/usr/share/docker-test/image.list\n',
    );
    expect(await readFile(join(docker, 'src/image/etc/docker-test.conf'), 'utf8')).toContain(
      'DELETE_AFTER_LOAD=1\n',
    );
    const unit = await readFile(join(docker, 'src/debian/docker-test.service'), 'utf8');
    expect(unit).toContain('After=docker.service\nRequires=docker.service\n');
    expect(unit).toContain(
      'ExecStart=/usr/bin/node /usr/share/docker-test/container-loader.mjs --config /etc/docker-test.conf\n',
    );
    expect(await readFile(join(docker, 'src/debian/rules'), 'utf8')).toContain('dh_builddeb -- -Znone');

    const bundle = join(
      project.workdir('bundle-test'),
      'src/image/usr/share/bundle-test/container-loader.mjs',
    );
    expect(await readFile(bundle, 'utf8')).toBe('// a bundle kept outside the layer\n');
    expect(
      await readFile(
        join(project.workdir('bundle-test'), 'src/image/usr/share/bundle-test/image.list'),
        'utf8',
      ),
    ).toBe('');
  });

  it('the packaged loader reads the config and image.list the tasks wrote', async () => {
    // Runs after the task test. The device paths are redirected into the package tree by flags (which win
    // over the config file); engine and registry URL come from the generated config. Nothing listens on
    // port 9, so every image fails ENGINE_UNAVAILABLE: proof that both files were read, not of a load.
    const image = join(project.workdir('registry-test'), 'src/image');
    const share = join(image, 'usr/share/registry-test');
    const args = [join(share, 'container-loader.mjs'), '--config', join(image, 'etc/registry-test.conf')];
    args.push('--images-dir', join(share, 'images'), '--list', join(share, 'image.list'), '--json');
    const result = await run(process.execPath, args).catch((error) => error);
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.engine).toBe('registry');
    expect(report.source).toBe(`list:${join(share, 'image.list')}`);
    expect(
      report.results.map((r: { file: string; line: number; code: string }) => [r.file, r.line, r.code]),
    ).toEqual([
      ['quay.io.libpod.alpine:3.10.2.zst', 1, 'ENGINE_UNAVAILABLE'],
      ['ghcr.io.example.app:2.zst', 2, 'ENGINE_UNAVAILABLE'],
    ]);
    expect(result.stderr).toContain('127.0.0.1:9');
  });

  it('an unknown CONTAINER_ENGINE, or a bundle that is not there, fails the parse and says why', async () => {
    await project.writeRecipe('bad-engine_1.0.bb', 'inherit container-loader\nCONTAINER_ENGINE = "cri-o"\n');
    const badEngine = await project.bitbake(['-e', 'bad-engine']);
    await project.removeRecipe('bad-engine_1.0.bb');
    expect(badEngine.code).not.toBe(0);
    expect(badEngine.output).toContain(
      'bad-engine: CONTAINER_ENGINE is "cri-o"; container-loader supports docker',
    );

    await project.writeRecipe(
      'no-bundle_1.0.bb',
      'inherit podman-loader\nCONTAINER_LOADER_BUNDLE = "/nowhere/x.mjs"\n',
    );
    const noBundle = await project.bitbake(['-e', 'no-bundle']);
    await project.removeRecipe('no-bundle_1.0.bb');
    expect(noBundle.code).not.toBe(0);
    expect(noBundle.output).toContain('/nowhere/x.mjs');
  });

  it.skipIf(!ISAR_DIR)(
    "Isar's two example recipes, unchanged: variables, then image.list from the tasks",
    async () => {
      const docker = await project.recipeEnv('prebuilt-docker-img');
      await expectLoaderRecipe(docker, 'docker', 'docker.io, apparmor', 'docker.service');
      expect(docker.setBy('CONTAINER_ENGINE')).toEqual([OURS('docker-loader')]);
      expect(docker.get('CONTAINER_DELETE_AFTER_LOAD')).toBe('1');
      const podman = await project.recipeEnv('prebuilt-podman-img');
      await expectLoaderRecipe(podman, 'podman', 'podman', 'podman.socket');

      const result = await project.bitbake([
        '-c',
        'prepare_build',
        'prebuilt-docker-img',
        'prebuilt-podman-img',
      ]);
      expect(result.code, result.output.slice(-4000)).toBe(0);
      const list = (pn: string) =>
        readFile(join(project.workdir(pn, '0.1'), `src/image/usr/share/${pn}/image.list`), 'utf8');
      expect(await list('prebuilt-docker-img')).toBe(
        'quay.io.libpod.alpine:3.10.2.zst quay.io/libpod/alpine:3.10.2\n',
      );
      expect(await list('prebuilt-podman-img')).toBe(
        'quay.io.libpod.alpine:latest.zst quay.io/libpod/alpine:latest\n',
      );
    },
  );
});

/**
 * Isar's meta layer calls bb.persist_data, which current bitbake no longer has, so it is parsed with the
 * bitbake Isar pins in its own tree (ISAR_DIR/bitbake), as an Isar user runs it.
 */
describe.skipIf(!ISAR_DIR)("loader classes on Isar's real meta layer (ISAR_DIR, Isar's bitbake)", () => {
  const projects: LoaderProject[] = [];
  const isarProject = async (ourLayerFirst: boolean) => {
    const isar = ISAR_DIR as string;
    const project = await LoaderProject.create({
      bitbakeDir: join(isar, 'bitbake'),
      layers: () => {
        const upstream = [join(isar, 'meta'), join(isar, 'meta-isar')];
        return ourLayerFirst ? [LAYER_DIR, ...upstream] : [...upstream, LAYER_DIR];
      },
      localConf: isarLocalConf('debian-trixie'),
    });
    projects.push(project);
    return project;
  };

  afterAll(async () => {
    for (const project of projects) await project.dispose();
  });

  it('our layer listed first: the examples parse unchanged on Isar, with our classes over its dpkg-raw', async () => {
    const project = await isarProject(true);
    await project.writeRecipe('registry-test_1.0.bb', `inherit registry-loader\nSRC_URI += "${ALPINE}"\n`);
    // Isar's own transitional include ("inherit docker-loader") must land on our class too.
    await project.writeRecipe(
      'isar-inc-test_1.0.bb',
      'require recipes-support/container-loader/docker-loader.inc\n',
    );

    const docker = await project.recipeEnv('prebuilt-docker-img');
    // trixie: DOCKER_PKGS without a codename override, the client split out of docker.io.
    await expectLoaderRecipe(docker, 'docker', 'docker-cli, docker.io, apparmor', 'docker.service');
    expect(docker.setBy('CONTAINER_ENGINE')).toEqual([OURS('docker-loader')]);
    expect(docker.get('CONTAINER_DELETE_AFTER_LOAD')).toBe('1');
    expect(docker.get('DPKG_ARCH')).toBe('amd64');
    // D comes from Isar's real dpkg-raw, so the class chain below ours is Isar's.
    expect(docker.setBy('D')).toContain(join(ISAR_DIR as string, 'meta/classes-recipe/dpkg-raw.bbclass'));

    const podman = await project.recipeEnv('prebuilt-podman-img');
    await expectLoaderRecipe(podman, 'podman', 'podman', 'podman.socket');
    expect(podman.setBy('CONTAINER_ENGINE')).toEqual([OURS('podman-loader')]);

    const registry = await project.recipeEnv('registry-test');
    await expectLoaderRecipe(registry, 'registry', 'docker-registry', 'docker-registry.service');

    const viaIsarInc = await project.recipeEnv('isar-inc-test');
    expect(viaIsarInc.setBy('CONTAINER_ENGINE')).toEqual([OURS('docker-loader')]);
  });

  it('our layer listed after Isar meta: ours win only if conf/layer.conf prepends to BBPATH', async () => {
    // bitbake takes the first classes-recipe/<name>.bbclass along BBPATH. A layer.conf that appends
    // (BBPATH .= ":${LAYERDIR}") puts us behind Isar's meta when listed after it, so Isar's class wins;
    // one that prepends (BBPATH =. "${LAYERDIR}:") wins in any order.
    const layerConf = await readFile(join(LAYER_DIR, 'conf/layer.conf'), 'utf8');
    const prepends = /^BBPATH\s*=\.\s*"\$\{LAYERDIR\}:"/m.test(layerConf);
    const project = await isarProject(false);
    const docker = await project.recipeEnv('prebuilt-docker-img');
    const isarClass = join(ISAR_DIR as string, 'meta/classes-recipe/docker-loader.bbclass');
    expect(docker.setBy('CONTAINER_ENGINE')).toEqual([prepends ? OURS('docker-loader') : isarClass]);
    expect(docker.words('SRC_URI').includes('file://container-loader.sh.tmpl')).toBe(!prepends);
  });

  it("the distro's Node.js decides: bookworm, trixie and noble depend on nodejs (>= 18.19); bullseye and jammy are refused at parse", async () => {
    const project = await isarProject(true);
    for (const [distro, codename] of [
      ['debian-bookworm', 'bookworm'],
      ['debian-trixie', 'trixie'],
      ['ubuntu-noble', 'noble'],
    ]) {
      await project.write({ 'build/conf/local.conf': isarLocalConf(distro as string) });
      const env = await project.recipeEnv('prebuilt-docker-img');
      expect(env.get('BASE_DISTRO_CODENAME')).toBe(codename);
      expect(env.get('DEBIAN_DEPENDS')?.trim(), distro).toMatch(/, nodejs \(>= 18\.19\), zstd$/);
    }
    for (const [distro, codename, node] of [
      ['debian-bullseye', 'bullseye', '12.22'],
      ['ubuntu-jammy', 'jammy', '12.22'],
    ]) {
      await project.write({ 'build/conf/local.conf': isarLocalConf(distro as string) });
      const refused = await project.bitbake(['-e', 'prebuilt-docker-img']);
      expect(refused.code, distro).not.toBe(0);
      expect(refused.output).toContain(
        `prebuilt-docker-img was skipped: prebuilt-docker-img: DISTRO ${distro} (${codename}) ships Node.js ${node}, and container-loader needs ` +
          'Node.js 18.19 or later. Build for a distro that has it (debian-bookworm, debian-trixie, ubuntu-noble ' +
          'or later), or, if this image gets a nodejs >= 18.19 package from elsewhere, set ' +
          'CONTAINER_LOADER_NODEJS_CHECK = "0"',
      );
    }
    // Skipped, not fatal: the rest of a (multiconfig) build for that distro still parses.
    expect((await project.recipeEnv('hello-isar')).get('BASE_DISTRO_CODENAME')).toBe('jammy');
    // The way out for an image that brings its own Node.js: the check off, the dependency kept for apt.
    await project.write({
      'build/conf/local.conf': isarLocalConf('debian-bullseye', 'CONTAINER_LOADER_NODEJS_CHECK = "0"\n'),
    });
    const ownNode = await project.recipeEnv('prebuilt-docker-img');
    expect(ownNode.get('DEBIAN_DEPENDS')?.trim()).toBe('docker.io, apparmor, nodejs (>= 18.19), zstd');
  });
});
