import {
  ARCHIVE_FORMATS,
  type ArchiveFormat,
  checksumPolicyFromEnv,
  type FetchResult,
  fetchImage,
  parseChecksumPolicy,
  parseDockerUrl,
  type ZstdSettings,
} from '@isar/fetch-core';
import type { Command, CommandContext } from '../command.js';
import { usageError } from '../errors/cli-error.js';
import { ARCH_OPTION, DL_DIR_OPTION, DOCKER_URL_POSITIONAL } from '../options/image-flags.js';
import { REGISTRY_OPTIONS, registryClientOptions } from '../options/registry-flags.js';
import { parseZstdDefaults } from '../options/zstd-defaults.js';
import { createReporter } from '../progress/create-reporter.js';

/** The `--json` result of `fetch`: one object on stdout. */
export interface FetchJson {
  path: string;
  reference: string;
  indexDigest: string;
  manifestDigest: string;
  platform: string;
  format: ArchiveFormat;
  cacheHit: boolean;
  bytesDownloaded: number;
  bytesFromCache: number;
  seconds: number;
  /** Upstream's missing-checksum warning, when the URL has no digest and the policy is `0`. */
  warning?: string;
  /** `SRC_URI = "<url>;digest=..."`, when the URL has no digest. */
  srcUri?: string;
  /** `no SBOM <path>: <reason>`, when the archive was published without the SBOM it should have. */
  sbomWarning?: string;
}

/** The `--json` object of `fetch` for a fetch result. */
export function fetchJson(result: FetchResult, sbomWarning?: string): FetchJson {
  return {
    path: result.path,
    reference: result.reference,
    indexDigest: result.indexDigest,
    manifestDigest: result.manifestDigest,
    platform: result.platform,
    format: result.format,
    cacheHit: result.cacheHit,
    bytesDownloaded: result.bytesDownloaded,
    bytesFromCache: result.bytesFromCache,
    seconds: Math.round(result.seconds * 1000) / 1000,
    ...(result.warning ? { warning: result.warning } : {}),
    ...(result.srcUriLine ? { srcUri: result.srcUriLine } : {}),
    ...(sbomWarning ? { sbomWarning } : {}),
  };
}

function archiveFormat(ctx: CommandContext): ArchiveFormat {
  const value = ctx.string('format') ?? 'docker-archive';
  if (!(ARCHIVE_FORMATS as readonly string[]).includes(value)) {
    throw usageError(`fetch: --format must be ${ARCHIVE_FORMATS.join(' or ')}, got "${value}"`);
  }
  return value as ArchiveFormat;
}

/** Flags first, then Isar's `ZSTD_DEFAULTS` from the environment, then our defaults (level 3, ncpu threads). */
function zstdSettings(ctx: CommandContext): ZstdSettings {
  const fromEnv = parseZstdDefaults(ctx.env.ZSTD_DEFAULTS);
  const level = ctx.integer('zstd-level') ?? fromEnv.level;
  const threads = ctx.integer('zstd-threads') ?? fromEnv.threads;
  return { ...(level !== undefined ? { level } : {}), ...(threads !== undefined ? { threads } : {}) };
}

/**
 * `fetch <url> --dl-dir <dir> --arch <debian-arch>`: fetch an image into DL_DIR and print the archive's path.
 */
export const fetchCommand: Command = {
  name: 'fetch',
  summary: "fetch an image into DL_DIR as Isar's fetcher names it; prints the archive's path",
  description:
    'Resolves the tag (checksum policy as BB_STRICT_CHECKSUM), picks the platform of --arch, downloads the\n' +
    'layers into the blob cache (<dl-dir>/container-images/blobs, shared by every tag and format, resumable),\n' +
    'writes the archive compressed with zstd and publishes it atomically at\n' +
    '<dl-dir>/container-images/<arch>/[<variant>/]<name>_<digest|tag>.zst. A digest-pinned URL already there\n' +
    'is answered with no network. Prints the absolute path, or one JSON object with --json.',
  positionals: [DOCKER_URL_POSITIONAL],
  options: {
    'dl-dir': DL_DIR_OPTION,
    arch: ARCH_OPTION,
    format: {
      type: 'string',
      valueName: 'docker-archive|oci',
      description: 'docker-archive (default, what Isar ships) or oci (keeps registry digests, faster)',
    },
    'zstd-level': {
      type: 'string',
      valueName: 'N',
      description: 'zstd level 1..22 (default: ZSTD_DEFAULTS, else 3)',
    },
    'zstd-threads': {
      type: 'string',
      valueName: 'N',
      description: 'zstd worker threads (default: ZSTD_DEFAULTS, else the CPU count, at least 2)',
    },
    'strict-checksum': {
      type: 'string',
      valueName: '0|1|ignore',
      description: 'missing digest: 1 error, 0 warning (default), ignore; default BB_STRICT_CHECKSUM',
    },
    ...REGISTRY_OPTIONS,
    offline: {
      type: 'boolean',
      description: 'no network (BB_NO_NETWORK): answer from DL_DIR or fail with OFFLINE',
    },
    sbom: {
      type: 'boolean',
      description: 'write <archive>.cdx.json (default for docker-archive; oci: reads the archive again)',
    },
    'no-sbom': { type: 'boolean', description: 'write no <archive>.cdx.json beside a docker-archive' },
    'no-blob-cache': { type: 'boolean', description: 'keep no blobs (no reuse between tags, no resume)' },
    'blob-cache-dir': {
      type: 'string',
      valueName: 'dir',
      description: 'where blobs are kept (default <dl-dir>/container-images/blobs)',
    },
    json: { type: 'boolean', description: 'one JSON object on stdout; progress as JSON lines on stderr' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress on stderr (warnings and errors still)' },
  },
  async run(ctx) {
    const url = parseDockerUrl(ctx.positional('url'));
    const strict = ctx.string('strict-checksum');
    const policy =
      strict !== undefined ? parseChecksumPolicy(strict) : checksumPolicyFromEnv(ctx.env.BB_STRICT_CHECKSUM);
    const noCache = ctx.flag('no-blob-cache');
    const cacheDir = ctx.string('blob-cache-dir');
    if (noCache && cacheDir)
      throw usageError('fetch: --no-blob-cache and --blob-cache-dir exclude each other');
    if (ctx.flag('sbom') && ctx.flag('no-sbom'))
      throw usageError('fetch: --sbom and --no-sbom exclude each other');
    const sbom = ctx.flag('sbom') ? true : ctx.flag('no-sbom') ? false : undefined;
    const json = ctx.flag('json');
    const quiet = ctx.flag('quiet');
    const reporter = createReporter(ctx.io.stderr, { quiet, json, program: ctx.program.name });
    let result: FetchResult;
    let sbomWarning: string | undefined;
    try {
      result = await fetchImage(url, {
        dlDir: ctx.resolvePath(ctx.requireString('dl-dir')),
        arch: ctx.requireString('arch'),
        format: archiveFormat(ctx),
        zstd: zstdSettings(ctx),
        policy,
        ...(noCache
          ? { blobCache: false as const }
          : cacheDir
            ? { blobCache: ctx.resolvePath(cacheDir) }
            : {}),
        ...(ctx.flag('offline') ? { offline: true } : {}),
        ...(sbom === undefined ? {} : { sbom }),
        signal: ctx.signal,
        registry: registryClientOptions(ctx),
        onProgress: (event) => {
          // The warning is not progress: it shows with --quiet too (with --json it is in the result).
          if (event.type === 'warning') reporter.note(`warning: ${event.message}`);
          if (event.type === 'sbom-failed') {
            // With --json --quiet (how bitbake runs us) notes are not printed: the result carries it.
            sbomWarning = `no SBOM ${event.path}: ${event.reason}`;
            reporter.note(`warning: ${sbomWarning}`);
          }
          reporter.onProgress(event);
        },
      });
    } finally {
      reporter.close();
    }
    if (json) ctx.print(JSON.stringify(fetchJson(result, sbomWarning)));
    else ctx.print(result.path);
    return 0;
  },
};
