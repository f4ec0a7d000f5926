/**
 * skopeo, the reference client: seeds registries from fixture layouts so tests never depend on the
 * code under test to put images in place.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuiltImage } from './image-builder.js';
import { type RunOptions, runChecked } from './run-command.js';
import { tmpDir } from './tmp-dir.js';

/** Runs `skopeo --insecure-policy <args>`; rejects with a CommandError carrying stderr on failure. */
export async function skopeo(
  args: string[],
  opts: RunOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  const { stdout, stderr } = await runChecked('skopeo', ['--insecure-policy', ...args], opts);
  return { stdout, stderr };
}

export interface TlsClientOptions {
  /** A certs.d root (`<certsDir>/<host>/ca.crt`, as `Registry.ca.certsDir`) or a dir holding *.crt directly. */
  certsDir?: string;
  /** Verify TLS (default: true when certsDir is given, else false, which also allows plain HTTP). */
  verify?: boolean;
}

export interface PushOptions {
  /** Convert on the way: 'v2s2' = Docker schema 2 media types (digests then change). */
  format?: 'oci' | 'v2s2';
  tls?: TlsClientOptions;
  /** 'user:password' */
  creds?: string;
  signal?: AbortSignal;
}

/** skopeo flags for TLS towards `host` with the given prefix ('--src' or '--dest'). */
export function tlsFlags(prefix: '--src' | '--dest', host: string, tls: TlsClientOptions = {}): string[] {
  const flags: string[] = [];
  const verify = tls.verify ?? tls.certsDir !== undefined;
  flags.push(`${prefix}-tls-verify=${verify}`);
  if (tls.certsDir) {
    const perHost = join(tls.certsDir, host);
    flags.push(`${prefix}-cert-dir`, existsSync(perHost) ? perHost : tls.certsDir);
  }
  return flags;
}

function hostOf(dest: string): string {
  return dest.replace(/^docker:\/\//, '').split('/')[0] ?? dest;
}

/**
 * Copies every platform of `image` to `dest` ('127.0.0.1:PORT/name:tag') with
 * `skopeo copy --all` (digests preserved unless converting) and returns the digest the registry now
 * serves at that tag.
 */
export async function pushImage(
  image: BuiltImage,
  dest: string,
  options: PushOptions = {},
): Promise<{ digest: string }> {
  const target = dest.startsWith('docker://') ? dest : `docker://${dest}`;
  const work = await tmpDir('isar-push-');
  try {
    const digestFile = join(work.path, 'digest');
    const source = await skopeoSourceOf(image, join(work.path, 'source'));
    const convert = options.format !== undefined && options.format !== sourceFormat(image);
    const args = [
      'copy',
      '--all',
      '--quiet',
      ...(convert ? ['--format', options.format as string] : ['--preserve-digests']),
      '--digestfile',
      digestFile,
      ...tlsFlags('--dest', hostOf(dest), options.tls),
      ...(options.creds ? ['--dest-creds', options.creds] : []),
      source,
      target,
    ];
    await skopeo(args, { signal: options.signal });
    const inspect = await skopeo(['inspect', '--raw', ...inspectFlags(hostOf(dest), options), target], {
      signal: options.signal,
    });
    const served = `sha256:${createHash('sha256').update(inspect.stdout).digest('hex')}`;
    const reported = (await readFile(digestFile, 'utf8')).trim();
    if (reported && reported !== served) {
      throw new Error(`skopeo reported ${reported} but ${dest} serves ${served}`);
    }
    return { digest: served };
  } finally {
    await work.cleanup();
  }
}

/**
 * The skopeo source name of a fixture. containers/image's `oci:` transport only finds index.json
 * entries with OCI media types, so Docker-typed fixtures are staged as a `dir:` image (format 1.1:
 * manifest.json, <hex>.manifest.json per instance, blobs by hex), which keeps their bytes and digests.
 */
async function skopeoSourceOf(image: BuiltImage, stagingDir: string): Promise<string> {
  if (!image.mediaType.includes('vnd.docker')) return `oci:${image.layoutDir}:${image.refName}`;
  const blobs = join(image.layoutDir, 'blobs', 'sha256');
  const hex = (digest: string) => digest.slice('sha256:'.length);
  const place = async (digest: string, name: string) => {
    // hard links are free; fall back to a copy across filesystems
    await link(join(blobs, hex(digest)), join(stagingDir, name)).catch(() =>
      copyFile(join(blobs, hex(digest)), join(stagingDir, name)),
    );
  };
  await mkdir(stagingDir);
  await writeFile(join(stagingDir, 'version'), 'Directory Transport Version: 1.1\n');
  await place(image.digest, 'manifest.json');
  const placed = new Set<string>();
  for (const manifest of image.manifests) {
    if (image.indexDigest) await place(manifest.digest, `${hex(manifest.digest)}.manifest.json`);
    for (const blob of [manifest.configDigest, ...manifest.layers.map((layer) => layer.digest)]) {
      if (placed.has(blob)) continue;
      placed.add(blob);
      await place(blob, hex(blob));
    }
  }
  return `dir:${stagingDir}`;
}

function sourceFormat(image: BuiltImage): 'oci' | 'v2s2' {
  return image.mediaType.includes('vnd.docker') ? 'v2s2' : 'oci';
}

function inspectFlags(host: string, options: PushOptions): string[] {
  const flags = tlsFlags('--src', host, options.tls).map((flag) => flag.replace(/^--src-/, '--'));
  if (options.creds) flags.push('--creds', options.creds);
  return flags;
}
