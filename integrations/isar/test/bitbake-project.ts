/**
 * A minimal bitbake project for driving the REAL bitbake (server, runqueue, workers) against this layer:
 * a stand-in for Isar's meta layer (collection "core", a base class whose do_fetch / do_unpack / do_cleanall
 * call bb.fetch2.Fetch as Isar's meta/classes-global/base.bbclass does), this repository's layer, and recipes
 * the test writes. bitbake itself comes from BITBAKE_DIR and is never copied here.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const LAYER_DIR = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
export const ISAR_FETCH_JS = fileURLToPath(
  new URL('../../../apps/isar-fetch/bin/isar-fetch.js', import.meta.url),
);

/** Where bitbake is checked out, or undefined (the real-bitbake tests are then skipped). */
export const BITBAKE_DIR = process.env.BITBAKE_DIR || undefined;

/**
 * bitbake refuses to start without the en_US.UTF-8 locale. Where the system has none, one is compiled once
 * into a cache dir under the temp dir and handed to bitbake through LOCPATH.
 */
export async function localeEnv(): Promise<Record<string, string>> {
  const base = { LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' };
  const { stdout } = await run('locale', ['-a']);
  if (/^en_US\.utf-?8$/im.test(stdout)) return base;
  const dir = join(tmpdir(), 'isar-bitbake-locale');
  if (!existsSync(join(dir, 'en_US.UTF-8', 'LC_CTYPE'))) {
    await mkdir(dir, { recursive: true });
    await run('localedef', ['-i', 'en_US', '-f', 'UTF-8', join(dir, 'en_US.UTF-8')]);
  }
  return { ...base, LOCPATH: dir };
}

export interface Recipe {
  name: string;
  srcUri: string;
  /** Debian architecture (PACKAGE_ARCH). */
  arch: string;
}

export interface BitbakeResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  seconds: number;
}

/** Marks every process of one project (bitbake keeps it in the environment through BB_ENV_PASSTHROUGH_ADDITIONS). */
const MARKER = 'ISAR_BITBAKE_TEST_PROJECT';

export class BitbakeProject {
  readonly meta: string;
  readonly build: string;
  readonly dlDir: string;

  private constructor(
    readonly root: string,
    private readonly baseEnv: Record<string, string>,
  ) {
    this.meta = join(root, 'meta');
    this.build = join(root, 'build');
    this.dlDir = join(root, 'downloads');
  }

  /** Writes the layers and configuration; `localConf` lines are appended to local.conf. */
  static async create(localConf: string[] = []): Promise<BitbakeProject> {
    if (!BITBAKE_DIR) throw new Error('BITBAKE_DIR is not set');
    const root = await mkdtemp(join(tmpdir(), 'isar-bitbake-'));
    const locale = await localeEnv();
    const env = {
      PATH: `${join(BITBAKE_DIR, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: root,
      [MARKER]: root,
      // bitbake drops every variable it is not told to keep; the server checks the locale itself.
      BB_ENV_PASSTHROUGH_ADDITIONS: [MARKER, ...Object.keys(locale)].join(' '),
      ...locale,
    };
    const project = new BitbakeProject(root, env);
    await project.writeLayers();
    await project.writeConf(localConf);
    return project;
  }

  private async writeLayers(): Promise<void> {
    const files: Record<string, string> = {
      'conf/layer.conf': LAYER_CONF,
      'conf/bitbake.conf': BITBAKE_CONF,
      'classes/base.bbclass': BASE_CLASS,
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(this.meta, path)), { recursive: true });
      await writeFile(join(this.meta, path), text);
    }
    await mkdir(join(this.meta, 'recipes'), { recursive: true });
  }

  private async writeConf(localConf: string[]): Promise<void> {
    await mkdir(join(this.build, 'conf'), { recursive: true });
    await writeFile(
      join(this.build, 'conf', 'bblayers.conf'),
      `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${this.meta} ${LAYER_DIR}"\n`,
    );
    await this.setLocalConf(localConf);
  }

  /** Rewrites local.conf: the project's settings, then `extra`. */
  async setLocalConf(extra: string[] = []): Promise<void> {
    const lines = [
      `DL_DIR = "${this.dlDir}"`,
      'BB_NUMBER_THREADS = "4"',
      'INHERIT += "isar-fetch"',
      `ISAR_FETCH = "${process.execPath} ${ISAR_FETCH_JS}"`,
      'ZSTD_DEFAULTS = "--threads=1 -3"',
      // Recipes other parts of the layer ship (loaders) need Isar's dpkg classes: not parsed here.
      `BBMASK = "^${LAYER_DIR}/recipes-"`,
      ...extra,
      '',
    ];
    await writeFile(join(this.build, 'conf', 'local.conf'), lines.join('\n'));
  }

  async writeRecipes(recipes: Recipe[]): Promise<void> {
    const dir = join(this.meta, 'recipes');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    for (const r of recipes) {
      await writeFile(join(dir, `${r.name}.bb`), `SRC_URI = "${r.srcUri}"\nPACKAGE_ARCH = "${r.arch}"\n`);
    }
  }

  workdir(recipe: string): string {
    return join(this.build, 'tmp', 'work', recipe);
  }

  async removeStamps(): Promise<void> {
    await rm(join(this.build, 'tmp', 'stamps'), { recursive: true, force: true });
  }

  /** Starts bitbake; the caller waits with {@link BitbakeRun.done} or kills it. */
  start(args: string[], env: Record<string, string> = {}): BitbakeRun {
    const started = performance.now();
    const child = spawn('bitbake', args, {
      cwd: this.build,
      env: { ...this.baseEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b) => {
      output += b;
    });
    child.stderr.on('data', (b) => {
      output += b;
    });
    const done = new Promise<BitbakeResult>((resolve) => {
      child.on('close', (code, signal) =>
        resolve({ code, signal, output, seconds: (performance.now() - started) / 1000 }),
      );
    });
    return { child, done, output: () => output };
  }

  /** Runs bitbake to the end (killed after `timeoutMs`: a hang is a failure, not a stuck test run). */
  async bitbake(
    args: string[],
    options: { env?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<BitbakeResult> {
    const running = this.start(args, options.env);
    const timer = setTimeout(() => running.child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    try {
      const result = await running.done;
      if (result.signal === 'SIGKILL') result.output += '\n[test] bitbake killed after the timeout';
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  /** pid of the bitbake server, from the lock file it writes into the build dir. */
  async serverPid(): Promise<number | undefined> {
    const text = await readFile(join(this.build, 'bitbake.lock'), 'utf8').catch(() => '');
    const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  }

  /**
   * Processes of this project still alive: bitbake's (marked in their environment) and isar-fetch's (their
   * command line names this project's DL_DIR). Only this project's processes can match.
   */
  async processes(): Promise<{ pid: number; cmdline: string }[]> {
    const found: { pid: number; cmdline: string }[] = [];
    for (const entry of await readdir('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      try {
        const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ').trim();
        const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
        if (/\) Z /.test(stat)) continue; // a zombie holds nothing
        if (environ.includes(`${MARKER}=${this.root}\0`) || cmdline.includes(this.dlDir)) {
          found.push({ pid, cmdline });
        }
      } catch {
        // gone meanwhile
      }
    }
    return found;
  }

  /** Kills what is left of this project's processes (after a failed or killed run) and removes it. */
  async dispose(): Promise<void> {
    for (const { pid } of await this.processes()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(this.root, { recursive: true, force: true });
  }
}

export interface BitbakeRun {
  child: ChildProcess;
  done: Promise<BitbakeResult>;
  output(): string;
}

/** The files of `dir` (recursively), relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  await walk(dir, '');
  return out.sort();
}

// Isar's meta layer is the collection "core" of series v0.6; this repository's layer declares the dependency.
const LAYER_CONF = `BBPATH .= ":\${LAYERDIR}"
BBFILES += "\${LAYERDIR}/recipes/*.bb"
BBFILE_COLLECTIONS += "core"
BBFILE_PATTERN_core = "^\${LAYERDIR}/"
BBFILE_PRIORITY_core = "5"
LAYERSERIES_CORENAMES = "v0.6 next"
LAYERSERIES_COMPAT_core = "v0.6"
`;

// What bitbake needs to run a task (OE's and Isar's bitbake.conf set far more); it includes local.conf as theirs do.
const BITBAKE_CONF = `TMPDIR = "\${TOPDIR}/tmp"
CACHE = "\${TMPDIR}/cache"
PN = "\${@bb.parse.vars_from_file(d.getVar('FILE', False), d)[0]}"
PROVIDES = "\${PN}"
PF = "\${PN}"
WORKDIR = "\${TMPDIR}/work/\${PN}"
T = "\${WORKDIR}/temp"
STAMP = "\${TMPDIR}/stamps/\${PN}"
PACKAGE_ARCH ?= "amd64"
export PATH
BB_BASEHASH_IGNORE_VARS = "TMPDIR TOPDIR FILE BB_CURRENTTASK DL_DIR BB_NO_NETWORK BB_STRICT_CHECKSUM"
include conf/local.conf
`;

/** do_fetch / do_unpack / do_cleanall as Isar's base.bbclass writes them; do_checkuri as OE-core's. */
const BASE_CLASS = `
do_fetch[dirs] = "\${DL_DIR}"
# Evaluated at parse time for every recipe: every SRC_URI goes through urldata_init there.
do_fetch[file-checksums] = "\${@bb.fetch.get_checksum_file_list(d)}"
# bitbake runs a task in a namespace without network unless the task says it needs it.
do_fetch[network] = "1"
python do_fetch() {
    src_uri = (d.getVar('SRC_URI') or "").split()
    if len(src_uri) == 0:
        return
    try:
        fetcher = bb.fetch2.Fetch(src_uri, d)
        fetcher.download()
    except bb.fetch2.BBFetchException as e:
        bb.fatal(str(e))
}
addtask fetch

do_unpack[dirs] = "\${WORKDIR}"
python do_unpack() {
    src_uri = (d.getVar('SRC_URI') or "").split()
    if len(src_uri) == 0:
        return
    rootdir = d.getVar('WORKDIR')
    try:
        fetcher = bb.fetch2.Fetch(src_uri, d)
        fetcher.unpack(rootdir)
    except bb.fetch2.BBFetchException as e:
        bb.fatal(str(e))
}
addtask unpack after do_fetch

do_build[noexec] = "1"
addtask build after do_unpack

addtask cleanall
do_cleanall[nostamp] = "1"
python do_cleanall() {
    src_uri = (d.getVar('SRC_URI') or "").split()
    if len(src_uri) == 0:
        return
    try:
        fetcher = bb.fetch2.Fetch(src_uri, d)
        fetcher.clean()
    except bb.fetch2.BBFetchException as e:
        bb.fatal(str(e))
}

addtask checkuri
do_checkuri[nostamp] = "1"
do_checkuri[network] = "1"
python do_checkuri() {
    src_uri = (d.getVar('SRC_URI') or "").split()
    if len(src_uri) == 0:
        return
    try:
        fetcher = bb.fetch2.Fetch(src_uri, d)
        fetcher.checkstatus()
    except bb.fetch2.BBFetchException as e:
        bb.fatal(str(e))
}
`;
