import { stat } from 'node:fs/promises';
import { type PlannedImage, planImages } from '../archive/image-plan.js';
import type { LoaderSettings } from '../config/settings.js';
import type { Engine, LoadedImage } from '../engines/engine.js';
import { describeError, errorCode, isAbort, LoaderError } from '../errors.js';
import { type DiscoveredInputs, discoverInputs, type LoadItem } from '../inputs/discover.js';
import { findImageSbom } from '../inputs/sbom-file.js';
import { quoted } from '../report/printable.js';
import { type ImageResult, type LoadReport, summarize } from '../report/result.js';
import { deleteArchive } from './delete-archive.js';

/** Options of {@link loadImages}: abort signal and a callback per finished image. */
export interface LoadImagesOptions {
  signal?: AbortSignal;
  /** Called as soon as each image is done (the journal gets a line per image while the run goes on). */
  onResult?: (result: ImageResult) => void;
}

type Settings = Pick<LoaderSettings, 'imagesDir' | 'listFile' | 'engine' | 'force' | 'deleteAfterLoad'>;

/**
 * Loads every archive the inputs name into the engine, one after the other. Each image ends loaded, skipped
 * or failed; a failure never stops the others. The only state is the engine's: an image counts as there
 * when the engine holds it under its name, so a run interrupted at any point (power loss included) is
 * simply repeated, and an archive is deleted only once its image has been confirmed in place.
 * Throws only for bad usage (no images directory, unreadable list): that is exit code 2, not a failed image.
 */
export async function loadImages(
  settings: Settings,
  engine: Engine,
  options: LoadImagesOptions = {},
): Promise<LoadReport> {
  const { signal } = options;
  const inputs = await discoverInputs(settings.imagesDir, settings.listFile, signal);
  const results: ImageResult[] = [];
  const emit = (result: ImageResult) => {
    results.push(result);
    options.onResult?.(result);
  };
  for (const problem of inputs.problems) {
    const file = inputs.source.kind === 'list' ? inputs.source.file : settings.imagesDir;
    emit({
      status: 'failed',
      file,
      archive: '',
      names: [],
      line: problem.line,
      code: 'IMAGE_LIST',
      reason: `${problem.message}: ${quoted(problem.text)}`,
      seconds: 0,
    });
  }

  let unavailable: unknown;
  if (inputs.items.length > 0) {
    try {
      await engine.probe(signal);
    } catch (error) {
      unavailable = error;
    }
  }
  const users = archiveUsers(inputs.items);
  const outcomes = new Map<string, ImageResult[]>();
  for (const [index, item] of inputs.items.entries()) {
    const started = performance.now();
    let result: ImageResult;
    if (unavailable !== undefined || signal?.aborted) {
      const error = signal?.aborted
        ? new LoaderError('ABORTED', 'interrupted before this image')
        : unavailable;
      result = failed(item, [], error, started);
    } else {
      result = await loadItem(item, engine, settings.force, started, signal);
    }
    const sameArchive = [...(outcomes.get(item.archive) ?? []), result];
    outcomes.set(item.archive, sameArchive);
    // Delete when the last line naming this archive is done and every line got its image in place.
    const lastUser = users.get(item.archive) === index;
    if (settings.deleteAfterLoad && lastUser && result.status === 'loaded') {
      const allInPlace = sameArchive.every((r) => r.status !== 'failed');
      if (allInPlace) {
        try {
          await deleteArchive(item.archive);
          result.deleted = true;
        } catch (error) {
          Object.assign(result, failed(item, result.names, error, started), { images: result.images });
        }
      }
    }
    // The SBOM shipped with the image (beside the archive, or in the package's sbom/): information only.
    const sbom = signal?.aborted ? undefined : await findImageSbom(settings.imagesDir, item.archive);
    if (sbom) result.sbom = sbom;
    result.seconds = seconds(started);
    emit(result);
  }
  return {
    engine: settings.engine,
    source: sourceLabel(inputs),
    results,
    summary: summarize(results),
    ok: results.every((r) => r.status !== 'failed'),
  };
}

async function loadItem(
  item: LoadItem,
  engine: Engine,
  force: boolean,
  started: number,
  signal?: AbortSignal,
): Promise<ImageResult> {
  const names = item.expected ? [item.expected.full] : [];
  try {
    // The cheap check first, as Isar's loader does: a listed name the engine has means no archive is read.
    if (item.expected && !force) {
      const present = await engine.lookup(item.expected, signal);
      if (present !== undefined) {
        const images = [
          { name: item.expected.full, target: engine.targetName(item.expected), digest: present },
        ];
        return skipped(item, names, images, started);
      }
    }
    if (!(await stat(item.archive).catch(() => undefined))?.isFile()) {
      throw new LoaderError('ARCHIVE_MISSING', `archive ${item.archive} does not exist`);
    }
    const prepared = await engine.prepare(item.archive, signal);
    try {
      const plan = planImages(prepared.contents, item.expected);
      const planned = plan.map((p) => p.name.full);
      if (!item.expected && !force) {
        const images = await presentImages(engine, plan, signal);
        if (images) return skipped(item, planned, images, started);
      }
      const images = await engine.load(prepared, plan, signal);
      return { ...base(item, planned), status: 'loaded', images, seconds: seconds(started) };
    } finally {
      await prepared.dispose();
    }
  } catch (error) {
    const reported = isAbort(error, signal)
      ? new LoaderError('ABORTED', 'interrupted', { cause: error })
      : error;
    return failed(item, names, reported, started);
  }
}

/**
 * Each planned name as the engine holds it, or `undefined` as soon as one is missing. One lookup at a time:
 * an archive may carry hundreds of names, and hundreds of parallel `image inspect` processes or requests
 * (each with a listener on the run's signal) are a burst the device does not need.
 */
async function presentImages(
  engine: Engine,
  plan: readonly PlannedImage[],
  signal?: AbortSignal,
): Promise<LoadedImage[] | undefined> {
  const images: LoadedImage[] = [];
  for (const { name } of plan) {
    const digest = await engine.lookup(name, signal);
    if (digest === undefined) return undefined;
    images.push({ name: name.full, target: engine.targetName(name), digest });
  }
  return images;
}

function base(item: LoadItem, names: string[]): Omit<ImageResult, 'status' | 'seconds'> {
  return {
    file: item.label,
    archive: item.archive,
    names,
    ...(item.line !== undefined ? { line: item.line } : {}),
  };
}

function skipped(item: LoadItem, names: string[], images: LoadedImage[], started: number): ImageResult {
  return {
    ...base(item, names),
    status: 'skipped',
    skipReason: 'present',
    images,
    seconds: seconds(started),
  };
}

function failed(item: LoadItem, names: string[], error: unknown, started: number): ImageResult {
  return {
    ...base(item, names),
    status: 'failed',
    code: errorCode(error),
    reason: describeError(error),
    seconds: seconds(started),
  };
}

/** For each archive, the index of the last item that names it. */
function archiveUsers(items: readonly LoadItem[]): Map<string, number> {
  const last = new Map<string, number>();
  for (const [index, item] of items.entries()) last.set(item.archive, index);
  return last;
}

function sourceLabel(inputs: DiscoveredInputs): string {
  return inputs.source.kind === 'list' ? `list:${inputs.source.file}` : `scan:${inputs.source.dir}`;
}

function seconds(started: number): number {
  return Math.round((performance.now() - started) / 10) / 100;
}
