/**
 * The layer's unit and config templates on a device: a Debian trixie root (the test kit's DEVICE_ROOTS, with
 * systemd and docker-registry), the files rendered the way Isar's do_transform_template renders them
 * (envsubst with only TEMPLATE_VARS: Isar's defaults plus what container-loader.bbclass adds) and installed
 * where the package puts them. systemd-analyze verifies the unit inside the root, systemctl enables it as the
 * package's postinst does, and the unit's ExecStart line, run by hand under chroot with a service's PATH,
 * pushes archives made by isar-fetch (as the Isar build makes them) into a registry.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  buildImage,
  cachedRootfs,
  DEVICE_ROOTS,
  type DeviceRoot,
  openDeviceRoot,
  pushImage,
  type Registry,
  rootfsUnavailable,
  runChecked,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, LAYER_DIR } from './loader-project.js';

const run = promisify(execFile);
const unavailable = rootfsUnavailable();
if (unavailable) console.warn(`loader unit in a trixie root: skipped: ${unavailable}`);

const FILES = join(LAYER_DIR, 'recipes-support/isar-container-loader/files');
const ISAR_FETCH = fileURLToPath(new URL('../../../apps/isar-fetch/bin/isar-fetch.js', import.meta.url));
/** Isar's meta/classes-global/template.bbclass: TEMPLATE_VARS ?= "..." */
const ISAR_TEMPLATE_VARS = ['BPN', 'PN', 'PV', 'DESCRIPTION', 'HOMEPAGE', 'MAINTAINER', 'DISTRO_ARCH'];
const PKG = 'my-containers';

/** The names container-loader.bbclass adds with `TEMPLATE_VARS += "..."`. */
async function classTemplateVars(): Promise<string[]> {
  const text = await readFile(join(LAYER_DIR, 'classes-recipe/container-loader.bbclass'), 'utf8');
  const added = /^TEMPLATE_VARS \+= "([^"]*)"/m.exec(text)?.[1];
  if (added === undefined) throw new Error('container-loader.bbclass adds no TEMPLATE_VARS');
  return added.replaceAll('\\\n', ' ').split(/\s+/).filter(Boolean);
}

/** As do_transform_template: `envsubst '${A} ${B}...'` with those variables set from the datastore. */
async function render(template: string, names: string[], values: Record<string, string>): Promise<string> {
  const shellFormat = names.map((name) => `\${${name}}`).join(' ');
  const env = {
    ...process.env,
    ...Object.fromEntries(names.flatMap((n) => (values[n] ? [[n, values[n]]] : []))),
  };
  const { stdout } = await runChecked('envsubst', [shellFormat], {
    input: await readFile(join(FILES, template)),
    env,
  });
  return stdout;
}

describe.skipIf(unavailable)("the layer's systemd unit and config in a Debian trixie root", () => {
  let source: Registry;
  let device: Registry;
  let work: TmpDir;
  let root: DeviceRoot;
  let unit: string;
  let archives: { file: string; name: string; configDigest: string }[];

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "pnpm build"`);
    [source, device, work] = await Promise.all([startRegistry(), startRegistry(), tmpDir('loader-unit-')]);
    root = await openDeviceRoot(await cachedRootfs(DEVICE_ROOTS.trixie));

    const values: Record<string, string> = {
      BPN: PKG,
      PN: PKG,
      PV: '1.0',
      DISTRO_ARCH: 'amd64',
      // What registry-loader.bbclass sets, with the kit's registry where the device's would be.
      CONTAINER_ENGINE: 'registry',
      CONTAINER_ENGINE_SERVICE: 'docker-registry.service',
      CONTAINER_DELETE_AFTER_LOAD: '1',
      CONTAINER_REGISTRY_URL: device.url,
    };
    const names = [...ISAR_TEMPLATE_VARS, ...(await classTemplateVars())];
    unit = await render('container-loader.service.tmpl', names, values);
    const config = await render('container-loader.conf.tmpl', names, values);
    // dh_installsystemd puts debian/<pkg>.service here; do_install puts the rest.
    await root.writeFile(`/usr/lib/systemd/system/${PKG}.service`, unit);
    await root.writeFile(`/etc/${PKG}.conf`, config);
    const share = await root.hostPath(`/usr/share/${PKG}`);
    await mkdir(join(share, 'images'), { recursive: true });
    await copyFile(BUNDLE, join(share, 'container-loader.mjs'));

    // Two images fetched and unpacked by isar-fetch as the build does, listed as do_install_fetched_containers lists them.
    archives = [];
    for (const [repository, seed] of [
      ['apps/web', 1701],
      ['library/db', 1702],
    ] as const) {
      const image = await buildImage({ seed, layers: [0, 40_000] });
      await pushImage(image, `${source.host}/${repository}:1`);
      const url = `docker://${source.host}/${repository};tag=1`;
      const common = ['--dl-dir', join(work.path, 'dl'), '--arch', 'amd64'];
      await run(process.execPath, [ISAR_FETCH, 'fetch', url, ...common, '--json', '--quiet']);
      const unpacked = await run(process.execPath, [
        ISAR_FETCH,
        'unpack',
        url,
        ...common,
        '--workdir',
        work.path,
      ]);
      const file = `${source.host}.${repository.replaceAll('/', '.')}:1.zst`;
      expect(unpacked.stdout.trim()).toBe(join(work.path, file));
      await copyFile(join(work.path, file), join(share, 'images', file));
      archives.push({
        file,
        name: `${source.host}/${repository}:1`,
        configDigest: image.manifests[0]?.configDigest ?? '',
      });
    }
    await root.writeFile(
      `/usr/share/${PKG}/image.list`,
      archives.map((a) => `${a.file} ${a.name}\n`).join(''),
    );
  }, 600_000);

  afterAll(async () => {
    await root?.cleanup();
    await Promise.all([source?.stop(), device?.stop(), work?.cleanup()]);
  });

  it('renders completely: no placeholder left, the engine unit and the package paths filled in', () => {
    expect(unit).not.toMatch(/\$\{/);
    expect(unit).toContain('After=docker-registry.service\nRequires=docker-registry.service\n');
    expect(unit).toContain(
      `ExecStart=/usr/bin/node /usr/share/${PKG}/container-loader.mjs --config /etc/${PKG}.conf\n`,
    );
  });

  it('systemd-analyze verify accepts it in the root; systemctl enables it as the postinst does', async () => {
    const verify = await root.run('systemd-analyze', ['verify', `/usr/lib/systemd/system/${PKG}.service`]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr.trim()).toBe('');
    const enable = await root.run('systemctl', ['enable', `${PKG}.service`]);
    expect(enable.code, enable.stderr).toBe(0);
    // The link is absolute, meant for the device: read it, do not follow it on the host.
    const wants = await root.hostPath(`/etc/systemd/system/multi-user.target.wants/${PKG}.service`);
    expect(await readlink(wants)).toBe(`/usr/lib/systemd/system/${PKG}.service`);
  });

  it('its ExecStart, run by hand: pushes every image with the settings of the rendered config; the next boot skips', async () => {
    const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
    const [command, ...args] = execStart;
    expect(command).toBe('/usr/bin/node');
    const boot = () => root.run(command as string, args, { signal: AbortSignal.timeout(120_000) });

    const first = await boot();
    expect(first.code, first.stdout + first.stderr).toBe(0);
    for (const [index, archive] of archives.entries()) {
      expect(first.stdout).toMatch(
        new RegExp(
          `^loaded ${archive.file.replaceAll('.', '\\.')} \\(line ${index + 1}\\) into registry`,
          'm',
        ),
      );
      const [repository] = archive.name.slice(source.host.length + 1).split(':');
      const manifest = await fetch(`${device.url}/v2/${repository}/manifests/1`, {
        headers: {
          accept:
            'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
        },
      });
      expect(manifest.status).toBe(200);
      expect(((await manifest.json()) as { config: { digest: string } }).config.digest).toBe(
        archive.configDigest,
      );
      // DELETE_AFTER_LOAD=1 from the rendered config: gone once confirmed.
      expect(existsSync(await root.hostPath(`/usr/share/${PKG}/images/${archive.file}`))).toBe(false);
    }

    const second = await boot();
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout.match(/^skipped /gm)).toHaveLength(2);
  });
});
