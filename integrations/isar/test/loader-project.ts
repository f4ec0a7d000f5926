/**
 * A throw-away bitbake project for the loader classes: a build directory, the layers given (in BBLAYERS
 * order), and a layer of recipes the test writes. bitbake is the real program, run under `timeout`; it is
 * never copied here (BITBAKE_DIR, or ISAR_DIR/bitbake for Isar's pinned one).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const LAYER_DIR = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
export const BUNDLE = fileURLToPath(
  new URL('../../../apps/container-loader/dist/container-loader.mjs', import.meta.url),
);

/** bitbake refuses to start without en_US.UTF-8; where the system lacks it, one is compiled once. */
export async function localeEnv(): Promise<Record<string, string>> {
  const base = { LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' };
  const { stdout } = await run('locale', ['-a']);
  if (/^en_US\.utf-?8$/im.test(stdout)) return base;
  const dir = join(tmpdir(), 'isar-loader-locale');
  if (!existsSync(join(dir, 'en_US.UTF-8', 'LC_CTYPE'))) {
    await mkdir(dir, { recursive: true });
    await run('localedef', ['-i', 'en_US', '-f', 'UTF-8', join(dir, 'en_US.UTF-8')]);
  }
  // bitbake wipes its environment; LOCPATH must be let through or its server cannot find the locale.
  return { ...base, LOCPATH: dir, BB_ENV_PASSTHROUGH_ADDITIONS: 'LOCPATH' };
}

export interface BitbakeRun {
  code: number;
  output: string;
}

export class LoaderProject {
  readonly build: string;
  readonly recipes: string;

  private constructor(
    readonly root: string,
    private readonly bitbakeBin: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.build = join(root, 'build');
    this.recipes = join(root, 'test-layer', 'recipes');
  }

  /** `layers` come first in BBLAYERS, in that order; the test recipes' layer last. */
  static async create(options: {
    bitbakeDir: string;
    layers: (root: string) => string[];
    files?: Record<string, string>;
    localConf: string;
  }): Promise<LoaderProject> {
    const root = await mkdtemp(join(tmpdir(), 'isar-loader-'));
    const bin = join(options.bitbakeDir, 'bin');
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: root, ...(await localeEnv()) };
    const project = new LoaderProject(root, join(bin, 'bitbake'), env);
    const layers = [...options.layers(root), join(root, 'test-layer')];
    await project.write({
      ...options.files,
      'build/conf/bblayers.conf': `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${layers.join(' ')}"\n`,
      'build/conf/local.conf': options.localConf,
      'test-layer/conf/layer.conf': `BBPATH .= ":\${LAYERDIR}"
BBFILES += "\${LAYERDIR}/recipes/*.bb"
BBFILE_COLLECTIONS += "loadertest"
BBFILE_PATTERN_loadertest = "^\${LAYERDIR}/"
BBFILE_PRIORITY_loadertest = "8"
LAYERSERIES_COMPAT_loadertest = "v0.6"
`,
    });
    await mkdir(project.recipes, { recursive: true });
    return project;
  }

  /** Writes files relative to the project root. */
  async write(files: Record<string, string>): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(this.root, path)), { recursive: true });
      await writeFile(join(this.root, path), content);
    }
  }

  async writeRecipe(file: string, content: string): Promise<void> {
    await writeFile(join(this.recipes, file), content);
  }

  async removeRecipe(file: string): Promise<void> {
    await rm(join(this.recipes, file), { force: true });
  }

  /** Runs bitbake in the build directory; never longer than `seconds` (then killed, hard after 10 s more). */
  async bitbake(args: string[], seconds = 300): Promise<BitbakeRun> {
    const result = await run('timeout', ['-k', '10', String(seconds), this.bitbakeBin, ...args], {
      cwd: this.build,
      env: this.env,
      maxBuffer: 256 * 1024 * 1024,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, output: `${stdout}${stderr}` }),
      (error) => ({ code: Number(error.code ?? 1), output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
    );
    if (result.code === 124) throw new Error(`bitbake ${args.join(' ')} timed out after ${seconds} s`);
    return result;
  }

  /** `bitbake -e <recipe>`, parsed; a failed parse throws with bitbake's output. */
  async recipeEnv(recipe: string): Promise<BitbakeEnv> {
    const result = await this.bitbake(['-e', recipe]);
    if (result.code !== 0) throw new Error(`bitbake -e ${recipe} failed:\n${result.output.slice(-4000)}`);
    return new BitbakeEnv(result.output);
  }

  /** WORKDIR of a recipe built by the stand-in (TMPDIR/work/PN-PV-r0). */
  workdir(pn: string, pv = '1.0'): string {
    return join(this.build, 'tmp', 'work', `${pn}-${pv}-r0`);
  }

  /** Removes the project once its bitbake server has gone (it removes its socket on exit; 30 s at most). */
  async dispose(): Promise<void> {
    for (let i = 0; i < 60 && existsSync(join(this.build, 'bitbake.sock')); i++) await sleep(500);
    await rm(this.root, { recursive: true, force: true });
  }
}

/** The variables and their history as `bitbake -e` prints them. */
export class BitbakeEnv {
  private readonly values = new Map<string, string>();
  private readonly history = new Map<string, string[]>();

  constructor(readonly text: string) {
    const lines = text.split('\n');
    let comments: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (line.startsWith('#')) {
        comments.push(line);
        continue;
      }
      const match = /^(?:export )?([A-Za-z0-9_:\-.]+)="(.*)$/.exec(line);
      if (match?.[1] !== undefined && match[2] !== undefined) {
        // Multi-line values continue with a trailing backslash; the value ends at the closing quote.
        let value = match[2];
        while (!/(^|[^\\])"$/.test(value) && i + 1 < lines.length) value += `\n${lines[++i]}`;
        this.values.set(match[1], value.slice(0, -1).replace(/\\\n/g, '\n'));
        this.history.set(match[1], comments);
      }
      comments = [];
    }
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** A value split at whitespace. */
  words(name: string): string[] {
    return (this.get(name) ?? '').split(/\s+/).filter(Boolean);
  }

  /** The files (without line numbers) whose statements set the variable, from the history comments. */
  setBy(name: string): string[] {
    return (this.history.get(name) ?? [])
      .map((line) => /^#\s+(?:\S+\s)?(\/\S+):\d+$/.exec(line)?.[1])
      .filter((file): file is string => file !== undefined);
  }

  /** Each task and the tasks it runs after, from bitbake's own _task_deps. */
  async taskParents(): Promise<Record<string, string[]>> {
    const source = this.get('_task_deps');
    if (!source) throw new Error('no _task_deps in bitbake -e output');
    const { stdout } = await run('python3', [
      '-c',
      'import ast, json, sys; print(json.dumps(ast.literal_eval(sys.argv[1])["parents"]))',
      source,
    ]);
    return JSON.parse(stdout);
  }
}
