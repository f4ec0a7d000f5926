import { familiarReference } from '@isar/oci-registry';
import { openDecompressedTar } from '../archive/decompressed-tar.js';
import type { PlannedImage } from '../archive/image-plan.js';
import { readVerifiedArchive } from '../archive/read-verified.js';
import { LoaderError } from '../errors.js';
import type { ImageName } from '../inputs/image-name.js';
import { runCommand } from '../process/run-command.js';
import type { Engine, LoadedImage, PreparedArchive } from './engine.js';

export type CliEngineName = 'docker' | 'podman';

/** Environment variables that name the engine's binary (this machine's /usr/local/bin/docker is another client). */
export const BINARY_VARIABLES: Readonly<Record<CliEngineName, string>> = {
  docker: 'CONTAINER_LOADER_DOCKER',
  podman: 'CONTAINER_LOADER_PODMAN',
};

/** What docker and podman print when a name is unknown, as opposed to "cannot reach the engine". */
const NO_SUCH_IMAGE = /no such (image|object)|image not known|not found/i;

/**
 * docker or podman, driven through its CLI exactly as an operator would: `DOCKER_HOST`,
 * `CONTAINERS_STORAGE_CONF` and friends reach it through the environment. Archives are decompressed on the
 * fly into `<engine> load` on stdin; names are then looked up again and must point at the archive's image.
 */
export class CliEngine implements Engine {
  readonly name: CliEngineName;
  readonly binary: string;
  private readonly env: Readonly<Record<string, string | undefined>>;

  constructor(name: CliEngineName, env: Readonly<Record<string, string | undefined>>) {
    this.name = name;
    this.binary = env[BINARY_VARIABLES[name]] || name;
    this.env = env;
  }

  async probe(signal?: AbortSignal): Promise<void> {
    // docker: the server version proves the daemon answers; podman has no daemon, its client suffices.
    const format = this.name === 'docker' ? '{{.Server.Version}}' : '{{.Client.Version}}';
    const result = await this.run(['version', '--format', format], signal);
    if (result.code !== 0 || result.stdout.trim() === '') {
      throw new LoaderError(
        'ENGINE_UNAVAILABLE',
        `${this.binary} does not answer (exit ${result.code}): ${lastLine(result.stderr) || 'no output'}`,
      );
    }
  }

  /** docker stores Docker Hub names in their familiar form; podman keeps them fully qualified. */
  targetName(name: ImageName): string {
    return this.name === 'docker' ? familiarReference(name.reference) : name.full;
  }

  async lookup(name: ImageName, signal?: AbortSignal): Promise<string | undefined> {
    const result = await this.run(['image', 'inspect', '--format', '{{.Id}}', this.targetName(name)], signal);
    if (result.code === 0) return result.stdout.trim().split('\n')[0];
    if (NO_SUCH_IMAGE.test(result.stderr)) return undefined;
    throw new LoaderError(
      'ENGINE_UNAVAILABLE',
      `${this.binary} image inspect ${this.targetName(name)} failed: ${lastLine(result.stderr)}`,
    );
  }

  async prepare(path: string, signal?: AbortSignal): Promise<PreparedArchive> {
    const contents = await readVerifiedArchive(path, signal ? { signal } : {});
    return { path, contents, dispose: async () => {} };
  }

  async load(
    archive: PreparedArchive,
    plan: readonly PlannedImage[],
    signal?: AbortSignal,
  ): Promise<LoadedImage[]> {
    const input = await openDecompressedTar(archive.path, signal);
    const loaded = await runCommand(this.binary, ['load'], { env: this.env, input, signal });
    if (loaded.code !== 0) {
      throw new LoaderError(
        'LOAD_FAILED',
        `${this.binary} load failed (exit ${loaded.code}): ${lastLine(loaded.stderr) || lastLine(loaded.stdout)}`,
      );
    }
    const results: LoadedImage[] = [];
    for (const { name, image } of plan) {
      const wanted = image.configDigest.slice('sha256:'.length);
      const target = this.targetName(name);
      // A renamed list entry, or a name the engine derived differently (podman reading index.json): tag by ID.
      if (idHex(await this.lookup(name, signal)) !== wanted) {
        const id = this.name === 'docker' ? image.configDigest : wanted;
        const tagged = await this.run(['tag', id, target], signal);
        if (tagged.code !== 0) {
          throw new LoaderError(
            'LOAD_FAILED',
            `${this.binary} tag ${id} ${target} failed: ${lastLine(tagged.stderr)}`,
          );
        }
      }
      const present = idHex(await this.lookup(name, signal));
      if (present !== wanted) {
        throw new LoaderError(
          'NOT_CONFIRMED',
          `after loading, ${target} is ${present ? `image ${present.slice(0, 12)}` : 'missing'}, not ${wanted.slice(0, 12)}`,
        );
      }
      results.push({ name: name.full, target, digest: image.configDigest });
    }
    return results;
  }

  async close(): Promise<void> {}

  private run(args: string[], signal?: AbortSignal) {
    return runCommand(this.binary, args, { env: this.env, ...(signal ? { signal } : {}) });
  }
}

/** docker prints `sha256:<hex>`, podman `<hex>`. */
function idHex(id: string | undefined): string | undefined {
  return id?.replace(/^sha256:/, '');
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}
